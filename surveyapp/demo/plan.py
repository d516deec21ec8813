"""Last year's published action plan for the demo: commitments in every status, with progress updates.

Written out rather than drafted, because last year's release is made after the
demo is loaded; its evidence still refers to questions and sections, so the
published page reads their figures from the release like any plan.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from ..action_plans import followup
from ..models import (
    ActionPlan,
    Commitment,
    CommitmentUpdate,
    PlanEvent,
    PlanRow,
    PlanStatus,
    PlanVersion,
    SurveyRun,
)

PSW = "Principal Social Worker"
# (you said, evidence, standards, asks, [(key, we will, owner, status, [(days after publishing, note, new status)])])
ROWS = [
    ("Over half of you told us your caseload is not manageable.",
     {"sections": ["workload"], "questions": ["caseload_manageable", "time_direct_work"]}, [3],
     ["Close cases on the system when the work ends, so that the caseload figures we review are accurate."],
     [("demo0caseload", "Review caseloads in every team each quarter with team managers.", "Head of Service",
       "done", [(60, "First quarterly review held in every team.", "on_track"),
                (300, "Four quarterly reviews done; weighting now counts complexity.", "done")]),
      ("demo0asye00000", "Keep ASYE caseloads within the protected limit of 15 children.", "ASYE Lead",
       "at_risk", [(120, "Two ASYE workers above the limit after vacancies in Assessment.", "at_risk")])]),
    ("Many of you told us supervision is often cancelled.",
     {"sections": ["supervision"], "questions": ["supervision_as_planned", "supervision_reflective"]}, [5],
     ["Come to supervision prepared, with the cases you want to talk about."],
     [("demo0supervise", "Protect supervision time in every team's diary.", "Team managers", "on_track",
       [(90, "Supervision dates set for the year in every team.", "on_track")]),
      ("demo0groupsup0", "Offer reflective group supervision each month.", "Principal Social Worker", "not_started",
       [])]),
    ("You told us recording the same thing twice takes time away from families.",
     {"sections": ["systems"], "questions": ["recording_not_duplicated", "admin_support"]}, [3],
     ["Send the working group examples of recording you have to do twice."],
     [("demo0duplicate", "Set up a working group with practitioners to cut duplicate recording.", "Systems Lead",
       "off_track", [(150, "The group met twice; the system supplier has not yet agreed changes.", "at_risk"),
                     (270, "Supplier changes delayed to next year.", "off_track")])]),
]


def last_years_plan(db: Session, run: SurveyRun, today: dt.date) -> list[dict[str, str]]:
    """Publish last year's plan; returns the follow-up questions this year's run asks about its commitments."""
    published = dt.datetime.combine(run.closes_on + dt.timedelta(days=30), dt.time(10))
    plan = ActionPlan(run_id=run.id, council_id=run.council_id, title=f"Action plan: {run.title}",
                      status=PlanStatus.PUBLISHED.value, created_at=published - dt.timedelta(days=14),
                      approved_by=PSW, approved_at=published - dt.timedelta(days=1), published_at=published)
    for i, (said, refs, standards, asks, commitments) in enumerate(ROWS):
        row = PlanRow(position=i, you_said=said, evidence=refs, standards=standards, asks=asks)
        for j, (key, text, owner, status, updates) in enumerate(commitments):
            made = Commitment(key=key, position=j, text=text, owner=owner, status=status,
                              due_on=today - dt.timedelta(days=30 - 20 * j))
            before = "not_started"
            for days, note, after in updates:
                made.updates.append(CommitmentUpdate(at=published + dt.timedelta(days=days), author=PSW, note=note,
                                                     status_before=before, status_after=after))
                before = after
            row.commitments.append(made)
        plan.rows.append(row)
    db.add(plan)
    db.flush()
    db.add(PlanEvent(plan_id=plan.id, at=published, author=PSW, what="Published to staff"))
    db.add(PlanVersion(plan_id=plan.id, number=1, at=published, author=PSW, content={"title": plan.title, "rows": []}))
    return [{"id": followup.question_id(m), "text": followup.question_text(m), "commitment": m.key}
            for r in plan.rows for m in r.commitments]
