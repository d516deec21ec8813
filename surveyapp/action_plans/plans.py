"""Plans, rows, commitments and progress: draft, approve, publish, and every change recorded.

Plain functions of a database session (no Flask), so the web, the demo and the
tests call the same code. Each change writes a `PlanEvent` (who, when, what) and,
in the same transaction, a line in the audit log (which change, with ids and a
status; never the plan's words);
once a plan is published, each change also keeps the whole plan as a new
`PlanVersion`, so what staff were shown on any day can be read back.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit_log, redaction
from ..disclosure import access
from ..disclosure import cells as c
from ..models import (
    ActionPlan,
    Commitment,
    CommitmentStatus,
    CommitmentUpdate,
    Council,
    PlanEvent,
    PlanRow,
    PlanStatus,
    PlanVersion,
    SurveyRun,
    User,
)
from . import draft, library

STATUS_LABELS = {
    CommitmentStatus.NOT_STARTED.value: "Not started",
    CommitmentStatus.ON_TRACK.value: "On track",
    CommitmentStatus.AT_RISK.value: "At risk",
    CommitmentStatus.OFF_TRACK.value: "Off track",
    CommitmentStatus.DONE.value: "Done",
}
PLAN_LABELS = {PlanStatus.DRAFT.value: "Draft", PlanStatus.APPROVED.value: "Approved",
               PlanStatus.PUBLISHED.value: "Published"}


class PlanError(ValueError):
    """Something a plan cannot do, said so that the person can act on it."""


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def new_key() -> str:
    return secrets.token_hex(6)


def for_run(db: Session, run: SurveyRun) -> ActionPlan | None:
    return db.scalar(select(ActionPlan).where(ActionPlan.run_id == run.id))


def published(db: Session, council: Council) -> list[ActionPlan]:
    """A council's published plans, the latest health check's first."""
    return list(db.scalars(select(ActionPlan).join(SurveyRun, ActionPlan.run_id == SurveyRun.id)
                           .where(ActionPlan.council_id == council.id,
                                  ActionPlan.status == PlanStatus.PUBLISHED.value)
                           .order_by(SurveyRun.year.desc(), SurveyRun.id.desc())))


Author = User | str  # the signed-in admin; a name alone from code with nobody signed in (the demo, tests)


def name_of(author: Author) -> str:
    return author.name if isinstance(author, User) else author


def log(db: Session, plan: ActionPlan, author: Author, what: str, change: str, *, run: SurveyRun | None = None,
        **ids: int | str) -> None:
    """The plan's own history (`what`, in words, for its page) and the audit log's line (`change` and ids,
    under `run`, else the plan's run), both in the caller's transaction."""
    db.add(PlanEvent(plan_id=plan.id, at=now(), author=name_of(author), what=what))
    audit_log.record(db, author, audit_log.PLAN_CHANGED, run=run or plan.run, council_id=plan.council_id,
                     detail={"change": change, "plan": plan.id, **ids})
    if plan.status == PlanStatus.PUBLISHED.value:
        keep_version(db, plan, name_of(author))


def keep_version(db: Session, plan: ActionPlan, author: str) -> PlanVersion:
    db.flush()
    db.refresh(plan)
    latest = db.scalar(select(PlanVersion.number).where(PlanVersion.plan_id == plan.id)
                       .order_by(PlanVersion.number.desc()).limit(1)) or 0
    version = PlanVersion(plan_id=plan.id, number=latest + 1, at=now(), author=author, content=snapshot(plan))
    db.add(version)
    return version


def snapshot(plan: ActionPlan) -> dict[str, Any]:
    return {"title": plan.title, "rows": [{
        "you_said": r.you_said, "evidence": r.evidence, "standards": r.standards, "asks": r.asks,
        "commitments": [{"key": m.key, "text": m.text, "owner": m.owner,
                         "due_on": m.due_on.isoformat() if m.due_on else None, "status": m.status}
                        for m in r.commitments]} for r in plan.rows]}


# Drafting ------------------------------------------------------------------------

def create_draft(db: Session, run: SurveyRun, author: Author) -> ActionPlan:
    """A draft from the run's latest release, for the whole council; refused before the first release."""
    if for_run(db, run) is not None:
        raise PlanError(f"{run.title} already has an action plan")
    reading = access.reading(db, run, None, c.ALL)
    if reading is None:
        raise PlanError("A plan can be drafted once the results have been released")
    plan = ActionPlan(run_id=run.id, council_id=run.council_id, title=f"Action plan: {run.title}",
                      status=PlanStatus.DRAFT.value, created_at=now())
    db.add(plan)
    for i, s in enumerate(draft.suggest(reading.data, reading.previous, library.load())):
        row = PlanRow(position=i, you_said=s.you_said, evidence=s.evidence, standards=list(s.standards),
                      asks=list(s.we_expect_you))
        row.commitments = [Commitment(key=new_key(), position=j, text=t, owner="",
                                      status=CommitmentStatus.NOT_STARTED.value) for j, t in enumerate(s.we_will)]
        plan.rows.append(row)
    db.flush()
    log(db, plan, author, f"Drafted from {reading.release.kind} release {reading.release.number} "
                          f"with {len(plan.rows)} rows", "drafted")
    db.commit()
    return plan


# Editing -------------------------------------------------------------------------

def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _redacted(db: Session, plan: ActionPlan, text: str) -> str:
    """What staff typed, as readers will see it: redacted as comments are (`surveyapp.redaction`)."""
    return redaction.redact(db, plan.run, text).strip() if text.strip() else ""


def _redacted_lines(db: Session, plan: ActionPlan, text: str) -> list[str]:
    lines = _lines(text)
    return [line for line in redaction.redact_lines(db, plan.run, lines) if line.strip()] if lines else []


def edit_row(db: Session, row: PlanRow, *, you_said: str, asks: str, standards: list[int], author: Author) -> None:
    row.you_said, row.asks = _redacted(db, row.plan, you_said), _redacted_lines(db, row.plan, asks)
    row.standards = sorted(set(standards))
    log(db, row.plan, author, f"Edited row {row.position + 1}: “{row.you_said[:80]}”", "row_edited", row=row.id)
    db.commit()


def add_row(db: Session, plan: ActionPlan, *, you_said: str, asks: str, standards: list[int], author: Author) -> PlanRow:
    row = PlanRow(position=max((r.position for r in plan.rows), default=-1) + 1,
                  you_said=_redacted(db, plan, you_said), evidence={}, standards=sorted(set(standards)),
                  asks=_redacted_lines(db, plan, asks))
    plan.rows.append(row)
    db.flush()
    log(db, plan, author, f"Added row {len(plan.rows)}: “{row.you_said[:80]}”", "row_added", row=row.id)
    db.commit()
    return row


def remove_row(db: Session, row: PlanRow, author: Author) -> None:
    plan = row.plan
    plan.rows.remove(row)
    db.flush()
    log(db, plan, author, f"Removed the row “{row.you_said[:80]}”", "row_removed", row=row.id)
    db.commit()


def edit_commitment(db: Session, commitment: Commitment, *, text: str, owner: str, due_on: dt.date | None,
                    author: Author) -> None:
    # The owner is who answers for it, a named person or a role, by design: not redacted.
    commitment.text = _redacted(db, commitment.row.plan, text)
    commitment.owner, commitment.due_on = owner.strip(), due_on
    due = due_on.strftime("%-d %B %Y") if due_on else "no date"
    log(db, commitment.row.plan, author,
        f"Edited “{commitment.text[:80]}” (owner {commitment.owner or 'none'}, due {due})", "commitment_edited",
        commitment=commitment.id)
    db.commit()


def add_commitment(db: Session, row: PlanRow, *, text: str, owner: str, due_on: dt.date | None,
                   author: Author) -> Commitment:
    made = Commitment(key=new_key(), position=max((m.position for m in row.commitments), default=-1) + 1,
                      text=_redacted(db, row.plan, text), owner=owner.strip(), due_on=due_on,
                      status=CommitmentStatus.NOT_STARTED.value)
    row.commitments.append(made)
    db.flush()
    log(db, row.plan, author, f"Added “{made.text[:80]}” to row {row.position + 1}", "commitment_added",
        row=row.id, commitment=made.id)
    db.commit()
    return made


def remove_commitment(db: Session, commitment: Commitment, author: Author) -> None:
    row = commitment.row
    row.commitments.remove(commitment)
    db.flush()
    log(db, row.plan, author, f"Removed “{commitment.text[:80]}”", "commitment_removed", commitment=commitment.id)
    db.commit()


def record_progress(db: Session, commitment: Commitment, *, note: str, status: str, author: Author) -> CommitmentUpdate:
    """A dated progress update; a change of status must say why."""
    if status not in STATUS_LABELS:
        raise PlanError("Select the status")
    if not note.strip():
        raise PlanError("Enter the reason for the change of status" if status != commitment.status
                        else "Enter what has happened")
    update = CommitmentUpdate(commitment_id=commitment.id, at=now(), author=name_of(author),
                              note=_redacted(db, commitment.row.plan, note),
                              status_before=commitment.status, status_after=status)
    commitment.updates.append(update)
    change = "" if status == commitment.status else (
        f": {STATUS_LABELS[commitment.status]} to {STATUS_LABELS[status]}")
    commitment.status = status
    log(db, commitment.row.plan, author, f"Progress on “{commitment.text[:80]}”{change}", "progress",
        commitment=commitment.id, status=status)
    db.commit()
    return update


# Workflow ------------------------------------------------------------------------

def approve(db: Session, plan: ActionPlan, author: Author) -> None:
    if plan.status != PlanStatus.DRAFT.value:
        raise PlanError("Only a draft can be approved")
    if not plan.rows:
        raise PlanError("Add at least one row before approving the plan")
    plan.status, plan.approved_by, plan.approved_at = PlanStatus.APPROVED.value, name_of(author), now()
    log(db, plan, author, "Approved", "approved")
    db.commit()


def publish(db: Session, plan: ActionPlan, author: Author) -> None:
    if plan.status != PlanStatus.APPROVED.value:
        raise PlanError("The principal social worker must approve the plan before it is published")
    plan.status, plan.published_at = PlanStatus.PUBLISHED.value, now()
    log(db, plan, author, "Published to staff", "published")  # keeps version 1
    db.commit()


def events(db: Session, plan: ActionPlan) -> list[PlanEvent]:
    return list(db.scalars(select(PlanEvent).where(PlanEvent.plan_id == plan.id).order_by(PlanEvent.id.desc())))


def versions(db: Session, plan: ActionPlan) -> list[PlanVersion]:
    return list(db.scalars(select(PlanVersion).where(PlanVersion.plan_id == plan.id)
                           .order_by(PlanVersion.number.desc())))
