"""A report as a Word document: headings as Word headings, tables with header rows, charts with alt text."""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from . import charts
from .document import Bullets, Chart, Heading, Paragraph, Quote, Report, Table

LANGUAGE = "en-GB"
WIDE_TABLE = 7  # columns from which a table's widths are set from its words, not left to autofit
CHARACTER, PADDING = Cm(0.17), Cm(0.45)  # a character of bold Arial at 8 pt, at most; a cell's margins


def docx(report: Report) -> bytes:
    document = Document()
    _setup(document, report)
    document.add_heading(report.title, level=1)
    document.add_paragraph(report.subtitle, style="Subtitle")
    for block in report.blocks:
        _add(document, block)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _setup(document: Any, report: Report) -> None:
    document.core_properties.title = report.title
    document.core_properties.subject = report.subtitle
    document.core_properties.language = LANGUAGE
    section = document.sections[0]
    section.left_margin = section.right_margin = Cm(1.8)
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = "Arial", Pt(11)
    language = OxmlElement("w:lang")
    language.set(qn("w:val"), LANGUAGE)
    normal.element.get_or_add_rPr().append(language)


def _add(document: Any, block: object) -> None:
    if isinstance(block, Heading):
        document.add_heading(block.text, level=block.level)
    elif isinstance(block, Paragraph):
        paragraph = document.add_paragraph(block.text)
        if block.small:
            for run in paragraph.runs:
                run.font.size = Pt(9)
    elif isinstance(block, Bullets):
        for item in block.items:
            document.add_paragraph(item, style="List Bullet")
    elif isinstance(block, Quote):
        document.add_paragraph(f"“{block.text}”", style="Quote")
    elif isinstance(block, Table):
        _table(document, block)
    elif isinstance(block, Chart):
        _chart(document, block)


def _table(document: Any, table: Table) -> None:
    document.add_paragraph(table.caption, style="Caption")
    made = document.add_table(rows=1, cols=len(table.head))
    made.style = "Table Grid"
    _header_row(made.rows[0])
    for cell, title in zip(made.rows[0].cells, table.head):
        _write(cell, title, bold=True)
    for row in table.rows:
        for i, (cell, text) in enumerate(zip(made.add_row().cells, row)):
            _write(cell, text, right=i in table.numeric)
    if len(table.head) >= WIDE_TABLE:
        _fit_columns(document, made, table)
    document.add_paragraph()


def _fit_columns(document: Any, made: Any, table: Table) -> None:
    """Word's and LibreOffice's autofit squeeze a table of many columns until "Referral and Assessment" (or
    "Vacancies") breaks inside a word. So each column gets at least its longest word at 8 pt, and the rest of
    the page is shared out by how much text each column holds."""
    section = document.sections[-1]
    page = section.page_width - section.left_margin - section.right_margin
    columns = list(zip(table.head, *table.rows))
    least = [max(len(w) for text in column for w in text.split() or [""]) * CHARACTER + PADDING for column in columns]
    text = [max(len(t) for t in column) for column in columns]
    spare = max(page - sum(least), 0)
    widths = [int(low * min(1, page / sum(least)) + spare * n / sum(text)) for low, n in zip(least, text)]
    made.autofit = False
    for column, width in zip(made.columns, widths):
        column.width = width  # the table's grid (LibreOffice reads this)
        for cell in column.cells:
            cell.width = width  # each cell's own width (Word reads this)


def _header_row(row: Any) -> None:
    """Marked as the table's header, so Word repeats it on each page and a screen reader announces it."""
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def _write(cell: Any, text: str, bold: bool = False, right: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    run = paragraph.add_run(text)
    run.bold, run.font.size = bold, Pt(8)
    if right:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _chart(document: Any, chart: Chart) -> None:
    document.add_paragraph(chart.title, style="Caption")
    drawing = charts.layout(chart.figure)
    width = Cm(min(17.0, drawing.width / 40))
    shape = document.add_picture(io.BytesIO(charts.png(drawing)), width=width)
    shape._inline.docPr.set("descr", chart.alt)  # the picture's alt text
    shape._inline.docPr.set("title", chart.title)
    _table(document, chart.table)
