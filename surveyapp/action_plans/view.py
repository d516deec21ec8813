"""A plan as every page and file shows it: rows, evidence as released, commitments with their latest update."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from ..disclosure import access
from ..disclosure import cells as c
from ..models import ActionPlan, Commitment, CommitmentUpdate, PlanRow
from . import evidence, followup, plans
from .evidence import Figure
from .library import STANDARDS


@dataclass(frozen=True)
class CommitmentView:
    id: int
    key: str
    text: str
    owner: str
    due: str
    status: str
    status_label: str
    latest: CommitmentUpdate | None
    updates: list[CommitmentUpdate]


@dataclass(frozen=True)
class RowView:
    id: int
    number: int
    you_said: str
    evidence: list[Figure]
    standards: list[str]
    commitments: list[CommitmentView]
    asks: list[str]


@dataclass(frozen=True)
class PlanPage:
    plan: ActionPlan
    released: str  # which release the figures are from
    rows: list[RowView]
    outcome: followup.Outcome | None  # this plan, followed up next year
    last_year: followup.Outcome | None  # last year's plan, followed up in this run


def commitment_view(m: Commitment) -> CommitmentView:
    return CommitmentView(m.id, m.key, m.text, m.owner, m.due_on.strftime("%-d %B %Y") if m.due_on else "",
                          m.status, plans.STATUS_LABELS[m.status], m.updates[-1] if m.updates else None,
                          list(reversed(m.updates)))


def _row(row: PlanRow, figures: list[Figure]) -> RowView:
    return RowView(row.id, row.position + 1, row.you_said, figures, [STANDARDS[s] for s in row.standards],
                   [commitment_view(m) for m in row.commitments], list(row.asks))


def build(db: Session, plan: ActionPlan) -> PlanPage:
    reading = access.reading(db, plan.run, None, c.ALL)
    rows = [_row(r, evidence.figures(reading.data, reading.previous, r.evidence) if reading else []) for r in plan.rows]
    released = (f"{reading.release.kind} release {reading.release.number} of {plan.run.title}, "
                f"{reading.release.finished_at:%-d %B %Y}") if reading and reading.release.finished_at else ""
    earlier = followup.previous_plan(db, plan.run)
    return PlanPage(plan, released, rows, followup.we_did(db, plan),
                    followup.we_did(db, earlier) if earlier is not None else None)
