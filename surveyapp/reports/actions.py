"""The action plan's sections of a report: this year's commitments, and last year's as "You said, we did".

Read through `action_plans.view`, so every figure beside a row is the release's,
as the plan's own pages show it.
"""

from __future__ import annotations

from ..action_plans import followup, plans
from ..action_plans.view import CommitmentView, PlanPage, RowView
from ..models import CommitmentUpdate
from .document import Block, Bullets, Heading, Paragraph, Table
from .inputs import Inputs


def latest(update: CommitmentUpdate | None) -> str:
    return f"{update.at:%-d %B %Y}: {update.note}" if update is not None else "No update yet"


def action_plan(i: Inputs) -> list[Block]:
    if i.plan is None:
        return [Heading("The action plan"), Paragraph(
            "There is no action plan for this health check yet. The principal social worker drafts one from the "
            "released results (Action plan, on the health check's page).")]
    return [Heading("The action plan"), Paragraph(_plan_status(i.plan)),
            *[block for row in i.plan.rows for block in _row(row)]]


def _plan_status(page: PlanPage) -> str:
    plan = page.plan
    status = plans.PLAN_LABELS[plan.status]
    when = f", published to staff on {plan.published_at:%-d %B %Y}" if plan.published_at else ""
    return f"{plan.title}: {status.lower()}{when}. Its figures are from the {page.released}, as released."


def _row(row: RowView) -> list[Block]:
    blocks: list[Block] = [Heading(f"You said ({row.number})", 3), Paragraph(row.you_said)]
    if row.evidence:
        blocks.append(Bullets([f.text() for f in row.evidence]))
    blocks.append(Table(f"We will ({row.number})", ["We will", "Owner", "Due", "Status", "Latest update"],
                        [_commitment(m) for m in row.commitments]))
    if row.asks:
        blocks += [Paragraph("We expect you to:"), Bullets(list(row.asks))]
    return blocks


def _commitment(m: CommitmentView) -> list[str]:
    return [m.text, m.owner or "Not yet owned", m.due or "No date", m.status_label, latest(m.latest)]


def you_said_we_did(i: Inputs) -> list[Block]:
    outcome = i.last_plan
    if outcome is None:
        return []
    return [Heading("You said, we did: last year’s plan"),
            Paragraph(f"What became of each commitment in last year’s plan, and the share of staff in {i.run.title} "
                      "who said they have seen action on it (where the question was asked)."),
            Table("You said, we did", ["You said", "We did", "Status", "Latest update", "Staff who have seen action"],
                  [_we_did(item) for item in outcome.items])]


def _we_did(item: followup.WeDid) -> list[str]:
    seen = item.follow_up.shown if item.follow_up is not None else "Not asked"
    return [item.you_said, item.text, item.status_label, latest(item.latest), seen]
