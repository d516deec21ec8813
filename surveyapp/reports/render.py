"""One report, in the format asked for."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from ..models import SurveyRun
from . import build, web, word
from .document import Report

FORMATS: dict[str, tuple[str, Callable[[Report], bytes]]] = {
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", word.docx),
    "pdf": ("application/pdf", web.pdf),
    "html": ("text/html; charset=utf-8", lambda report: web.html(report).encode("utf-8")),
}
NAMES = {"docx": "Word document", "pdf": "PDF", "html": "Web page"}


def make(db: Session, run: SurveyRun, fmt: str, progress: build.Progress | None = None) -> tuple[str, bytes]:
    """(file name, content) of the run's committee report."""
    tell = progress or (lambda _percent, _stage: None)
    report = build.build(db, run, tell)
    tell(70, f"Writing the {NAMES[fmt]}")
    return build.filename(run, fmt), FORMATS[fmt][1](report)
