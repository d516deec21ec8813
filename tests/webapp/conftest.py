"""Fixtures for the web app's tests.

Every test that takes `app` runs twice: on SQLite, and on the PostgreSQL at
127.0.0.1:5432 (database `test`) when it is reachable. CI sets
REQUIRE_POSTGRES=1 so that an unreachable PostgreSQL fails instead of skipping.

`client` is a Flask test client whose every page is parsed and checked, as
GOV.UK Notify's tests do: valid HTML, a title, no duplicate ids, a form action.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import html5lib
import email
import email.policy
import socket
import subprocess
import threading
from contextlib import contextmanager
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope
from argon2 import PasswordHasher
import psycopg
import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from surveyapp import create_app, security
from surveyapp.cli import upgrade
from surveyapp.config import sqlalchemy_url

PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")
SECRET = "test-secret-key-that-is-long-enough-0123456789"


def postgres_reachable() -> bool:
    try:
        with psycopg.connect(PG_URL, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrated once; each test gets a copy, which is much faster than migrating."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_schema() -> Iterator[str]:
    if not postgres_reachable():
        if os.environ.get("REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL is not reachable at {PG_URL}, and REQUIRE_POSTGRES is set")
        pytest.skip(f"PostgreSQL is not reachable at {PG_URL}")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    upgrade(_pg_url(schema))
    yield schema
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _pg_url(schema: str) -> str:
    return sqlalchemy_url(PG_URL) + f"?options=-csearch_path%3D{schema}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    url = _pg_url(request.getfixturevalue("postgres_schema"))
    yield url
    _truncate(url)


def _truncate(url: str) -> None:
    from surveyapp.db import Base, make_engine

    engine = make_engine(url)
    with engine.begin() as conn:
        names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    application = create_app({
        "ENV_NAME": "testing", "TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": SECRET,
        "BASE_URL": "http://localhost",
        # Huey's immediate mode: a queued job (release, theme analysis, email) runs at once, in the request
        # that queued it, so tests are quick and deterministic. test_background.py runs real workers.
        "QUEUE_BACKEND": "immediate",
    })
    yield application
    application.extensions["surveyapp.engine"].dispose()


@pytest.fixture
def test_sessions() -> list[Session]:
    return []


@pytest.fixture
def session(app: Flask, test_sessions: list[Session]) -> Iterator[Session]:
    """A database session for arranging and asserting, outside any request.

    It pushes no app context: requests made while one is pushed would share its
    `g` (and so its database session and CSRF token) with the test.
    """
    db_session: Session = app.extensions["surveyapp.sessionmaker"]()
    test_sessions.append(db_session)
    yield db_session
    db_session.close()


class Page:
    """A fetched page, parsed, with the shortcuts tests use."""

    def __init__(self, response: Any) -> None:
        self.response = response
        self.status = response.status_code
        textual = response.mimetype.startswith("text/") or response.mimetype.endswith(("json", "xml"))
        self.html = response.get_data(as_text=True) if textual else ""
        self.soup = BeautifulSoup(self.html, "html.parser")

    @property
    def title(self) -> str:
        return self.soup.title.get_text(strip=True) if self.soup.title else ""

    @property
    def h1(self) -> str:
        heading = self.soup.find("h1")
        return heading.get_text(" ", strip=True) if heading else ""

    def errors(self) -> list[str]:
        summary = self.soup.select(".govuk-error-summary__list a")
        return [a.get_text(" ", strip=True) for a in summary]

    def text(self) -> str:
        return self.soup.get_text(" ", strip=True)

    def form_data(self) -> dict[str, Any]:
        """What the browser would send: hidden inputs (the CSRF token) and current values."""
        data: dict[str, Any] = {}
        for field in self.soup.select("main form input[type=hidden]"):
            data[field["name"]] = field.get("value", "")
        return data


def check_page(page: Page) -> None:
    if "text/html" not in page.response.content_type:
        return
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    parser.parse(page.html)  # raises on any parse error
    assert page.title, "every page needs a <title>"
    ids = [el["id"] for el in page.soup.select("[id]")]
    duplicates = {i for i in ids if ids.count(i) > 1}
    assert not duplicates, f"duplicate ids: {duplicates}"
    for form in page.soup.find_all("form"):
        assert form.get("action"), "every form needs an action"
    anchors = {a["href"][1:] for a in page.soup.select('a[href^="#"]') if len(a["href"]) > 1}
    assert anchors <= set(ids), f"links to places not on the page: {sorted(anchors - set(ids))}"
    assert "Traceback" not in page.html
    assert "Error: Error:" not in page.title, page.title


class CheckedClient:
    """A test client that checks every page it fetches and follows no redirects by itself."""

    def __init__(self, client: FlaskClient, sessions: list[Session] | None = None, origin: str | None = None) -> None:
        """With `origin` ("https://localhost"), every request goes there and a form carries the `Origin`
        header a browser sends, so the checks that bite only over HTTPS are run."""
        self.client = client
        self.sessions = sessions if sessions is not None else []
        self.origin = origin

    def _over(self, kwargs: dict[str, Any], form: bool = False) -> dict[str, Any]:
        if self.origin is None:
            return kwargs
        headers = dict(kwargs.pop("headers", None) or {})
        if form:
            headers.setdefault("Origin", self.origin)
        return {"base_url": self.origin, **kwargs, "headers": headers}

    def _done(self, response: Any) -> Page:
        # End the test's read transactions, so it sees what the request wrote.
        for db_session in self.sessions:
            db_session.rollback()
        page = Page(response)
        check_page(page)
        return page

    def get(self, url: str, **kwargs: Any) -> Page:
        return self._done(self.client.get(url, **self._over(kwargs)))

    def post(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Page:
        return self._done(self.client.post(url, data=data or {}, **self._over(kwargs, form=True)))

    def another(self) -> CheckedClient:
        """A second browser, with cookies of its own."""
        return CheckedClient(self.client.application.test_client(), self.sessions, self.origin)

    def submit(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Page:
        """GET the page, then POST its form with `data`, as a person would."""
        form = self.get(url).form_data()
        form.update(data or {})
        return self.post(url, form, **kwargs)

    def follow(self, page: Page) -> Page:
        assert page.status in (301, 302, 303), f"expected a redirect, got {page.status}"
        return self.get(page.response.headers["Location"])


@pytest.fixture
def client(app: Flask, test_sessions: list[Session]) -> CheckedClient:
    return CheckedClient(app.test_client(), test_sessions)


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """A database of its own, so migrating it down and up cannot disturb other tests."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.db'}"
        return
    request.getfixturevalue("postgres_schema")  # PostgreSQL is reachable (or the test is skipped, as the others)
    schema = f"m_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    yield _pg_url(schema)
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def quick_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """A cheap argon2id, for tests about something other than passwords."""
    monkeypatch.setattr(security, "_password_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts; `refuse` answers the next ones with an error."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.clear()
        self.lock = threading.Lock()

    def clear(self) -> None:
        self.messages.clear()
        self.refuse: list[str] = []  # SMTP answers for the next deliveries, e.g. "451 try later"
        self.refuse_address: dict[str, str] = {}  # an answer to RCPT TO for one address, e.g. "550 5.1.1 ..."
        self.refuse_every_address: str | None = None  # the answer to every RCPT TO (a relay that refuses all)
        self.hang_up_after_data = 0  # keep the next messages, then drop the line before answering

    async def handle_RCPT(self, server: Any, session: Any, envelope: Envelope, address: str,
                          options: list[str]) -> str:
        with self.lock:
            answer = self.refuse_address.get(address) or self.refuse_every_address
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:
        with self.lock:
            if self.refuse:
                return self.refuse.pop(0)
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
            self.messages.append(message)  # type: ignore[arg-type]
            if self.hang_up_after_data:
                # The relay has the message, and the line drops before it says so: the sender cannot know.
                self.hang_up_after_data -= 1
                server.transport.close()
        return "250 Message accepted"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if m["X-Envelope-To"] == address]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def openid_provider(callback: str, *options: str) -> Iterator[str]:
    """A real OpenID Provider, the certified npm package `oidc-provider` on Node (`tests/oidc/provider.mjs`),
    whose one client sends people back to `callback`; yields its address (its issuer, unless `options` make it
    announce another: see provider.mjs) and stops it afterwards."""
    process = subprocess.Popen(["node", str(ROOT / "tests/oidc/provider.mjs"), str(free_port()), callback, *options],
                               cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("ready "), f"the OpenID Provider did not start: {line!r}"
        yield line.split()[1]
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[Controller, Inbox]]:
    """A real SMTP server on 127.0.0.1, in a thread: what the council's relay would be."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


@pytest.fixture
def mailbox(app: Flask, smtp_server: tuple[Controller, Inbox]) -> Inbox:
    """The app sends through the test's SMTP server; returns what arrives there (empty at the start)."""
    controller, inbox = smtp_server
    app.config.update({"EMAIL_BACKEND": "smtp", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": controller.port,
                       "SMTP_STARTTLS": False, "EMAIL_FROM": "health-check@northshire.example"})
    inbox.clear()
    return inbox
