"""A report as an accessible web page, and the same page as a tagged PDF (PDF/UA-1, WeasyPrint).

The template is rendered by a Jinja environment of its own, so a report can be
made outside any web request: by the command, a background job or a test.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from . import charts
from .document import Chart, Report

_env = Environment(loader=PackageLoader("surveyapp", "templates"), autoescape=select_autoescape(default=True),
                   undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


@dataclass(frozen=True)
class Picture:
    src: str
    width: int
    height: int


def picture(chart: Chart) -> Picture:
    drawing = charts.layout(chart.figure)
    data = base64.b64encode(charts.svg(drawing).encode()).decode()
    return Picture(f"data:image/svg+xml;base64,{data}", drawing.width, drawing.height)


def html(report: Report) -> str:
    blocks: list[tuple[str, Any]] = [(type(b).__name__.lower(), b) for b in report.blocks]
    return _env.get_template("reports/report.html").render(report=report, blocks=blocks, picture=picture)


def pdf(report: Report) -> bytes:
    """Tagged, with the document's language and title, so a screen reader reads headings and tables as such."""
    from weasyprint import HTML

    return HTML(string=html(report)).write_pdf(pdf_variant="pdf/ua-1")
