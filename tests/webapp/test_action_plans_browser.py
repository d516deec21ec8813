"""The action plan in a real browser (Debian's chromium), on the demo council, with axe-core on every plan page.

The admin drafts a plan from this year's released health check, edits a row, gives a commitment an owner
and a due date, approves and publishes it; a member of staff, not signed in, reads it on a 390 px screen;
a progress update changes a status and the public page shows it. Last year's demo plan was followed up in
this year's run, so "You said, we did" shows each of its commitments with what staff answered.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from surveyapp.demo import loader

from .test_browser import browser, page, server  # noqa: F401  (the same server and browser fixtures)

pytestmark = pytest.mark.browser
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def no_accessibility_violations(tab: Page) -> None:
    tab.add_script_tag(path=str(AXE))
    found = tab.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_22_AA)
    problems = [f"{v['id']}: {v['help']} ({', '.join(n['target'][0] for n in v['nodes'][:3])})"
                for v in found["violations"]]
    assert problems == [], f"{tab.url}: {problems}"


def sign_in(tab: Page, base_url: str) -> None:
    tab.goto(f"{base_url}/manage/sign-in")
    tab.get_by_role("textbox", name="Email address").fill(loader.ADMIN_EMAIL)
    tab.get_by_role("textbox", name="Password", exact=True).fill(loader.ADMIN_PASSWORD)
    tab.get_by_role("button", name="Sign in").click()


def test_the_admin_drafts_and_publishes_a_plan_and_staff_read_it_on_a_phone(server, page: Page, browser: Browser):  # noqa: F811
    sign_in(page, server.base_url)
    title = f"Social work health check {dt.date.today().year}"
    page.get_by_role("link", name=title).click()
    page.get_by_role("link", name="Action plan").click()
    expect(page.locator("h1")).to_have_text("Action plan")
    no_accessibility_violations(page)
    page.get_by_role("button", name="Draft a plan from the results").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("A draft plan has been made")
    said = page.locator("[id^=row-][id$=-said]").first
    expect(said).to_contain_text(re.compile(r"\(\d+%\) told us"))
    no_accessibility_violations(page)

    page.get_by_role("link", name="Edit row 1").click()
    no_accessibility_violations(page)
    page.get_by_role("textbox", name="You said").fill("More than half of you told us your caseload is too high.")
    page.get_by_role("button", name="Save").click()
    expect(said).to_have_text("More than half of you told us your caseload is too high.")

    page.get_by_role("link", name=re.compile("^Edit “")).first.click()
    page.get_by_role("textbox", name="Owner").fill("Head of Service, Referral and Assessment")
    page.get_by_role("textbox", name="Day").fill("31")
    page.get_by_role("textbox", name="Month").fill("3")
    page.get_by_role("textbox", name="Year").fill(str(dt.date.today().year + 1))
    no_accessibility_violations(page)
    page.get_by_role("button", name="Save").click()
    expect(page.locator("main")).to_contain_text("Owner: Head of Service, Referral and Assessment.")

    page.get_by_role("button", name="Approve this plan").click()
    page.get_by_role("button", name="Publish to staff").click()
    address = page.locator("main a", has_text="/plans/demo/").first.inner_text()

    # A member of staff, not signed in, on a phone.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  bypass_csp=True)  # axe is injected as a <script>: the CSP would refuse it
    staff = phone.new_page()
    try:
        staff.goto(address)
        expect(staff.locator("h1")).to_have_text(f"Action plan: {title}")
        main = staff.locator("main")
        expect(main).to_contain_text("More than half of you told us your caseload is too high.")
        expect(main).to_contain_text("Owner: Head of Service, Referral and Assessment.")
        expect(main).to_contain_text("Not started")
        width = staff.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the plan scrolls sideways on a phone ({width}px wide)"
        # Last year's plan, followed up in this year's run.
        expect(main).to_contain_text("You said, we did: last year’s plan")
        for status in ("Done", "On track", "At risk", "Off track"):
            expect(main.locator(".govuk-summary-card .govuk-tag", has_text=status).first).to_be_visible()
        answers = main.locator(".govuk-summary-list__row", has_text="Have you seen action?")
        assert answers.count() == 5
        for row in answers.all():
            assert re.search(r"(\d+% agree that they have seen action on it|Hidden)", row.inner_text()), row.inner_text()
        no_accessibility_violations(staff)

        # A progress update changes a status; the public page shows it.
        page.get_by_role("link", name=re.compile("^Record progress")).first.click()
        no_accessibility_violations(page)
        page.get_by_label("At risk").check()
        page.get_by_role("button", name="Save progress").click()
        expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the reason for the change of status")
        page.get_by_role("textbox", name="What has happened").fill("Two vacancies in the front door team.")
        page.get_by_role("button", name="Save progress").click()
        staff.reload()
        expect(staff.locator("main")).to_contain_text("At risk")
        expect(staff.locator("main")).to_contain_text("Two vacancies in the front door team.")
        page.get_by_role("link", name="History and versions").click()
        expect(page.locator("main")).to_contain_text("Not started to At risk")
        no_accessibility_violations(page)
        staff.goto(f"{server.base_url}/plans/demo")
        expect(staff.locator("h1")).to_have_text(f"Action plan: {title}")  # the council's current plan
    finally:
        phone.close()
