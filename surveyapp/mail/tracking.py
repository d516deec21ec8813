"""What became of each email of a run: written by the worker, read by the admin's pages.

Every invitation and reminder is an `OutgoingEmail` row before it is queued; the queued message
carries the row's id, and the worker writes each try's outcome there (sent, deferred, failed with
a plain reason). So a relay that refuses every address shows on the run's page as failed emails,
not as a low response rate. No Flask here: the worker, the views and the tests call the same code.

A new link for an invitation (`resendable`, `claim`) is made only when no earlier email of it can
have arrived: the token is not stored and used links are kept under a different hash of it, so
nothing could tell that the person had answered with the old link, and a new one would let them
answer twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import CursorResult, Select, exists, func, select, update
from sqlalchemy.orm import Session, aliased

from ..models import EmailProblem, EmailStatus, Invitation, OutgoingEmail, SurveyRun, Team
from .backends import Failure, message_id
from .messages import Message

INVITATION, REMINDER = "invitation", "reminder"
SHOWN = (EmailStatus.QUEUED, EmailStatus.SENT, EmailStatus.DEFERRED, EmailStatus.FAILED)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def add(db: Session, run_id: int, invitation_id: int, template: str) -> OutgoingEmail:
    """A queued email's row (flushed, so it has its id); the caller commits before queueing it."""
    row = OutgoingEmail(run_id=run_id, invitation_id=invitation_id, template=template,
                        status=EmailStatus.QUEUED.value, tries=0, may_have_arrived=False,
                        queued_at=now(), updated_at=now())
    db.add(row)
    db.flush()
    return row


def tracked(message: Message, email_id: int, sender: str) -> Message:
    """The message as queued: with its row's id, and the Message-ID every try will carry."""
    return {**message, "email_id": email_id, "message_id": message_id(sender)}


# The worker's side --------------------------------------------------------------------------------


def still_to_send(db: Session, email_id: int, today: dt.date) -> bool:
    """Whether the worker should send it: its row is still waiting and its run still takes answers.

    An email whose invitation was withdrawn (an import undone) or that was sent again is dropped;
    one whose run has closed is failed, saying so: its link would only tell the person it had closed.
    """
    row = db.get(OutgoingEmail, email_id)
    if row is None or row.status not in (EmailStatus.QUEUED.value, EmailStatus.DEFERRED.value):
        return False
    run = db.get(SurveyRun, row.run_id)
    if run is None or run.ended_on(today) is not None:
        _write(row, EmailStatus.FAILED, problem=EmailProblem.CLOSED, tried=False,
               reason="Not sent: the survey had closed before it could go.")
        db.commit()
        return False
    return True


def record(db: Session, email_id: int, status: EmailStatus, failure: Failure | None = None) -> None:
    """One try's outcome."""
    row = db.get(OutgoingEmail, email_id)
    if row is None:
        return
    _write(row, status, problem=failure.problem if failure else None, reason=failure.reason if failure else None,
           may_have_arrived=bool(failure and failure.may_have_arrived))
    db.commit()


def _write(row: OutgoingEmail, status: EmailStatus, *, problem: EmailProblem | None, reason: str | None,
           may_have_arrived: bool = False, tried: bool = True) -> None:
    row.status = status.value
    row.problem = problem.value if problem and status is EmailStatus.FAILED else None
    row.reason = reason[:500] if reason else None
    row.tries += 1 if tried else 0
    row.may_have_arrived = row.may_have_arrived or may_have_arrived
    row.updated_at = now()


def queue_all(db: Session, enqueue: Callable[[Message], object], messages: list[Message]) -> None:
    """Queue each message; if the queue fails part way, the emails after the one it refused are failed
    (never queued, so safe to send again) and the error goes on. The one it refused stays queued: the
    queue may have taken it before failing to say so."""
    for i, message in enumerate(messages):
        try:
            enqueue(message)
        except Exception:
            not_queued(db, [m["email_id"] for m in messages[i + 1:] if "email_id" in m])
            raise


def not_queued(db: Session, email_ids: list[int]) -> None:
    """Emails whose row was written but which were never queued: failed, and safe to send again."""
    db.execute(update(OutgoingEmail).where(OutgoingEmail.id.in_(email_ids),
                                           OutgoingEmail.status == EmailStatus.QUEUED.value)
               .values(status=EmailStatus.FAILED.value, problem=EmailProblem.NOT_QUEUED.value, updated_at=now(),
                       reason="Not sent: the background queue could not be reached."))
    db.commit()


# The admin's side ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Failed:
    email_id: int
    invitation_id: int
    name: str | None  # None once the run closed and the invitation's name was erased
    address: str | None
    team: str | None
    problem: str
    reason: str
    may_have_arrived: bool
    resendable: bool


@dataclass
class Summary:
    """A run's emails: counts by kind and status, the failed and deferred invitations, and whether the
    failures say the relay's settings are wrong rather than the addresses."""

    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # template -> status -> number
    failed: list[Failed] = field(default_factory=list)
    deferred: list[Failed] = field(default_factory=list)
    configuration: str | None = None

    def count(self, template: str, status: EmailStatus | str) -> int:
        return self.counts.get(template, {}).get(EmailStatus(status).value, 0)

    @property
    def failed_invitations(self) -> int:
        return self.count(INVITATION, EmailStatus.FAILED)

    @property
    def resendable(self) -> int:
        return sum(1 for f in self.failed if f.resendable)


def summary(db: Session, run: SurveyRun) -> Summary:
    found = Summary()
    for template, status, number in db.execute(
            select(OutgoingEmail.template, OutgoingEmail.status, func.count())
            .where(OutgoingEmail.run_id == run.id).group_by(OutgoingEmail.template, OutgoingEmail.status)):
        found.counts.setdefault(template, {})[status] = number
    resendable = set(db.scalars(_resendable(run).with_only_columns(OutgoingEmail.id)))
    rows = db.execute(select(OutgoingEmail, Invitation.name, Invitation.email, Team.name)
                      .join(Invitation, Invitation.id == OutgoingEmail.invitation_id)
                      .outerjoin(Team, Team.id == Invitation.team_id)
                      .where(OutgoingEmail.run_id == run.id, OutgoingEmail.template == INVITATION,
                             OutgoingEmail.status.in_([EmailStatus.FAILED.value, EmailStatus.DEFERRED.value]))
                      .order_by(Invitation.name, OutgoingEmail.id)).all()
    for row, name, address, team in rows:
        shown = Failed(row.id, row.invitation_id, name, address, team, row.problem or "", _reason(row),
                       row.may_have_arrived, row.id in resendable)
        (found.failed if row.status == EmailStatus.FAILED.value else found.deferred).append(shown)
    found.configuration = _configuration(found)
    return found


def _reason(row: OutgoingEmail) -> str:
    reason = row.reason or ""
    if row.status == EmailStatus.DEFERRED.value:
        return f"{reason} It will be tried again by itself (tried {row.tries} time{'s' if row.tries != 1 else ''} so far)."
    if row.may_have_arrived:
        return (f"{reason} The email may have arrived, so it cannot be sent again with a new link: that would let "
                "the person answer twice. Ask them whether they have it.")
    return reason


def _configuration(found: Summary) -> str | None:
    """The relay's settings, not the addresses, when it refused this service, or refused every address it
    was given and accepted none."""
    settings = [f for f in found.failed if f.problem == EmailProblem.CONFIGURATION.value]
    if settings:
        return settings[-1].reason
    refused = [f for f in found.failed if f.problem == EmailProblem.ADDRESS.value]
    sent = found.count(INVITATION, EmailStatus.SENT) + found.count(REMINDER, EmailStatus.SENT)
    if len(refused) >= 2 and sent == 0:
        return (f"The email server refused every address it was given ({len(refused)} of {len(refused)}) and "
                "accepted none, so the problem is almost certainly its settings, not the addresses: it may not "
                "let this service send through it. Ask IT to check the relay and SMTP_USER, SMTP_PASSWORD and "
                "EMAIL_FROM, then send the invitations again.")
    return None


def _resendable(run: SurveyRun) -> Select[OutgoingEmail, Invitation]:
    """Failed invitation emails that can be sent again with a new link: none of the invitation's emails
    with a link is waiting, was sent, or may have arrived, and the invitation still has its address."""
    other = aliased(OutgoingEmail)
    live = exists().where(other.invitation_id == OutgoingEmail.invitation_id, other.template == INVITATION,
                          other.status.in_([EmailStatus.QUEUED.value, EmailStatus.DEFERRED.value,
                                            EmailStatus.SENT.value]) | other.may_have_arrived)
    return (select(OutgoingEmail, Invitation).join(Invitation, Invitation.id == OutgoingEmail.invitation_id)
            .where(OutgoingEmail.run_id == run.id, OutgoingEmail.template == INVITATION,
                   OutgoingEmail.status == EmailStatus.FAILED.value, Invitation.email.is_not(None), ~live)
            .order_by(OutgoingEmail.id))


def resendable(db: Session, run: SurveyRun) -> list[tuple[int, Invitation]]:
    """(failed email's id, invitation) for each invitation that may be given a new link."""
    return [(email.id, invitation) for email, invitation in db.execute(_resendable(run)).all()]


def claim(db: Session, email_id: int) -> bool:
    """Mark a failed email replaced, only if it still is failed and cannot have arrived: of two admins
    (or a double click) sending it again, one wins."""
    claimed = db.execute(update(OutgoingEmail).where(OutgoingEmail.id == email_id,
                                                     OutgoingEmail.status == EmailStatus.FAILED.value,
                                                     OutgoingEmail.may_have_arrived.is_(False))
                         .values(status=EmailStatus.REPLACED.value, updated_at=now()))
    return cast(CursorResult[Any], claimed).rowcount == 1  # SQLAlchemy 2.1 types an UPDATE's result as Result


def failed_invitations(db: Session, run: SurveyRun) -> set[int]:
    """Invitations whose latest invitation email failed: a reminder would ask them to use a link they never got."""
    return set(db.scalars(select(OutgoingEmail.invitation_id).where(
        OutgoingEmail.run_id == run.id, OutgoingEmail.template == INVITATION,
        OutgoingEmail.status == EmailStatus.FAILED.value)))
