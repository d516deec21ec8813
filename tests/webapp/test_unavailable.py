"""The database cannot be reached: every page answers 503 with Retry-After and an honest page, never a trace.

The outage is real: the app's engine is pointed, mid-test, at a PostgreSQL port where nothing listens,
at a database that does not exist, or at an SQLite file that cannot be opened; then pointed back.
"""

from __future__ import annotations

import logging
import sqlite3
from contextlib import contextmanager

import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import sessionmaker

from surveyapp import db
from surveyapp.models import Role

from . import factories
from .conftest import PG_URL, Page, check_page
from .conftest import _pg_url as pg_url

UNREACHABLE_PG = {"nothing listening": "postgresql+psycopg://127.0.0.1:1/test?connect_timeout=2",
                  "no such database": "postgresql+psycopg://127.0.0.1:5432/no_such_database_here?connect_timeout=2"}
ADMIN = "admin@northshire.example"
COMMENT = "Smaller caseloads, and a desk I can find before nine."


@pytest.fixture
def unreachable(database_url, tmp_path) -> list[str]:
    """Database URLs the app cannot use, of the kind the test's database is."""
    if database_url.startswith("sqlite"):
        return [f"sqlite:///{tmp_path / 'no-such-folder' / 'survey.db'}"]
    return list(UNREACHABLE_PG.values())


@contextmanager
def database_down(app, url: str):
    """The app's engine and sessions point at `url` until the block ends, as if its database had gone."""
    engine, maker = app.extensions["surveyapp.engine"], app.extensions["surveyapp.sessionmaker"]
    broken = db.make_engine(url)
    app.extensions["surveyapp.engine"] = broken
    app.extensions["surveyapp.sessionmaker"] = sessionmaker(broken, expire_on_commit=False)
    try:
        yield
    finally:
        app.extensions["surveyapp.engine"], app.extensions["surveyapp.sessionmaker"] = engine, maker
        broken.dispose()


def assert_unavailable(page: Page) -> None:
    check_page(page)  # valid HTML, a title, no "Traceback"
    assert page.status == 503
    # About 2 minutes: the sign-in page's rate limiter rewrites it as seconds from its own clock, or later
    # (when its window resets).
    assert int(page.response.headers["Retry-After"]) >= 115
    assert page.h1 == "Sorry, the service is unavailable"
    words = page.text()
    for said in ("Answers you saved before this page are kept", "the last page you sent may not have been saved",
                 "Try again in a few minutes"):
        assert said in words
    for leak in ("Traceback", "OperationalError", "sqlalchemy", "psycopg", "sqlite", "127.0.0.1", "no_such",
                 "no-such-folder", "connection"):
        assert leak.lower() not in page.html.lower(), leak


def unavailable_logged(caplog) -> list[logging.LogRecord]:
    found = [r for r in caplog.records if r.name == "surveyapp.errors" and "database cannot be reached" in r.message]
    assert found and all(r.levelno == logging.ERROR and r.exc_info is None for r in found), \
        "one line each, without a traceback"
    return found


def test_a_respondent_mid_journey_gets_503_keeps_what_was_saved_and_sees_what_they_wrote(
        app, client, session, unreachable, caplog):
    made = factories.council(session)
    run = factories.run(session, made)
    north = factories.team(session, made, "Assessment North")
    client.get(f"/invite/{factories.invitation(session, run, north)}")
    client.submit("/survey")
    saved = client.submit("/survey/about_you", {"team": str(north.id), "role": "senior_practitioner",
                                                "years_in_role": "under_1", "contract": "permanent",
                                                "hours": "full_time"})
    assert saved.status == 302
    comments = client.get("/survey/your_comments").form_data()  # the page, open in the browser

    for url in unreachable:
        with database_down(app, url):
            sent = client.post("/survey/your_comments", {**comments, "biggest_difference": COMMENT})
            assert_unavailable(sent)
            assert sent.response.headers["Retry-After"] == "120"
            assert [t.get_text(strip=True) for t in sent.soup.select(".app-typed")] == [COMMENT], \
                "what they wrote is on the page, to copy"
            assert comments["csrf_token"] not in sent.html
            assert_unavailable(client.get("/survey/workload"))
            assert not client.get("/survey/workload").soup.select(".app-typed"), "only a page sent shows it"
    assert len(unavailable_logged(caplog)) == 3 * len(unreachable)

    # Back: the first page's answers were kept; the page sent during the outage was not saved.
    about = client.get("/survey/about_you")
    assert about.status == 200
    assert about.soup.select_one("input[name=role][value=senior_practitioner]").has_attr("checked")
    assert client.get("/survey/your_comments").soup.select_one("textarea[name=biggest_difference]").get_text() == ""
    again = client.submit("/survey/your_comments", {"biggest_difference": COMMENT})
    assert again.status == 302


def test_a_manager_page_and_sign_in_get_503_while_the_database_is_down(app, client, session, unreachable):
    made = factories.council(session)
    run = factories.run(session, made)
    assert factories.user(session, made, Role.ADMIN) == ADMIN
    factories.sign_in(client, ADMIN)
    token = factories.csrf_token(client.get(f"/manage/runs/{run.id}"))
    for down in unreachable:
        with database_down(app, down):
            check_manager_pages(client, run, token)
    assert client.get("/manage/").status == 200, "the same session works again once the database is back"
    assert run.open_link_hash is None
    assert factories.sign_in(client.another(), ADMIN).status == 302, "the outage used up no sign-in attempts"


def check_manager_pages(client, run, token: str) -> None:
    for url in ("/manage/", f"/manage/runs/{run.id}", f"/manage/runs/{run.id}/results", "/manage/audit-log"):
        assert_unavailable(client.get(url))
    assert_unavailable(client.post(f"/manage/runs/{run.id}/open-link", {"csrf_token": token}))
    stranger = client.another()
    assert stranger.get("/manage/sign-in").status == 200, "a page that needs no database still works"
    for _ in range(12):  # more than the 10 failed sign-ins an account may have in 15 minutes
        assert_unavailable(stranger.submit("/manage/sign-in", {"email": ADMIN, "password": factories.PASSWORD}))
    assert_unavailable(stranger.get(f"/invite/{'x' * 43}"))
    health = client.get("/healthz")
    assert health.status == 503 and health.response.get_json()["database"] == "unreachable"
    assert health.response.headers["Retry-After"] == "120"


def test_a_wrapped_database_error_is_503_and_other_faults_stay_500(app, client, unreachable, caplog):
    def lost_connection() -> str:
        try:
            with db.make_engine(unreachable[0]).connect():
                pass
        except OperationalError as error:
            raise RuntimeError("could not load the page") from error
        return "reached"

    def fault() -> str:
        raise KeyError("a bug")

    app.add_url_rule("/test-wrapped", view_func=lost_connection)
    app.add_url_rule("/test-fault", view_func=fault)
    assert_unavailable(client.get("/test-wrapped"))
    page = client.get("/test-fault")
    assert page.status == 500 and "Retry-After" not in page.response.headers
    assert page.h1 == "Sorry, there is a problem with the service"
    faults = [r for r in caplog.records if r.message == "Unhandled error"]
    assert len(faults) == 1 and faults[0].exc_info is not None, "a fault keeps its traceback in the log"


# Which errors mean "unreachable": real errors from real databases --------------------------------


def test_sqlite_errors_that_mean_unreachable_and_those_that_are_faults(tmp_path):
    path = tmp_path / "busy.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0.2})
    with pytest.raises(OperationalError) as busy, engine.begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (1)"))
    holder.rollback()
    with pytest.raises(OperationalError) as no_table, engine.connect() as connection:
        connection.execute(text("SELECT * FROM nowhere"))
    with pytest.raises(OperationalError) as cannot_open, \
            create_engine(f"sqlite:///{tmp_path / 'missing' / 'x.db'}").connect():
        pass
    engine.dispose()
    assert db.unavailable(busy.value) is busy.value, "busy after the timeout: wait and try again"
    assert db.unavailable(cannot_open.value) is cannot_open.value
    assert db.unavailable(no_table.value) is None, "a missing table is a fault (migrations not run)"


def test_postgresql_errors_that_mean_unreachable_and_those_that_are_faults(postgres_schema):
    engine = db.make_engine(pg_url(postgres_schema))
    with psycopg.connect(PG_URL, autocommit=True) as holder:
        holder.execute("CREATE TABLE IF NOT EXISTS public.app503_lock (x int)")
        holder.execute("BEGIN")
        holder.execute("LOCK TABLE public.app503_lock IN ACCESS EXCLUSIVE MODE")
        with pytest.raises(OperationalError) as lock_timeout, engine.begin() as connection:
            connection.execute(text("SET LOCAL lock_timeout = '100ms'"))
            connection.execute(text("SELECT * FROM public.app503_lock"))
        holder.execute("ROLLBACK")
        holder.execute("DROP TABLE public.app503_lock")
    # A server that ends the session (as a restart or shutdown does): 57P01, the connection lost.
    with pytest.raises(OperationalError) as terminated, engine.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))
    with pytest.raises(OperationalError) as refused, db.make_engine(UNREACHABLE_PG["nothing listening"]).connect():
        pass
    engine.dispose()
    assert lock_timeout.value.orig.sqlstate == "55P03"
    assert db.unavailable(lock_timeout.value) is None, "a lock timeout: the server answered; a fault of ours"
    assert db.unavailable(terminated.value) is terminated.value
    assert db.unavailable(refused.value) is refused.value
    wrapped = RuntimeError("while saving")
    wrapped.__context__ = refused.value
    assert db.unavailable(wrapped) is refused.value
