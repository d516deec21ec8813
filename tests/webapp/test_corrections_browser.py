"""Correcting themes in a real browser (Debian's chromium, Playwright): the principal social worker reads a
theme's comments, makes a mistake and is told, moves a comment to two themes and splits a theme, by clicking;
every page passes axe-core and nothing is blocked by the Content-Security-Policy (no inline script).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect, sync_playwright
from . import tls

from surveyapp import create_app, db
from surveyapp.cli import upgrade
from surveyapp.models import Role

from . import factories
from .conftest import SECRET
from .test_browser import CHROMIUM, CHROMIUM_ARGS, audit
from .test_browser_csp import WATCH_VIOLATIONS, assert_no_violations, watch_console
from .test_themes import Q, analysed

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, str, int, str]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('corrections') / 'browser.db'}"
    upgrade(url)
    app = create_app({"ENV_NAME": "testing", "DATABASE_URL": url, "SECRET_KEY": SECRET})
    http = tls.live_server(app)
    with app.app_context():
        session = db.session()
        made = factories.council(session)
        run = factories.run(session, made)
        north = factories.team(session, made, "Assessment North")
        analysed(session, run, [(north, "pay")] * 8 + [(north, "systems")] * 6)
        email = factories.user(session, made, Role.ADMIN)
        run_id = run.id
    thread = threading.Thread(target=http.serve_forever, name="corrections-browser-server", daemon=True)
    thread.start()
    yield app, tls.base_url(http), run_id, email
    http.shutdown()
    thread.join(timeout=10)
    app.extensions["surveyapp.engine"].dispose()


@pytest.fixture
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def signed_in(browser: Browser, base: str, email: str, **options) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, **options)
    context.set_default_timeout(30_000)
    context.add_init_script(WATCH_VIOLATIONS)
    page = context.new_page()
    page.goto(f"{base}/manage/sign-in")
    page.get_by_role("textbox", name="Email address").fill(email)
    page.get_by_role("textbox", name="Password", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    return page


def test_the_psw_corrects_themes_by_clicking(server, browser: Browser):
    _, base, run_id, email = server
    page = signed_in(browser, base, email)
    console = watch_console(page)
    page.goto(f"{base}/manage/runs/{run_id}/themes/{Q}")
    page.get_by_role("link", name="Correct the themes").click()
    expect(page.locator("h1")).to_have_text("Correct the themes")
    page.get_by_role("link", name="Pay", exact=True).click()
    cards = page.locator(".govuk-summary-card")
    expect(cards).to_have_count(8)
    cards.filter(has_text="comment 0 on pay").get_by_role("link", name=re.compile("^Move")).click()
    expect(page.locator("h1")).to_have_text("Move a comment")
    page.get_by_role("radio", name="Systems").check()
    page.get_by_role("checkbox", name="Pay").check()
    page.get_by_role("button", name="Move the comment").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Comment moved")
    moved = page.locator(".govuk-summary-card", has_text="comment 0 on pay")
    expect(moved).to_contain_text("Moved by the PSW")
    expect(moved).to_contain_text("Systems (main theme), Pay")  # still on Pay's list: it raises pay second

    page.get_by_role("link", name="Split this theme").click()
    page.get_by_role("button", name="Split the theme").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a name for the theme")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose the comments that go to the new theme")
    page.get_by_role("textbox", name="Name of the new theme").fill("Agency pay")
    for i in (1, 2, 3):
        page.get_by_role("checkbox", name=f"comment {i} on pay").check()
    page.get_by_role("button", name="Split the theme").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("New theme “Agency pay”")
    expect(page.locator("main")).to_contain_text("Comments raising “Agency pay”")
    expect(page.locator(".govuk-summary-card")).to_have_count(3)
    assert_no_violations(page, console)
    page.context.close()

    # axe is injected as a script the policy would refuse: a browser of its own that bypasses it.
    checker = signed_in(browser, base, email, bypass_csp=True)
    corrections = f"{base}/manage/runs/{run_id}/themes/{Q}/corrections"
    for url, what in ((f"{corrections}/?theme=pay", "the corrections page"),
                      (f"{corrections}/rename", "rename a theme"), (f"{corrections}/merge", "merge two themes"),
                      (f"{corrections}/split?theme=systems", "split a theme")):
        checker.goto(url)
        audit(checker, what)
    checker.goto(f"{corrections}/merge")
    checker.get_by_role("button", name="Merge the themes").click()
    expect(checker.locator(".govuk-error-summary")).to_contain_text("Choose the theme to merge")
    audit(checker, "merge two themes, with errors")
