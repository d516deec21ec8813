"""Workforce figures by service area, from the council's HR records: entered by the admin or imported from a CSV.

These are not survey answers: they are the council's own counts of posts and
people, as committee reports have always shown them (Gateshead's table of
starters, leavers and NQSWs by service area). The rates are those of the
Department for Education's children's social work workforce statistics:

    turnover rate = leavers (FTE) in the year / social workers in post (FTE)
    vacancy rate  = vacancies (FTE) / (vacancies + social workers in post) = vacancies / posts
    agency rate   = agency workers (FTE) / (agency workers + social workers in post)

where social workers in post = posts - vacancies. A CSV is checked whole: any
bad row imports nothing, and every problem is named with its line.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit_log, csvfile
from ..models import ServiceArea, User, WorkforceFigures

# column, label, what to enter, whole number?
FIELDS = (
    ("posts_fte", "Posts (FTE)", "the number of posts, filled or not, as full-time equivalents", False),
    ("vacancies_fte", "Vacancies (FTE)", "the vacancies, as full-time equivalents", False),
    ("agency_fte", "Agency and locum workers (FTE)", "the agency and locum workers, as full-time equivalents", False),
    ("starters_fte", "Starters (FTE)", "the starters in the year, as full-time equivalents", False),
    ("leavers_fte", "Leavers (FTE)", "the leavers in the year, as full-time equivalents", False),
    ("asye", "ASYE social workers", "the number of newly qualified social workers in their ASYE", True),
    ("average_caseload", "Average caseload", "the average number of children per social worker", False),
)
OPTIONAL = {"average_caseload"}
LIMITS = {"average_caseload": 100.0}
MOST = 10_000.0
MAX_ROWS = 500
COLUMNS = ("service_area",) + tuple(f[0] for f in FIELDS)


@dataclass(frozen=True)
class Entry:
    posts_fte: float
    vacancies_fte: float
    agency_fte: float
    starters_fte: float
    leavers_fte: float
    asye: int
    average_caseload: float | None


class WorkforceFileError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


# Checking one area's figures (the form and each CSV row) ----------------------------

def _number(name: str, label: str, what: str, whole: bool, raw: str) -> tuple[float | None, str | None]:
    text = raw.strip().replace(",", "")
    if not text:
        return None, (None if name in OPTIONAL else f"Enter {what}")
    try:
        value = float(text)
    except ValueError:
        return None, f"{label} must be a {'whole ' if whole else ''}number, like {'3' if whole else '12.5'}"
    if not math.isfinite(value):
        return None, f"{label} must be a number, like 12.5"
    if whole and not value.is_integer():
        return None, f"{label} must be a whole number, like 3"
    if value < 0:
        return None, f"{label} must be 0 or more"
    most = LIMITS.get(name, MOST)
    if value > most:
        return None, f"{label} must be {most:,.0f} or less"
    return value, None


def check(values: Mapping[str, str]) -> tuple[Entry | None, dict[str, str]]:
    """An area's figures from what was typed, or a plain message for each field that is wrong."""
    found: dict[str, float | None] = {}
    problems: dict[str, str] = {}
    for name, label, what, whole in FIELDS:
        found[name], problem = _number(name, label, what, whole, values.get(name) or "")
        if problem:
            problems[name] = problem
    posts, vacancies = found.get("posts_fte"), found.get("vacancies_fte")
    if posts is not None and vacancies is not None and vacancies > posts:
        problems["vacancies_fte"] = "Vacancies cannot be more than posts"
    if problems:
        return None, problems
    return Entry(found["posts_fte"] or 0.0, found["vacancies_fte"] or 0.0, found["agency_fte"] or 0.0,
                 found["starters_fte"] or 0.0, found["leavers_fte"] or 0.0, int(found["asye"] or 0),
                 found["average_caseload"]), {}


# Reading and saving -------------------------------------------------------------------

def figures(db: Session, council_id: int, year: int) -> list[WorkforceFigures]:
    return list(db.scalars(select(WorkforceFigures).join(ServiceArea)
                           .where(WorkforceFigures.council_id == council_id, WorkforceFigures.year == year)
                           .order_by(ServiceArea.name)))


def _saved(db: Session, area: ServiceArea, year: int) -> WorkforceFigures | None:
    return db.scalar(select(WorkforceFigures).where(WorkforceFigures.council_id == area.council_id,
                                                    WorkforceFigures.year == year,
                                                    WorkforceFigures.service_area_id == area.id))


def enter(db: Session, area: ServiceArea, year: int, entry: Entry, actor: User) -> WorkforceFigures:
    """An area's figures for the year, as the admin typed them, and the audit log's entry: one transaction."""
    change = "entered" if _saved(db, area, year) is None else "edited"
    row = save(db, area, year, entry, actor.name)
    audit_log.record(db, actor, audit_log.WORKFORCE_CHANGED, detail={"change": change, "year": year, "area": area.id})
    db.commit()
    return row


def save(db: Session, area: ServiceArea, year: int, entry: Entry, author: str) -> WorkforceFigures:
    """An area's figures for the year, in the caller's transaction (nothing recorded: see `enter`)."""
    row = _saved(db, area, year)
    if row is None:
        row = WorkforceFigures(council_id=area.council_id, year=year, service_area_id=area.id)
        db.add(row)
    for name, value in vars(entry).items():
        setattr(row, name, value)
    row.updated_at, row.updated_by = dt.datetime.now(dt.UTC).replace(tzinfo=None), author
    return row


def import_csv(db: Session, council_id: int, year: int, data: bytes, actor: User) -> int:
    """Every row of the file, or nothing: a file with any problem raises WorkforceFileError naming each line.
    The figures and the audit log's entry (how many areas, never the figures) are one transaction."""
    areas = {a.name.strip().lower(): a for a in db.scalars(select(ServiceArea).where(ServiceArea.council_id == council_id))}
    rows = parse(data, areas)
    for area, entry in rows:
        save(db, area, year, entry, actor.name)
    audit_log.record(db, actor, audit_log.WORKFORCE_CHANGED, council_id=council_id,
                     detail={"change": "imported", "year": year, "areas": len(rows)})
    db.commit()
    return len(rows)


def parse(data: bytes, areas: dict[str, ServiceArea]) -> list[tuple[ServiceArea, Entry]]:
    try:
        text = csvfile.text_of(data)
        if not text.strip():
            raise WorkforceFileError([f"The file is empty. It needs a header row: {','.join(COLUMNS)}"])
        reader, header = csvfile.reader(text)
    except csvfile.UnreadableFile as exc:  # a binary or UTF-16 file was a 500
        raise WorkforceFileError(exc.problems) from None
    missing = [c for c in COLUMNS if c not in header and c not in OPTIONAL]
    if missing:
        raise WorkforceFileError([(f"The first row must name the columns {', '.join(COLUMNS)}. "
                                   f"Missing: {', '.join(missing)}")])
    found: list[tuple[ServiceArea, Entry]] = []
    problems: list[str] = []
    seen: dict[int, int] = {}
    try:
        for record in reader:
            line = reader.line_num
            if len(found) + len(problems) >= MAX_ROWS:
                problems.append(f"The file has more than {MAX_ROWS} rows")
                break
            row, row_problems = _row(line, record, areas, seen)
            problems += row_problems
            if row is not None:
                found.append(row)
                seen[row[0].id] = line
    except csv.Error as exc:
        problems.append(f"Line {reader.line_num}: this row cannot be read ({exc}). Check for a stray quotation mark")
    if problems:
        raise WorkforceFileError(problems)
    if not found:
        raise WorkforceFileError(["The file has a header row but no service areas in it"])
    return found


def _row(line: int, record: dict[str, str | None], areas: dict[str, ServiceArea],
         seen: dict[int, int]) -> tuple[tuple[ServiceArea, Entry] | None, list[str]]:
    values = {k: (v or "") for k, v in record.items() if isinstance(k, str)}
    if not any(v.strip() for v in values.values()):
        return None, []  # a blank line
    name = values.get("service_area", "").strip()
    area = areas.get(name.lower())
    problems = []
    if not name:
        problems.append(f"Line {line}: enter the service area")
    elif area is None:
        problems.append(f"Line {line}: there is no service area called ‘{name}’")
    elif area.id in seen:
        problems.append(f"Line {line}: {area.name} is already on line {seen[area.id]}")
    entry, wrong = check(values)
    problems += [f"Line {line}, {column}: {message}" for column, message in wrong.items()]
    if problems or area is None or entry is None:
        return None, problems
    return (area, entry), []


# Rates ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Totals:
    """An area's figures, or the council's (the sum of its areas), with the Department for Education's rates."""

    label: str
    posts: float
    vacancies: float
    agency: float
    starters: float
    leavers: float
    asye: int
    caseload: float | None  # the council's: the average of its areas', weighted by social workers in post

    @property
    def in_post(self) -> float:
        return self.posts - self.vacancies

    @property
    def turnover(self) -> float | None:
        return self.leavers / self.in_post if self.in_post > 0 else None

    @property
    def vacancy(self) -> float | None:
        return self.vacancies / self.posts if self.posts > 0 else None

    @property
    def agency_rate(self) -> float | None:
        whole = self.agency + self.in_post
        return self.agency / whole if whole > 0 else None


def totals(row: WorkforceFigures) -> Totals:
    return Totals(row.service_area.name, row.posts_fte, row.vacancies_fte, row.agency_fte, row.starters_fte,
                  row.leavers_fte, row.asye, row.average_caseload)


def council_totals(rows: list[Totals], label: str = "Council") -> Totals:
    weighted = [(r.caseload, r.in_post) for r in rows if r.caseload is not None and r.in_post > 0]
    weight = sum(w for _, w in weighted)
    return Totals(label, sum(r.posts for r in rows), sum(r.vacancies for r in rows), sum(r.agency for r in rows),
                  sum(r.starters for r in rows), sum(r.leavers for r in rows), sum(r.asye for r in rows),
                  sum(c * w for c, w in weighted) / weight if weight else None)
