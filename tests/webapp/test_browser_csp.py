"""The Content-Security-Policy in a real browser: pages still work, and nothing they hold is blocked.

A small council on a fresh SQLite file (not the demo: no release is needed). Chromium reports
every blocked inline script, style or outside source as a console error and a
`securitypolicyviolation` event; both are collected on a respondent page and a manager page.
"""

from __future__ import annotations

import re

import threading
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from . import tls

from surveyapp import create_app, db
from surveyapp.cli import upgrade
from surveyapp.models import Role

from . import factories
from .conftest import SECRET
from .test_browser import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.browser

WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation',
    e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('csp') / 'csp.db'}"
    upgrade(url)
    app = create_app({"ENV_NAME": "testing", "DATABASE_URL": url, "SECRET_KEY": SECRET})
    http = tls.live_server(app)
    base = tls.base_url(http)
    with app.app_context():
        session = db.session()
        made = factories.council(session)
        run = factories.run(session, made)
        token = factories.invitation(session, run, factories.team(session, made, "Assessment North"))
        email = factories.user(session, made, Role.ADMIN)
        run_id = run.id
        report = _written_report(session, made)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield {"base": base, "invite": f"{base}/invite/{token}", "email": email, "run": f"{base}/manage/runs/{run_id}",
           "report": f"{base}{report}"}
    http.shutdown()
    thread.join(timeout=10)
    app.extensions["surveyapp.engine"].dispose()


@pytest.fixture
def page() -> Iterator[Page]:
    with sync_playwright() as playwright:
        browser: Browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context()
        context.set_default_timeout(30_000)
        context.add_init_script(WATCH_VIOLATIONS)
        yield context.new_page()
        browser.close()


def watch_console(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    return errors


def assert_no_violations(page: Page, console: list[str]) -> None:
    assert page.evaluate("window.__violations") == []
    blocked = [m for m in console if "Content Security Policy" in m or "Content-Security-Policy" in m]
    assert blocked == [], blocked


def assert_govuk_frontend_ran(page: Page) -> None:
    """GOV.UK Frontend's scripts ran: they mark the body. Waits for them (a URL that matches can come before
    the page's modules have run), up to the context's timeout, and fails if they never do."""
    body = page.locator("body")
    expect(body).to_have_class(re.compile(r"\bjs-enabled\b"))
    expect(body).to_have_class(re.compile(r"\bgovuk-frontend-supported\b"))


def test_a_respondent_page_works_under_the_policy(site, page: Page):
    console = watch_console(page)
    page.goto(site["invite"])
    expect(page.locator("h1")).to_contain_text("health check")
    page.get_by_role("button", name="Start now").click()
    expect(page).to_have_url(f"{site['base']}/survey/about_you")
    assert_govuk_frontend_ran(page)
    page.goto(f"{site['base']}/survey/your_comments")
    # The character count is GOV.UK Frontend's JavaScript: it runs only if the module loaded.
    expect(page.locator(".govuk-character-count__status").first).to_contain_text("characters remaining")
    assert_no_violations(page, console)


def sign_in(page: Page, site: dict[str, str]) -> None:
    page.goto(f"{site['base']}/manage/sign-in")
    page.get_by_label("Email address").fill(site["email"])
    page.get_by_role("textbox", name="Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{site['base']}/manage/")


def test_a_manager_page_works_under_the_policy(site, page: Page):
    console = watch_console(page)
    sign_in(page, site)
    page.goto(site["run"])
    expect(page.locator("h1")).to_be_visible()
    assert_govuk_frontend_ran(page)
    assert_no_violations(page, console)


def _written_report(session, made) -> str:
    """A released health check with its committee report written as a web page, as the worker stores it;
    returns the report's address in the app."""
    import datetime as dt

    from surveyapp.models import ReportJob
    from surveyapp.reports import render

    run = factories.run(session, made)
    factories.agreement_responses(session, run, factories.team(session, made, "Assessment North"), agree=8, disagree=6)
    factories.release(session, run)
    filename, content = render.make(session, run, "html")
    job = ReportJob(run_id=run.id, format="html", status="done", requested_by="test", filename=filename,
                    requested_at=dt.datetime.now(), finished_at=dt.datetime.now(), content=content)
    session.add(job)
    session.commit()
    return f"/manage/runs/{run.id}/report/{job.id}"


def test_the_committee_report_opened_from_the_app_shows_its_styles_and_charts(site, page: Page):
    """The report is one self-contained file (its styles inline, its charts as data: images, so it also
    opens from disk or an email): the app serves it under a policy of its own that allows exactly that."""
    console = watch_console(page)
    sign_in(page, site)
    response = page.goto(site["report"])
    assert response is not None and response.status == 200
    assert response.headers["content-type"].count("charset") == 1, response.headers["content-type"]
    charts = page.locator("img")
    assert charts.count() > 0
    assert all(page.evaluate("i => i.complete && i.naturalWidth > 0", charts.nth(i).element_handle())
               for i in range(charts.count())), "every chart is drawn"
    body_font = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "Times" not in body_font, f"the report's own styles apply: {body_font}"
    assert_no_violations(page, console)
    policy = response.headers["content-security-policy"]
    assert "script-src 'none'" in policy and "frame-ancestors 'none'" in policy
