"""The real app in a real browser: Debian's chromium driven by Playwright, on the demo council.

One server (on a fresh SQLite file) and one browser serve the whole module; each test has its
own browser context, so its own cookies. The demo's runs are released once, as `flask demo` does,
before the server starts: managers read releases, never live counts.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Browser, Page, Request, expect, sync_playwright
from . import tls

from surveyapp import create_app, db
from surveyapp.cli import _demo_releases, upgrade
from surveyapp.demo import loader
from surveyapp.disclosure import release
from surveyapp.models import Council, ServiceArea, SurveyRun, Team

from .attacker import respond
from .conftest import SECRET

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 # the live servers speak TLS with a throwaway certificate (tls.py), as production does
                 "--ignore-certificate-errors"]
COMMENT = "Smaller caseloads, and time to see the children we work with."
RELEASE_TIMEOUT = 8 * 60  # seconds: a release of the demo health check audits about 16,000 figures
# axe-core from npm (package.json, `npm ci`); AXE_CORE_JS may point at another copy of the same file.
AXE = Path(os.environ.get("AXE_CORE_JS", Path(__file__).parents[2] / "node_modules/axe-core/axe.min.js"))
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# Best-practice rules left failing on purpose, each with its reason. None yet: keep it that way, or say why here.
ACCEPTED_BEST_PRACTICE: dict[str, str] = {}
WIDTHS = (390, 1280)  # a phone and a desktop


@dataclass(frozen=True)
class Server:
    app: Flask
    base_url: str

    def links(self) -> loader.DemoLinks:
        with self.app.app_context():
            return loader.links(db.session(), self.base_url)

    def health_check(self) -> int:
        """This year's demo health check (open)."""
        with self.app.app_context():
            return db.session().scalar(sa.select(SurveyRun.id).join(Council).where(
                Council.slug == loader.SLUG, SurveyRun.status == "open",
                SurveyRun.year == dt.date.today().year, SurveyRun.title.like("Social work health check%")))

    def responses_enough_for_a_release(self, run_id: int) -> None:
        """Others answer meanwhile: tops up the responses since the last release to at least 5 (a release
        is refused while 1 to 4 people have responded since the last one, and tests before this one add some)."""
        with self.app.app_context():
            session = db.session()
            run = session.get(SurveyRun, run_id)
            new = release.new_since_last(session, run)
            if 0 < new < 5:
                team = session.scalar(sa.select(Team).join(ServiceArea).where(
                    ServiceArea.council_id == run.council_id, ServiceArea.name == "Referral and Assessment"))
                for _ in range(5 - new):
                    respond(session, run, team, caseload_manageable="disagree", biggest_difference=COMMENT)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{folder / 'browser.db'}"
    upgrade(url)
    # As `make run`: jobs wait in an SQLite queue and a `flask worker` process beside the server does them.
    queue = {"QUEUE_BACKEND": "sqlite", "QUEUE_SQLITE_PATH": str(folder / "queue.db")}
    app = create_app({"ENV_NAME": "testing", "DATABASE_URL": url, "SECRET_KEY": SECRET, **queue})
    http = tls.live_server(app)
    base_url = tls.base_url(http)
    app.config["BASE_URL"] = base_url
    with app.app_context():
        loader.load(db.session())
        _demo_releases()  # as `flask demo` does: every demo run released once
    thread = threading.Thread(target=http.serve_forever, name="browser-test-server", daemon=True)
    thread.start()
    env = {**os.environ, "SURVEYAPP_ENV": "testing", "DATABASE_URL": url, "SECRET_KEY": SECRET,
           "BASE_URL": base_url, **queue}
    with (folder / "worker.log").open("wb") as log:
        worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker"], env=env,
                                  cwd=Path(__file__).resolve().parents[2], stdout=log, stderr=subprocess.STDOUT)
    yield Server(app, base_url)
    worker.terminate()
    worker.wait(timeout=30)
    http.shutdown()
    thread.join(timeout=10)
    app.extensions["surveyapp.engine"].dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    # bypass_csp: axe is injected as a <script>, which the app's Content-Security-Policy would refuse.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    context.set_default_timeout(30_000)  # generous: CI runs other tests beside it
    opened = context.new_page()
    yield opened
    context.close()


def answer_this_page(page: Page, children_allocated: str = "18") -> None:
    """Answer every question on a page by tapping and typing, as a person would. The page is loaded first
    (a URL that matches can belong to a document still arriving, whose radios a tap would miss), and each
    tap is checked to have ticked its box (Playwright's check() fails if it did not)."""
    page.wait_for_load_state("load")
    for group in page.locator(".govuk-radios").all():
        group.locator("label.govuk-radios__label").first.check()
    for group in page.locator(".govuk-checkboxes").all():
        group.locator("label.govuk-checkboxes__label").first.check()
    for select in page.locator("main select").all():
        if not select.input_value():
            select.select_option(index=1)
    for box in page.locator("main input.govuk-input").all():
        name, box_id = box.get_attribute("name"), box.get_attribute("id") or ""
        if box_id.endswith("-month"):
            box.fill("9")
        elif box_id.endswith("-year"):
            box.fill(str(dt.date.today().year))
        else:
            box.fill(children_allocated if name == "children_allocated" else "4")
    for text in page.locator("main textarea").all():
        text.fill(COMMENT)


def walk_to_check_your_answers(page: Page) -> list[str]:
    """Click through every page of the questionnaire; returns the headings seen."""
    headings = []
    for _ in range(30):
        if page.url.endswith("/survey/check"):
            return headings
        assert re.search(r"/survey/[a-z_]+$", page.url), page.url
        headings.append(page.locator("h1").inner_text())
        answer_this_page(page)
        with page.expect_navigation():
            page.get_by_role("button", name="Save and continue").click()
        errors = page.locator(".govuk-error-summary")
        assert errors.count() == 0, f"{headings[-1]}: {errors.first.inner_text()}"
    raise AssertionError(f"the questionnaire does not end: {headings}")


def audit(page: Page, what: str) -> None:
    """axe-core on the page as it is now, at phone and desktop widths: no WCAG 2.2 A or AA violation, no
    best-practice one without a reason above, and no sideways scrolling of the page itself."""
    assert AXE.is_file(), f"{AXE} is missing: run `npm ci` (axe-core is in package.json)"
    size = page.viewport_size
    problems = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.add_script_tag(path=str(AXE))
        found = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, "
                              "resultTypes: ['violations']})", WCAG + ["best-practice"])
        for v in found["violations"]:
            if v["id"] in ACCEPTED_BEST_PRACTICE and not set(v["tags"]) & set(WCAG):
                continue
            where = "; ".join(" ".join(n["target"]) for n in v["nodes"][:3])
            problems.append(f"{what} at {width}px: {v['id']} ({v['impact']}): {v['help']}: {where}")
        wide = page.evaluate("document.documentElement.scrollWidth")
        if wide > width:
            problems.append(f"{what} at {width}px: the page scrolls sideways ({wide}px wide)")
    if size:
        page.set_viewport_size(size)
    assert not problems, "\n".join(problems)


def assert_prints_on_a4(page: Page, what: str) -> None:
    """Printed on A4 portrait (186 mm between 12 mm margins, about 703 CSS pixels): no table loses columns."""
    size = page.viewport_size
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 703, "height": 1000})
    try:
        cut = page.evaluate("""() => [...document.querySelectorAll('main table')]
            .filter(t => t.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
            .map(t => (t.caption ? t.caption.textContent.trim() : 'a table') + ' ' + Math.round(t.getBoundingClientRect().right))""")
        assert not cut, f"{what}: printed on A4, these tables lose columns: {cut}"
    finally:
        page.emulate_media(media="screen")
        if size:
            page.set_viewport_size(size)


def assert_png(path: Path) -> None:
    data = path.read_bytes()
    assert len(data) > 1000 and data.startswith(b"\x89PNG\r\n\x1a\n"), path


def test_a_respondent_answers_the_health_check_by_clicking(server: Server, page: Page, tmp_path: Path):
    link = server.links().respondent
    assert link, "the demo has an unused respondent link"
    token = link.rsplit("/", 1)[1]
    requests: list[Request] = []
    page.on("request", lambda request: requests.append(request))  # noqa: PLW0108 (playwright cannot wrap a builtin)
    addresses: list[str] = []
    page.on("framenavigated", lambda frame: addresses.append(frame.url) if frame == page.main_frame else None)

    page.goto(link)
    assert page.url == f"{server.base_url}/survey", "the link's token is swapped for a session at once"
    expect(page.locator("h1")).to_have_text("Children's social work health check 2026")
    expect(page.get_by_role("heading", name="Your answers are anonymous")).to_be_visible()
    audit(page, "a respondent's start page")
    page.get_by_role("button", name="Start now").click()
    expect(page).to_have_url(re.compile(r"/survey/about_you$"))
    audit(page, "a page of questions")

    headings = walk_to_check_your_answers(page)
    assert headings[:3] == ["About you", "Workload and caseload", "Supervision"]
    expect(page.locator("h1")).to_have_text("Check your answers before you submit them")
    main = page.locator("main")
    expect(main).to_contain_text("18 children")
    expect(main).to_contain_text(COMMENT)
    audit(page, "check your answers")
    check_shot = tmp_path / "check-your-answers.png"
    page.screenshot(path=str(check_shot), full_page=True)

    page.get_by_role("button", name="Submit").click()
    expect(page.locator(".govuk-panel__title")).to_have_text("Thank you: your answers have been submitted")
    assert page.url == f"{server.base_url}/survey/done"
    audit(page, "the confirmation")
    done_shot = tmp_path / "confirmation.png"
    page.screenshot(path=str(done_shot), full_page=True)
    assert_png(check_shot)
    assert_png(done_shot)

    assert requests[0].url == link
    for request in requests[1:]:
        assert token not in request.url, request.url
        assert token not in request.all_headers().get("referer", ""), f"{request.url} was sent the link as referer"
    assert addresses and all(token not in address for address in addresses), addresses

    # Back, after submitting: a page that says the session has ended (not its markup as text).
    page.go_back()
    expect(page.locator("h1")).to_have_text("Your session has ended")
    audit(page, "a respondent's notice")

    # The link has done its job.
    page.goto(link)
    expect(page.locator("h1")).to_have_text("You have already submitted your answers")


def test_a_mistake_on_a_phone_is_explained_and_kept(server: Server, browser: Browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  bypass_csp=True)
    context.set_default_timeout(30_000)  # generous: CI runs other tests beside it
    page = context.new_page()
    try:
        page.goto(server.links().respondent)
        page.get_by_role("button", name=re.compile("Start now|Continue where you left off")).click()
        expect(page).to_have_url(re.compile(r"/survey/about_you$"))
        answer_this_page(page)
        page.get_by_role("button", name="Save and continue").click()
        expect(page).to_have_url(re.compile(r"/survey/workload$"))

        answer_this_page(page, children_allocated="lots")
        with page.expect_navigation():
            page.get_by_role("button", name="Save and continue").click()
        assert page.url.endswith("/survey/workload"), "the page is shown again, not saved"
        assert page.title().startswith("Error: ")
        summary = page.locator(".govuk-error-summary")
        expect(summary).to_be_visible()
        expect(summary).to_be_focused()  # GOV.UK Frontend moves focus to the summary
        problem = summary.get_by_role("link", name="Enter a whole number, like 12")
        expect(problem).to_be_visible()
        problem.click()
        box = page.locator("#children_allocated")
        expect(box).to_be_focused()
        expect(box).to_have_value("lots")
        expect(page.locator("#children_allocated-error")).to_contain_text("Enter a whole number, like 12")
        audit(page, "a page of questions with a mistake")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page scrolls sideways on a phone ({width}px wide)"
        box.fill("12")
        page.get_by_role("button", name="Save and come back later").click()
        expect(page).to_have_url(re.compile(r"/survey/saved$"))
        audit(page, "saved to come back later")
    finally:
        context.close()


def test_a_leaver_walks_through_the_exit_interview(server: Server, page: Page):
    link = server.links().leaver
    assert link, "the demo has an unused leaver link"
    page.goto(link)
    expect(page.locator("h1")).to_have_text("Children's social work exit interview 2026")
    audit(page, "a leaver's start page")
    page.get_by_role("button", name="Start now").click()
    headings = walk_to_check_your_answers(page)
    assert len(headings) >= 4, headings
    expect(page.locator("h1")).to_have_text("Check your answers before you submit them")
    page.get_by_role("button", name="Submit").click()
    expect(page.locator(".govuk-panel__title")).to_have_text("Thank you: your answers have been submitted")
    expect(page.locator("main")).to_contain_text("why social workers leave")


def test_the_demo_manager_signs_in_and_sees_response_rates(server: Server, page: Page):
    page.goto(f"{server.base_url}/manage/")
    assert "/manage/sign-in" in page.url, "signed-out managers are sent to sign in"
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Sign in to see this page")
    audit(page, "sign in, asked to")
    page.get_by_role("textbox", name="Email address").fill(loader.ADMIN_EMAIL)
    page.get_by_role("textbox", name="Password", exact=True).fill(loader.ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.locator("h1")).to_have_text("Health checks and exit interviews")
    audit(page, "the dashboard")
    title = f"Social work health check {dt.date.today().year}"
    page.get_by_role("link", name=title).click()
    expect(page.locator("h1")).to_have_text(title)
    audit(page, "a run's page")
    buttons = page.locator("main .govuk-button-group > .govuk-button")
    expect(buttons).to_have_count(4)  # import, remind, open link, close
    tops = {round(b.bounding_box()["y"]) for b in buttons.all()}
    assert len(tops) == 1, f"the run page's buttons are not in one row: {tops}"
    # The run's figures come from its release: the demo's first (interim) release, as `flask demo` made it.
    main = page.locator("main")
    expect(main).to_contain_text(re.compile(r"\(interim release \d+\)"))
    expect(main).to_contain_text(re.compile(rf"Demo Borough Council: \d+ people responded, of {loader.STAFF} invited\."))
    expect(page.get_by_role("button", name="Publish an interim release")).to_be_visible()
    table = page.locator("table", has=page.locator("caption", has_text="Response rate by team"))
    expect(table).to_be_visible()
    rows = table.locator("tbody tr")
    assert rows.count() >= 10
    shown = [row.locator("td").last.inner_text().strip() for row in rows.all()]
    for responded in shown:
        assert responded == "Hidden" or re.fullmatch(r"\d+ \(\d+%\)", responded), responded
    assert "Fewer than 5" not in main.inner_text()

    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("h1")).to_have_text("Sign in")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("You have signed out")
    audit(page, "signed out")


def test_the_demo_manager_reads_results_and_themes_for_their_service(server: Server, page: Page, tmp_path: Path):
    page.goto(f"{server.base_url}/manage/sign-in")
    page.get_by_role("textbox", name="Email address").fill(loader.MANAGER_EMAIL)
    page.get_by_role("textbox", name="Password", exact=True).fill(loader.ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    title = f"Social work health check {dt.date.today().year}"
    page.get_by_role("link", name=title).click()
    expect(page.locator("main")).to_contain_text("Referral and Assessment")
    expect(page.locator("main")).not_to_contain_text("Fostering Support")  # outside this manager's scope

    page.get_by_role("link", name="Results", exact=True).click()
    expect(page.locator("h1")).to_have_text(title)
    expect(page.locator("main")).to_contain_text("Showing Referral and Assessment")
    scores = page.locator("table", has=page.locator("caption", has_text="Share agreeing, by section"))
    expect(scores).to_be_visible()
    expect(scores.locator("thead")).to_contain_text("Change since last year")
    expect(page.locator("main")).not_to_contain_text("Fostering Support")
    audit(page, "results for a service area")
    results_shot = tmp_path / "results.png"
    page.screenshot(path=str(results_shot), full_page=True)
    assert_png(results_shot)
    expect(page.get_by_role("button", name="Print this page or save it as a PDF")).to_be_visible()
    page.emulate_media(media="print")  # the printable view: the report without the service's chrome
    expect(page.locator(".govuk-service-navigation")).to_be_hidden()
    expect(page.locator(".app-report-actions")).to_be_hidden()
    expect(scores).to_be_visible()
    page.emulate_media(media="screen")

    page.get_by_role("link", name="How many children are allocated to you at the moment?").click()
    against = page.locator("table", has=page.locator("caption", has_text="Against the council’s caseload policy"))
    expect(against).to_contain_text("Above the council’s caseload policy of 18 children")
    audit(page, "a number question's results")

    page.go_back()
    page.get_by_role("link", name="Back to " + title).click()
    page.get_by_role("link", name="Themes in comments").click()
    audit(page, "questions with comments")
    page.get_by_role("link", name="What one thing would make the biggest difference to you?").click()
    run_id = server.health_check()
    server.responses_enough_for_a_release(run_id)
    page.get_by_role("button", name="Find themes").click()
    # Wait for the page the button leads to (counting "#progress" on the old page raced the navigation).
    expect(page.locator("#progress").or_(page.get_by_text("A newer analysis has finished."))).to_be_visible()
    audit(page, "themes being found")
    # The analysis runs in the background; the page says to refresh it (it does not reload itself).
    deadline = time.monotonic() + 240
    while page.locator("#progress").count():
        expect(page.locator("#progress")).to_contain_text("Refresh this page to see how it is going")
        assert time.monotonic() < deadline, "the analysis did not finish in 4 minutes"
        page.wait_for_timeout(2000)
        page.reload()
    main = page.locator("main")
    expect(main).not_to_contain_text("failed")
    # Done, but the release managers read was made before it: no themes until the results are released again.
    expect(main).to_contain_text("A newer analysis has finished.")
    expect(main).to_contain_text("The latest release has no themes for this question")
    expect(page.get_by_role("table", name="Themes", exact=True)).to_have_count(0)

    # The principal social worker releases the results again, from the run's page.
    admin = page.context.browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    admin.set_default_timeout(30_000)
    psw = admin.new_page()
    try:
        psw.goto(f"{server.base_url}/manage/sign-in")
        psw.get_by_role("textbox", name="Email address").fill(loader.ADMIN_EMAIL)
        psw.get_by_role("textbox", name="Password", exact=True).fill(loader.ADMIN_PASSWORD)
        psw.get_by_role("button", name="Sign in").click()
        psw.get_by_role("link", name=title).click()
        expect(psw.locator("main")).to_contain_text("(interim release 1)")
        psw.get_by_role("button", name="Publish an interim release").click()
        expect(psw.locator("main")).to_contain_text("The release is being made.")
        started = time.monotonic()
        while not psw.locator("main").inner_text().count("(interim release 2)"):
            refused = psw.locator("main").get_by_text("responded since the last release")
            assert refused.count() == 0, psw.locator("main").inner_text()
            assert time.monotonic() - started < RELEASE_TIMEOUT, "the release took more than 8 minutes"
            psw.wait_for_timeout(5000)
            psw.reload()
        assert "could not be made" not in psw.locator("main").inner_text()
        # The council's themes, as released: figures, and "Hidden" where a theme is too small.
        psw.goto(page.url)
        expect(psw.locator("main")).to_contain_text(re.compile(r"Showing Demo Borough Council"))
        # The council's number of comments may itself be hidden (the audit can hide it to protect a small
        # theme); the themes released are shown either way, with their shares only beside a shown total.
        counted = psw.locator("main").get_by_text(re.compile(r"^\d+ comments\.")).count() > 0
        if not counted:
            expect(psw.locator("main")).to_contain_text("The number of comments is hidden, to protect anonymity")
        themes = psw.get_by_role("table", name="Themes", exact=True)
        expect(themes).to_be_visible()
        sizes = [cell.inner_text() for cell in themes.locator("tbody tr td:nth-child(2)").all()]
        size = r"\d+ \(\d+%\)" if counted else r"\d+"
        assert any(re.match(size + "$", s) for s in sizes), sizes
        assert all(re.match(f"({size}|Hidden)$", s) for s in sizes), sizes
        audit(psw, "a question's themes")
        for anchor in psw.locator("main table a[href^='#']").all():
            target = anchor.get_attribute("href")
            assert psw.locator(target).count() == 1, f"{target} is not on the page"
    finally:
        admin.close()

    # The manager reads the same release for their service area: its themes, or a note that they are hidden.
    page.reload()
    expect(main).not_to_contain_text("A newer analysis has finished.")
    expect(main).to_contain_text("Showing Referral and Assessment")
    themes = page.get_by_role("table", name="Themes", exact=True)
    if themes.count():
        sizes = [cell.inner_text() for cell in themes.locator("tbody tr td:nth-child(2)").all()]
        assert all(re.match(r"(\d+ \(\d+%\)|\d+|Hidden)$", s) for s in sizes), sizes
    else:
        expect(main).to_contain_text("The themes of Referral and Assessment are hidden, to protect anonymity.")
    expect(main).not_to_contain_text("Fewer than 5")
    expect(main).not_to_contain_text("Fostering Support")
    themes_shot = tmp_path / "themes.png"
    page.screenshot(path=str(themes_shot), full_page=True)
    assert_png(themes_shot)


def test_every_other_page_type_passes_axe_at_phone_and_desktop(server: Server, page: Page):
    """The pages the journeys above do not pass through: the front door, errors, the admin's forms, the
    run's first page, a chart, the heatmap and the leavers' report."""
    page.goto(server.base_url + "/")
    expect(page.locator("h1")).to_have_text("Staff health check")
    audit(page, "the home page")
    page.locator("footer").get_by_role("link", name="Accessibility statement").click()
    expect(page.locator("h1")).to_contain_text("Accessibility statement")
    audit(page, "the accessibility statement")
    page.locator("header").get_by_role("link", name=re.compile("Staff health check")).click()
    expect(page.locator("h1")).to_have_text("Staff health check")
    page.goto(server.base_url + "/no-such-page")
    expect(page.locator("h1")).to_have_text("Page not found")
    audit(page, "page not found")

    page.goto(server.base_url + "/")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Sign in").click()  # nothing typed
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    audit(page, "sign in with a mistake")
    page.get_by_role("textbox", name="Email address").fill(loader.ADMIN_EMAIL)
    page.get_by_role("textbox", name="Password", exact=True).fill(loader.ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("h1")).to_have_text("Health checks and exit interviews")

    title = f"Social work health check {dt.date.today().year}"
    page.get_by_role("link", name=title).click()
    page.get_by_role("link", name="What matters in the results").click()
    expect(page.locator("h1")).to_have_text(title)
    expect(page.get_by_role("heading", name="Who responded")).to_be_visible()
    audit(page, "a run's first page")
    page.get_by_role("link", name="All results: every section, team and question").click()
    heatmap = page.locator("table.app-heatmap")
    expect(heatmap).to_be_visible()
    audit(page, "results for the council, with the heatmap")
    fits = page.locator(".app-scroll-table", has=heatmap).evaluate("el => el.scrollWidth <= el.clientWidth")
    assert fits, "at 1280px the heatmap fits without scrolling"
    assert_prints_on_a4(page, "results for the council")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        lines = page.evaluate("""() => Math.max(...[...document.querySelectorAll('main th[scope=row]')].map(th =>
            (th.clientHeight - parseFloat(getComputedStyle(th).paddingTop) - parseFloat(getComputedStyle(th).paddingBottom))
            / parseFloat(getComputedStyle(th).lineHeight)))""")
        assert lines <= 5, f"at {width}px a team's name wraps over {lines:.1f} lines"
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name="My caseload is manageable.").first.click()
    expect(page.locator("svg.app-chart")).to_be_visible()
    audit(page, "an agreement question's chart")
    assert_prints_on_a4(page, "an agreement question")

    for url, heading in ((f"/manage/runs/{server.health_check()}/close", re.compile("Are you sure")),
                         (f"/manage/runs/{server.health_check()}/staff", re.compile("Import")),
                         ("/manage/runs/new", re.compile("Create")),
                         ("/manage/settings", re.compile("settings", re.IGNORECASE))):
        page.goto(server.base_url + url)
        expect(page.locator("h1")).to_contain_text(heading)
        audit(page, url)

    page.goto(server.base_url + "/manage/")
    page.get_by_role("link", name=f"Exit interviews {dt.date.today().year}").click()
    page.get_by_role("link", name="Why people leave").click()
    expect(page.locator("h1")).to_have_text("Why people leave")
    audit(page, "why people leave")


def tab_to(page: Page, selector: str, limit: int = 150) -> None:
    """Press Tab until the element `selector` has focus, as someone without a mouse would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} cannot be reached with the Tab key")


def test_a_manager_reaches_the_heatmap_with_the_keyboard_alone(server: Server, browser: Browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        page.goto(server.base_url + "/")
        tab_to(page, "a[href='/manage/sign-in']")
        page.keyboard.press("Enter")
        expect(page.locator("h1")).to_have_text("Sign in")  # the next page has loaded
        tab_to(page, "input[name=email]")
        page.keyboard.type(loader.MANAGER_EMAIL)
        page.keyboard.press("Tab")
        page.keyboard.type(loader.ADMIN_PASSWORD)
        page.keyboard.press("Enter")
        expect(page.locator("h1")).to_have_text("Health checks and exit interviews")
        tab_to(page, f"a[href='/manage/runs/{server.health_check()}']")
        page.keyboard.press("Enter")
        expect(page.locator("h1")).to_have_text(f"Social work health check {dt.date.today().year}")
        tab_to(page, "a[href$='/results/summary']")
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name="Who responded")).to_be_visible()
        tab_to(page, "main a[href*='/results?unit=']:not([href*='#'])")
        page.keyboard.press("Enter")
        expect(page.locator("main")).to_contain_text("Showing Referral and Assessment")
        region = "div.app-scroll-table[role=region][aria-label='Share agreeing, by team and section']"
        tab_to(page, region)
        box = page.locator(region)
        assert box.evaluate("el => el.scrollWidth > el.clientWidth"), "at 390px the heatmap scrolls in its box"
        outline = box.evaluate("el => getComputedStyle(el).outlineStyle")
        assert outline != "none", "the focused scroll box shows its focus"
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        page.wait_for_function("s => document.querySelector(s).scrollLeft > 0", arg=region)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()


def test_the_demos_committee_report_opens_in_every_format(server: Server, page: Page, tmp_path: Path):
    """The principal social worker's paper for the demo, from the command `make run` prints: the Word file's
    headings and tables read back, the PDF's text and tags, and the web page drawn in the browser."""
    import pikepdf
    from docx import Document

    runner = server.app.test_cli_runner()
    for fmt in ("docx", "pdf", "html"):
        made = runner.invoke(args=["committee-report", "--format", fmt, "--output", str(tmp_path / f"report.{fmt}")])
        assert made.exit_code == 0, made.output
    word = Document(str(tmp_path / "report.docx"))
    headings = [p.text for p in word.paragraphs if p.style.name.startswith("Heading")]
    assert "The action plan" in headings and len(headings) >= 5, headings
    assert word.tables and all(len(t.rows) >= 2 for t in word.tables)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "report.pdf"), "-"], check=True,
                          capture_output=True, text=True).stdout
    assert "Demo Borough Council" in text and all(h.split(":")[0] in text for h in headings[:5])
    figures = {cell.text.strip() for t in word.tables for row in t.rows for cell in row.cells
               if re.fullmatch(r"\d+%?|Hidden", cell.text.strip())}
    assert len(figures) > 5 and all(f in text for f in figures), "the PDF has the Word file's figures"
    with pikepdf.open(tmp_path / "report.pdf") as pdf:
        assert "/StructTreeRoot" in pdf.Root and str(pdf.Root.Lang).startswith("en")
        assert bool(pdf.Root.MarkInfo.Marked)
    page.goto((tmp_path / "report.html").as_uri())
    expect(page.locator("h1")).to_contain_text("health check")
    audit(page, "the committee report's web page")
    page.screenshot(path=str(tmp_path / "report.png"), full_page=False)
    assert (tmp_path / "report.png").stat().st_size > 10_000  # a drawn page, not a blank one
