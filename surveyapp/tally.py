"""The answer tally: counts of a run's answers, kept in step with every response written.

Results pages must answer in well under a second for a council's run of 50,000
responses (3.5 million answers). Counting those answers on every page view
cannot do that the first time a page is seen after new responses; summing a few
thousand tally rows can. So each response adds its counts to `AnswerTally` in
the transaction that writes it: there is no moment at which the tally and the
answers disagree, and nothing to schedule or invalidate.

Breakdowns by role, contract and years in role need counts crossed with those
answers, so each response also counts once under each breakdown answer it
gave. A response with 70 answers therefore touches about 4 × 70 tally rows.

Written through a SQLAlchemy `after_flush` hook rather than by each caller, so
the respondent's journey, the demo loader and test factories all keep it
without remembering to. Bulk loads that bypass the ORM (the benchmark's COPY)
call `rebuild`. Rows are upserted in key order, so concurrent submissions lock
them in the same order and cannot deadlock each other.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, String, and_, cast, delete, event, func, literal, or_, select
from sqlalchemy.orm import Session, UOWTransaction, aliased

from . import db
from .models import Answer, AnswerTally, Response

# The questions results are broken down by, besides team and service area.
BY_QUESTIONS: tuple[str, ...] = ("role", "contract", "years_in_role")
EVERYONE = ""  # by_question and by_option of the rows that count everyone
RESPONDENTS = ""  # question_id (and value) of the rows that count respondents rather than answers
NO_TEAM = 0
_KEY = ("run_id", "question_id", "by_question", "by_option", "team_id", "value")

Key = tuple[int, str, str, str, int, str]


def value_of(answer: Answer) -> str | None:
    """What an answer counts as: its option, or a number as text; free text is not tallied."""
    if answer.option is not None:
        return answer.option
    return None if answer.number is None else str(answer.number)


def counts_of(responses: Iterable[Response]) -> Counter[Key]:
    """The tally rows these responses add, as (run, question, by question, by option, team, value) → count."""
    added: Counter[Key] = Counter()
    for response in responses:
        team = response.team_id if response.team_id is not None else NO_TEAM
        values = [(a.question_id, v) for a in response.answers if (v := value_of(a)) is not None]
        groups = [(EVERYONE, EVERYONE)] + [(q, v) for q, v in values if q in BY_QUESTIONS]
        for by_question, by_option in groups:
            added[(response.run_id, RESPONDENTS, by_question, by_option, team, RESPONDENTS)] += 1
            for question_id, value in values:
                added[(response.run_id, question_id, by_question, by_option, team, value)] += 1
    return added


def add(connection: Connection, added: Counter[Key]) -> None:
    """Add counts to the tally: insert new rows, or increase existing ones, in key order.

    One statement compiled once and sent for all rows (the driver's executemany);
    a single INSERT of hundreds of VALUES would be compiled afresh every time.
    """
    insert = db.insert(connection, AnswerTally)
    upsert = insert.on_conflict_do_update(index_elements=list(_KEY),
                                          set_={"count": AnswerTally.count + insert.excluded.count})
    connection.execute(upsert, [dict(zip(_KEY, key), count=n) for key, n in sorted(added.items())])


@event.listens_for(Session, "after_flush")
def _tally_new_responses(session: Session, _flush: UOWTransaction) -> None:
    new = [o for o in session.new if isinstance(o, Response)]
    late = [o for o in session.new if isinstance(o, Answer) and o.response not in new]
    if late:
        # A response is written once, whole; an answer added later would be missing from the tally.
        raise ValueError("answers can only be written together with their new response")
    if new:
        add(session.connection(), counts_of(new))


def rebuild(db: Session, run_id: int) -> None:
    """Count a run's tally again from its answers (after a bulk load, or to check the tally)."""
    db.execute(delete(AnswerTally).where(AnswerTally.run_id == run_id))
    for query in _recount(run_id):
        db.execute(AnswerTally.__table__.insert().from_select([*_KEY, "count"], query))


def recount(db: Session, run_id: int) -> dict[Key, int]:
    """What the tally of a run should hold, counted from its answers."""
    return {tuple(row[:-1]): row[-1] for query in _recount(run_id)
            for row in db.execute(query).all()}


def stored(db: Session, run_id: int) -> dict[Key, int]:
    """What the tally of a run holds (rows of zero would mean a bug, so they are kept visible)."""
    columns = [getattr(AnswerTally, k) for k in _KEY]
    return {tuple(row[:-1]): row[-1]
            for row in db.execute(select(*columns, AnswerTally.count).where(AnswerTally.run_id == run_id)).all()}


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
