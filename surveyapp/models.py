"""Typed SQLAlchemy models.

Anonymity is a property of this schema: `Response` and `Answer` hold no
invitation id, user id, IP address, user agent or timestamp, and their keys
are random, so neither row order nor ids can be matched to the order in which
invitations were redeemed. Submitting writes no invitation row (see `UsedLink`), and
response rates come from used links counted by team.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

from sqlalchemy import (JSON, Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, LargeBinary,
                        String, Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db import Base


class Role(str, enum.Enum):
    ADMIN = "admin"  # the principal social worker: everything in their council
    MANAGER = "manager"
    VIEWER = "viewer"


class RunStatus(str, enum.Enum):
    OPEN = "open"
    CLOSED = "closed"


class Council(Base):
    __tablename__ = "council"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    # The council's own caseload policy (children per social worker) and ASYE protected limit, for results.
    caseload_policy: Mapped[int | None] = mapped_column(Integer)
    asye_caseload_limit: Mapped[int | None] = mapped_column(Integer)
    # Retention (`surveyapp.retention`): a run's answers and comments are deleted this many years after it
    # closes (its released figures stay); a leaver's attached name this many days after the period closes.
    retention_years: Mapped[int] = mapped_column(Integer, default=3, server_default="3")
    leaver_name_days: Mapped[int] = mapped_column(Integer, default=90, server_default="90")
    service_areas: Mapped[list[ServiceArea]] = relationship(
        back_populates="council", order_by="ServiceArea.name"
    )


class ServiceArea(Base):
    __tablename__ = "service_area"
    __table_args__ = (UniqueConstraint("council_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("council.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    council: Mapped[Council] = relationship(back_populates="service_areas")
    teams: Mapped[list[Team]] = relationship(back_populates="service_area", order_by="Team.name")


class Team(Base):
    __tablename__ = "team"
    __table_args__ = (UniqueConstraint("service_area_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    service_area_id: Mapped[int] = mapped_column(ForeignKey("service_area.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # A team keeps its id through renames and moves, so results line up by team year on year. A retired
    # team stays for the runs it was in and is left out of runs that open after it retired; a merged
    # team is retired into the team that continues it (the staff import maps its old name there).
    retired_on: Mapped[dt.date | None] = mapped_column(Date)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    service_area: Mapped[ServiceArea] = relationship(back_populates="teams")
    merged_into: Mapped[Team | None] = relationship(remote_side="Team.id")

    def current_on(self, day: dt.date) -> bool:
        """Part of the organisation on this day (a run that opens then has it)."""
        return self.retired_on is None or self.retired_on > day


class User(Base):
    """A manager, viewer or admin. Respondents never have accounts."""

    __tablename__ = "user_account"
    __table_args__ = (UniqueConstraint("oidc_issuer", "oidc_sub"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("council.id"), index=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The OpenID Connect issuer (`iss`, exactly OIDC_ISSUER) and subject (`sub`) of the council's sign-in service,
    # stored at the first single sign-on: later sign-ins match on the two together, so a changed email address
    # still finds the same person, and a subject of any other issuer finds nobody (a subject is unique only
    # within its issuer: OpenID Connect Core 2).
    oidc_issuer: Mapped[str | None] = mapped_column(String(500))
    oidc_sub: Mapped[str | None] = mapped_column(String(255))
    council: Mapped[Council] = relationship()
    scopes: Mapped[list[UserScope]] = relationship(cascade="all, delete-orphan")

    # Flask-Login's protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)


class ManagerSession(Base):
    """A manager's signed-in session, kept on the server so that signing out ends it.

    The signed session cookie carries a random id; this row holds only its SHA-256, so whoever
    reads the database cannot make a cookie. Deleting the row (sign-out, expiry) ends the session
    even for a copy of the cookie.
    """

    __tablename__ = "manager_session"
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime)


class PasswordLink(Base):
    """A single-use link to set a password: an invited account's first, or a forgotten one's new.

    Only a SHA-256 of the link's token is stored, so whoever reads the database cannot use a link.
    Using the link deletes the row (single use); an unused one stops working at `expires_at`.
    """

    __tablename__ = "password_link"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))  # "invitation" or "reset"
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)


class UserScope(Base):
    """What a manager or viewer may see: whole service areas, or single teams.

    Admins see their whole council and need no rows here. A manager or viewer
    with no rows sees no results at all (safe by default).
    """

    __tablename__ = "user_scope"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    service_area_id: Mapped[int | None] = mapped_column(ForeignKey("service_area.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))


class Questionnaire(Base):
    """A snapshot of a definition file, so a run keeps the questions it was asked with."""

    __tablename__ = "questionnaire"
    __table_args__ = (UniqueConstraint("key", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(300))
    # Loaded only when first parsed in a process (`questionnaire_for`): every respondent's page reads the row.
    definition: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)


class SurveyRun(Base):
    """One health check year, or one exit interview period, for one council."""

    __tablename__ = "survey_run"
    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("council.id"), index=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaire.id"))
    title: Mapped[str] = mapped_column(String(300))
    year: Mapped[int] = mapped_column(Integer)
    opens_on: Mapped[dt.date] = mapped_column(Date)
    closes_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=RunStatus.OPEN.value)
    open_link_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Follow-up questions on last year's action plan, asked as one more section (`questionnaire_for`):
    # [{"id": "followup_<commitment key>", "text": "I have seen action on: ...", "commitment": key}].
    follow_up: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)  # when the admin closed it (reopening clears it)
    # When retention deleted its answers and comments: only its releases remain, and it cannot reopen.
    data_deleted_on: Mapped[dt.date | None] = mapped_column(Date)
    # No longer written: earlier versions kept the invited staff's names here after closing, for redaction.
    # Closing now redacts the run's comments of the names instead (`retention.erase_invitations`), and
    # `flask retention` clears any list an earlier version left.
    redaction_names: Mapped[list[str] | None] = mapped_column(JSON)
    council: Mapped[Council] = relationship()
    questionnaire: Mapped[Questionnaire] = relationship()

    @property
    def kind(self) -> str:
        return self.questionnaire.kind

    def accepting_answers(self, today: dt.date) -> bool:
        return self.status == RunStatus.OPEN.value and self.opens_on <= today <= self.closes_on

    def ended_on(self, today: dt.date) -> dt.date | None:
        """When it stopped taking answers: closed by the admin, or past its closing date; None while open."""
        if self.status == RunStatus.CLOSED.value:
            return self.closed_on or self.closes_on
        return self.closes_on if self.closes_on < today else None


class Invitation(Base):
    """A single-use link for one person. Only a hash of the token is stored.

    Submitting never writes to this row: a `UsedLink` marks the link as used,
    under a different hash of the token, so not even the database's own record
    of which rows one transaction wrote (PostgreSQL's xmin) ties an invitation
    to the response stored with it.
    """

    __tablename__ = "invitation"
    # Response rates count a run's invitations by team, from the index alone.
    __table_args__ = (UniqueConstraint("run_id", "email"), Index("ix_invitation_run_id_team_id", "run_id", "team_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("survey_run.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)
    # Erased when the run closes (`retention.erase_invitations`): the row stays, with its team, for
    # response rates and in case the run is reopened; nobody's name or email does.
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    run: Mapped[SurveyRun] = relationship()
    team: Mapped[Team | None] = relationship()


class PendingUpload(Base):
    """A staff list waiting for its admin to confirm the new teams it names (`manage.staff.hold`).

    It stays here, not in the confirmation page (a list over about 190 KB, sent back in a form field,
    was refused as too large), for one admin and one run, under the SHA-256 of a random id the page
    carries. It is deleted when the admin confirms or cancels, when it is an hour old (at the next
    upload, or at the daily retention run), and with its run or its admin's account.
    """

    __tablename__ = "pending_upload"
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("survey_run.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class UsedLink(Base):
    """An invitation link that has been used to submit answers, written with the response.

    The key is `security.used_link_key(token)`: the database alone cannot tell
    which invitation a row belongs to, only the person holding the link can. The
    team is the invitation's, so response rates by team need no invitation row.
    Rows from before this table existed are keyed by the invitation's token_hash.
    """

    __tablename__ = "used_link"
    __table_args__ = (Index("ix_used_link_run_id_team_id", "run_id", "team_id"),)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("survey_run.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))


class EmailStatus(str, enum.Enum):
    QUEUED = "queued"  # on the queue, not tried yet
    DEFERRED = "deferred"  # tried, and the relay (or the network) said later: the worker tries again
    SENT = "sent"  # the relay accepted it
    FAILED = "failed"  # will not be tried again: `problem` and `reason` say why
    REPLACED = "replaced"  # failed, and the admin sent the invitation again (a new email, with a new link)


class EmailProblem(str, enum.Enum):
    ADDRESS = "address"  # the relay refused this address for good
    CONFIGURATION = "configuration"  # the relay refused this service (STARTTLS, certificate, login, sender, relaying)
    MESSAGE = "message"  # the relay refused the email itself
    UNREACHABLE = "unreachable"  # still deferred after the last try
    CLOSED = "closed"  # the run had closed before it could be sent
    NOT_QUEUED = "not_queued"  # the background queue could not be reached


class OutgoingEmail(Base):
    """One email of a run (an invitation or a reminder) and what became of it, as the worker last saw it.

    Keyed by invitation, never by address: it holds no name, address or link (the link is only in the
    queued message), so erasing an invitation leaves nothing here to erase, and deleting one deletes
    its emails. An email's status says whether it reached the relay, nothing about answering.
    `may_have_arrived` is set by any try whose outcome is unknown (the line dropped while the relay
    was taking the message): such an invitation is never given a new link, which would let its holder
    answer twice.
    """

    __tablename__ = "outgoing_email"
    __table_args__ = (Index("ix_outgoing_email_run_id_status", "run_id", "status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("survey_run.id", ondelete="CASCADE"))
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitation.id", ondelete="CASCADE"), index=True)
    template: Mapped[str] = mapped_column(String(30))  # invitation, reminder
    status: Mapped[str] = mapped_column(String(20), default=EmailStatus.QUEUED.value)
    problem: Mapped[str | None] = mapped_column(String(20))  # an EmailProblem, when failed
    reason: Mapped[str | None] = mapped_column(String(500))  # in plain words: never the link, the address or a name
    tries: Mapped[int] = mapped_column(Integer, default=0)
    may_have_arrived: Mapped[bool] = mapped_column(Boolean, default=False)
    queued_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Draft(Base):
    """Answers saved as the respondent goes, encrypted with a key only their link holds.

    The key column is a hash of the link's token distinct from the invitation's,
    so the database alone cannot join a draft to an invitation. Deleted on submit.
    """

    __tablename__ = "draft"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("survey_run.id"), index=True)
    payload: Mapped[bytes] = mapped_column(LargeBinary)


def _random_id() -> str:
    return uuid.uuid4().hex


class Response(Base):
    __tablename__ = "response"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=_random_id)
    run_id: Mapped[int] = mapped_column(ForeignKey("survey_run.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)
    # Exit interviews only, and only when the leaver chose to attach their name.
    named_as: Mapped[str | None] = mapped_column(String(200))
    answers: Mapped[list[Answer]] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )


class Answer(Base):
    """One answer value; a multiple-choice answer is one row per option chosen."""

    __tablename__ = "answer"
    # Results read one question's answers across a run: covering them in the index lets the
    # database answer from the index alone instead of visiting most pages of the table.
    __table_args__ = (Index("ix_answer_question_id_response_id", "question_id", "response_id", "option", "number"),)
    response_id: Mapped[str] = mapped_column(ForeignKey("response.id"), primary_key=True)
    question_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    ordinal: Mapped[int] = mapped_column(Integer, primary_key=True, default=0)
    option: Mapped[str | None] = mapped_column(String(80))
    number: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str | None] = mapped_column(Text)
    response: Mapped[Response] = relationship(back_populates="answers")


class ThemeJob(Base):
    """One theme analysis of one free-text question of a run, done outside the web request."""

    __tablename__ = "theme_job"
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("survey_run.id"), index=True)
    question_id: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(20), default="queued")  # queued, running, done, failed
    progress: Mapped[int] = mapped_column(Integer, default=0)  # percent
    stage: Mapped[str] = mapped_column(String(200), default="Waiting to start")
    # The engine's report with team ids beside each comment; quotes are filtered when shown.
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # Written every few seconds by the worker running it: a running job whose heartbeat stops lost its worker.
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class ReleaseStatus(str, enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ReleaseKind(str, enum.Enum):
    INTERIM = "interim"  # an open health check, published early by the admin
    FINAL = "final"  # a health check, when it closes
    PERIOD = "period"  # exit interviews: a quarter, or at least 5 new leavers


class Release(Base):
    """Every table of a run that any user of the council could be shown, computed once, audited as a whole.

    Managers read results only from a release (`surveyapp.disclosure`), never from
    answers: a live page would be a new, unaudited release on every request.
    `content` is what may be shown (hidden cells are null); `audit` is private to
    the server: the respondents and groups the release was computed from, so that
    later releases of the same run can be audited against this one.
    """

    __tablename__ = "release"
    __table_args__ = (UniqueConstraint("run_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("survey_run.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, ... within the run
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=ReleaseStatus.QUEUED.value)
    progress: Mapped[int] = mapped_column(Integer, default=0)  # percent
    stage: Mapped[str] = mapped_column(String(200), default="Waiting to start")
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # Set when a worker claims it, then every few seconds while it runs (see surveyapp.background.heartbeat).
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # Loaded only when read: a council-sized release is megabytes, and pages read it from a per-process cache.
    content: Mapped[dict[str, Any] | None] = mapped_column(JSON, deferred=True)
    audit: Mapped[dict[str, Any] | None] = mapped_column(JSON, deferred=True)
    run: Mapped[SurveyRun] = relationship()


class QuoteStatus(str, enum.Enum):
    APPROVED = "approved"
    EDITED = "edited"  # released as the admin's edited text, redacted again
    WITHHELD = "withheld"


class QuoteDecision(Base):
    """The principal social worker's decision on one quote a release would show.

    Keyed by a hash of the question and the comment's text (`disclosure.themes.quote_key`), never by a
    response, so a decision holds for the same comment when a re-analysis chooses it again. Rows are
    only added: the latest for a key is the decision, the earlier ones are its history (who, when,
    what). `original` is the quote as the engine redacted it, kept privately; `text` is what an
    edit releases.
    """

    __tablename__ = "quote_decision"
    __table_args__ = (Index("ix_quote_decision_run_id_key", "run_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("survey_run.id"))
    question_id: Mapped[str] = mapped_column(String(80))
    key: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))
    original: Mapped[str] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime)
    decided_by: Mapped[User] = relationship()


class ConcernReview(Base):
    """A comment flagged as a possible safeguarding concern, marked as seen (and what was done) by the PSW.

    Keyed like a quote decision, by a hash of the question and the comment's text. Only added to.
    """

    __tablename__ = "concern_review"
    __table_args__ = (Index("ix_concern_review_run_id_key", "run_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("survey_run.id"))
    question_id: Mapped[str] = mapped_column(String(80))
    key: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text)
    reviewed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    reviewed_at: Mapped[dt.datetime] = mapped_column(DateTime)
    reviewed_by: Mapped[User] = relationship()


class ThemeCorrection(Base):
    """The principal social worker's correction of a theme analysis: a comment moved to another theme (or
    several), a theme renamed, two merged, or one split (its chosen comments moved to a new named theme).

    Per council, and per questionnaire key and question, so a correction made on one run is applied to every
    later analysis of the same question (`disclosure.corrections`), and the moved comments are the engine's
    labelled examples for the council's later runs. A moved comment is keyed like a quote decision, by a
    hash of the question and the comment's text (`key`), never by a response; `text` is the comment as
    the engine redacted it (the labelled example). Rows are only added: the latest for a comment or a
    theme is the one that holds, the earlier ones are its history (who, when, what). They go with the
    run they were made on (`surveyapp.retention`).
    """

    __tablename__ = "theme_correction"
    __table_args__ = (Index("ix_theme_correction_council_question", "council_id", "questionnaire_key", "question_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("council.id"))
    run_id: Mapped[int] = mapped_column(ForeignKey("survey_run.id"), index=True)  # the run it was made on
    questionnaire_key: Mapped[str] = mapped_column(String(80))
    question_id: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20))  # move, rename, merge, split
    key: Mapped[str | None] = mapped_column(String(64))  # move: the comment's hash
    text: Mapped[str | None] = mapped_column(Text)  # move: the comment as the engine redacted it
    theme: Mapped[str | None] = mapped_column(String(80))  # the theme acted on: moved from, renamed, merged, split
    themes: Mapped[list[str] | None] = mapped_column(JSON)  # move: its themes, main first; merge: [into]; split: [new]
    label: Mapped[str | None] = mapped_column(String(200))  # rename, split: the new name; merge: the name then
    made_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    made_at: Mapped[dt.datetime] = mapped_column(DateTime)
    made_by: Mapped[User] = relationship()


class PlanStatus(str, enum.Enum):
    DRAFT = "draft"
    APPROVED = "approved"  # by the admin (the principal social worker)
    PUBLISHED = "published"


class CommitmentStatus(str, enum.Enum):
    """The BRAG ratings councils report to scrutiny."""

    NOT_STARTED = "not_started"
    ON_TRACK = "on_track"  # green
    AT_RISK = "at_risk"  # amber
    OFF_TRACK = "off_track"  # red
    DONE = "done"  # blue


class ActionPlan(Base):
    """"You said / We will / We expect you" for one released run: the council's answer to its staff."""

    __tablename__ = "action_plan"
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("survey_run.id"), unique=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("council.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), default=PlanStatus.DRAFT.value)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    approved_by: Mapped[str | None] = mapped_column(String(200))
    approved_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    run: Mapped[SurveyRun] = relationship()
    council: Mapped[Council] = relationship()
    rows: Mapped[list[PlanRow]] = relationship(back_populates="plan", order_by="PlanRow.position",
                                               cascade="all, delete-orphan")


class PlanRow(Base):
    """One thing staff said, the evidence for it (references into the release, read as released) and the answer."""

    __tablename__ = "action_plan_row"
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("action_plan.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    you_said: Mapped[str] = mapped_column(Text)
    # {"questions": [ids], "sections": [ids], "themes": [[question id, theme id]], "reasons": [option values]}
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    standards: Mapped[list[int]] = mapped_column(JSON)  # Standards for employers of social workers, 1 to 8
    asks: Mapped[list[str]] = mapped_column(JSON)  # "We expect you"
    plan: Mapped[ActionPlan] = relationship(back_populates="rows")
    commitments: Mapped[list[Commitment]] = relationship(back_populates="row", order_by="Commitment.position",
                                                         cascade="all, delete-orphan")


class Commitment(Base):
    """A "We will": owned, dated, rated, and followed up next year under its stable key."""

    __tablename__ = "commitment"
    id: Mapped[int] = mapped_column(primary_key=True)
    row_id: Mapped[int] = mapped_column(ForeignKey("action_plan_row.id"), index=True)
    key: Mapped[str] = mapped_column(String(32), unique=True)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200), default="")
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=CommitmentStatus.NOT_STARTED.value)
    row: Mapped[PlanRow] = relationship(back_populates="commitments")
    updates: Mapped[list[CommitmentUpdate]] = relationship(order_by="CommitmentUpdate.id",
                                                           cascade="all, delete-orphan")


class CommitmentUpdate(Base):
    """A dated note of progress; a change of status always comes with one (its reason)."""

    __tablename__ = "commitment_update"
    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitment.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    author: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text)
    status_before: Mapped[str] = mapped_column(String(20))
    status_after: Mapped[str] = mapped_column(String(20))


class PlanEvent(Base):
    """Who changed what in a plan, and when."""

    __tablename__ = "action_plan_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("action_plan.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    author: Mapped[str] = mapped_column(String(200))
    what: Mapped[str] = mapped_column(Text)


class PlanVersion(Base):
    """The plan as published, and again after every edit once it is published."""

    __tablename__ = "action_plan_version"
    __table_args__ = (UniqueConstraint("plan_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("action_plan.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    author: Mapped[str] = mapped_column(String(200))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)


class WorkforceFigures(Base):
    """One service area's workforce in one year, as the council's HR records give it: not survey answers.

    Posts, vacancies, agency workers, starters and leavers are full-time equivalents
    (FTE) in the year to 30 September, as the Department for Education's children's
    social work workforce census counts them; ASYE staff are people.
    """

    __tablename__ = "workforce_figures"
    __table_args__ = (UniqueConstraint("council_id", "year", "service_area_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("council.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    service_area_id: Mapped[int] = mapped_column(ForeignKey("service_area.id"))
    posts_fte: Mapped[float] = mapped_column(Float)  # the establishment: posts, filled or not
    vacancies_fte: Mapped[float] = mapped_column(Float)  # posts without a permanent social worker
    agency_fte: Mapped[float] = mapped_column(Float)  # agency and locum workers
    starters_fte: Mapped[float] = mapped_column(Float)
    leavers_fte: Mapped[float] = mapped_column(Float)
    asye: Mapped[int] = mapped_column(Integer)  # newly qualified social workers in their ASYE
    average_caseload: Mapped[float | None] = mapped_column(Float)  # children per case-holding social worker
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_by: Mapped[str] = mapped_column(String(200))
    service_area: Mapped[ServiceArea] = relationship()


class ReportJob(Base):
    """One committee report rendered outside the web request: its progress, then the file itself."""

    __tablename__ = "report_job"
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("survey_run.id"), index=True)
    format: Mapped[str] = mapped_column(String(10))  # docx, pdf, html
    status: Mapped[str] = mapped_column(String(20), default="queued")  # queued, running, done, failed
    progress: Mapped[int] = mapped_column(Integer, default=0)  # percent
    stage: Mapped[str] = mapped_column(String(200), default="Waiting to start")
    requested_by: Mapped[str] = mapped_column(String(200))
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # written by its worker while it runs
    filename: Mapped[str | None] = mapped_column(String(200))
    # Loaded only when downloaded: a report with charts is a few hundred kB.
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)


class AuditEvent(Base):
    """Who did or read what, when (`surveyapp.audit_log`). Append-only: the app has no path that changes or
    deletes a row, and the ids in it are plain numbers, not foreign keys, so deleting a run, a user or
    a council's data leaves its record. Never holds a figure or an answer."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_council_id_at", "council_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    council_id: Mapped[int | None] = mapped_column(Integer)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(320))  # the person's email then (or "system", or what was typed)
    action: Mapped[str] = mapped_column(String(60), index=True)
    run_id: Mapped[int | None] = mapped_column(Integer)
    scope: Mapped[str | None] = mapped_column(String(300))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)

