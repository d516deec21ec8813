"""The moderation queue in a real browser (Debian's chromium, Playwright): the principal social worker approves,
edits and withholds quotes, releases, and the themes page shows exactly what was approved or edited.

A server of its own on a small council (the demo's release takes minutes), as tests/webapp/test_browser.py
serves the demo: one server, one browser, one test.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Page, expect, sync_playwright
from . import tls

from surveyapp import create_app, db
from surveyapp.cli import upgrade
from surveyapp.models import Role

from . import factories
from .conftest import SECRET
from .test_browser import CHROMIUM, CHROMIUM_ARGS
from .test_moderation import CASELOAD, PAY, Q, moderated_council

pytestmark = pytest.mark.browser
EDITED = "Overtime goes unpaid, ask Jo Bloggs on 07700 900456."


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, str, int, str]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('moderation') / 'browser.db'}"
    upgrade(url)
    app = create_app({"ENV_NAME": "testing", "DATABASE_URL": url, "SECRET_KEY": SECRET})
    http = tls.live_server(app)
    base_url = tls.base_url(http)
    with app.app_context():
        session = db.session()
        made, run, teams, _ = moderated_council(session)
        factories.invitation(session, run, teams[0], name="Jo Bloggs")
        email = factories.user(session, made, Role.ADMIN)
        run_id = run.id
    thread = threading.Thread(target=http.serve_forever, name="moderation-browser-server", daemon=True)
    thread.start()
    yield app, base_url, run_id, email
    http.shutdown()
    thread.join(timeout=10)
    app.extensions["surveyapp.engine"].dispose()


@pytest.fixture
def page() -> Iterator[Page]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(30_000)
        yield context.new_page()
        browser.close()


def quote(page: Page, text: str):
    return page.locator("section.app-moderation-quote", has_text=text)


def test_the_psw_moderates_quotes_and_the_release_shows_exactly_those_approved(server, page: Page):
    _, base_url, run_id, email = server
    page.goto(f"{base_url}/manage/sign-in")
    page.get_by_role("textbox", name="Email address").fill(email)
    page.get_by_role("textbox", name="Password", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name=re.compile(r"health check .*\(northshire\)")).click()
    page.get_by_role("link", name="Moderate quotes and safeguarding concerns").click()
    expect(page.locator("h1")).to_have_text("Moderation")
    expect(page.locator("section.app-moderation-quote")).to_have_count(6)
    expect(quote(page, PAY[0])).to_contain_text("Why it was chosen: In the theme “Pay” (12 comments)")

    quote(page, PAY[0]).get_by_role("button", name=re.compile("^Approve")).click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Quote approved")
    expect(quote(page, PAY[0])).to_contain_text("Approved by Admin User")

    quote(page, PAY[1]).get_by_role("link", name=re.compile("^Edit")).click()
    expect(page.locator("h1")).to_have_text("Edit a quote")
    box = page.get_by_role("textbox", name="Text to release")
    expect(box).to_have_value(PAY[1])
    box.fill("")
    page.get_by_role("button", name="Save and release this text").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the text to release")
    page.get_by_role("textbox", name="Text to release").fill(EDITED)
    page.get_by_role("button", name="Save and release this text").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Edit saved")
    released = "Overtime goes unpaid, ask [NAME] on [PHONE]."  # redacted again: a staff name and a number
    expect(quote(page, PAY[1])).to_contain_text(f"Released as: “{released}”")

    quote(page, PAY[2]).get_by_role("button", name=re.compile("^Withhold")).click()
    expect(quote(page, PAY[2])).to_contain_text("Withheld by Admin User")
    expect(page.locator("main")).to_contain_text("6 quotes: 1 approved, 1 edited, 1 withheld, 3 not yet decided")

    page.get_by_role("link", name=re.compile("^Back to ")).click()
    page.get_by_role("button", name="Publish an interim release").click()
    started = time.monotonic()
    while "(interim release 1)" not in page.locator("main").inner_text():
        assert "could not be made" not in page.locator("main").inner_text()
        assert time.monotonic() - started < 120, "the release took more than 2 minutes"
        page.wait_for_timeout(1000)
        page.reload()

    page.get_by_role("link", name="Themes in comments").click()
    page.get_by_role("link", name="What one thing would make the biggest difference to you?").click()
    main = page.locator("main")
    expect(main).to_contain_text("Showing Northshire Council")
    assert [q.strip() for q in page.locator("blockquote").all_inner_texts()] == [PAY[0], released]
    for never in (PAY[1], PAY[2], *CASELOAD, "07700", "Bloggs", "cruel"):
        expect(main).not_to_contain_text(never)
    themes = page.get_by_role("table", name="Themes", exact=True)
    expect(themes.locator("tbody tr", has_text="Pay").locator("td").nth(3)).to_have_text("pay, agency, overtime")
    assert page.url.endswith(f"/manage/runs/{run_id}/themes/{Q}")
