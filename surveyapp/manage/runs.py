"""Health check runs and exit interview periods: create, share, count, close."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, true
from sqlalchemy.orm import Session

from .. import security, tally
from ..models import AnswerTally, Draft, Invitation, Questionnaire, RunStatus, ServiceArea, SurveyRun, Team, UsedLink
from ..questionnaires import builtin
from ..results.anonymity import Thresholds, suppress

MIN_INVITED_FOR_RATE = 5


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


def create_open_link(db: Session, run: SurveyRun) -> str:
    """A shareable link for runs without a staff list; replaces any earlier one."""
    token = security.new_token()
    run.open_link_hash = security.open_link_hash(token)
    db.commit()
    return token


def close_run(db: Session, run: SurveyRun) -> int:
    """Close the run and destroy unsubmitted drafts; returns how many were destroyed."""
    run.status = RunStatus.CLOSED.value
    removed = db.execute(delete(Draft).where(Draft.run_id == run.id)).rowcount
    db.commit()
    return removed


@dataclass(frozen=True)
class TeamRate:
    service_area: str
    team: str
    invited: int
    responded: int | None  # None: hidden, fewer than MIN_INVITED_FOR_RATE invited

    @property
    def rate(self) -> float | None:
        return None if self.responded is None or not self.invited else self.responded / self.invited


@dataclass(frozen=True)
class Rates:
    invited: int
    responded: int
    open_link_responses: int
    teams: list[TeamRate]


def response_rates(db: Session, run: SurveyRun, teams: frozenset[int] | set[int] | None = None) -> Rates:
    """Invitations and used links counted by team; neither is ever joined to a response.

    With `teams`, only those teams are counted (a manager's scope). Responses
    through an open link are the run's responses (from the answer tally) less
    the invitation links used.
    """
    def by_team(team_id: Any, *where: Any) -> dict[int | None, int]:
        in_scope = team_id.in_(teams) if teams is not None else true()
        return dict(db.execute(select(team_id, func.count()).where(*where, in_scope).group_by(team_id)).all())

    invited = by_team(Invitation.team_id, Invitation.run_id == run.id)
    used = by_team(UsedLink.team_id, UsedLink.run_id == run.id)
    names = {team_id: (area, name) for team_id, area, name in db.execute(
        select(Team.id, ServiceArea.name, Team.name).join(ServiceArea).where(ServiceArea.council_id == run.council_id))}
    rates = [TeamRate(*names[team_id], n, used.get(team_id, 0) if n >= MIN_INVITED_FOR_RATE else None)
             for team_id, n in invited.items() if team_id in names]
    rates.sort(key=lambda rate: (rate.service_area, rate.team))
    in_teams = AnswerTally.team_id.in_(teams) if teams is not None else true()
    total = db.scalar(select(func.sum(AnswerTally.count)).where(
        AnswerTally.run_id == run.id, AnswerTally.by_question == tally.EVERYONE,
        AnswerTally.question_id == tally.RESPONDENTS, in_teams)) or 0
    responded = sum(used.values())
    return Rates(sum(invited.values()), responded, max(total - responded, 0), rates)


def safe_rates(rates: Rates, rule: Thresholds) -> Rates:
    """Responded counts by team through the one rule, so small numbers of responses are not shown."""
    counted = {i: t.responded for i, t in enumerate(rates.teams) if t.responded is not None}
    shown = suppress(counted, rule)
    teams = [TeamRate(t.service_area, t.team, t.invited, shown.get(i)) for i, t in enumerate(rates.teams)]
    return Rates(rates.invited, rates.responded, rates.open_link_responses, teams)
