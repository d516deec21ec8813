"""A release's counts, taken from the answers when it is made: right after the journey, concurrent
submissions and direct writes (against a count written out here in Python), with nothing written at
submit; and the migrations that once filled the old `answer_tally` table (0006) and dropped it (0018)."""

from __future__ import annotations

import random
import threading
import uuid
from collections import Counter

import pytest
from alembic import command
from sqlalchemy import func, inspect, select, text
from sqlalchemy.orm import Session

from surveyapp import tally
from surveyapp.cli import alembic_config
from surveyapp.db import make_engine
from surveyapp.disclosure import release as releases
from surveyapp.models import Answer, Response, SurveyRun
from surveyapp.questionnaires import builtin
from surveyapp.respond import journey

from . import factories

HEALTH_CHECK = next(q for q in builtin() if q.key == "health-check")
EXIT = next(q for q in builtin() if q.key == "exit-interview")
ROLES = ("nqsw_asye", "social_worker", "senior_practitioner")


def counted_in_python(session: Session, run_id: int) -> Counter[tally.Key]:
    """The same counts, one response at a time in Python: an oracle independent of the grouped SQL."""
    added: Counter[tally.Key] = Counter()
    for response in session.scalars(select(Response).where(Response.run_id == run_id)):
        team = response.team_id if response.team_id is not None else tally.NO_TEAM
        values = [(a.question_id, a.option if a.option is not None else str(a.number)) for a in response.answers
                  if a.option is not None or a.number is not None]
        groups = [("", "")] + [(q, v) for q, v in values if q in tally.BY_QUESTIONS]
        for by_question, by_option in groups:
            added[(run_id, "", by_question, by_option, team, "")] += 1
            for question_id, value in values:
                added[(run_id, question_id, by_question, by_option, team, value)] += 1
    return added


def test_the_respondent_journey_is_counted_from_its_answers(client, session):
    made = factories.council(session)
    run = factories.run(session, made)
    north = factories.team(session, made, "Assessment North")
    south = factories.team(session, made, "Assessment South")
    people = [({"role": "nqsw_asye", "caseload_manageable": "disagree", "children_allocated": "19"}, north),
              ({"role": "nqsw_asye", "caseload_manageable": "agree", "children_allocated": "12"}, north),
              ({"role": "social_worker", "caseload_manageable": "disagree", "children_allocated": "0"}, south)]
    for overrides, team in people:
        person = client.another()
        person.get(f"/invite/{factories.invitation(session, run, team)}")
        assert factories.walk(person, HEALTH_CHECK, overrides) == "/survey/check"
        assert person.submit("/survey/check").status == 302

    counted = tally.recount(session, run.id)
    assert counted == counted_in_python(session, run.id)
    assert counted[(run.id, "", "", "", north.id, "")] == 2  # respondents in the team
    assert counted[(run.id, "", "role", "nqsw_asye", north.id, "")] == 2
    assert counted[(run.id, "caseload_manageable", "role", "nqsw_asye", north.id, "disagree")] == 1
    assert counted[(run.id, "children_allocated", "", "", south.id, "0")] == 1
    assert not any(key[1] == "biggest_difference" for key in counted), "free text is not tallied"


def test_every_option_of_a_multiple_choice_answer_is_tallied(client, session):
    made = factories.council(session)
    run = factories.run(session, made, "exit-interview")
    client.get(f"/invite/{factories.invitation(session, run, factories.team(session, made, 'Children in Care'))}")
    factories.walk(client, EXIT, {"main_reasons": ["caseload_workload", "pay"]})
    client.submit("/survey/check")

    counted = tally.recount(session, run.id)
    assert counted == counted_in_python(session, run.id)
    assert {key[5] for key in counted if key[1] == "main_reasons" and key[2] == ""} == {"caseload_workload", "pay"}


def test_concurrent_submissions_are_all_counted(app, client, session):
    """People submitting at the same moment: every response is stored and counted."""
    made = factories.council(session)
    run = factories.run(session, made)
    north = factories.team(session, made, "Assessment North")
    tokens = []
    for i in range(8):
        token = factories.invitation(session, run, north)
        person = client.another()
        person.get(f"/invite/{token}")
        factories.walk(person, HEALTH_CHECK, {"role": ROLES[i % len(ROLES)]})
        tokens.append((factories.respondent_token(person), token))  # (the draft's token, the link's)

    maker = app.extensions["surveyapp.sessionmaker"]
    barrier = threading.Barrier(len(tokens))
    failures: list[BaseException] = []

    def submit(draft: str, token: str) -> None:
        with maker() as db:
            survey_run = db.get(type(run), run.id)
            barrier.wait()
            try:
                journey.submit(db, survey_run, draft, invitation_token=token)
            except BaseException as failed:  # noqa: BLE001  (reported below)
                failures.append(failed)

    threads = [threading.Thread(target=submit, args=t) for t in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert failures == []
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Response)) == len(tokens)
    counted = tally.recount(session, run.id)
    assert counted == counted_in_python(session, run.id)
    assert counted[(run.id, "", "", "", north.id, "")] == len(tokens)


def random_responses(session: Session, run_id: int, team_ids: list[int], rng: random.Random, n: int) -> None:
    for _ in range(n):
        response = Response(run_id=run_id, team_id=rng.choice([*team_ids, None]))
        if rng.random() < 0.8:
            response.answers.append(Answer(question_id="role", option=rng.choice(ROLES)))
        if rng.random() < 0.6:
            response.answers.append(Answer(question_id="contract", option=rng.choice(("permanent", "agency_locum"))))
        response.answers.append(Answer(question_id="caseload_manageable",
                                       option=rng.choice(("agree", "disagree", "dont_know"))))
        if rng.random() < 0.7:
            response.answers.append(Answer(question_id="children_allocated", number=rng.randint(0, 40)))
        if rng.random() < 0.3:
            response.answers.append(Answer(question_id="biggest_difference", text="Less paperwork."))
        session.add(response)
        if rng.random() < 0.3:
            session.flush()  # several flushes in one transaction, as a bulk load might do


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_direct_writes_are_counted_as_python_counts_them(session, seed):
    made = factories.council(session)
    run = factories.run(session, made)
    team_ids = [t.id for a in made.service_areas for t in a.teams]
    rng = random.Random(seed)
    for _ in range(3):
        random_responses(session, run.id, team_ids, rng, rng.randint(1, 30))
        session.commit()

    counted = tally.recount(session, run.id)
    assert counted == counted_in_python(session, run.id)
    assert any(key[4] == tally.NO_TEAM for key in counted), "responses without a team are counted too"
    assert not any(key[1] == "biggest_difference" for key in counted), "free text is not counted"
    assert all(n > 0 for n in counted.values())


def test_a_release_reads_the_counts_of_the_answers(session):
    """What `release.compute` builds from is the answers' count, team 0 read as no team."""
    made = factories.council(session)
    run = factories.run(session, made)
    random_responses(session, run.id, [t.id for a in made.service_areas for t in a.teams], random.Random(6), 25)
    session.commit()
    rows = releases.tally_rows(session, session.get(SurveyRun, run.id))
    expected = counted_in_python(session, run.id)
    assert sorted(rows, key=repr) == sorted(
        [(bq, bo, q, None if team == tally.NO_TEAM else team, value, n)
         for (_, q, bq, bo, team, value), n in expected.items()], key=repr)
    assert any(row[3] is None for row in rows)


def tally_rows(engine) -> dict[tuple, int]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT run_id, question_id, by_question, by_option, team_id, value, count "
                                       "FROM answer_tally")).all()
    return {tuple(row[:-1]): row[-1] for row in rows}


def test_the_tally_migrations_count_the_answers_stored_and_the_drop_goes_back(empty_database):
    """0006 filled the tally from the answers stored as a release counts them; 0018 drops it, and going
    back past 0018 brings it back with the same counts."""
    config = alembic_config(empty_database)
    command.upgrade(config, "0005")
    engine = make_engine(empty_database)
    rng = random.Random(5)
    try:
        with engine.begin() as connection:  # written as version 0005 of the app would have: no tally yet
            connection.execute(text("INSERT INTO council (id, name, slug) VALUES (1, 'Old Council', 'old')"))
            connection.execute(text("INSERT INTO service_area (id, council_id, name) VALUES (1, 1, 'Area')"))
            connection.execute(text("INSERT INTO team (id, service_area_id, name) VALUES (1, 1, 'A'), (2, 1, 'B')"))
            connection.execute(text(
                "INSERT INTO questionnaire (id, key, version, kind, title, definition) "
                "VALUES (1, 'health-check', 1, 'health_check', 'Health check', '{}')"))
            connection.execute(text(
                "INSERT INTO survey_run (id, council_id, questionnaire_id, title, year, opens_on, closes_on, status) "
                "VALUES (1, 1, 1, 'Health check', 2025, '2025-01-01', '2025-02-01', 'closed')"))
            for _ in range(40):
                rid = uuid.UUID(int=rng.getrandbits(128)).hex
                connection.execute(text("INSERT INTO response (id, run_id, team_id) VALUES (:id, 1, :team)"),
                                   {"id": rid, "team": rng.choice([1, 2, None])})
                rows = [("role", rng.choice(ROLES), None, None),
                        ("caseload_manageable", rng.choice(("agree", "disagree")), None, None),
                        ("children_allocated", None, rng.randint(0, 30), None),
                        ("biggest_difference", None, None, "Time.")]
                for question, option, number, said in rows[: rng.randint(1, 4)]:
                    connection.execute(text("INSERT INTO answer (response_id, question_id, ordinal, option, number, text) "
                                            "VALUES (:r, :q, 0, :o, :n, :t)"),
                                       {"r": rid, "q": question, "o": option, "n": number, "t": said})
        command.upgrade(config, "0006")
        migrated = tally_rows(engine)
        command.upgrade(config, "head")
        with Session(engine) as db:
            assert migrated and migrated == tally.recount(db, 1)
            assert sum(n for key, n in migrated.items() if key[1:4] == ("", "", "")) == 40  # respondents
        with engine.connect() as connection:
            assert "answer_tally" not in inspect(connection).get_table_names(), "0018 drops the tally"
        command.downgrade(config, "0017")
        assert tally_rows(engine) == migrated
        command.downgrade(config, "0005")
        with engine.connect() as connection:
            assert "answer_tally" not in inspect(connection).get_table_names()
    finally:
        engine.dispose()
