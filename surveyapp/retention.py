"""Retention and deletion: what is kept, for how long, and what goes when.

- When a run closes (by the admin, or when its closing date passes and `apply` next runs), its unsent
  drafts are destroyed and its invitations' names and emails erased (`erase_invitations`): the rows stay,
  with their team and a hash of the link, for response rates and in case the run is reopened. The
  staff's names are not kept anywhere: its comments are redacted of them first (`redact_comments`), so
  analyses, corrections and quote edits made afterwards read comments that no longer hold them.
- A council's retention period (`Council.retention_years`, 3 by default) after a run ended, its
  answers, comments and everything counted from them are deleted (`delete_answers`), with the committee
  reports that quote them (those of the council's runs of that year); its releases, the frozen figures
  managers read, are kept, without the quoted comments, and so is its action plan.
- A leaver's attached name (`Response.named_as`, the exit interview's `attach_name` question) is
  deleted `Council.leaver_name_days` (90 by default, the follow-up period) after the period ended.
- An admin can delete a run, or all of a council's survey data, outright (`delete_run`,
  `delete_council_data`): every row that refers to the run, however indirectly, is found from the schema's
  foreign keys (`_delete_referring`), so a table added later goes with it too; and the committee reports
  that drew on it (the council's reports of that year and later).

`apply(db, today)` does whatever is due and says what it did: the `flask retention` command calls it,
and so can a scheduled job (it is idempotent: running it twice deletes nothing more). No Flask here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column, Select, Table, delete, func, literal, select, update
from sqlalchemy.orm import Session

from . import audit_log
from .db import Base
from .models import (
    Answer,
    Council,
    Draft,
    Invitation,
    PendingUpload,
    QuoteDecision,
    Release,
    ReportJob,
    Response,
    SurveyRun,
    ThemeCorrection,
    ThemeJob,
    UsedLink,
)

# How the counts of deleted rows are named, in the audit log and what the commands print.
NAMES = {"answer": "answers", "response": "responses", "invitation": "invitations", "used_link": "used links",
         "draft": "unsent drafts", "theme_job": "analyses", "theme_correction": "theme corrections",
         "quote_decision": "quote decisions", "concern_review": "safeguarding reviews", "release": "releases",
         "report_job": "committee reports", "action_plan": "action plans", "action_plan_row": "action plan rows",
         "commitment": "commitments", "commitment_update": "progress updates",
         "action_plan_event": "action plan history entries", "action_plan_version": "action plan versions",
         "survey_run": "runs", "user_account": "accounts", "user_scope": "account scopes",
         "manager_session": "sign-in sessions", "password_link": "password links", "team": "teams",
         "service_area": "service areas", "workforce_figures": "workforce figures", "council": "councils"}


def years_after(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@dataclass
class Due:
    """What `apply` deletes on a day: one line per run, in words, and the counts."""

    answers: list[SurveyRun] = field(default_factory=list)  # runs whose answers and comments go
    invitations: list[SurveyRun] = field(default_factory=list)  # ended runs still holding names or drafts
    leaver_names: list[SurveyRun] = field(default_factory=list)  # exit interview periods past the follow-up

    def lines(self, db: Session) -> list[str]:
        found = []
        for run in self.answers:
            found.append(f"Run {run.id} ({run.title}, {run.council.name}): delete {_responses(db, run)} responses' "
                         "answers and comments, invitations, analyses, theme corrections, quote decisions and "
                         f"{_reports(db, run)} committee reports that may quote them; keep its releases "
                         "(without quotes) and its action plan")
        for run in self.invitations:
            found.append(f"Run {run.id} ({run.title}, {run.council.name}): redact the staff's names from its "
                         f"comments, erase the names and emails of {_named_invitations(db, run)} invitations "
                         f"and destroy {_drafts(db, run)} unsent drafts")
        for run in self.leaver_names:
            found.append(f"Run {run.id} ({run.title}, {run.council.name}): delete {_names(db, run)} leavers' "
                         "attached names")
        return found


def _responses(db: Session, run: SurveyRun) -> int:
    return db.scalar(select(func.count()).select_from(Response).where(Response.run_id == run.id)) or 0


def _named_invitations(db: Session, run: SurveyRun) -> int:
    return db.scalar(select(func.count()).select_from(Invitation).where(
        Invitation.run_id == run.id, (Invitation.name.is_not(None)) | (Invitation.email.is_not(None)))) or 0


def _drafts(db: Session, run: SurveyRun) -> int:
    return db.scalar(select(func.count()).select_from(Draft).where(Draft.run_id == run.id)) or 0


def _reports(db: Session, run: SurveyRun) -> int:
    return db.scalar(select(func.count()).select_from(ReportJob).where(
        ReportJob.run_id.in_(_runs_of_year(run)))) or 0


def _runs_of_year(run: SurveyRun) -> Select[Any]:
    """The council's runs whose committee reports may quote this run's comments: a health check's report
    quotes its own comments and those of the same year's exit interviews (`reports.inputs`)."""
    return select(SurveyRun.id).where(SurveyRun.council_id == run.council_id, SurveyRun.year == run.year)


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
        if _named_invitations(db, run) or _drafts(db, run) or run.redaction_names:
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
        drafts = db.execute(delete(Draft).where(Draft.run_id == run.id)).rowcount
        erased = erase_invitations(db, run)
        audit_log.record(db, audit_log.SYSTEM, audit_log.RETENTION_APPLIED, run=run,
                         detail={"deleted": "invitations' names and emails", "invitations": erased,
                                 "unsent drafts": drafts})
    for run in plan.leaver_names:
        removed = delete_leaver_names(db, run)
        audit_log.record(db, audit_log.SYSTEM, audit_log.RETENTION_APPLIED, run=run,
                         detail={"deleted": "leavers' attached names", "names": removed})
    abandoned = db.execute(delete(PendingUpload).where(PendingUpload.created_at < _abandoned_before(today))).rowcount
    if abandoned:
        lines.append(f"Deleted {abandoned} staff list{'s' if abandoned != 1 else ''} left waiting for new teams "
                     "to be confirmed")
    db.commit()
    return lines


def _abandoned_before(today: dt.date) -> dt.datetime:
    """A staff list still waiting for its new teams an hour before today began was abandoned (one in
    confirmation now is newer): names and emails in it go at the daily run, not only at the next upload."""
    return dt.datetime.combine(today, dt.time()) - dt.timedelta(hours=1)


def erase_invitations(db: Session, run: SurveyRun) -> int:
    """Names and emails go; the row, its team and the hash of its link stay (response rates, reopening).
    The names are read once more first, to redact the run's comments of them (`redact_comments`): nothing
    keeps them after this, and nothing needs them."""
    redact_comments(db, run, redaction_names(db, run))
    run.redaction_names = None
    return db.execute(update(Invitation).where(Invitation.run_id == run.id)
                      .where((Invitation.name.is_not(None)) | (Invitation.email.is_not(None)))
                      .values(name=None, email=None)).rowcount


def redaction_names(db: Session, run: SurveyRun) -> list[str]:
    """The names comments of this run are redacted of: its invited staff, while invitations hold them
    (and a copy kept on the run by earlier versions, until `apply` clears it). Empty once the run has
    closed: its comments were redacted of the names then."""
    invited = {name for name in db.scalars(select(Invitation.name).where(Invitation.run_id == run.id)) if name}
    return sorted(invited | set(run.redaction_names or []))


def redact_comments(db: Session, run: SurveyRun, names: list[str]) -> int:
    """Every comment of the run, as stored, redacted as the theme engine redacts what it reads (the staff's
    names, common names, numbers, addresses); returns how many changed. What reads comments later (an
    analysis, the PSW's corrections and quote edits) redacts them the same way, which changes nothing more,
    so it no longer needs the names."""
    if not names:
        return 0
    from analysis.clean import Redactor  # the theme engine: loaded only when it is needed

    written = db.execute(select(Answer.response_id, Answer.question_id, Answer.ordinal, Answer.text)
                         .join(Response, Answer.response_id == Response.id)
                         .where(Response.run_id == run.id, Answer.text.is_not(None))).all()
    if not written:
        return 0
    redacted = Redactor(staff_names=names).fit([]).transform([row.text for row in written])
    changed = 0
    for row, text in zip(written, redacted):
        if text != row.text:
            db.execute(update(Answer).where(Answer.response_id == row.response_id,
                                            Answer.question_id == row.question_id, Answer.ordinal == row.ordinal)
                       .values(text=text))
            changed += 1
    return changed


def delete_leaver_names(db: Session, run: SurveyRun) -> int:
    return db.execute(update(Response).where(Response.run_id == run.id, Response.named_as.is_not(None))
                      .values(named_as=None)).rowcount


def _delete_run_rows(db: Session, run_id: int) -> dict[str, int]:
    """A run's answers and all made from them: what retention deletes (its releases, action plan and
    safeguarding reviews stay)."""
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
    """A run's answers and comments, and all counted from them, go, with the committee reports that may quote
    them (to be written again from the releases); its releases stay, without quotes, and its action plan."""
    counts = _delete_run_rows(db, run.id)
    counts["committee reports"] = db.execute(delete(ReportJob).where(
        ReportJob.run_id.in_(_runs_of_year(run)))).rowcount
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


def _referred(table: Table) -> set[Column[Any]]:
    """The columns of `table` that other rows refer to."""
    return {fk.column for other in Base.metadata.sorted_tables for fk in other.foreign_keys
            if fk.column.table is table}


def _delete_referring(db: Session, column: Column[Any], keys: Select[Any], counts: dict[str, int]) -> None:
    """Delete every row whose foreign key refers to the values `keys` of `column`, and every row that refers
    to those, deepest first: found from the schema, so a table added later is not forgotten. A
    self-reference (a team merged into another) is cleared rather than followed."""
    for child in Base.metadata.sorted_tables:
        for fk in child.foreign_keys:
            if fk.column is not column:
                continue
            chosen = fk.parent.in_(keys)
            if child is column.table:
                db.execute(update(child).where(chosen).values({fk.parent.name: None}))
                continue
            for referred in _referred(child):
                _delete_referring(db, referred, select(referred).where(chosen), counts)
            removed = db.execute(delete(child).where(chosen)).rowcount
            name = NAMES.get(child.name, child.name.replace("_", " "))
            counts[name] = counts.get(name, 0) + removed


def delete_run(db: Session, run: SurveyRun) -> dict[str, int]:
    """A run and everything that refers to it (answers, invitations, analyses, corrections, quote decisions,
    safeguarding reviews, releases, its action plan and committee reports), and the council's committee
    reports that drew on it (those of its year and later: a report reads the year's exit interviews and
    the years before). The caller records it in the audit log and commits."""
    counts: dict[str, int] = {}
    later = select(SurveyRun.id).where(SurveyRun.council_id == run.council_id, SurveyRun.year >= run.year)
    counts[NAMES["report_job"]] = db.execute(delete(ReportJob).where(ReportJob.run_id.in_(later))).rowcount
    table = SurveyRun.__table__
    assert isinstance(table, Table)
    _delete_referring(db, table.c.id, select(literal(run.id)), counts)
    db.execute(delete(SurveyRun).where(SurveyRun.id == run.id))
    db.expunge(run)
    return counts


def delete_council_data(db: Session, council: Council, *, everything: bool = False) -> dict[str, int]:
    """Every run of the council, with all it holds. With `everything`, also everything else that refers to the
    council (its accounts, teams, service areas, workforce figures) and the council itself; the audit log
    stays (it holds ids, not foreign keys). The caller commits."""
    counts: dict[str, int] = {"runs": 0}
    for run in list(db.scalars(select(SurveyRun).where(SurveyRun.council_id == council.id))):
        for key, n in delete_run(db, run).items():
            counts[key] = counts.get(key, 0) + n
        counts["runs"] += 1
    if everything:
        table = Council.__table__
        assert isinstance(table, Table)
        _delete_referring(db, table.c.id, select(literal(council.id)), counts)
        db.execute(delete(Council).where(Council.id == council.id))
        db.expunge(council)
    return counts


def describe(counts: dict[str, int]) -> str:
    """Counts of deleted rows, in words: "2 runs, 44 answers and 3 committee reports"."""
    said = [f"{n:,} {name}" for name, n in counts.items() if n]
    return "nothing" if not said else said[0] if len(said) == 1 else ", ".join(said[:-1]) + " and " + said[-1]
