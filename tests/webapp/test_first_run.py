"""A new council follows the README's production steps, as written, from an empty database to a manager
reading results: the `flask` commands are read from the README and run through the CLI runner, the rest
is done through the pages, as the principal social worker, a member of staff and a manager would."""

from __future__ import annotations

import datetime as dt
import io
import re
import shlex
from pathlib import Path

import pytest

from surveyapp import create_app
from surveyapp.questionnaires import builtin

from . import factories
from .conftest import SECRET, CheckedClient, path_of

README = Path(__file__).resolve().parents[2] / "README.md"
PASSWORD = "a long production password"


def production_steps() -> tuple[list[list[str]], str]:
    """The README's `flask` commands (continuation lines joined, comments dropped) and its organisation CSV."""
    text = README.read_text()
    section = text[text.index("## Running in production"):]
    block = section[section.index("```sh") + 5:section.index("```", section.index("```sh") + 5)]
    joined = re.sub(r"\\\n\s*", " ", re.sub(r"[ \t]+#[^\n]*\\\n", " \\\n", block))
    commands = [shlex.split(line.split("  #")[0], comments=True)[3:] for line in joined.splitlines()
                if line.startswith(".venv/bin/flask --app wsgi ")]
    csv_block = section[section.index("```csv") + 6:section.index("```", section.index("```csv") + 6)]
    return commands, csv_block.strip() + "\n"


@pytest.mark.parametrize("base_url", ["http://localhost", "https://localhost"])
def test_the_readme_production_steps_work_from_an_empty_database(empty_database, tmp_path, monkeypatch, smtp_server,
                                                                   base_url):
    commands, organisation = production_steps()
    assert [c[0] for c in commands] == ["migrate", "setup", "import-organisation", "create-user"]
    monkeypatch.chdir(tmp_path)
    Path("organisation.csv").write_text(organisation)
    app = create_app({"ENV_NAME": "testing", "TESTING": True, "DATABASE_URL": empty_database, "SECRET_KEY": SECRET,
                      "BASE_URL": base_url, "EMAIL_BACKEND": "smtp", "SMTP_HOST": "127.0.0.1",
                      "SMTP_PORT": smtp_server[0].port, "SMTP_STARTTLS": False})
    inbox = smtp_server[1]
    inbox.messages.clear()
    try:
        runner = app.test_cli_runner()
        for command in commands:
            result = runner.invoke(args=command, input=f"{PASSWORD}\n{PASSWORD}\n")
            assert result.exit_code == 0, f"flask {' '.join(command)}: {result.output}"
        again = runner.invoke(args=commands[1], input=f"{PASSWORD}\n{PASSWORD}\n")
        assert again.exit_code == 0 and "already" in again.output, "setup is safe to run twice"
        journey(app, commands, inbox, base_url)
    finally:
        app.extensions["surveyapp.engine"].dispose()


def option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def journey(app, commands: list[list[str]], inbox, base_url: str) -> None:
    """Over https, each client sends what a browser sends (test_https.py has Chromium do it for real)."""
    origin = base_url if base_url.startswith("https") else None
    admin_email, manager_email = option(commands[1], "--admin-email"), option(commands[3], "--email")
    admin = CheckedClient(app.test_client(), origin=origin)
    assert factories.sign_in(admin, admin_email, PASSWORD).status == 302
    new = admin.get("/manage/runs/new")
    health = next(i["value"] for i in new.soup.select("input[name=questionnaire]")
                  if "health check" in i.find_parent("div").get_text().lower())
    today = dt.date.today()
    created = admin.submit("/manage/runs/new", {
        "questionnaire": health, "title": "Health check", "year": str(today.year),
        "opens_on": [str(today.day), str(today.month), str(today.year)],
        "closes_on": [str(today.day), str(today.month), str(today.year + 1)]})
    assert created.status == 302, created.errors()
    run_path = created.response.headers["Location"]
    team = "Assessment Team North"
    staff = "name,email,team\n" + "".join(f"Person {i},person{i}@example.org,{team}\n" for i in range(5))
    form = admin.get(f"{run_path}/staff").form_data()
    form["staff_list"] = (io.BytesIO(staff.encode()), "staff.csv")
    links = admin.post(f"{run_path}/staff", form, content_type="multipart/form-data")
    assert links.status == 200, links.text()
    assert "/invite/" not in links.html, "nobody but the person holds their link"
    # Each person's link arrives by email (the worker sends it: at once, in tests).
    assert sorted(m["To"] for m in inbox.messages) == [f"person{i}@example.org" for i in range(5)]
    invitations = [path_of(re.search(r"https?://\S+/invite/[A-Za-z0-9_-]+", m.get_content()).group(0))
                   for m in inbox.messages]
    health_check = next(q for q in builtin() if q.key == "health-check")
    for invitation in invitations:
        person = CheckedClient(app.test_client(), origin=origin)
        assert person.get(invitation).status == 302
        assert factories.walk(person, health_check) == "/survey/check"
        assert person.follow(person.submit("/survey/check")).status == 200
    closed = admin.submit(f"{run_path}/close")
    assert closed.status == 302
    assert "released" in admin.follow(closed).text().lower()

    manager = CheckedClient(app.test_client(), origin=origin)
    assert factories.sign_in(manager, manager_email, PASSWORD).status == 302
    results = manager.get(f"{run_path}/results")
    assert results.status == 200, results.text()
    assert "Referral and Assessment" in results.text() and "5 people responded" in results.text()
    log = admin.get("/manage/audit-log", query_string={"person": manager_email})
    assert "Results page opened" in log.text()


def test_the_readme_steps_are_found():
    commands, organisation = production_steps()
    assert commands[1][:2] == ["setup", "--council"] and organisation.startswith("service_area,team\n")
