"""`/healthz` with the database and Redis up and down, and log lines: JSON, without tokens or answers."""

from __future__ import annotations

import io
import json
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
import redis
from sqlalchemy.exc import OperationalError

from surveyapp import create_app, logs, security

from . import factories
from .conftest import SECRET

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


def redis_reachable() -> bool:
    try:
        return bool(redis.Redis(socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


def test_healthy_without_redis(client):
    page = client.get("/healthz")
    assert page.status == 200
    assert page.response.get_json() == {"database": "ok", "queue": "ok"}


def test_healthy_with_redis_configured(app, client):
    if not redis_reachable():
        pytest.skip("Redis is not reachable at 127.0.0.1:6379")
    app.config["REDIS_URL"] = "redis://127.0.0.1:6379/0"
    page = client.get("/healthz")
    assert page.status == 200 and page.response.get_json() == {"database": "ok", "queue": "ok"}


def test_unhealthy_when_redis_cannot_be_reached(app, client):
    app.config["REDIS_URL"] = UNREACHABLE_REDIS
    page = client.get("/healthz")
    assert page.status == 503
    assert page.response.get_json() == {"database": "ok", "queue": "unreachable"}


def test_unhealthy_when_the_database_cannot_be_reached(app, client, monkeypatch):
    engine = app.extensions["surveyapp.engine"]

    def refuse(*_args, **_kwargs):
        raise OperationalError("connect", {}, Exception("connection refused"))

    monkeypatch.setattr(engine, "connect", refuse)
    page = client.get("/healthz")
    assert page.status == 503
    assert page.response.get_json() == {"database": "unreachable", "queue": "ok"}


def test_unhealthy_with_a_database_that_is_not_there():
    app = create_app({"ENV_NAME": "testing", "TESTING": True, "SECRET_KEY": SECRET,
                      "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.get_json()["database"] == "unreachable"


# Logs ------------------------------------------------------------------------------------------


def json_lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


@pytest.mark.parametrize("path", ["/password/{token}", "/anything/{token}?x=1", "/manage/{token}/x"])
def test_a_gunicorn_access_line_is_json_without_the_token(path):
    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    token = security.new_token()
    logging.getLogger("gunicorn.access").handlers.clear()  # gunicorn's Logger adds one more each time
    config = Config()
    config.set("accesslog", "-")
    logger = Logger(config)
    stream = io.StringIO()
    for handler in logger.access_log.handlers:
        handler.stream = stream
    logs.install(json_lines=True)
    target = path.format(token=token)
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": target, "PATH_INFO": target.split("?")[0],
               "QUERY_STRING": target.partition("?")[2], "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "192.0.2.4"}

    class Response:
        status = "302 FOUND"
        sent = 0
        headers: list = []

    class Request:
        headers: list = []

    logger.access(Response(), Request(), environ, __import__("datetime").timedelta(seconds=0.01))
    lines = json_lines(stream)
    assert len(lines) == 1, stream.getvalue()
    assert token not in stream.getvalue()
    assert "[redacted]" in lines[0]["message"] and "GET" in lines[0]["message"]
    assert lines[0]["logger"] == "gunicorn.access"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_gunicorn_logs_json_lines_without_the_token(tmp_path):
    """The real thing: gunicorn serving the app, its access log on stdout, a link opened."""
    from surveyapp.cli import upgrade

    url = f"sqlite:///{tmp_path / 'logs.db'}"
    upgrade(url)
    port = free_port()
    env = {**os.environ, "SURVEYAPP_ENV": "production", "SECRET_KEY": SECRET, "DATABASE_URL": url,
           "PYTHONPATH": os.getcwd(), "RATELIMIT_STORAGE_URI": "memory://"}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
                               "--access-logfile", "-", "--error-logfile", "-", "wsgi:app"],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    token = security.new_token()
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.1)
        for path in (f"/invite/{token}", f"/s/{token}", f"/password/{token}"):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5)
            except urllib.error.HTTPError:
                pass  # an unknown link or a page that does not exist: the log line is what matters
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=20)
    assert token not in output
    access = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    requests = [entry for entry in access if entry["logger"] == "gunicorn.access"]
    assert len(requests) >= 2, output  # /healthz and /password/
    assert any("/password/[redacted]" in entry["message"] for entry in requests), output
    # A respondent's requests are not logged at all (test_side_channels): no address and time of anyone answering.
    assert not any("/invite/" in entry["message"] or "/s/" in entry["message"] for entry in requests), output


def test_a_failed_statement_logs_no_answer(app, client, session, caplog):
    """A database error while saving answers: its log holds the statement, not the answer typed."""
    from sqlalchemy.orm import Session

    made = factories.council(session)
    run = factories.run(session, made)
    client.get(f"/invite/{factories.invitation(session, run, factories.team(session, made, 'Assessment North'))}")
    from surveyapp.questionnaires import builtin

    factories.walk(client, next(q for q in builtin() if q.key == "health-check"),
                   {"biggest_difference": "My secret answer about my manager"})
    original = Session.execute

    def failing_execute(self, statement, *args, **kwargs):
        # The submission's insert of its answers fails, with the answer typed among the statement's parameters.
        if getattr(getattr(statement, "table", None), "name", None) == "answer":
            return original(self, __import__("sqlalchemy").text("INSERT INTO answer (question_id, text) VALUES (:q, :t)"),
                            {"q": None, "t": "My secret answer about my manager"})
        return original(self, statement, *args, **kwargs)

    caplog.set_level(logging.INFO)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Session, "execute", failing_execute)
        page = client.submit("/survey/check")
    assert page.status == 500 and page.h1 == "Sorry, there is a problem with the service"
    assert "Unhandled error" in caplog.text
    assert "My secret answer" not in caplog.text
    formatted = "\n".join(logs.JsonLines().format(r) for r in caplog.records)
    assert "My secret answer" not in formatted
