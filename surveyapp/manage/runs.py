"""Health check runs and exit interview periods: create, share, count, close, change, reopen, copy."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from .. import audit_log, retention, security
from ..models import Draft, Invitation, Questionnaire, RunStatus, SurveyRun, User
from ..questionnaires import builtin

# A run closed by mistake can be reopened within this many days of closing, and not after: staff were
# told it had closed, and its final release is the one the council reports on.
REOPEN_WITHIN_DAYS = 14


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


class Refused(ValueError):
    """Why something cannot be done to a run, in words for the admin."""


OPEN_LINK_BESIDE_STAFF_LIST = (
    "This {what} has a staff list, and everyone on it has their own link. It cannot also have an open link: "
    "anyone can answer through an open link as often as they like, so answers sent through it could be "
    "compared with the results to work out how the people on the list answered.")
STAFF_LIST_BESIDE_OPEN_LINK = (
    "This {what} has an open link, so it cannot also have a staff list: answers sent through the open link "
    "could be compared with the results to work out how the people on the list answered. Create a new "
    "{what} to invite people by email.")


def _what(run: SurveyRun) -> str:
    return "exit interview period" if run.kind == "exit_interview" else "health check"


def has_staff_list(db: Session, run: SurveyRun) -> bool:
    return bool(db.scalar(select(exists().where(Invitation.run_id == run.id))))


def check_staff_list_allowed(db: Session, run: SurveyRun) -> None:
    """A run has a staff list or an open link, never both (the planted-answers attack: see the threat model)."""
    if run.open_link_hash is not None:
        raise Refused(STAFF_LIST_BESIDE_OPEN_LINK.format(what=_what(run)))


def create_open_link(db: Session, run: SurveyRun, by: User | None = None) -> str:
    """A shareable link for runs without a staff list; replaces any earlier one. In the audit log, in the same
    transaction, when someone signed in made it (never the link or its hash). Refused on a run with a staff list."""
    if has_staff_list(db, run):
        raise Refused(OPEN_LINK_BESIDE_STAFF_LIST.format(what=_what(run)))
    token = security.new_token()
    run.open_link_hash = security.open_link_hash(token)
    if by is not None:
        audit_log.record(db, by, audit_log.OPEN_LINK_CREATED, run=run)
    db.commit()
    return token


def close_run(db: Session, run: SurveyRun, today: dt.date | None = None) -> int:
    """Close the run, destroy unsubmitted drafts and erase the invitations' names and emails.

    Returns how many drafts were destroyed. The invitation rows stay (team, link hash) for response
    rates and for reopening: a link still works if the run is reopened.
    """
    run.status = RunStatus.CLOSED.value
    run.closed_on = today or dt.date.today()
    removed = db.execute(delete(Draft).where(Draft.run_id == run.id)).rowcount
    retention.erase_invitations(db, run)
    db.commit()
    return removed


class CannotReopen(ValueError):
    """Why a run cannot be reopened, in words for the admin."""


def check_reopen(run: SurveyRun, today: dt.date) -> None:
    if run.status != RunStatus.CLOSED.value:
        raise CannotReopen(f"{run.title} is open")
    if run.data_deleted_on is not None:
        raise CannotReopen(f"{run.title} cannot be reopened: its answers were deleted when its retention period ended")
    closed = run.closed_on or run.closes_on
    if (today - closed).days > REOPEN_WITHIN_DAYS:
        raise CannotReopen(f"{run.title} closed on {closed:%-d %B %Y}. A run can be reopened only within "
                           f"{REOPEN_WITHIN_DAYS} days of closing: create a new run instead")


def reopen(db: Session, run: SurveyRun, closes_on: dt.date, today: dt.date) -> None:
    """Open a run closed by mistake again, until `closes_on`. Its earlier releases stay, and the next
    release is audited against them as any later release is: nothing they showed can be differenced."""
    check_reopen(run, today)
    if closes_on < today:
        raise CannotReopen("The new closing date must be today or later")
    run.status, run.closed_on, run.closes_on = RunStatus.OPEN.value, None, closes_on
    db.flush()


def change_dates(db: Session, run: SurveyRun, *, title: str, opens_on: dt.date, closes_on: dt.date) -> dict[str, str]:
    """Change an open run's title and dates (extend it, say); returns what changed, for the audit log."""
    before = {"title": run.title, "opens_on": run.opens_on.isoformat(), "closes_on": run.closes_on.isoformat()}
    run.title, run.opens_on, run.closes_on = title, opens_on, closes_on
    after = {"title": run.title, "opens_on": run.opens_on.isoformat(), "closes_on": run.closes_on.isoformat()}
    db.flush()
    return {key: f"{before[key]} to {after[key]}" for key in before if before[key] != after[key]}


def latest_version(db: Session, key: str) -> Questionnaire:
    sync_questionnaires(db)
    found = db.scalar(select(Questionnaire).where(Questionnaire.key == key).order_by(Questionnaire.version.desc()))
    assert found is not None
    return found


def copy_plan(run: SurveyRun) -> dict[str, object]:
    """Next year's run of the same questionnaire: the same title and dates, a year on."""
    year = run.year + 1
    return {"title": run.title.replace(str(run.year), str(year)), "year": year,
            "opens_on": retention.years_after(run.opens_on, 1), "closes_on": retention.years_after(run.closes_on, 1)}
