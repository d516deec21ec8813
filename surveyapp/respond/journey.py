"""The respondent's journey as plain functions of a database session.

Nothing here knows about Flask, so the web views, the CLI and the tests call
the same code. Answers live in an encrypted `Draft` until submission, which
turns them into an anonymous `Response` in one transaction.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import security
from ..cleaning import clean_text
from ..models import Answer, Draft, Invitation, Response, ServiceArea, SurveyRun, Team, UsedLink
from ..questionnaires import Question, Questionnaire, Value, questionnaire_for


class LinkState(enum.Enum):
    READY = "ready"
    UNKNOWN = "unknown"
    SUBMITTED = "submitted"
    NOT_OPEN_YET = "not_open_yet"
    CLOSED = "closed"


class AlreadySubmitted(Exception):
    """This link has been used to submit answers already."""


class Incomplete(Exception):
    def __init__(self, section_id: str) -> None:
        super().__init__(section_id)
        self.section_id = section_id


@dataclass(frozen=True)
class Opened:
    state: LinkState
    run: SurveyRun | None = None
    invitation: Invitation | None = None


def run_state(run: SurveyRun, today: dt.date) -> LinkState:
    if run.status != "open" or today > run.closes_on:
        return LinkState.CLOSED
    if today < run.opens_on:
        return LinkState.NOT_OPEN_YET
    return LinkState.READY


def find_invitation(db: Session, token: str) -> Invitation | None:
    return db.scalar(select(Invitation).where(Invitation.token_hash == security.invitation_hash(token)))


def open_invitation(db: Session, token: str, today: dt.date) -> Opened:
    invitation = find_invitation(db, token)
    if invitation is None:
        return Opened(LinkState.UNKNOWN)
    if link_used(db, token):
        return Opened(LinkState.SUBMITTED, invitation.run, invitation)
    return Opened(run_state(invitation.run, today), invitation.run, invitation)


def link_used(db: Session, token: str) -> bool:
    # Links used before used_link existed are keyed by the invitation's hash (migration 0007).
    keys = (security.used_link_key(token), security.invitation_hash(token))
    return db.scalar(select(UsedLink.key).where(UsedLink.key.in_(keys))) is not None


def open_link(db: Session, token: str, today: dt.date) -> Opened:
    run = db.scalar(select(SurveyRun).where(SurveyRun.open_link_hash == security.open_link_hash(token)))
    if run is None:
        return Opened(LinkState.UNKNOWN)
    return Opened(run_state(run, today), run)


def asked(run: SurveyRun, *, invitation: bool) -> Questionnaire:
    """The questions a respondent is asked. Through an open link nobody's name is known (no invitation
    holds one), so an exit interview there asks no "attach your name" question: answers go without one."""
    questionnaire = questionnaire_for(run)
    return questionnaire if invitation else questionnaire.unnamed


def team_choices(db: Session, run: SurveyRun) -> list[tuple[str, str]]:
    # One query on every survey page, not one per team for its service area.
    teams = db.execute(select(Team.id, ServiceArea.name, Team.name).join(ServiceArea)
                       .where(ServiceArea.council_id == run.council_id)
                       .where(Team.retired_on.is_(None) | (Team.retired_on > run.opens_on))).all()
    return sorted(((str(i), f"{area}: {name}") for i, area, name in teams), key=lambda c: c[1])


def load_answers(db: Session, token: str) -> dict[str, Value] | None:
    draft = db.get(Draft, security.draft_key(token))
    return None if draft is None else _opened(token, draft.payload)


def _opened(token: str, payload: bytes) -> dict[str, Value]:
    # Drafts saved before input was cleaned may hold a NUL, which PostgreSQL refuses at submit.
    return {k: clean_text(v) if isinstance(v, str) else v for k, v in security.unseal(token, payload).items()}


def save_answers(db: Session, run: SurveyRun, token: str, changes: dict[str, Value | None]) -> dict[str, Value]:
    """Merge a page's answers into the draft and commit: nothing typed is lost."""
    key = security.draft_key(token)
    draft = db.get(Draft, key)
    answers: dict[str, Value] = security.unseal(token, draft.payload) if draft else {}
    for question_id, value in changes.items():
        if value is None:
            answers.pop(question_id, None)
        else:
            answers[question_id] = value
    answers = questionnaire_for(run).visible_answers(answers) if answers else answers
    payload = security.seal(token, answers)
    if draft is None:
        db.add(Draft(key=key, run_id=run.id, payload=payload))
    else:
        draft.payload = payload
    db.commit()
    return answers


def first_incomplete(questionnaire: Questionnaire, answers: dict[str, Value]) -> str | None:
    for section in questionnaire.visible_sections(answers):
        for question in section.visible_questions(answers):
            if question.required and question.id not in answers:
                return section.id
    return None


def submit(db: Session, run: SurveyRun, token: str, *, invitation_token: str | None) -> str:
    """Store the draft's answers as an anonymous response, in one transaction; the response's random id.

    The draft is deleted first, and its answers are the ones the delete returns:
    of many concurrent submissions, only the one that deleted it stores them
    (the others wait on its row, then find it gone). With an invitation, a
    `UsedLink` row keyed by a hash of its token is written with the response,
    only if the invitation exists and its link was not used; of concurrent
    submissions of one link the first to insert it wins and the others fail on
    its primary key. The invitation row itself is only read, so nothing the
    database records about this transaction points at it.

    The respondent waits for this transaction, so it is five statements (draft,
    used link, response, answers as one executemany, commit) and no ORM object per answer.
    """
    questionnaire = asked(run, invitation=invitation_token is not None)
    try:
        payload = db.scalar(delete(Draft).where(Draft.key == security.draft_key(token)).returning(Draft.payload))
        if payload is None:
            raise AlreadySubmitted()
        answers = questionnaire.visible_answers(_opened(token, payload))
        missing = first_incomplete(questionnaire, answers)
        if missing:
            raise Incomplete(missing)  # rolled back below: the draft stays
        named_as = _use_link(db, run, invitation_token, answers) if invitation_token else None
        team_id, rows = answer_values(questionnaire, answers)
        response_id = uuid.uuid4().hex  # as Response.id's default: random, ordered by nothing
        db.execute(insert(Response), [{"id": response_id, "run_id": run.id, "team_id": team_id,
                                       "named_as": named_as}])
        if rows:
            # The table's own insert keeps NULL columns, so every row fits one executemany.
            db.execute(Answer.__table__.insert(), [{"response_id": response_id, **row} for row in rows])
        db.commit()
    except IntegrityError as error:
        db.rollback()
        if _used_link_taken(error):
            raise AlreadySubmitted() from error
        raise
    except BaseException:
        db.rollback()
        raise
    return response_id


def _use_link(db: Session, run: SurveyRun, invitation_token: str, answers: dict[str, Value]) -> str | None:
    """Mark the invitation's link used; the invitation's name if the leaver attached it.

    AlreadySubmitted if the link is unknown or was used (by either key, see `link_used`):
    one INSERT ... SELECT from the invitation, written only if neither key is there yet.
    """
    keys = (security.used_link_key(invitation_token), security.invitation_hash(invitation_token))
    invitation = Invitation.token_hash == security.invitation_hash(invitation_token)
    unused = ~select(UsedLink.key).where(UsedLink.key.in_(keys)).exists()
    # A concurrent submission of the same link waits on this key, then fails on it.
    written = db.scalar(insert(UsedLink).from_select(
        ["key", "run_id", "team_id"],
        select(literal(keys[0]), literal(run.id), Invitation.team_id).where(invitation, unused)
    ).returning(UsedLink.key))
    if written is None:
        raise AlreadySubmitted()
    if answers.get("attach_name") != "yes":
        return None
    return db.scalar(select(Invitation.name).where(invitation))


def _used_link_taken(error: IntegrityError) -> bool:
    return "used_link" in str(error.orig)  # SQLite names the table, PostgreSQL the key pk_used_link


def answer_values(questionnaire: Questionnaire, answers: dict[str, Value]) -> tuple[int | None, list[dict[str, Any]]]:
    """The response's team and its answer rows (as the `answer` table's columns) for a set of answers."""
    team_id: int | None = None
    rows: list[dict[str, Any]] = []
    for question in questionnaire.questions():
        if question.id in answers:
            if question.type == "team":
                team_id = int(answers[question.id])
            else:
                rows.extend(answer_rows(question, answers[question.id]))
    return team_id, rows


def build_response(run: SurveyRun, questionnaire: Questionnaire, answers: dict[str, Value],
                   named_as: str | None) -> Response:
    """The anonymous response for a set of answers: the team question sets its team, the rest are answers."""
    team_id, rows = answer_values(questionnaire, answers)
    return Response(run_id=run.id, named_as=named_as, team_id=team_id, answers=[Answer(**row) for row in rows])


def answer_rows(question: Question, value: Value) -> list[dict[str, Any]]:
    """The `answer` rows (its columns but the response's id) that one question's answer is stored as."""
    row: dict[str, Any] = {"question_id": question.id, "ordinal": 0, "option": None, "number": None, "text": None}
    if question.type == "multiple_choice":
        assert isinstance(value, list)
        return [{**row, "ordinal": i, "option": v} for i, v in enumerate(value)]
    if question.type == "number":
        return [{**row, "number": int(value)}]
    if question.type == "free_text":
        return [{**row, "text": str(value)}]
    return [{**row, "option": str(value)}]
