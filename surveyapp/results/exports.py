"""CSV of every results table, built from the same suppressed figures as the pages.

Nothing here counts anything: it only lays out what `queries` returned after the
anonymity rule, so an export can never show more than the page does.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from ..manage.staff import safe_cell
from .anonymity import Thresholds
from .queries import Breakdown, Heatmap, Overview, Row


def _csv(tables: Iterable[tuple[str, list[str], list[list[object]]]]) -> str:
    """Tables one after another, each under its title, every cell safe from spreadsheet formulas."""
    out = io.StringIO()
    writer = csv.writer(out)
    for title, head, rows in tables:
        writer.writerow([safe_cell(title)])
        writer.writerow([safe_cell(h) for h in head])
        writer.writerows([[safe_cell(str(cell)) for cell in row] for row in rows])
        writer.writerow([])
    return out.getvalue()


def _shown(value: object, rule: Thresholds) -> object:
    return f"Fewer than {rule.figures}" if value is None else value


def overview_csv(summary: Overview, heat: Heatmap | None, rule: Thresholds) -> str:
    rates = [[t.service_area, t.team, t.invited, _shown(t.responded, rule)] for t in summary.rates.teams]
    scores = [[s.title, _shown(s.agree, rule), _shown(s.answered, rule)] for s in summary.sections]
    tables = [("Response rate by team", ["Service area", "Team", "Invited", "Responded"], rates),
              ("Share agreeing, by section", ["Section", "Answers agreeing", "Answers"], scores)]
    if heat is not None:
        rows = [[team, _shown(size, rule)] + ["" if size is None or shares.get(sid) is None
                                              else f"{100 * shares[sid]:.0f}%" for sid, _ in heat.sections]
                for team, size, shares in heat.rows]
        tables.append(("Share agreeing, by team and section",
                       ["Team", "Respondents"] + [title for _, title in heat.sections], rows))
    return _csv(tables)


def _group_row(row: Row, options: list[tuple[str, str]], rule: Thresholds) -> list[object]:
    if row.refused:
        return [row.label, "Hidden: too close in size to a group already shown"] + [""] * len(options)
    if row.size is None:
        return [row.label, _shown(None, rule)] + [""] * len(options)
    return [row.label, row.size] + [_shown(row.counts.get(value), rule) for value, _ in options]


def question_csv(everyone: Row, breakdowns: list[Breakdown], options: list[tuple[str, str]],
                 rule: Thresholds) -> str:
    head = [label for _, label in options]
    tables = [("Everyone", ["Group", "Respondents"] + head, [_group_row(everyone, options, rule)])]
    tables += [(f"By {b.title.lower()}", [b.title, "Respondents"] + head,
                [_group_row(r, options, rule) for r in b.rows]) for b in breakdowns if b.rows]
    return _csv(tables)
