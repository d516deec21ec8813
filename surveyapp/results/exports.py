"""CSV, XLSX and JSON of every results table, built from the same suppressed figures as the pages.

Nothing here counts anything: it only lays out a release's cells, as the pages
do, so an export can never show more than the page does. Every
text cell is made safe from spreadsheet formulas (openpyxl, like Excel, treats
a string starting with "=" as a formula).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable

from flask import Response
from openpyxl import Workbook
from openpyxl.styles import Font

from ..manage.staff import safe_cell
from ..disclosure.access import Reading
from ..disclosure.compare import Change
from ..disclosure.reader import HIDDEN, Breakdown, HeatRow, Row, SectionScore, TeamRate


Table = tuple[str, list[str], list[list[object]]]  # title, header, rows

# Excel allows 31 characters in a sheet's name: a longer title gets a short name that still says what it is
# (the sheet's first row keeps the whole title).
SHEET_NAMES = {"Share agreeing, by team and section": "Agreeing by team and section"}
SHEET_NAME_LIMIT = 31


class Percent(float):
    """A percentage (45.5 means 45.5%): a number in every format, shown with a percent format in Excel."""

    def __str__(self) -> str:
        return f"{float(self):g}"


def _csv(tables: Iterable[Table]) -> str:
    """Tables one after another, each under its title, every cell safe from spreadsheet formulas."""
    out = io.StringIO()
    writer = csv.writer(out)
    for title, head, rows in tables:
        writer.writerow([safe_cell(title)])
        writer.writerow([safe_cell(h) for h in head])
        writer.writerows([[safe_cell(str(cell)) for cell in row] for row in rows])
        writer.writerow([])
    return out.getvalue()


def _cell(value: object) -> object:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else safe_cell(str(value))


def xlsx(tables: Iterable[Table]) -> bytes:
    """One worksheet per table, its title in the first row, numbers kept as numbers."""
    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for title, head, rows in tables:
        sheet = book.create_sheet(_sheet_name(title, used))
        sheet.append([safe_cell(title)])
        sheet["A1"].font = Font(bold=True, size=14)
        sheet.append([safe_cell(h) for h in head])
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([_cell(value) for value in row])
            for value, cell in zip(row, sheet[sheet.max_row]):
                if isinstance(value, Percent):
                    cell.value, cell.number_format = float(value) / 100, "0.0%"
        sheet.column_dimensions["A"].width = 40
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_name(title: str, used: set[str]) -> str:
    # Excel: at most 31 characters, none of []:*?/\ , unique in the workbook.
    base = re.sub(r"[\[\]:*?/\\]", " ", SHEET_NAMES.get(title, title)).strip() or "Table"
    if len(base) > SHEET_NAME_LIMIT - 3:  # room for " 2" and so on; cut between words, never inside one
        base = base[:SHEET_NAME_LIMIT - 2].rsplit(" ", 1)[0].rstrip(",;:-– ")
    name, n = base, 2
    while name in used:
        name, n = f"{base[:26]} {n}", n + 1
    used.add(name)
    return name


def as_json(tables: Iterable[Table]) -> str:
    """The tables for other programs (a council's dashboard): the same cells as the CSV, "Hidden" included."""
    return json.dumps({"tables": [{"title": title, "columns": head, "rows": rows} for title, head, rows in tables]},
                      ensure_ascii=False, default=str)


def download(tables: list[Table], name: str, fmt: str) -> Response:
    if fmt == "json":
        return Response(as_json(tables), mimetype="application/json",
                        headers={"Content-Disposition": f'inline; filename="{name}.json"'})
    if fmt == "xlsx":
        return Response(xlsx(tables), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})
    # A byte order mark so that Excel reads accented names as UTF-8.
    return Response("\ufeff" + _csv(tables), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})


def shown(value: object) -> object:
    """A figure as every page writes it: the number, or "Hidden"."""
    return HIDDEN if value is None else value


def _share(count: int | None, total: int | None) -> object:
    return HIDDEN if count is None or total is None else (Percent(round(100 * count / total, 1)) if total else "")


def overview_tables(reading: Reading, sections: list[SectionScore], changes: dict[str, Change | None],
                    heat: list[HeatRow], rates: list[TeamRate]) -> list[Table]:
    data, unit = reading.data, reading.unit
    tables: list[Table] = [
        ("Responses", ["Group", "Respondents", "Invited"],
         [[reading.unit_label, shown(data.respondents(unit)), shown(data.invited(unit))]]),
        ("Response rate by team", ["Service area", "Team", "Invited", "Responded", "Response rate (%)"],
         [[t.service_area, t.team, shown(t.invited), shown(t.responded), _share(t.responded, t.invited)]
          for t in rates]),
        ("Share agreeing, by section", ["Section", "Agreeing (%)", "Answers agreeing", "Answers",
                                        "Change since last year (points)"],
         [[s.title, _share(s.agree, s.answered), shown(s.agree), shown(s.answered),
           "" if (ch := changes.get(s.section_id)) is None else ch.points] for s in sections]),
    ]
    if not unit.startswith("team:"):
        head = ["Team", "Respondents"] + [f"{s.title} (% agreeing)" for s in sections]
        tables.append(("Share agreeing, by team and section", head,
                       [[r.label, shown(r.size)] + [_share(r.scores[s.section_id].agree, r.scores[s.section_id].answered)
                                                    for s in sections] for r in heat]))
    return tables


def _group_row(row: Row, options: list[tuple[str, str]]) -> list[object]:
    return [row.label, shown(row.size), shown(row.total)] + [shown(row.counts.get(value)) for value, _ in options]


def _answers(everyone: Row, options: list[tuple[str, str]], before: Row | None,
             changes: dict[str, Change | None]) -> Table:
    """The page's first table: each answer, its share, and (when there was one) last year's share and the change."""
    head = ["Answer", "People", "Share (%)"] + (["Last year (%)", "Change since last year (points)"] if before else [])
    rows: list[list[object]] = []
    for value, label in options:
        row = [label, shown(everyone.counts.get(value)), _share(everyone.counts.get(value), everyone.total)]
        if before is not None:
            found = changes.get(value)
            row += [_share(before.counts.get(value), before.total), "" if found is None else found.points]
        rows.append(row)
    return ("Answers", head, rows)


def question_tables(everyone: Row, breakdowns: list[Breakdown], options: list[tuple[str, str]],
                    before: Row | None = None, changes: dict[str, Change | None] | None = None) -> list[Table]:
    head = [label for _, label in options]
    tables = [("Everyone", ["Group", "Respondents", "Answered"] + head, [_group_row(everyone, options)]),
              _answers(everyone, options, before, changes or {})]
    tables += [(f"By {b.title.lower()}", [b.title, "Respondents", "Answered"] + head,
                [_group_row(r, options) for r in b.rows]) for b in breakdowns if b.rows]
    return tables
