"""The audit log: who signed in, read, exported, released, changed or deleted what, and when. Append-only.

Any package can record an event with one call, in the caller's transaction:

    audit_log.record(db, current_user, audit_log.PLAN_CHANGED, run=run, detail={"plan": plan.id})
    db.commit()

(`commit=True` commits at once, for events with nothing else to store, such as a sign-in.)
An event says who, when, which run and which part of the council (scope); it never holds
a figure, an answer or a comment. The app has no path that changes or deletes an event:
the model refuses updates and deletes (`AppendOnly`), and the migration adds database
triggers that refuse them too. No foreign keys: deleting a run, an account or a council's
data leaves its events.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from collections.abc import Callable
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.orm import ORMExecuteState, Session

from ..models import AuditEvent, SurveyRun, User

# What happened. Other packages may record their own kinds; these are the ones the app records.
SIGN_IN = "sign_in"
SIGN_IN_FAILED = "sign_in_failed"
RESULTS_VIEWED = "results_viewed"
EXPORT_DOWNLOADED = "export_downloaded"
REPORT_OPENED = "report_opened"
RELEASE_REQUESTED = "release_requested"
RUN_CREATED = "run_created"
RUN_CHANGED = "run_changed"
RUN_CLOSED = "run_closed"
RUN_REOPENED = "run_reopened"
RUN_COPIED = "run_copied"
RUN_DELETED = "run_deleted"
COUNCIL_DATA_DELETED = "council_data_deleted"
RETENTION_APPLIED = "retention_applied"
SETTINGS_CHANGED = "settings_changed"
USER_CREATED = "user_created"
USER_CHANGED = "user_changed"
SCOPE_CHANGED = "scope_changed"
ORGANISATION_CHANGED = "organisation_changed"
STAFF_IMPORTED = "staff_imported"
MODERATION_DECISION = "moderation_decision"
THEME_CORRECTED = "theme_corrected"
PLAN_CHANGED = "plan_changed"
USER_INVITED = "user_invited"
USER_DEACTIVATED = "user_deactivated"
USER_REACTIVATED = "user_reactivated"
PASSWORD_RESET_REQUESTED = "password_reset_requested"
PASSWORD_SET = "password_set"
CONCERN_REVIEWED = "concern_reviewed"
THEMES_ANALYSED = "themes_analysed"
OPEN_LINK_CREATED = "open_link_created"
REMINDERS_SENT = "reminders_sent"
NAMED_LEAVERS_OPENED = "named_leavers_opened"
INVITATIONS_RESENT = "invitations_resent"
REPORT_WRITTEN = "report_written"
WORKFORCE_CHANGED = "workforce_changed"

KINDS = {
    SIGN_IN: "Signed in", SIGN_IN_FAILED: "Sign-in failed", RESULTS_VIEWED: "Results page opened",
    EXPORT_DOWNLOADED: "Export downloaded", REPORT_OPENED: "Report opened", RELEASE_REQUESTED: "Release requested",
    RUN_CREATED: "Run created", RUN_CHANGED: "Run dates changed", RUN_CLOSED: "Run closed",
    RUN_REOPENED: "Run reopened", RUN_COPIED: "Run copied", RUN_DELETED: "Run deleted",
    COUNCIL_DATA_DELETED: "Council's data deleted", RETENTION_APPLIED: "Retention: data deleted",
    SETTINGS_CHANGED: "Settings changed", USER_CREATED: "Account created", USER_CHANGED: "Account changed",
    SCOPE_CHANGED: "Scope changed", ORGANISATION_CHANGED: "Service areas or teams changed",
    STAFF_IMPORTED: "Staff list imported", MODERATION_DECISION: "Quote approved, edited or withheld",
    THEME_CORRECTED: "Themes corrected", PLAN_CHANGED: "Plan changed",
    USER_INVITED: "Account invited", USER_DEACTIVATED: "Account deactivated", USER_REACTIVATED: "Account reactivated",
    PASSWORD_RESET_REQUESTED: "Password reset asked for", PASSWORD_SET: "Password set from an emailed link",
    CONCERN_REVIEWED: "Safeguarding concern marked as seen", THEMES_ANALYSED: "Theme analysis started",
    OPEN_LINK_CREATED: "Open link created", REMINDERS_SENT: "Reminders sent",
    NAMED_LEAVERS_OPENED: "Named leavers list opened", INVITATIONS_RESENT: "Failed invitations sent again",
    REPORT_WRITTEN: "Committee report written", WORKFORCE_CHANGED: "Workforce figures changed",
}
SYSTEM = "system"  # the actor of what a command or a scheduled job did


class AppendOnly(RuntimeError):
    """Something tried to change or delete an audit event."""


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def record(db: Session, actor: User | str | None, action: str, *, run: SurveyRun | int | None = None,
           scope: str | None = None, detail: dict[str, Any] | None = None, council_id: int | None = None,
           commit: bool = False) -> AuditEvent:
    """Add an event to the caller's transaction (and commit it when `commit`).

    `actor` is the signed-in user, or a string: "system", or what someone typed at a failed sign-in.
    The council is the actor's, else the run's, else `council_id`.
    """
    user = actor if isinstance(actor, User) else None
    run_row = run if isinstance(run, SurveyRun) else None
    found = AuditEvent(
        at=now(),
        council_id=council_id if council_id is not None else (
            user.council_id if user else (run_row.council_id if run_row else None)),
        actor_id=user.id if user else None,
        actor=(user.email if user else (actor or SYSTEM))[:320],  # type: ignore[index]
        action=action[:60], run_id=run_row.id if run_row else (run if isinstance(run, int) else None),
        scope=scope[:300] if scope else None, detail=detail or None)
    db.add(found)
    db.flush()
    if commit:
        db.commit()
    return found


def sign_in(db: Session, user: User | None, typed_email: str) -> None:
    """A sign-in, or a failed one. A failure is recorded under the council of the account whose email was
    typed (none when no account has it: those are seen only in the database), with what was typed."""
    if user is not None:
        record(db, user, SIGN_IN, commit=True)
        return
    typed = typed_email.strip().lower()[:320]
    council_id = db.scalar(select(User.council_id).where(func.lower(User.email) == typed))
    record(db, typed or "(no email typed)", SIGN_IN_FAILED, council_id=council_id, commit=True)


# Reading ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Filters:
    kind: str | None = None
    person: str | None = None  # part of an email address
    since: dt.date | None = None
    until: dt.date | None = None  # inclusive


@dataclass(frozen=True)
class Page:
    events: list[AuditEvent]
    total: int
    number: int
    pages: int


PER_PAGE = 50


def _filtered(council_id: int, filters: Filters) -> Any:
    query = select(AuditEvent).where(AuditEvent.council_id == council_id)
    if filters.kind:
        query = query.where(AuditEvent.action == filters.kind)
    if filters.person:
        query = query.where(func.lower(AuditEvent.actor).contains(filters.person.strip().lower(), autoescape=True))
    if filters.since:
        query = query.where(AuditEvent.at >= dt.datetime.combine(filters.since, dt.time()))
    if filters.until:
        query = query.where(AuditEvent.at < dt.datetime.combine(filters.until + dt.timedelta(days=1), dt.time()))
    return query


def page(db: Session, council_id: int, filters: Filters, number: int = 1, per_page: int = PER_PAGE) -> Page:
    """One page of a council's events, newest first."""
    query = _filtered(council_id, filters)
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // per_page))
    number = min(max(1, number), pages)
    events = list(db.scalars(query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                             .offset((number - 1) * per_page).limit(per_page)))
    return Page(events, total, number, pages)


QUOTE_DECISIONS = {"approved": "Approved a quote for the next release",
                   "edited": "Edited a quote: the next release shows the edit instead",
                   "withheld": "Withheld a quote: no release shows it"}


def _quote_decision(detail: dict[str, Any]) -> str:
    return (f"{QUOTE_DECISIONS[detail['decision']]} (theme “{detail['theme']}” of question {detail['question']}; "
            f"decision {detail['decision_id']})")


def _concern_reviewed(detail: dict[str, Any]) -> str:
    return (f"Marked a comment flagged as a possible safeguarding concern as seen, with a note of what was done "
            f"(question {detail['question']}; review {detail['review_id']})")


PLAN_CHANGES = {"drafted": "Drafted the action plan from the released results",
                "row_added": "Added a row to the action plan", "row_edited": "Edited a row of the action plan",
                "row_removed": "Removed a row from the action plan",
                "commitment_added": "Added a commitment to the action plan",
                "commitment_edited": "Edited a commitment of the action plan",
                "commitment_removed": "Removed a commitment from the action plan",
                "progress": "Recorded progress on a commitment",
                "approved": "Approved the action plan", "published": "Published the action plan: staff can read it",
                "follow_up": "Chose the follow-up questions this run asks about last year's commitments"}
PLAN_PARTS = (("plan", "plan"), ("row", "row"), ("commitment", "commitment"), ("status", "status now"),
              ("questions", "questions"))


def _plan_changed(detail: dict[str, Any]) -> str:
    parts = "; ".join(f"{words} {detail[key]}" for key, words in PLAN_PARTS if key in detail)
    return f"{PLAN_CHANGES[detail['change']]} ({parts})" if parts else PLAN_CHANGES[detail["change"]]


def _themes_analysed(detail: dict[str, Any]) -> str:
    return (f"Started a theme analysis of question {detail['question']} (analysis {detail['job']}): "
            "the moderation queue and the next release use it")


REPORT_FORMATS = {"docx": "a Word document", "pdf": "a PDF", "html": "a web page"}


def _report_written(detail: dict[str, Any]) -> str:
    made_as = REPORT_FORMATS.get(detail["format"], detail["format"])
    if detail.get("by") == "command":
        return f"Wrote the committee report as {made_as} with the committee-report command"
    return f"Asked for the committee report as {made_as} (report {detail['report']}): it is written in the background"


def _workforce_changed(detail: dict[str, Any]) -> str:
    if detail["change"] == "imported":
        areas = detail["areas"]
        return (f"Imported workforce figures for {areas} service area{'' if areas == 1 else 's'} for {detail['year']} "
                "from a file")
    verb = "Entered" if detail["change"] == "entered" else "Changed"
    return f"{verb} the workforce figures of service area {detail['area']} for {detail['year']}"


SENTENCES: dict[str, Callable[[dict[str, Any]], str]] = {
    MODERATION_DECISION: _quote_decision,
    CONCERN_REVIEWED: _concern_reviewed,
    PLAN_CHANGED: _plan_changed,
    THEMES_ANALYSED: _themes_analysed,
    OPEN_LINK_CREATED: lambda _: "Created a new open link for the run: any earlier link stops working",
    REMINDERS_SENT: lambda d: f"Asked for a reminder to be emailed to {d['people']} people invited",
    NAMED_LEAVERS_OPENED: lambda _: "Opened the list of leavers who gave their name",
    INVITATIONS_RESENT: lambda d: (f"Sent {len(d['invitations'])} invitations again, each with a new link, after "
                                   f"their emails failed (invitations {', '.join(map(str, d['invitations']))})"),
    REPORT_WRITTEN: _report_written,
    WORKFORCE_CHANGED: _workforce_changed,
}


def describe(found: AuditEvent) -> str:
    """An event's detail in words, for the page and the CSV: a sentence where the kind has one."""
    detail = found.detail or {}
    sentence = SENTENCES.get(found.action)
    if sentence is not None:
        try:
            return sentence(detail)
        except KeyError:  # an event recorded before the sentence's fields: said as it is stored
            pass
    return "; ".join(f"{key.replace('_', ' ')}: {value}" for key, value in sorted(detail.items()))


def _safe(value: str) -> str:
    """Stop a spreadsheet treating a cell as a formula (an email typed at a failed sign-in can be anything)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def to_csv(db: Session, council_id: int, filters: Filters) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["when (UTC)", "who", "what", "run", "scope", "detail"])
    for found in db.scalars(_filtered(council_id, filters).order_by(AuditEvent.at, AuditEvent.id)):
        writer.writerow([found.at.isoformat(sep=" "), _safe(found.actor), KINDS.get(found.action, found.action),
                         found.run_id or "", _safe(found.scope or ""), _safe(describe(found))])
    return out.getvalue()


# Append-only -----------------------------------------------------------------------

@event.listens_for(AuditEvent, "before_update")
def _no_update(*_args: Any) -> None:
    raise AppendOnly("The audit log is append-only: events cannot be changed")


@event.listens_for(AuditEvent, "before_delete")
def _no_delete(*_args: Any) -> None:
    raise AppendOnly("The audit log is append-only: events cannot be deleted")


@event.listens_for(Session, "do_orm_execute")
def _no_bulk_change(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete) and state.bind_mapper is not None \
            and state.bind_mapper.class_ is AuditEvent:
        raise AppendOnly("The audit log is append-only: events cannot be changed or deleted")
