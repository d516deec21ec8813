"""Setting up from the command line, as a council's IT would (issue 21): the `flask` commands run for real.

A missing or unreachable database is one plain line and a non-zero exit, not a 146-line traceback;
`setup` checks everything before it writes anything; `create-user --invite` emails the person a link
(through the real SMTP server the tests start) instead of asking the admin to type their password.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from surveyapp import create_app
from surveyapp.cli import upgrade
from surveyapp.models import AuditEvent, Council, User

from . import factories
from .conftest import PG_URL, SECRET, CheckedClient, free_port, path_of

ROOT = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).with_name("flask"))


def flask(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SURVEYAPP_ENV": "testing", "SECRET_KEY": SECRET, "DATABASE_URL": database_url,
           "QUEUE_BACKEND": "immediate", "EMAIL_BACKEND": "none"}
    return subprocess.run([FLASK, "--app", "wsgi", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False,
                          timeout=120)


def test_migrate_on_a_database_that_does_not_exist_says_so_in_one_line():
    pytest.importorskip("psycopg")
    missing = PG_URL.rsplit("/", 1)[0] + f"/no_such_database_{uuid.uuid4().hex[:8]}"
    result = flask("migrate", database_url=missing)
    assert result.returncode != 0
    said = (result.stdout + result.stderr).strip().splitlines()
    assert len(said) == 1 and "Traceback" not in result.stderr, result.stderr[-3000:]
    assert "does not exist" in said[0] and "createdb" in said[0], said[0]


def test_migrate_with_no_database_server_there_says_so_in_one_line():
    result = flask("migrate", database_url=f"postgresql://127.0.0.1:{free_port()}/surveyapp")
    assert result.returncode != 0
    said = (result.stdout + result.stderr).strip().splitlines()
    assert len(said) == 1 and "Traceback" not in result.stderr, result.stderr[-3000:]
    assert "cannot reach the database server" in said[0].lower(), said[0]


@pytest.fixture
def empty_app(empty_database, smtp_server):
    upgrade(empty_database)
    controller, inbox = smtp_server
    inbox.messages.clear()
    app = create_app({"ENV_NAME": "testing", "TESTING": True, "DATABASE_URL": empty_database, "SECRET_KEY": SECRET,
                      "BASE_URL": "http://localhost", "QUEUE_BACKEND": "immediate", "EMAIL_BACKEND": "smtp",
                      "SMTP_HOST": "127.0.0.1", "SMTP_PORT": controller.port, "SMTP_STARTTLS": False})
    yield app, inbox
    app.extensions["surveyapp.engine"].dispose()


def count(app, model) -> int:
    with app.app_context():
        from surveyapp import db

        return db.session().scalar(select(func.count()).select_from(model)) or 0


SETUP = ["setup", "--council", "Northshire Council", "--slug", "northshire", "--admin-email",
         "psw@northshire.example", "--admin-name", "Pat Social Worker"]


def test_setup_refuses_a_short_password_before_it_creates_anything(empty_app):
    app, _ = empty_app
    result = app.test_cli_runner().invoke(args=[*SETUP, "--admin-password", "short"])
    assert result.exit_code != 0 and "at least 12 characters" in result.output, result.output
    assert count(app, Council) == 0 and count(app, User) == 0, "nothing was written"
    done = app.test_cli_runner().invoke(args=[*SETUP, "--admin-password", "a long enough password"])
    assert done.exit_code == 0, done.output
    assert count(app, Council) == 1 and count(app, User) == 1


@pytest.mark.parametrize("wrong, says", [(["--admin-email", "not an email"], "valid email address"),
                                         (["--admin-name", "  "], "Enter the admin's name"),
                                         (["--slug", "North shire!"], "short name"),
                                         (["--admin-email", "taken@elsewhere.example"], "already an account")])
def test_setup_refuses_what_it_cannot_do_before_it_writes(empty_app, wrong, says):
    app, _ = empty_app
    with app.app_context():
        from surveyapp import db

        factories.user(db.session(), factories.council(db.session(), slug="elsewhere"),
                       email="taken@elsewhere.example")
    args = list(SETUP)
    args[args.index(wrong[0]) + 1] = wrong[1]
    result = app.test_cli_runner().invoke(args=[*args, "--admin-password", "a long enough password"])
    assert result.exit_code != 0 and says in result.output, result.output
    assert count(app, Council) == 1, "no second council was created"


def test_create_user_invite_emails_a_link_instead_of_asking_for_a_password(empty_app):
    app, inbox = empty_app
    runner = app.test_cli_runner()
    assert runner.invoke(args=[*SETUP, "--invite"]).exit_code == 0
    made = runner.invoke(args=["create-user", "--council", "northshire", "--email", "Manager@Northshire.example",
                               "--name", "Sam Manager", "--role", "manager", "--invite"], input="")
    assert made.exit_code == 0, made.output
    assert "password" not in made.output.lower().replace("set a password", ""), made.output
    assert sorted(m["To"] for m in inbox.messages) == ["manager@northshire.example", "psw@northshire.example"]
    message = next(m for m in inbox.messages if m["To"] == "manager@northshire.example")
    link = path_of(re.search(r"https?://\S+/manage/password/\S+", message.get_content()).group(0))
    person = CheckedClient(app.test_client())
    password = "the manager's own long password"
    typed = {**person.get(link).form_data(), "password": password, "confirm": password}
    assert person.post(link, typed).status == 302
    assert factories.sign_in(person, "manager@northshire.example", password).status == 302
    with app.app_context():
        from surveyapp import db

        actions = db.session().scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions.count("user_invited") == 2, actions


def test_create_user_without_invite_still_takes_a_password(empty_app):
    app, inbox = empty_app
    runner = app.test_cli_runner()
    assert runner.invoke(args=[*SETUP, "--admin-password", "a long enough password"]).exit_code == 0
    made = runner.invoke(args=["create-user", "--council", "northshire", "--email", "v@northshire.example",
                               "--name", "Val Viewer", "--role", "viewer"],
                         input="a long viewer password\na long viewer password\n")
    assert made.exit_code == 0, made.output
    assert inbox.messages == []


def test_themes_cache_dir_is_read_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("THEMES_CACHE_DIR", str(tmp_path / "embeddings"))
    app = create_app({"ENV_NAME": "testing", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "SECRET_KEY": SECRET})
    from surveyapp.themes import jobs

    assert jobs.cache_dir(app) == str(tmp_path / "embeddings")
    monkeypatch.delenv("THEMES_CACHE_DIR")
    default = create_app({"ENV_NAME": "testing", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "SECRET_KEY": SECRET})
    assert jobs.cache_dir(default) == str(Path(default.instance_path) / "theme-cache")
