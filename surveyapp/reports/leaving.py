"""Leavers and the workforce: the exit interviews of the same year (as released) and the HR figures by area."""

from __future__ import annotations

from ..disclosure import cells as c
from ..disclosure.reader import Released, Row
from . import fmt, workforce
from .document import Block, Heading, Paragraph, Table
from .inputs import Inputs
from .staff_said import comment_themes

REASONS, DESTINATION, KEPT = "main_reasons", "destination", "would_have_kept_you"


def leavers(i: Inputs) -> list[Block]:
    data = i.leavers
    if data is None or i.exit_run is None:
        return [Heading("Leavers"), Paragraph(f"No exit interviews of {i.run.year} have been released.")]
    blocks: list[Block] = [Heading("Leavers"), Paragraph(
        f"{fmt.count(data.respondents(c.ALL))} leavers took part in an exit interview ({i.exit_run.title}).")]
    q = data.questionnaire
    if (reasons := q.question(REASONS)) is not None:
        blocks.append(reasons_table(data.row(reasons, c.ALL), data.options(reasons)))
    if (destination := q.question(DESTINATION)) is not None:
        rows = [data.row(destination, a) for a in data.heat_units(c.ALL)] + [data.row(destination, c.ALL, "All leavers")]
        blocks.append(destinations_table(rows, data.options(destination)))
    return blocks + comment_themes(data, None, "What would have kept them", 3, only=KEPT)


def reasons_table(row: Row, options: list[tuple[str, str]]) -> Table:
    """Most given first, hidden ones after the shown, as the leavers page lists them."""
    ordered = sorted(options, key=lambda o: (row.counts.get(o[0]) is None, -(row.counts.get(o[0]) or 0)))
    return Table("Main reasons for leaving (each leaver gave up to 3)", ["Reason", "Leavers"],
                 [[label, fmt.count(row.counts.get(value))] for value, label in ordered], frozenset({1}))


def destinations_table(rows: list[Row], options: list[tuple[str, str]]) -> Table:
    return Table("Where leavers went, by service area", ["Service area", *(label for _, label in options), "Leavers"],
                 [[r.label, *(fmt.count(r.counts.get(v)) for v, _ in options), fmt.count(r.total)] for r in rows],
                 frozenset(range(1, len(options) + 2)))


# Workforce -------------------------------------------------------------------------------

def staffing(i: Inputs) -> list[Block]:
    if not i.staff:
        return [Heading("Workforce"), Paragraph(
            f"No workforce figures have been entered for {i.run.year}. The principal social worker enters them by "
            "service area, or imports them from a CSV file from HR (Committee report, on the health check's page).")]
    policy = _policy(i.now)
    everyone = workforce.council_totals(i.staff)
    return [Heading("Workforce"), Paragraph(
        f"The council’s HR figures by service area for the year to 30 September {i.run.year}, as entered by the "
        "principal social worker. They are the council’s own counts, not survey answers."),
        _figures_table(i.run.year, [*i.staff, everyone], policy), _rates_table(i, everyone),
        Paragraph("Turnover rate: leavers (FTE) in the year divided by social workers in post (FTE). Vacancy rate: "
                  "vacancies (FTE) divided by vacancies and social workers in post (that is, by posts). Agency rate: "
                  "agency and locum workers (FTE) divided by agency workers and social workers in post. These are the "
                  "Department for Education’s definitions in its children’s social work workforce statistics. "
                  "Social workers in post are posts less vacancies.", small=True)]


def _policy(data: Released) -> int | None:
    found = data.content.get("policy", {}).get("caseload")
    return int(found) if found is not None else None


def _against(caseload: float | None, policy: int | None) -> str:
    if caseload is None or policy is None:
        return fmt.NOTHING
    return "Within" if caseload <= policy else "Above"


def _figures_table(year: int, rows: list[workforce.Totals], policy: int | None) -> Table:
    head = ["Service area", "Posts (FTE)", "In post (FTE)", "Vacancies (FTE)", "Agency and locum (FTE)",
            "Starters (FTE)", "Leavers (FTE)", "ASYE social workers", "Average caseload",
            f"Against the policy of {policy}" if policy is not None else "Against policy"]
    return Table(f"Workforce by service area, {year}", head, [
        [r.label, fmt.fte(r.posts), fmt.fte(r.in_post), fmt.fte(r.vacancies), fmt.fte(r.agency), fmt.fte(r.starters),
         fmt.fte(r.leavers), str(r.asye), fmt.fte(r.caseload), _against(r.caseload, policy)] for r in rows],
        frozenset(range(1, 9)))


def _rates_table(i: Inputs, everyone: workforce.Totals) -> Table:
    rows = [[r.label, fmt.rate(r.leavers, r.in_post), fmt.rate(r.vacancies, r.posts),
             fmt.rate(r.agency, r.agency + r.in_post)] for r in [*i.staff, everyone]]
    if i.staff_before:
        last = workforce.council_totals(i.staff_before, f"Council, {i.run.year - 1}")
        rows.append([last.label, fmt.rate(last.leavers, last.in_post), fmt.rate(last.vacancies, last.posts),
                     fmt.rate(last.agency, last.agency + last.in_post)])
    return Table(f"Turnover, vacancy and agency rates, {i.run.year}", ["Service area", "Turnover rate",
                                                                      "Vacancy rate", "Agency rate"],
                 rows, frozenset({1, 2, 3}))
