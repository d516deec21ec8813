"""Nothing stored with an answer can identify the person who gave it."""

from __future__ import annotations

import base64
import logging
import re
import zlib

from alembic import command
from sqlalchemy import Date, DateTime, Time, event, func, inspect, select, text
from sqlalchemy.orm import Session

from surveyapp import security
from surveyapp.cli import alembic_config
from surveyapp.db import make_engine
from surveyapp.logs import RedactTokens
from surveyapp.disclosure import live
from surveyapp.disclosure.thresholds import Thresholds
from surveyapp.models import Answer, Invitation, Response, UsedLink
from surveyapp.respond import journey
from surveyapp.questionnaires import builtin

from . import factories

HEALTH_CHECK = next(q for q in builtin() if q.key == "health-check")
IDENTIFYING = ("invitation", "user", "ip", "agent", "email", "token", "created", "submitted", "time", "date")


def test_response_tables_have_no_identifying_columns(app, session):
    inspector = inspect(session.get_bind())
    response_columns = {c["name"]: c for c in inspector.get_columns("response")}
    answer_columns = {c["name"]: c for c in inspector.get_columns("answer")}
    assert set(response_columns) == {"id", "run_id", "team_id", "named_as"}
    assert set(answer_columns) == {"response_id", "question_id", "ordinal", "option", "number", "text"}
    for table in ("response", "answer"):
        for column in inspector.get_columns(table):
            assert not any(word in column["name"] for word in IDENTIFYING), column["name"]
            assert not isinstance(column["type"], (Date, DateTime, Time)), column["name"]
        foreign = {fk["referred_table"] for fk in inspector.get_foreign_keys(table)}
        assert foreign <= {"survey_run", "team", "response"}, foreign


def test_response_ids_are_random_not_a_counter(client, session):
    made = factories.council(session)
    run = factories.run(session, made)
    for _ in range(6):
        browser = client.another()
        browser.get(f"/invite/{factories.invitation(session, run, None)}")
        factories.walk(browser, HEALTH_CHECK)
        browser.submit("/survey/check")
    ids = list(session.scalars(select(Response.id)))
    assert len(ids) == 6 and len(set(ids)) == 6
    # Random (UUID version 4), not a counter that would give away the order of submission.
    assert all(len(i) == 32 and i[12] == "4" for i in ids)
    assert sorted(ids) != [f"{n:032x}" for n in range(1, 7)]


def _cookie_contents(client) -> bytes:
    """What anyone who sees the session cookie can read without the secret key (Flask's cookie is only signed)."""
    cookie = client.client.get_cookie("session")
    assert cookie is not None, "the link started a session"
    value = cookie.value
    compressed = value.startswith(".")
    payload = value.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return zlib.decompress(raw) if compressed else raw


def test_the_session_cookie_carries_neither_the_token_nor_the_name_readably(client, session):
    made = factories.council(session)
    run = factories.run(session, made, "exit-interview")
    token = factories.invitation(session, run, factories.team(session, made, "Children in Care"), name="Kim Private")
    client.get(f"/invite/{token}")
    readable = _cookie_contents(client)
    assert readable.startswith(b"{"), "the decoding above reads Flask's cookie (the test can fail)"
    for secret in (token, "Kim Private", "Kim", "Private"):
        assert secret.encode() not in readable, f"{secret!r} is readable in the session cookie"
    # The journey still knows both: the survey opens, and the leaver's own name is offered to attach.
    assert client.get("/survey").status == 200
    factories.walk(client, next(q for q in builtin() if q.key == "exit-interview"), {"attach_name": "yes"})
    assert "Your name (Kim Private) will be attached" in client.get("/survey/check").text()
    for secret in (token, "Kim Private"):
        assert secret.encode() not in _cookie_contents(client)


def test_a_tampered_respondent_cookie_ends_the_session(app, client, session):
    made = factories.council(session)
    run = factories.run(session, made)
    client.get(f"/invite/{factories.invitation(session, run, None)}")
    with client.client.session_transaction() as cookie:
        sealed = cookie["respondent"]
        cookie["respondent"] = sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB")
    page = client.get("/survey")
    assert page.status != 200 or "Start now" not in page.text()
    with client.client.session_transaction() as cookie:  # sealed under another key: not read either
        cookie["respondent"] = security.seal_for_cookie("another-secret-key-of-enough-length-000", {"run": run.id})
    assert "Start now" not in client.get("/survey").text()


def test_the_token_never_reaches_the_database_or_later_addresses(client, session):
    made = factories.council(session)
    run = factories.run(session, made)
    token = factories.invitation(session, run, None)
    opened = client.get(f"/invite/{token}")
    assert token not in opened.response.headers["Location"]
    factories.walk(client, HEALTH_CHECK)
    done = client.submit("/survey/check")
    assert token not in done.response.headers["Location"]
    dump = " ".join(
        str(value) for table in (Invitation, Response, Answer)
        for row in session.execute(select(table.__table__)).all() for value in row
    )
    assert token not in dump


def test_a_response_cannot_be_joined_to_its_invitation(client, session):
    """With two people in a team, knowing who submitted says nothing about which answers are whose."""
    made = factories.council(session)
    run = factories.run(session, made)
    team = factories.team(session, made, "Assessment North")
    for role in ("social_worker", "senior_practitioner"):
        browser = client.another()
        browser.get(f"/invite/{factories.invitation(session, run, team)}")
        factories.walk(browser, HEALTH_CHECK, {"role": role})
        browser.submit("/survey/check")
    invitation_values = {str(v) for row in session.execute(select(Invitation.__table__)).all() for v in row}
    for response in session.scalars(select(Response)):
        values = {response.id, str(response.team_id), str(response.named_as)}
        values |= {str(a.option) for a in response.answers} | {str(a.number) for a in response.answers}
        shared = values & invitation_values - {str(team.id), "None", str(run.id), "1", "2", "3", "True", "False"}
        assert not shared, shared


def test_tokens_are_masked_in_access_logs():
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, '%s - - "%s" %s',
                               ("127.0.0.1", "GET /invite/abcDEF123_-xyz HTTP/1.1", "302"), None)
    RedactTokens().filter(record)
    assert "abcDEF123" not in record.getMessage() and "/invite/[redacted]" in record.getMessage()
    gunicorn = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, "%(r)s",
                                 None, None)
    gunicorn.args = {"r": "GET /open/secretToken HTTP/1.1"}
    RedactTokens().filter(gunicorn)
    assert "secretToken" not in gunicorn.getMessage()


WRITES_TO_INVITATION = re.compile(r"^\s*(UPDATE|INSERT\s+INTO|DELETE\s+FROM)\s+\"?invitation\"?\b", re.IGNORECASE)


def test_submitting_writes_nothing_to_the_invitation(app, client, session):
    """A database keeps a record of which rows each transaction wrote (PostgreSQL's xmin): if submitting
    marked the invitation, that record alone would tie the invitation to the response stored with it."""
    made = factories.council(session)
    run = factories.run(session, made)
    token = factories.invitation(session, run, factories.team(session, made, "Assessment North"))
    factories.invitation(session, run, factories.team(session, made, "Assessment North"), name="Sam Other")
    client.get(f"/invite/{token}")
    factories.walk(client, HEALTH_CHECK)

    statements: list[str] = []
    engine = app.extensions["surveyapp.engine"]

    def record(_conn, _cursor, statement, _parameters, _context, _many) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.submit("/survey/check").status == 302
    finally:
        event.remove(engine, "before_cursor_execute", record)

    assert any(s.lstrip().upper().startswith("INSERT INTO RESPONSE") for s in statements)
    assert [s for s in statements if WRITES_TO_INVITATION.match(s)] == []
    if session.get_bind().dialect.name == "postgresql":
        submitted_in = session.scalar(text("SELECT xmin::text FROM response"))
        assert submitted_in not in set(session.scalars(text("SELECT xmin::text FROM invitation")))
    # The link is used up all the same, and live response rates still count it (hidden: one person).
    assert client.another().get(f"/invite/{token}").h1 == "You have already submitted your answers"
    rates = live.rates(session, run, Thresholds())
    assert (rates.invited, rates.used) == (2, None)


def test_links_used_before_the_used_link_table_stay_used(empty_database):
    """Migration 0007 moves invitation.submitted to used_link rows keyed by the invitation's own hash."""
    config = alembic_config(empty_database)
    command.upgrade(config, "0006")
    used, unused = security.new_token(), security.new_token()
    engine = make_engine(empty_database)
    try:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO council (id, name, slug) VALUES (1, 'Old Council', 'old')"))
            connection.execute(text(
                "INSERT INTO questionnaire (id, key, version, kind, title, definition) "
                "VALUES (1, 'health-check', 1, 'health_check', 'Health check', '{}')"))
            connection.execute(text(
                "INSERT INTO survey_run (id, council_id, questionnaire_id, title, year, opens_on, closes_on, status) "
                "VALUES (1, 1, 1, 'Health check', 2026, '2026-01-01', '2099-12-31', 'open')"))
            for i, (token, submitted) in enumerate(((used, True), (unused, False))):
                connection.execute(text(
                    "INSERT INTO invitation (run_id, name, email, token_hash, submitted) VALUES (1, :n, :e, :h, :s)"),
                    {"n": f"P {i}", "e": f"p{i}@example.org", "h": security.invitation_hash(token), "s": submitted})
        command.upgrade(config, "head")
        with Session(engine) as db:
            assert journey.link_used(db, used) and not journey.link_used(db, unused)
            assert db.scalar(select(func.count()).select_from(UsedLink)) == 1
        with engine.connect() as connection:
            assert "submitted" not in {c["name"] for c in inspect(connection).get_columns("invitation")}
    finally:
        engine.dispose()
