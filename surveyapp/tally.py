"""A run's answers counted by value, team and breakdown answer: what a release is built from.

Managers read figures only through releases (`surveyapp.disclosure`), and a
release is made rarely, on the queue worker. So the counts are taken from the
answers when a release is made, in four grouped queries, and nothing is counted
while people submit: the respondent's transaction writes the response and its
answers and nothing else.

Until issue 12 every submission also added its counts to `AnswerTally` (about
4 x 70 upserted rows per response, a third of a submission's time), because the
results pages of the time counted on every view. Migration 0018 dropped that
table.

Keys: (run, question, by question, by option, team, value). A question of ""
counts respondents rather than answers. by_question and by_option "" mean
everyone; otherwise only respondents who gave that answer to that breakdown
question (role, contract, years in role). Team 0 means no team. A number
question's value is the number as text; free text is not counted.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, and_, cast, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from .models import Answer, Response

# The questions results are broken down by, besides team and service area.
BY_QUESTIONS: tuple[str, ...] = ("role", "contract", "years_in_role")
EVERYONE = ""  # by_question and by_option of the rows that count everyone
RESPONDENTS = ""  # question_id (and value) of the rows that count respondents rather than answers
NO_TEAM = 0

Key = tuple[int, str, str, str, int, str]


def recount(db: Session, run_id: int) -> dict[Key, int]:
    """A run's counts, taken from its answers now."""
    return {tuple(row[:-1]): row[-1] for query in _recount(run_id)
            for row in db.execute(query).all()}


def _recount(run_id: int) -> list[Any]:
    """Four grouped selects: respondents and answers, for everyone and by each breakdown answer."""
    team = func.coalesce(Response.team_id, NO_TEAM)
    answer, by = aliased(Answer), aliased(Answer)
    value = func.coalesce(answer.option, cast(answer.number, String))
    tallied = or_(answer.option.is_not(None), answer.number.is_not(None))
    by_join = and_(by.response_id == Response.id, by.question_id.in_(BY_QUESTIONS), by.option.is_not(None))
    answer_join = and_(answer.response_id == Response.id, tallied)
    nothing = literal(EVERYONE, String)
    respondents = literal(RESPONDENTS, String)
    in_run = Response.run_id == run_id
    return [
        select(Response.run_id, respondents, nothing, nothing, team, respondents, func.count())
        .where(in_run).group_by(Response.run_id, team),
        select(Response.run_id, respondents, by.question_id, by.option, team, respondents, func.count())
        .join(by, by_join).where(in_run).group_by(Response.run_id, by.question_id, by.option, team),
        select(Response.run_id, answer.question_id, nothing, nothing, team, value, func.count())
        .join(answer, answer_join).where(in_run).group_by(Response.run_id, answer.question_id, team, value),
        select(Response.run_id, answer.question_id, by.question_id, by.option, team, value, func.count())
        .join(by, by_join).join(answer, answer_join).where(in_run)
        .group_by(Response.run_id, answer.question_id, by.question_id, by.option, team, value),
    ]
