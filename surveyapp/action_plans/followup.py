"""Following a plan up: next year's run asks about each commitment, and "You said, we did" reads the answers.

A follow-up question's id is the commitment's stable key ("followup_<key>"),
so its answers line up with the commitment whatever is later reworded. The
questions are asked as one more section of the run (`questionnaire_for`), so
releases count and audit them like any other question.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit_log
from ..disclosure import access, release
from ..disclosure import cells as c
from ..disclosure.compare import previous_run
from ..models import (
    ActionPlan,
    Commitment,
    CommitmentUpdate,
    PlanStatus,
    Questionnaire,
    SurveyRun,
)
from . import evidence, plans
from .evidence import Figure

PREFIX = "followup_"


def question_id(commitment: Commitment) -> str:
    return f"{PREFIX}{commitment.key}"


def question_text(commitment: Commitment) -> str:
    text = commitment.text.strip().rstrip(".")
    return f"I have seen action on: {text[0].lower()}{text[1:]}" if text else "I have seen action on this"


def previous_plan(db: Session, run: SurveyRun) -> ActionPlan | None:
    """The published plan of the council's previous run of the same questionnaire."""
    earlier = previous_run(db, run)
    found = plans.for_run(db, earlier) if earlier is not None else None
    return found if found is not None and found.status == PlanStatus.PUBLISHED.value else None


def next_run(db: Session, plan: ActionPlan) -> SurveyRun | None:
    """The run that follows the plan's: the council's next run of the same questionnaire."""
    run = plan.run
    return db.scalars(select(SurveyRun).join(Questionnaire, SurveyRun.questionnaire_id == Questionnaire.id)
                      .where(SurveyRun.council_id == run.council_id, SurveyRun.year > run.year,
                             Questionnaire.key == run.questionnaire.key)
                      .order_by(SurveyRun.year, SurveyRun.id)).first()


def offered(db: Session, run: SurveyRun) -> list[Commitment]:
    found = previous_plan(db, run)
    return [m for r in found.rows for m in r.commitments] if found else []


def can_change(db: Session, run: SurveyRun) -> bool:
    """Only before anyone has answered: a question added later would not be asked of everyone."""
    return release.latest(db, run) is None and release.new_since_last(db, run) == 0


def set_questions(db: Session, run: SurveyRun, keys: list[str], author: plans.Author) -> None:
    """The follow-up questions the run asks (what staff are asked changes): in last year's plan's history and
    the audit log, under this run, in the same transaction."""
    if not can_change(db, run):
        raise plans.PlanError("People have already answered this health check, so its questions cannot change")
    chosen = [m for m in offered(db, run) if m.key in set(keys)]
    run.follow_up = [{"id": question_id(m), "text": question_text(m), "commitment": m.key} for m in chosen]
    plan = previous_plan(db, run)
    if plan is not None:
        plans.log(db, plan, author, f"{len(chosen)} follow-up questions added to {run.title}", "follow_up", run=run,
                  questions=len(chosen))
    else:
        audit_log.record(db, author, audit_log.PLAN_CHANGED, run=run, detail={"change": "follow_up",
                                                                               "questions": len(chosen)})
    db.commit()


@dataclass(frozen=True)
class WeDid:
    you_said: str
    text: str
    status: str
    status_label: str
    latest: CommitmentUpdate | None
    follow_up: Figure | None  # share who have seen action, as released; None when not asked
    moved: list[Figure]  # the row's evidence this year, with its change since the plan's year


@dataclass(frozen=True)
class Outcome:
    run: SurveyRun
    items: list[WeDid]


def we_did(db: Session, plan: ActionPlan) -> Outcome | None:
    """Each commitment's final status, what staff answered about it next year and how its evidence moved."""
    later = next_run(db, plan)
    reading = access.reading(db, later, None, c.ALL) if later is not None else None
    if later is None or reading is None:
        return None
    before = access.released(db, plan.run)
    items = []
    for row in plan.rows:
        moved = evidence.figures(reading.data, before[1] if before else None, row.evidence)
        for m in row.commitments:
            asked = evidence.question(reading.data, None, question_id(m))
            items.append(WeDid(row.you_said, m.text, m.status, plans.STATUS_LABELS[m.status],
                               m.updates[-1] if m.updates else None, asked, moved))
    return Outcome(later, items)
