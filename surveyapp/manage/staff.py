"""Staff and leaver lists: validate a CSV whole, then create single-use invitations and email them.

A list with any bad row imports nothing; each problem is reported with its
line number, in plain English, so the admin can fix the file and try again.
Each new person's link goes to them alone, in an email on the queue: nobody
else, the admin included, ever sees it, and no file of links exists.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from .. import csvfile, mail, security
from ..mail import tracking
from ..models import Invitation, PendingUpload, SurveyRun, Team
from ..org import structure
from . import runs

REQUIRED_COLUMNS = ("name", "email", "team")
EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
MAX_ROWS = 20_000
MAX_NAME, MAX_EMAIL = 200, 320  # the invitation's columns: longer was a 500 on PostgreSQL
NO_TEAM = "there is no team called"


@dataclass(frozen=True)
class StaffRow:
    line: int
    name: str
    email: str
    team: Team


@dataclass(frozen=True)
class Invited:
    name: str
    email: str
    team: str
    token: str = ""  # the plain token: only until its email is queued
    email_id: int = 0  # its OutgoingEmail row
    invitation_id: int = 0

    def __repr__(self) -> str:  # never the token, whatever logs or prints this
        return f"Invited({self.name!r}, {self.email!r}, {self.team!r})"


@dataclass(frozen=True)
class Imported:
    """What importing a list did: new people invited, people whose earlier invitation failed sent a new
    link, and how many were already invited and left alone."""

    invited: list[Invited]
    resent: list[Invited]
    skipped: int

    @property
    def emails(self) -> list[Invited]:
        return self.invited + self.resent


class StaffListError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class MissingTeams(StaffListError):
    """The list's only problem is teams the council does not have: the admin may create them, then import."""

    def __init__(self, problems: list[str], names: list[str]) -> None:
        super().__init__(problems)
        self.names = names


def council_teams(db: Session, council_id: int) -> dict[str, Team]:
    """Current teams by name, and merged teams' old names mapped to the team that continues them."""
    return structure.staff_list_names(db, council_id)


def parse(data: bytes, teams: dict[str, Team]) -> list[StaffRow]:
    try:
        text = csvfile.text_of(data)  # a NUL in a name was a 500 on PostgreSQL
        if not text.strip():
            raise StaffListError(["The file is empty. It needs a header row: name,email,team"])
        reader, header = csvfile.reader(text)
    except csvfile.UnreadableFile as exc:
        raise StaffListError(exc.problems) from None
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise StaffListError([f"The first row must name the columns name, email and team. Missing: {', '.join(missing)}"])
    rows: list[StaffRow] = []
    problems: list[str] = []
    unknown: dict[str, str] = {}
    seen: dict[str, int] = {}
    for line, record in _records(reader, problems):
        if len(rows) + len(problems) >= MAX_ROWS:
            problems.append(f"The file has more than {MAX_ROWS:,} rows")
            break
        row, row_problems = _row(line, record, teams, seen)
        problems.extend(row_problems)
        team_name = (record.get("team") or "").strip()
        if team_name and team_name.lower() not in teams:
            unknown.setdefault(" ".join(team_name.split()).lower(), " ".join(team_name.split()))
        if row:
            rows.append(row)
            seen[row.email] = line
    if problems and unknown and all(NO_TEAM in p for p in problems):
        raise MissingTeams(problems, sorted(unknown.values(), key=str.lower))
    if problems:
        raise StaffListError(problems)
    if not rows:
        raise StaffListError(["The file has a header row but no people in it"])
    return rows


def _records(reader: csv.DictReader[str], problems: list[str]) -> Iterator[tuple[int, dict[str, str | None]]]:
    """Rows with their line numbers; a row the csv module cannot read (a stray quote) is a problem, not a crash."""
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            problems.append(f"Line {reader.line_num}: this row cannot be read ({exc}). Check for a stray quotation mark")
            return
        yield reader.line_num, record


def _row(line: int, record: dict[str, str | None], teams: dict[str, Team],
         seen: dict[str, int]) -> tuple[StaffRow | None, list[str]]:
    name = (record.get("name") or "").strip()
    email = (record.get("email") or "").strip().lower()
    team_name = (record.get("team") or "").strip()
    if not (name or email or team_name):
        return None, []  # a blank line
    problems = []
    if not name:
        problems.append(f"Line {line}: enter the person's name")
    elif len(name) > MAX_NAME:
        problems.append(f"Line {line}: the name must be {MAX_NAME} characters or fewer")
    if not email:
        problems.append(f"Line {line}: enter an email address")
    elif len(email) > MAX_EMAIL:
        problems.append(f"Line {line}: the email address must be {MAX_EMAIL} characters or fewer")
    elif not EMAIL.match(email):
        problems.append(f"Line {line}: ‘{email}’ is not a valid email address")
    elif email in seen:
        problems.append(f"Line {line}: {email} is already on line {seen[email]}")
    team = teams.get(team_name.lower())
    if not team_name:
        problems.append(f"Line {line}: enter the person's team")
    elif team is None:
        problems.append(f"Line {line}: {NO_TEAM} ‘{team_name}’")
    if problems or team is None:
        return None, problems
    return StaffRow(line, name, email, team), []


# A list naming new teams waits on the server while its admin confirms them --------------------------

PENDING_FOR = dt.timedelta(hours=1)


def _pending_hash(upload_id: str) -> str:
    return hashlib.sha256(f"pending-upload:{upload_id}".encode()).hexdigest()


def hold(db: Session, run: SurveyRun, user_id: int, data: bytes) -> str:
    """Keep a staff list for its admin to confirm; the random id the confirmation page carries.

    Lists older than PENDING_FOR, of anyone, go now: an abandoned list does not stay."""
    moment = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    db.execute(delete(PendingUpload).where(PendingUpload.created_at < moment - PENDING_FOR))
    upload_id = secrets.token_urlsafe(32)
    db.add(PendingUpload(id_hash=_pending_hash(upload_id), run_id=run.id, user_id=user_id, created_at=moment,
                         content=data))
    db.commit()
    return upload_id


def held(db: Session, run: SurveyRun, user_id: int, upload_id: str) -> bytes | None:
    """The list this admin uploaded to this run under `upload_id`, while it is less than PENDING_FOR old."""
    found = db.get(PendingUpload, _pending_hash(upload_id))
    moment = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    if found is None or found.run_id != run.id or found.user_id != user_id or found.created_at < moment - PENDING_FOR:
        return None
    return found.content


def drop(db: Session, run: SurveyRun, user_id: int, upload_id: str) -> None:
    """Forget a held list (imported, or cancelled). The caller commits."""
    db.execute(delete(PendingUpload).where(PendingUpload.id_hash == _pending_hash(upload_id),
                                           PendingUpload.run_id == run.id, PendingUpload.user_id == user_id))


def invite(db: Session, run: SurveyRun, rows: list[StaffRow]) -> Imported:
    """Create one invitation per new person, each with its email's row; people already invited are left
    alone, but for those whose invitation email failed before it could arrive, who get a new link.
    Refused on a run with an open link (runs.check_staff_list_allowed)."""
    runs.check_staff_list_allowed(db, run)
    existing = set(db.scalars(select(Invitation.email).where(Invitation.run_id == run.id)))
    failed = {invitation.email: (email_id, invitation) for email_id, invitation in tracking.resendable(db, run)}
    invited: list[Invited] = []
    resent: list[Invited] = []
    for row in rows:
        if row.email in failed:
            email_id, invitation = failed[row.email]
            again = _new_link(db, run, email_id, invitation)
            if again is not None:
                resent.append(again)
            continue
        if row.email in existing:
            continue
        token = security.new_token()
        invitation = Invitation(run_id=run.id, team_id=row.team.id, name=row.name, email=row.email,
                                token_hash=security.invitation_hash(token))
        db.add(invitation)
        db.flush()
        email = tracking.add(db, run.id, invitation.id, tracking.INVITATION)
        invited.append(Invited(row.name, row.email, row.team.name, token, email.id, invitation.id))
    db.commit()
    return Imported(invited, resent, len(rows) - len(invited) - len(resent))


def resend_failed(db: Session, run: SurveyRun) -> tuple[list[Invited], list[int]]:
    """A new link, in a new email, for each invitation whose email failed before it could arrive; the
    failed emails' ids. The earlier link stops working (its hash is replaced): it never reached anyone.
    The caller records it in the audit log and commits, then queues the emails."""
    resent: list[Invited] = []
    replaced: list[int] = []
    for email_id, invitation in tracking.resendable(db, run):
        again = _new_link(db, run, email_id, invitation)
        if again is not None:
            resent.append(again)
            replaced.append(email_id)
    db.flush()
    return resent, replaced


def _new_link(db: Session, run: SurveyRun, email_id: int, invitation: Invitation) -> Invited | None:
    if not tracking.claim(db, email_id):
        return None  # sent again already (a double click, another admin)
    token = security.new_token()
    invitation.token_hash = security.invitation_hash(token)
    email = tracking.add(db, run.id, invitation.id, tracking.INVITATION)
    team = invitation.team.name if invitation.team else ""
    return Invited(invitation.name or "", invitation.email or "", team, token, email.id, invitation.id)


def send_invitations(db: Session, enqueue: Callable[[mail.Message], object], run: SurveyRun,
                     invited: list[Invited], base_url: str, sender: str) -> None:
    """Queue one email per person with their own link: the only copy of the plain token."""
    tracking.queue_all(db, enqueue, [
        tracking.tracked(mail.invitation(run, p.name, p.email, f"{base_url}/invite/{p.token}"), p.email_id, sender)
        for p in invited])


def uninvite(db: Session, run: SurveyRun, invited: list[Invited]) -> None:
    """Undo an import whose emails could not be queued, so that importing again invites everyone (their
    email rows go with them, so a worker drops any email of theirs already queued)."""
    db.execute(delete(Invitation).where(Invitation.run_id == run.id,
                                        Invitation.email.in_([p.email for p in invited])))
    db.commit()


def invited_count(db: Session, run: SurveyRun) -> int:
    return db.scalar(select(func.count()).select_from(Invitation).where(Invitation.run_id == run.id)) or 0


def send_reminders(db: Session, enqueue: Callable[[mail.Message], object], run: SurveyRun, sender: str) -> int:
    """Queue a reminder to everyone invited: nothing stored says who has taken part, so the words say it.
    Not to those whose invitation email failed: it would ask them to use a link they never got."""
    failed = tracking.failed_invitations(db, run)
    people = [(i, name, email) for i, name, email in db.execute(
        select(Invitation.id, Invitation.name, Invitation.email).where(Invitation.run_id == run.id)
        .order_by(Invitation.id)) if name and email and i not in failed]  # names go when a run closes
    rows = [tracking.add(db, run.id, i, tracking.REMINDER).id for i, _, _ in people]
    db.commit()
    tracking.queue_all(db, enqueue, [tracking.tracked(mail.reminder(run, name, email), email_id, sender)
                                     for email_id, (_, name, email) in zip(rows, people)])
    return len(people)


def safe_cell(value: str) -> str:
    """Stop a spreadsheet treating a cell as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
