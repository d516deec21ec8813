"""CSV, XLSX and JSON of every results table, built from the same suppressed figures as the pages.

Nothing here counts anything: it only lays out what `queries` returned after the
anonymity rule, so an export can never show more than the page does. Every
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
from .anonymity import Thresholds
from .queries import Breakdown, Heatmap, Overview, Row


Table = tuple[str, list[str], list[list[object]]]  # title, header, rows


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


def shown(value: object, rule: Thresholds) -> object:
    """A count as the page shows it: the number, or the words for a hidden one."""
    return f"Fewer than {rule.figures}" if value is None else value


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
        sheet.column_dimensions["A"].width = 40
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_name(title: str, used: set[str]) -> str:
    # Excel: at most 31 characters, none of []:*?/\ , unique in the workbook.
    base = re.sub(r"[\[\]:*?/\\]", " ", title)[:28].strip() or "Table"
    name, n = base, 2
    while name in used:
        name, n = f"{base[:26]} {n}", n + 1
    used.add(name)
    return name


def as_json(tables: Iterable[Table]) -> str:
    """The tables for other programs (a council's dashboard): the same cells as the CSV, hidden ones included."""
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


def overview_tables(summary: Overview, heat: Heatmap | None, rule: Thresholds) -> list[Table]:
    rates = [[t.service_area, t.team, t.invited, shown(t.responded, rule)] for t in summary.rates.teams]
    scores = [[s.title, shown(s.agree, rule), shown(s.answered, rule)] for s in summary.sections]
    tables = [("Response rate by team", ["Service area", "Team", "Invited", "Responded"], rates),
              ("Share agreeing, by section", ["Section", "Answers agreeing", "Answers"], scores)]
    if heat is not None:
        rows = [[team, shown(size, rule)] + ["" if size is None or shares.get(sid) is None
                                              else f"{100 * shares[sid]:.0f}%" for sid, _ in heat.sections]
                for team, size, shares in heat.rows]
        tables.append(("Share agreeing, by team and section",
                       ["Team", "Respondents"] + [title for _, title in heat.sections], rows))
    return tables


def _group_row(row: Row, options: list[tuple[str, str]], rule: Thresholds) -> list[object]:
    if row.refused:
        return [row.label, "Hidden: too close in size to a group already shown"] + [""] * len(options)
    if row.size is None:
        return [row.label, shown(None, rule)] + [""] * len(options)
    return [row.label, row.size] + [shown(row.counts.get(value), rule) for value, _ in options]


def question_tables(everyone: Row, breakdowns: list[Breakdown], options: list[tuple[str, str]],
                    rule: Thresholds) -> list[Table]:
    head = [label for _, label in options]
    tables = [("Everyone", ["Group", "Respondents"] + head, [_group_row(everyone, options, rule)])]
    tables += [(f"By {b.title.lower()}", [b.title, "Respondents"] + head,
                [_group_row(r, options, rule) for r in b.rows]) for b in breakdowns if b.rows]
    return tables
