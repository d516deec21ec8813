"""Health check runs and exit interview periods: create, share, count, close."""

from __future__ import annotations

import datetime as dt
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .. import security
from ..models import Draft, Questionnaire, RunStatus, SurveyRun
from ..questionnaires import builtin


def sync_questionnaires(db: Session) -> list[Questionnaire]:
    """Store each built-in definition file once, as a snapshot runs can point at."""
    stored = []
    for q in builtin():
        row = db.scalar(select(Questionnaire).where(Questionnaire.key == q.key, Questionnaire.version == q.version))
        if row is None:
            row = Questionnaire(key=q.key, version=q.version, kind=q.kind, title=q.title, definition=q.raw)
            db.add(row)
        stored.append(row)
    db.commit()
    return stored


def create_run(db: Session, *, council_id: int, questionnaire: Questionnaire, title: str, year: int,
               opens_on: dt.date, closes_on: dt.date) -> SurveyRun:
    run = SurveyRun(council_id=council_id, questionnaire_id=questionnaire.id, title=title, year=year,
                    opens_on=opens_on, closes_on=closes_on, status=RunStatus.OPEN.value)
    db.add(run)
    db.commit()
    return run


def create_open_link(db: Session, run: SurveyRun) -> str:
    """A shareable link for runs without a staff list; replaces any earlier one."""
    token = security.new_token()
    run.open_link_hash = security.open_link_hash(token)
    db.commit()
    return token


def close_run(db: Session, run: SurveyRun) -> int:
    """Close the run and destroy unsubmitted drafts; returns how many were destroyed."""
    run.status = RunStatus.CLOSED.value
    removed = db.execute(delete(Draft).where(Draft.run_id == run.id)).rowcount
    db.commit()
    return removed
