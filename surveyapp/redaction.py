"""One path for every text that reaches a reader: comments (by the theme engine), quote edits, theme names,
action-plan rows, commitments and progress updates are all redacted by the engine's `Redactor`, with the same
names, before anyone other than their writer sees them.

The names are the run's staff list (while invitations hold it, then the copy kept on the run) and the names
of the council's users (managers, viewers, the principal social worker), who are on no staff list of a run
with an open link but are named in comments all the same.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import retention
from .models import SurveyRun, User


def names(db: Session, run: SurveyRun) -> list[str]:
    users = {name for name in db.scalars(select(User.name).where(User.council_id == run.council_id)) if name}
    return sorted(set(retention.redaction_names(db, run)) | users)


def redact_all(db: Session, run: SurveyRun, texts: list[str]) -> list[str]:
    """The engine's redaction (names of the run's staff and the council's users, common names, numbers,
    addresses). Whitespace is made single, as the engine does to comments."""
    if not texts:
        return []
    from analysis.clean import Redactor  # the theme engine: loaded only when it is needed

    return Redactor(staff_names=names(db, run)).transform(texts)


def redact(db: Session, run: SurveyRun, text: str) -> str:
    return redact_all(db, run, [text])[0]


def redact_lines(db: Session, run: SurveyRun, lines: list[str]) -> list[str]:
    """Each line on its own (a list the reader sees as lines: an action plan's "We expect you")."""
    return redact_all(db, run, lines)
