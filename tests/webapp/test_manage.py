"""Managers' and admins' pages: sign in, runs, response rates, roles, closing, open links, CLI, config."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from pathlib import Path

import pytest
import yaml
from argon2 import extract_parameters
from sqlalchemy import func, select
from wtforms.validators import Email

from surveyapp import create_app, security
from surveyapp.cli import ROOT
from surveyapp.config import DEV_SECRET, ConfigError, sqlalchemy_url
from surveyapp.manage.forms import SignInForm
from surveyapp.models import AuditEvent, Council, Draft, Response, Role, SurveyRun, User
from surveyapp.questionnaires import DEFINITIONS

from . import factories
from .conftest import path_of

DASHBOARD_HEADING = "Health checks and exit interviews"
NO_PERMISSION = "You do not have permission to see this page"


# A cheap argon2id keeps these tests quick; the storage test below checks the real costs.
pytestmark = pytest.mark.usefixtures("quick_password_hashing")


def signed_in(client, session, role: Role = Role.ADMIN, made=None):
    """A council (unless given), a user with this role, signed in through the form."""
    made = made or factories.council(session)
    email = factories.user(session, made, role)
    assert factories.sign_in(client, email).status == 302
    return made


def has_control(page, text: str) -> bool:
    """A link or button a person would see with this text."""
    return any(el.get_text(" ", strip=True) == text for el in page.soup.select("main a, main button"))


def links_to(page, text: str, href: str) -> bool:
    """The page has a link with this text going to this address."""
    return any(a.get_text(" ", strip=True) == text and a.get("href") == href for a in page.soup.select("main a"))


def cookie_attributes(header: str) -> tuple[str, set[str]]:
    name = header.split("=", 1)[0].strip()
    attributes = {part.strip().lower() for part in header.split(";")[1:]}
    return name, attributes


# Signing in and out ----------------------------------------------------------------------------


def test_a_wrong_password_gets_the_error_summary_and_no_access(client, session):
    made = factories.council(session)
    email = factories.user(session, made)

    page = factories.sign_in(client, email, "this is not the password")
    assert page.status == 200
    assert page.title.startswith("Error: ")
    assert "Enter a correct email address and password" in page.errors()
    assert page.soup.select_one("input[name=email]")["value"] == email, "the email typed is kept"
    assert "this is not the password" not in page.html, "the password typed is never sent back"
    assert client.get("/manage/").status == 302, "still signed out"

    # An unknown email gets exactly the same message: nobody can find out who has an account.
    unknown = factories.sign_in(client, "nobody@northshire.example", factories.PASSWORD)
    assert unknown.errors() == ["Enter a correct email address and password"]


def test_a_blank_sign_in_form_says_what_to_enter(client):
    page = factories.sign_in(client, "", "")
    assert page.title.startswith("Error: ")
    assert page.errors() == ["Enter your email address", "Enter your password"]


def test_the_sign_in_email_check_has_its_library_pinned():
    """WTForms' Email validator needs the email-validator package: without it every sign-in is a 500."""
    if any(isinstance(v, Email) for v in SignInForm.email.kwargs.get("validators", [])):
        pinned = (ROOT / "requirements.txt").read_text(encoding="utf-8").lower().replace("_", "-")
        assert re.search(r"^email-validator==", pinned, re.MULTILINE), "requirements.txt does not pin email-validator"


def test_the_right_password_reaches_the_dashboard(client, session):
    made = factories.council(session)
    email = factories.user(session, made)

    signed = factories.sign_in(client, email.upper(), factories.PASSWORD)  # email is not case sensitive
    assert signed.status == 302 and path_of(signed.response.headers["Location"]) == "/manage/"
    dashboard = client.follow(signed)
    assert dashboard.status == 200
    assert dashboard.h1 == DASHBOARD_HEADING
    assert "Signed in as Admin User (admin)" in dashboard.text()
    assert "There are no health checks yet." in dashboard.text()


def test_sign_out_needs_the_form_and_then_manage_pages_ask_to_sign_in(client, session):
    signed_in(client, session)
    dashboard = client.get("/manage/")
    token = factories.csrf_token(dashboard)

    forged = client.post("/manage/sign-out", {})  # no CSRF token: another site cannot sign you out
    assert forged.status == 400
    assert client.get("/manage/").status == 200, "still signed in after a forged sign-out"

    out = client.post("/manage/sign-out", {"csrf_token": token})
    assert out.status == 302 and path_of(out.response.headers["Location"]) == "/manage/sign-in"
    assert client.follow(out).h1 == "Sign in"
    again = client.get("/manage/")
    assert again.status == 302 and path_of(again.response.headers["Location"]).startswith("/manage/sign-in")


def test_manage_pages_redirect_to_sign_in_when_signed_out(client, session):
    made = factories.council(session)
    run = factories.run(session, made)
    for url in ("/manage/", "/manage/runs/new", f"/manage/runs/{run.id}", f"/manage/runs/{run.id}/staff",
                f"/manage/runs/{run.id}/close"):
        page = client.get(url)
        assert page.status == 302, url
        assert path_of(page.response.headers["Location"]).startswith("/manage/sign-in"), url
    sign_in_page = client.follow(client.get("/manage/"))
    assert sign_in_page.h1 == "Sign in"
    assert "Sign in to see this page" in sign_in_page.text()


def test_session_cookies_are_secure_httponly_and_samesite_lax(app, client, session):
    made = factories.council(session)
    email = factories.user(session, made)
    signed = factories.sign_in(client, email)
    assert signed.status == 302
    cookies = signed.response.headers.getlist("Set-Cookie")
    assert cookies, "signing in sets a session cookie"
    for header in cookies:
        name, attributes = cookie_attributes(header)
        assert "secure" in attributes, f"{name} is not Secure: {header}"
        assert "httponly" in attributes, f"{name} is not HttpOnly: {header}"
        assert "samesite=lax" in attributes, f"{name} is not SameSite=Lax: {header}"
    assert app.config["SESSION_COOKIE_NAME"] in {cookie_attributes(h)[0] for h in cookies}

    # A respondent's cookie (which carries their link) is set the same way.
    run = factories.run(session, made)
    opened = client.another().get(f"/invite/{factories.invitation(session, run, None)}")
    for header in opened.response.headers.getlist("Set-Cookie"):
        _, attributes = cookie_attributes(header)
        assert {"secure", "httponly", "samesite=lax"} <= attributes, header

    # A "remember me" cookie, if one is ever set, gets the same protection.
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_HTTPONLY"] is True
    assert app.config["REMEMBER_COOKIE_SAMESITE"] == "Lax"


def test_passwords_are_stored_as_argon2id_hashes_only(client, session, monkeypatch):
    monkeypatch.undo()  # the real hasher, with the costs production uses
    made = factories.council(session)
    email = factories.user(session, made)
    stored = session.scalar(select(User.password_hash).where(User.email == email))
    assert stored.startswith("$argon2id$")
    assert factories.PASSWORD not in stored
    costs = extract_parameters(stored)
    assert costs.memory_cost >= 19 * 1024 and costs.time_cost >= 2, f"weaker than OWASP's minimum: {costs}"
    row = session.execute(select(User.__table__).where(User.email == email)).one()
    assert all(factories.PASSWORD not in str(value) for value in row), "the password is in the user's row"
    assert security.verify_password(stored, factories.PASSWORD)
    assert not security.verify_password(stored, factories.PASSWORD + " ")


# Creating a run --------------------------------------------------------------------------------


def questionnaire_choice(page, wanted: str) -> str:
    """The value of the questionnaire radio whose label contains `wanted`."""
    for radio in page.soup.select("input[name=questionnaire]"):
        label = page.soup.select_one(f"label[for={radio['id']}]")
        if wanted.lower() in label.get_text(" ", strip=True).lower():
            return radio["value"]
    raise AssertionError(f"no questionnaire called {wanted!r} on the page")


def test_an_admin_creates_a_run_through_the_form(client, session):
    made = signed_in(client, session)
    dashboard = client.get("/manage/")
    assert has_control(dashboard, "Create a health check or exit interview period")

    form = client.get("/manage/runs/new")
    assert form.status == 200
    data = form.form_data() | {
        "questionnaire": questionnaire_choice(form, "Children's social work health check"),
        "title": "Social work health check 2027", "year": "2027",
        "opens_on": ["1", "10", "2027"], "closes_on": ["31", "10", "2027"],
    }
    created = client.post("/manage/runs/new", data)
    assert created.status == 302, created.errors()

    page = client.follow(created)
    assert page.h1 == "Social work health check 2027"
    assert "Social work health check 2027 created" in page.text()
    assert "Open from 1 October 2027 to 31 October 2027." in page.text()
    run = session.scalar(select(SurveyRun))
    assert (run.council_id, run.year, run.opens_on, run.closes_on, run.status) == (
        made.id, 2027, dt.date(2027, 10, 1), dt.date(2027, 10, 31), "open")
    assert run.kind == "health_check"
    assert links_to(client.get("/manage/"), "Social work health check 2027", f"/manage/runs/{run.id}"), \
        "the dashboard links to the new run"


def test_a_closing_date_before_the_opening_date_is_refused_and_kept(client, session):
    signed_in(client, session)
    form = client.get("/manage/runs/new")
    chosen = questionnaire_choice(form, "Exit interview")
    data = form.form_data() | {
        "questionnaire": chosen, "title": "Exit interviews 2027", "year": "2027",
        "opens_on": ["1", "10", "2027"], "closes_on": ["30", "9", "2027"],
    }
    page = client.post("/manage/runs/new", data)
    assert page.status == 200
    assert page.title.startswith("Error: ")
    assert page.errors() == ["The closing date must be the same as or after the opening date"]
    target = page.soup.select_one(".govuk-error-summary__list a")["href"].lstrip("#")
    assert page.soup.find(id=target) is not None, "the error summary links to something on the page"

    def value(field_id: str) -> str:
        return page.soup.select_one(f"#{field_id}").get("value", "")

    assert [value("opens_on-day"), value("opens_on-month"), value("opens_on-year")] == ["1", "10", "2027"]
    assert [value("closes_on-day"), value("closes_on-month"), value("closes_on-year")] == ["30", "9", "2027"]
    assert page.soup.select_one("input[name=title]")["value"] == "Exit interviews 2027"
    assert page.soup.select_one(f"input[name=questionnaire][value='{chosen}']").has_attr("checked")
    assert session.scalar(select(func.count()).select_from(SurveyRun)) == 0


def test_an_impossible_date_and_a_wordy_year_get_plain_messages(client, session):
    signed_in(client, session)
    form = client.get("/manage/runs/new")
    data = form.form_data() | {
        "questionnaire": questionnaire_choice(form, "health check"), "title": "Health check 2027",
        "year": "twenty twenty-seven", "opens_on": ["31", "2", "2027"], "closes_on": ["31", "3", "2027"],
    }
    page = client.post("/manage/runs/new", data)
    assert page.status == 200 and page.title.startswith("Error: ")
    errors = page.errors()
    assert len(errors) == 2, errors
    assert not [e for e in errors if e.startswith("Not a valid")], f"WTForms' default messages: {errors}"
    assert "year" in errors[0].lower(), errors
    assert "date" in errors[1].lower() and "open" in errors[1].lower(), errors
    assert page.soup.select_one("input[name=year]")["value"] == "twenty twenty-seven"
    assert page.soup.select_one("#opens_on-day")["value"] == "31"
    assert session.scalar(select(func.count()).select_from(SurveyRun)) == 0


# Response rates --------------------------------------------------------------------------------


def invite_many(session, run, team, count: int, submitted: int, prefix: str) -> None:
    tokens = [factories.invitation(session, run, team, name=f"Person {prefix}{i}", email=f"{prefix}{i}@northshire.example")
              for i in range(count)]
    for token in tokens[:submitted]:
        factories.use_link(session, run, token, team)


def test_response_rate_by_team_hides_small_teams(client, session):
    made = signed_in(client, session, Role.ADMIN)
    run = factories.run(session, made)
    invite_many(session, run, factories.team(session, made, "Assessment North"), 6, 3, "north")
    invite_many(session, run, factories.team(session, made, "Children in Care"), 5, 0, "care")
    invite_many(session, run, factories.team(session, made, "Assessment South"), 4, 1, "south")
    # Four responses came through invitations, and one more through the open link.
    session.add_all(Response(run_id=run.id) for _ in range(5))
    session.commit()

    page = client.get(f"/manage/runs/{run.id}")
    assert page.status == 200
    # Before a release: links used in the whole council, the same for every reader; nothing about what
    # anyone said, and nothing by team (test_side_channels: readers comparing tables by team).
    assert "Fewer than 5 of 15 invitation links have been used so far." in page.text()
    assert page.soup.find("caption", string="Links used so far, by team") is None
    assert "25%" not in page.text() and "50%" not in page.text(), "a hidden team's rate must not appear anywhere"

    # After the release, the run page shows the release's respondents, as the results pages do.
    factories.release(session, run)
    page = client.get(f"/manage/runs/{run.id}")
    assert "5 people responded, of 15 invited." in page.text()
    assert "invitation links have been used" not in page.text()


# Roles and councils ----------------------------------------------------------------------------


def test_viewers_and_managers_see_results_but_cannot_change_anything(client, session):
    made = factories.council(session)
    run = factories.run(session, made)
    for role in (Role.VIEWER, Role.MANAGER):
        browser = client.another()
        signed_in(browser, session, role, made)
        dashboard = browser.get("/manage/")
        assert dashboard.status == 200, role
        assert links_to(dashboard, run.title, f"/manage/runs/{run.id}"), "the dashboard links to each run"
        assert not has_control(dashboard, "Create a health check or exit interview period"), role
        run_page = browser.get(f"/manage/runs/{run.id}")
        assert run_page.status == 200 and run_page.h1 == run.title, role
        assert not any(has_control(run_page, c) for c in ("Import a staff list", "Create an open link", "Close"))
        token = factories.csrf_token(run_page)

        refused = [
            browser.get("/manage/runs/new"),
            browser.post("/manage/runs/new", {"csrf_token": token, "title": "Sneaky"}),
            browser.get(f"/manage/runs/{run.id}/staff"),
            browser.post(f"/manage/runs/{run.id}/staff", {"csrf_token": token}),
            browser.post(f"/manage/runs/{run.id}/open-link", {"csrf_token": token}),
            browser.get(f"/manage/runs/{run.id}/close"),
            browser.post(f"/manage/runs/{run.id}/close", {"csrf_token": token}),
        ]
        for page in refused:
            assert page.status == 403, (role, page.response.request.path, page.status)
            assert page.h1 == NO_PERMISSION

    session.refresh(run)
    assert run.status == "open" and run.open_link_hash is None
    assert session.scalar(select(func.count()).select_from(SurveyRun)) == 1


def test_another_councils_run_does_not_exist_for_any_role(client, session):
    ours = factories.council(session, "northshire")
    theirs = factories.council(session, "southshire")
    their_run = factories.run(session, theirs)
    missing_id = their_run.id + 1000

    for role in (Role.ADMIN, Role.MANAGER, Role.VIEWER):
        browser = client.another()
        signed_in(browser, session, role, ours)
        page = browser.get(f"/manage/runs/{their_run.id}")
        assert page.status == 404, role
        assert page.h1 == "Page not found"
        assert their_run.title not in page.html
        # Exactly what a run that does not exist at all looks like.
        assert page.text() == browser.get(f"/manage/runs/{missing_id}").text()
        assert their_run.title not in browser.get("/manage/").text()

        if role is Role.ADMIN:
            token = factories.csrf_token(browser.get("/manage/"))
            for attempt in (browser.get(f"/manage/runs/{their_run.id}/staff"),
                            browser.post(f"/manage/runs/{their_run.id}/staff", {"csrf_token": token}),
                            browser.get(f"/manage/runs/{their_run.id}/close"),
                            browser.post(f"/manage/runs/{their_run.id}/close", {"csrf_token": token}),
                            browser.post(f"/manage/runs/{their_run.id}/open-link", {"csrf_token": token})):
                assert attempt.status == 404, attempt.response.request.path

    session.refresh(their_run)
    assert their_run.status == "open" and their_run.open_link_hash is None


# Closing a run ---------------------------------------------------------------------------------


def test_closing_a_run_deletes_unsubmitted_drafts_and_links_say_closed(client, session):
    made = factories.council(session)
    run = factories.run(session, made)
    started = factories.invitation(session, run, factories.team(session, made, "Assessment North"))
    untouched = factories.invitation(session, run, None)
    respondent = client.another()
    respondent.get(f"/invite/{started}")
    respondent.submit("/survey")
    saved = respondent.submit("/survey/about_you", {"role": "social_worker", "later": "1"})
    assert saved.response.headers["Location"] == "/survey/saved"
    session.add(Response(run_id=run.id))  # someone else's submitted answers are kept
    session.commit()
    assert session.scalar(select(func.count()).select_from(Draft)) == 1

    signed_in(client, session, Role.ADMIN, made)
    confirm = client.get(f"/manage/runs/{run.id}/close")
    assert confirm.status == 200
    assert confirm.h1 == f"Are you sure you want to close {run.title}?"
    assert "will be deleted" in confirm.text()
    assert session.scalar(select(func.count()).select_from(Draft)) == 1, "the confirmation page changes nothing"

    closed = client.post(f"/manage/runs/{run.id}/close", confirm.form_data())
    assert closed.status == 302
    page = client.follow(closed)
    assert f"{run.title} is closed." in page.text()
    assert "1 unfinished set of answers" in page.text()
    assert "Closed" in page.soup.select_one(".govuk-caption-l").get_text()
    assert not has_control(page, "Close") and not has_control(page, "Import a staff list")

    session.refresh(run)
    assert run.status == "closed"
    assert session.scalar(select(func.count()).select_from(Draft)) == 0
    assert session.scalar(select(func.count()).select_from(Response)) == 1

    for token in (started, untouched):
        link = client.another().get(f"/invite/{token}")
        assert link.h1 == "This survey has closed"
    assert respondent.get("/survey/workload").h1 == "This survey has closed", "a respondent mid-way is told too"


# Open links ------------------------------------------------------------------------------------


def test_an_admin_creates_an_open_link_shown_once_that_starts_the_survey(client, session):
    made = signed_in(client, session)
    run = factories.run(session, made)
    run_page = client.get(f"/manage/runs/{run.id}")
    assert has_control(run_page, "Create an open link")

    created = client.post(f"/manage/runs/{run.id}/open-link", {"csrf_token": factories.csrf_token(run_page)})
    assert created.status == 200
    assert created.h1 == "Open link created"
    link = created.soup.select_one("#open-link").get_text(strip=True)
    assert link.startswith("http://localhost/open/")
    token = link.rsplit("/", 1)[1]
    assert len(token) >= 40

    session.refresh(run)
    assert run.open_link_hash == security.open_link_hash(token) and token not in run.open_link_hash
    again = client.get(f"/manage/runs/{run.id}")
    assert token not in again.html, "the link is shown only once"
    assert has_control(again, "Replace the open link")

    respondent = client.another()
    opened = respondent.get(path_of(link))
    assert opened.status == 302 and opened.response.headers["Location"] == "/survey"
    start = respondent.get("/survey")
    assert start.h1 == "Children's social work health check 2026"
    assert has_control(start, "Start now")
    first = respondent.submit("/survey")
    assert first.response.headers["Location"] == "/survey/about_you"
    about = respondent.get("/survey/about_you")
    assert about.soup.select_one("select[name=team]") is not None, "open-link respondents choose their team"

    # Replacing the link stops the old one working.
    client.post(f"/manage/runs/{run.id}/open-link", {"csrf_token": factories.csrf_token(again)})
    assert client.another().get(path_of(link)).h1 == "We do not recognise this link"


# Command line ----------------------------------------------------------------------------------


def test_cli_creates_a_council_and_an_account_that_can_sign_in(app, client, session):
    runner = app.test_cli_runner()
    made = runner.invoke(args=["create-council", "--name", "Westshire County Council", "--slug", "westshire"])
    assert made.exit_code == 0, made.output
    assert "Created Westshire County Council." in made.output

    user = runner.invoke(args=["create-user", "--council", "westshire", "--email", "PSW@Westshire.example",
                               "--name", "Pat Principal", "--role", "admin", "--password", factories.PASSWORD])
    assert user.exit_code == 0, user.output
    assert "Created admin PSW@Westshire.example for Westshire County Council." in user.output
    stored = session.scalar(select(User).where(User.email == "psw@westshire.example"))
    assert stored is not None and stored.role == "admin" and stored.password_hash.startswith("$argon2id$")

    # The password can also be typed at the prompt, twice.
    prompted = runner.invoke(args=["create-user", "--council", "westshire", "--email", "viewer@westshire.example",
                                   "--name", "Vic Viewer", "--role", "viewer"],
                             input=f"{factories.PASSWORD}\n{factories.PASSWORD}\n")
    assert prompted.exit_code == 0, prompted.output

    signed = factories.sign_in(client, "psw@westshire.example", factories.PASSWORD)
    assert signed.status == 302
    assert "Signed in as Pat Principal (admin)" in client.follow(signed).text()


def test_cli_refuses_bad_accounts_with_a_message(app, session):
    runner = app.test_cli_runner()
    factories.council(session, "westshire")

    short = runner.invoke(args=["create-user", "--council", "westshire", "--email", "a@westshire.example",
                                "--name", "A", "--role", "admin", "--password", "short"])
    assert short.exit_code != 0 and "at least 12 characters" in short.output

    nowhere = runner.invoke(args=["create-user", "--council", "nowhere", "--email", "b@westshire.example",
                                  "--name", "B", "--role", "admin", "--password", factories.PASSWORD])
    assert nowhere.exit_code != 0 and "There is no council 'nowhere'" in nowhere.output

    bad_role = runner.invoke(args=["create-user", "--council", "westshire", "--email", "c@westshire.example",
                                   "--name", "C", "--role", "superuser", "--password", factories.PASSWORD])
    assert bad_role.exit_code != 0 and "superuser" in bad_role.output
    assert session.scalar(select(func.count()).select_from(User)) == 0


def test_cli_reports_duplicates_plainly_not_with_a_traceback(app, session):
    runner = app.test_cli_runner()
    factories.council(session, "westshire")
    factories.user(session, session.scalar(select(Council)), Role.ADMIN, "psw@westshire.example")

    council = runner.invoke(args=["create-council", "--name", "Westshire Again", "--slug", "westshire"])
    assert council.exit_code != 0
    assert isinstance(council.exception, SystemExit), f"crashed with {council.exception!r}"
    assert "westshire" in council.output

    user = runner.invoke(args=["create-user", "--council", "westshire", "--email", "PSW@westshire.example",
                               "--name", "Twice", "--role", "viewer", "--password", factories.PASSWORD])
    assert user.exit_code != 0
    assert isinstance(user.exception, SystemExit), f"crashed with {user.exception!r}"
    assert "psw@westshire.example" in user.output.lower()


def test_cli_checks_questionnaire_files(app, tmp_path):
    runner = app.test_cli_runner()
    good = DEFINITIONS / "health-check-2026.yaml"
    ok = runner.invoke(args=["check-questionnaire", str(good)])
    assert ok.exit_code == 0, ok.output
    assert "Children's social work health check 2026" in ok.output and "valid" in ok.output

    data = yaml.safe_load(good.read_text(encoding="utf-8"))
    data["sections"][0]["questions"][0]["type"] = "favourite_colour"
    bad = tmp_path / "broken-health-check.yaml"
    bad.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    refused = runner.invoke(args=["check-questionnaire", str(bad)])
    assert refused.exit_code != 0
    assert isinstance(refused.exception, SystemExit), f"crashed with {refused.exception!r}"
    assert str(bad) in refused.output
    assert "sections[0].questions[0]" in refused.output
    assert "favourite_colour" in refused.output
    assert "Traceback" not in refused.output

    broken_yaml = tmp_path / "not-yaml.yaml"
    broken_yaml.write_text("key: test\nsections: [\n  - id: x\n", encoding="utf-8")
    syntax = runner.invoke(args=["check-questionnaire", str(broken_yaml)])
    assert syntax.exit_code != 0 and str(broken_yaml) in syntax.output and "line " in syntax.output

    absent = runner.invoke(args=["check-questionnaire", str(tmp_path / "absent.yaml")])
    assert absent.exit_code != 0 and "absent.yaml" in absent.output


# Configuration and errors ----------------------------------------------------------------------


def test_production_refuses_to_start_without_a_real_secret_key(monkeypatch, tmp_path: Path):
    for name in ("SURVEYAPP_ENV", "SECRET_KEY", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    url = f"sqlite:///{tmp_path / 'production.db'}"
    for secret in ("", DEV_SECRET, "too-short-to-be-a-real-secret"):
        with pytest.raises(ConfigError, match="SECRET_KEY"):
            create_app({"ENV_NAME": "production", "SECRET_KEY": secret, "DATABASE_URL": url})
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()  # nothing in the environment: production, no secret

    monkeypatch.setenv("SECRET_KEY", secrets.token_hex(32))
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        create_app()

    monkeypatch.setenv("DATABASE_URL", "postgres://surveyapp@db.internal/surveyapp")
    started = create_app()
    assert started.config["ENV_NAME"] == "production"
    assert started.config["DATABASE_URL"] == "postgresql+psycopg://surveyapp@db.internal/surveyapp"
    started.extensions["surveyapp.engine"].dispose()


def test_database_urls_use_psycopg_3():
    assert sqlalchemy_url("postgres://user:pw@host:5432/db") == "postgresql+psycopg://user:pw@host:5432/db"
    assert sqlalchemy_url("postgresql://host/db") == "postgresql+psycopg://host/db"
    assert sqlalchemy_url("postgresql+psycopg://host/db") == "postgresql+psycopg://host/db"
    assert sqlalchemy_url("sqlite:///instance/surveyapp.db") == "sqlite:///instance/surveyapp.db"


def test_an_unexpected_error_gets_an_honest_page_without_a_traceback(app, client, caplog):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def broken() -> str:
        raise RuntimeError("connection to db.internal failed: password hunter2")

    app.add_url_rule("/broken-for-test", "broken_for_test", broken)
    page = client.get("/broken-for-test")
    assert page.status == 500
    assert page.h1 == "Sorry, there is a problem with the service"
    assert page.title.startswith("Sorry, there is a problem with the service")
    for secret in ("Traceback", "RuntimeError", "hunter2", "db.internal", 'File "'):
        assert secret not in page.html
    assert "Unhandled error" in caplog.text and "hunter2" in caplog.text, "the error is logged for us instead"


def test_an_unknown_address_gets_the_page_not_found_page(client):
    page = client.get("/manage/no-such-page")
    assert page.status == 404 and page.h1 == "Page not found"


def test_cli_release_is_in_the_audit_log_made_or_refused(app, session):
    runner = app.test_cli_runner()
    made = factories.council(session)
    survey_run = factories.run(session, made)
    factories.agreement_responses(session, survey_run, factories.team(session, made, "Assessment North"), 4, 3)
    first = runner.invoke(args=["release", str(survey_run.id)])
    assert first.exit_code == 0 and "release 1 done" in first.output, first.output
    factories.agreement_responses(session, survey_run, factories.team(session, made, "Children in Care"), 2, 0)
    refused = runner.invoke(args=["release", str(survey_run.id)])
    assert refused.exit_code != 0 and "Only 2 new responses" in refused.output
    session.expire_all()
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "release_requested")
                             .order_by(AuditEvent.id)).all()
    assert [(e.actor, e.run_id, e.council_id, e.detail) for e in events] == [
        ("system", survey_run.id, made.id, {"kind": "interim", "via": "flask release"}),
        ("system", survey_run.id, made.id, {"kind": "interim", "via": "flask release",
                                                  "refused": "only 2 new responses"})]
