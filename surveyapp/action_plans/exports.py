"""A plan as Word, PDF and CSV, in the seed's three columns: You said, We will, We expect you.

Built from the same `PlanPage` as the pages, so a file never shows more, or
other figures, than the page: a hidden figure is "Hidden" here too.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.shared import Pt
from flask import Response, abort, render_template

from ..manage.staff import safe_cell
from .view import CommitmentView, PlanPage

TYPES = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "pdf": "application/pdf", "csv": "text/csv; charset=utf-8"}


def commitment_line(m: CommitmentView) -> str:
    details = [f"Owner: {m.owner}" if m.owner else "", f"due {m.due}" if m.due else "", f"status: {m.status_label}"]
    return f"{m.text} ({', '.join(d for d in details if d)})"


def filename(page: PlanPage, fmt: str) -> str:
    stem = re.sub(r"[^a-z0-9]+", "-", page.plan.title.lower()).strip("-") or "action-plan"
    return f"{stem}.{fmt}"


def download(page: PlanPage, fmt: str) -> Response:
    makers = {"docx": docx, "pdf": pdf, "csv": lambda p: csv_text(p).encode("utf-8-sig")}
    if fmt not in makers:
        abort(404)
    return Response(makers[fmt](page), mimetype=TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{filename(page, fmt)}"'})


def csv_text(page: PlanPage) -> str:
    """One line per commitment (a row without one still has a line), every cell safe from spreadsheet formulas."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Row", "You said", "Evidence", "Standards", "We will", "Owner", "Due", "Status",
                     "Latest update", "We expect you"])
    for row in page.rows:
        evidence = "; ".join(f.text() for f in row.evidence)
        asks = "; ".join(row.asks)
        commitments: list[CommitmentView | None] = [*row.commitments] or [None]
        for m in commitments:
            latest = f"{m.latest.at:%-d %B %Y}, {m.latest.author}: {m.latest.note}" if m and m.latest else ""
            cells = [row.number, row.you_said, evidence, "; ".join(row.standards), m.text if m else "",
                     m.owner if m else "", m.due if m else "", m.status_label if m else "", latest, asks]
            writer.writerow([safe_cell(str(v)) for v in cells])
    return out.getvalue()


def docx(page: PlanPage) -> bytes:
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    document.core_properties.title = page.plan.title
    document.add_heading(page.plan.title, level=1)
    if page.released:
        document.add_paragraph(f"Figures from the {page.released}, as released: a figure hidden to protect "
                               "anonymity is shown as Hidden.")
    table = document.add_table(rows=1, cols=3)
    table.style = "Table Grid"
    for cell, title in zip(table.rows[0].cells, ("You said...", "We will...", "We expect you...")):
        cell.text = title
        cell.paragraphs[0].runs[0].bold = True
    for row in page.rows:
        said, will, expect = table.add_row().cells
        said.text = row.you_said
        for figure in row.evidence:
            _small(said.add_paragraph(figure.text()))
        if row.standards:
            _small(said.add_paragraph("; ".join(row.standards)))
        _lines(will, [commitment_line(m) for m in row.commitments])
        _lines(expect, row.asks)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _lines(cell: Any, lines: list[str]) -> None:
    cell.text = lines[0] if lines else ""
    for line in lines[1:]:
        cell.add_paragraph(line)


def _small(paragraph: Any) -> None:
    for run in paragraph.runs:
        run.font.size = Pt(8)


def pdf(page: PlanPage) -> bytes:
    """Tagged PDF (PDF/UA-1), so a screen reader reads the table as a table."""
    from weasyprint import HTML

    html = render_template("action_plans/print.html", page=page)
    return HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")
