"""Retention and deletion: what is kept, for how long, and what goes when.

- When a run closes, its invitations' names and emails are erased (`erase_invitations`): the rows
  stay, with their team and a hash of the link, for response rates and in case the run is reopened.
- A council's retention period (`Council.retention_years`, 3 by default) after a run ended, its
  answers, comments and everything counted from them are deleted (`delete_answers`); its releases,
  the frozen figures managers read, are kept, without the quoted comments.
- A leaver's attached name (`Response.named_as`, the exit interview's `attach_name` question) is
  deleted `Council.leaver_name_days` (90 by default, the follow-up period) after the period ended.
- An admin can delete a run, or all of a council's survey data, outright (`delete_run`,
  `delete_council_data`).

`apply(db, today)` does whatever is due and says what it did: the `flask retention` command calls it,
and so can a scheduled job (it is idempotent: running it twice deletes nothing more). No Flask here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from . import audit_log
from .models import (
    Answer,
    ConcernReview,
    Council,
    Draft,
    Invitation,
    QuoteDecision,
    Release,
    Response,
    ServiceArea,
    SurveyRun,
    Team,
    ThemeCorrection,
    ThemeJob,
    UsedLink,
    User,
    UserScope,
)


def years_after(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@dataclass
class Due:
    """What `apply` deletes on a day: one line per run, in words, and the counts."""

    answers: list[SurveyRun] = field(default_factory=list)  # runs whose answers and comments go
    invitations: list[SurveyRun] = field(default_factory=list)  # ended runs whose invitations still hold names
    leaver_names: list[SurveyRun] = field(default_factory=list)  # exit interview periods past the follow-up

    def lines(self, db: Session) -> list[str]:
        found = []
        for run in self.answers:
            found.append(f"Run {run.id} ({run.title}, {run.council.name}): delete {_responses(db, run)} responses' "
                         "answers and comments, invitations, analyses, "
                         "theme corrections and quote decisions; keep its releases")
        for run in self.invitations:
            found.append(f"Run {run.id} ({run.title}, {run.council.name}): erase the names and emails of "
                         f"{_named_invitations(db, run)} invitations")
        for run in self.leaver_names:
            found.append(f"Run {run.id} ({run.title}, {run.council.name}): delete {_names(db, run)} leavers' "
                         "attached names")
        return found


def _responses(db: Session, run: SurveyRun) -> int:
    return db.scalar(select(func.count()).select_from(Response).where(Response.run_id == run.id)) or 0


def _named_invitations(db: Session, run: SurveyRun) -> int:
    return db.scalar(select(func.count()).select_from(Invitation).where(
        Invitation.run_id == run.id, (Invitation.name.is_not(None)) | (Invitation.email.is_not(None)))) or 0


def _names(db: Session, run: SurveyRun) -> int:
    return db.scalar(select(func.count()).select_from(Response).where(
        Response.run_id == run.id, Response.named_as.is_not(None))) or 0


def due(db: Session, today: dt.date) -> Due:
    found = Due()
    for run in db.scalars(select(SurveyRun).join(Council).order_by(SurveyRun.id)):
        ended = run.ended_on(today)
        if ended is None:
            continue
        if run.data_deleted_on is None and years_after(ended, run.council.retention_years) <= today:
            found.answers.append(run)
            continue
        if _named_invitations(db, run):
            found.invitations.append(run)
        if (run.kind == "exit_interview" and ended + dt.timedelta(days=run.council.leaver_name_days) <= today
                and _names(db, run)):
            found.leaver_names.append(run)
    return found


def apply(db: Session, today: dt.date, dry_run: bool = False) -> list[str]:
    """Delete whatever retention says is due today; returns what it deleted (or, dry, what it would)."""
    plan = due(db, today)
    lines = plan.lines(db)
    if dry_run:
        db.rollback()
        return lines
    for run in plan.answers:
        counts = delete_answers(db, run, today)
        audit_log.record(db, audit_log.SYSTEM, audit_log.RETENTION_APPLIED, run=run,
                         detail={"deleted": "answers and comments", **counts})
    for run in plan.invitations:
        erased = erase_invitations(db, run)
        audit_log.record(db, audit_log.SYSTEM, audit_log.RETENTION_APPLIED, run=run,
                         detail={"deleted": "invitations' names and emails", "invitations": erased})
    for run in plan.leaver_names:
        removed = delete_leaver_names(db, run)
        audit_log.record(db, audit_log.SYSTEM, audit_log.RETENTION_APPLIED, run=run,
                         detail={"deleted": "leavers' attached names", "names": removed})
    db.commit()
    return lines


def erase_invitations(db: Session, run: SurveyRun) -> int:
    """Names and emails go; the row, its team and the hash of its link stay (response rates, reopening).
    The names alone are kept on the run for redaction (`redaction_names`) until its answers go."""
    run.redaction_names = redaction_names(db, run)
    return db.execute(update(Invitation).where(Invitation.run_id == run.id)
                      .where((Invitation.name.is_not(None)) | (Invitation.email.is_not(None)))
                      .values(name=None, email=None)).rowcount


def redaction_names(db: Session, run: SurveyRun) -> list[str]:
    """The names comments of this run are redacted of: its invited staff, while invitations hold them,
    and after that the copy erase_invitations kept."""
    invited = {name for name in db.scalars(select(Invitation.name).where(Invitation.run_id == run.id)) if name}
    return sorted(invited | set(run.redaction_names or []))


def delete_leaver_names(db: Session, run: SurveyRun) -> int:
    return db.execute(update(Response).where(Response.run_id == run.id, Response.named_as.is_not(None))
                      .values(named_as=None)).rowcount


def _delete_run_rows(db: Session, run_id: int) -> dict[str, int]:
    """Everything of a run but its releases and the run itself."""
    responses = select(Response.id).where(Response.run_id == run_id).scalar_subquery()
    counts = {"answers": db.execute(delete(Answer).where(Answer.response_id.in_(responses))).rowcount,
              "responses": db.execute(delete(Response).where(Response.run_id == run_id)).rowcount}
    db.execute(delete(Draft).where(Draft.run_id == run_id))
    db.execute(delete(UsedLink).where(UsedLink.run_id == run_id))
    counts["invitations"] = db.execute(delete(Invitation).where(Invitation.run_id == run_id)).rowcount
    counts["analyses"] = db.execute(delete(ThemeJob).where(ThemeJob.run_id == run_id)).rowcount
    # The admin's corrections of the run's themes and decisions on its quotes hold its comments (redacted):
    # they go with them, and the council's later analyses no longer learn from them.
    counts["theme corrections"] = db.execute(delete(ThemeCorrection).where(ThemeCorrection.run_id == run_id)).rowcount
    counts["quote decisions"] = db.execute(delete(QuoteDecision).where(QuoteDecision.run_id == run_id)).rowcount
    return counts


def delete_answers(db: Session, run: SurveyRun, today: dt.date) -> dict[str, int]:
    """A run's answers and comments, and all counted from them, go; its releases stay, without quotes."""
    counts = _delete_run_rows(db, run.id)
    for made in db.scalars(select(Release).where(Release.run_id == run.id)):
        if made.content is not None:
            made.content = _without_quotes(made.content)
    run.data_deleted_on = today
    run.redaction_names = None
    run.open_link_hash = None
    db.flush()
    return counts


def _without_quotes(content: dict[str, Any]) -> dict[str, Any]:
    """The release as managers read it, but with no comment quoted: its figures, labels and keywords stay."""
    themes = {question: {**words, "themes": [{**theme, "quotes": []} for theme in words.get("themes", [])]}
              for question, words in content.get("themes", {}).items()}
    return {**content, "themes": themes}


def delete_run(db: Session, run: SurveyRun) -> dict[str, int]:
    """A run and everything of it, its releases included. The caller records it in the audit log."""
    counts = _delete_run_rows(db, run.id)
    counts["releases"] = db.execute(delete(Release).where(Release.run_id == run.id)).rowcount
    # Safeguarding reviews (a note of what was done, no comment) outlive the answers, but not the run.
    db.execute(delete(ConcernReview).where(ConcernReview.run_id == run.id))
    db.execute(delete(SurveyRun).where(SurveyRun.id == run.id))
    db.expunge(run)
    return counts


def delete_council_data(db: Session, council: Council, *, everything: bool = False) -> dict[str, int]:
    """Every run of the council, with all it holds. With `everything`, also its accounts, teams, service
    areas and the council itself (the audit log stays). The caller commits."""
    counts: dict[str, int] = {"runs": 0}
    for run in list(db.scalars(select(SurveyRun).where(SurveyRun.council_id == council.id))):
        for key, n in delete_run(db, run).items():
            counts[key] = counts.get(key, 0) + n
        counts["runs"] += 1
    if everything:
        users = select(User.id).where(User.council_id == council.id).scalar_subquery()
        db.execute(delete(UserScope).where(UserScope.user_id.in_(users)))
        counts["accounts"] = db.execute(delete(User).where(User.council_id == council.id)).rowcount
        areas = select(ServiceArea.id).where(ServiceArea.council_id == council.id).scalar_subquery()
        db.execute(update(Team).where(Team.service_area_id.in_(areas)).values(merged_into_id=None))
        counts["teams"] = db.execute(delete(Team).where(Team.service_area_id.in_(areas))).rowcount
        db.execute(delete(ServiceArea).where(ServiceArea.council_id == council.id))
        db.execute(delete(Council).where(Council.id == council.id))
        db.expunge(council)
    return counts
