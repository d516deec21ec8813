"""Accounts and single sign-on in a real browser (Debian's chromium, Playwright), with axe-core on each page of ours.

A manager signs in through the council's OpenID Provider (the npm `oidc-provider` of tests/oidc/provider.mjs, its
own login and consent pages); someone the council has not invited is refused with a plain page. The admin invites
two managers, one for a service area and one for a single team; the invitations arrive at the real SMTP server the
tests start; one manager sets a password from the emailed link and sees only her team, the other signs in through
the provider and sees only his area; the admin's audit log shows all of it.

One server per database (SQLite and PostgreSQL) for the module, on a small released council, and one browser.
"""

from __future__ import annotations

import re
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select
from . import tls

from surveyapp import create_app, db
from surveyapp.models import AuditEvent, ServiceArea, Team, User
from surveyapp.users import sso

from . import factories
from .conftest import SECRET, Inbox, _pg_url, _truncate, openid_provider
from .test_browser import audit, browser  # noqa: F401  (the same browser, and its axe-core check)
from .test_results import released
from .test_users import NEW_PASSWORD, link_in

pytestmark = pytest.mark.browser
BUTTON = "Sign in with your Northshire account"
ADA = "ada@northshire.example"  # an account at the provider (tests/oidc/provider.mjs)
STRANGER = "stranger@elsewhere.example"  # another, whom the council never invites
BEA = "bea@northshire.example"  # not at the provider: she uses a password


@dataclass(frozen=True)
class Site:
    app: Flask
    base_url: str
    run_id: int
    council_id: int
    admin: str
    units: dict[str, str]  # a service area's or team's name: its unit in the results' ?unit=

    def events(self, actor: str) -> list[tuple[str, int | None]]:
        with self.app.app_context():
            return [(e.action, e.council_id) for e in db.session().scalars(
                select(AuditEvent).where(AuditEvent.actor == actor).order_by(AuditEvent.id))]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
         smtp_server: tuple[Controller, Inbox]) -> Iterator[Site]:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("users-browser") / "users.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        url = _pg_url(request.getfixturevalue("postgres_schema"))
    controller, _ = smtp_server
    app = create_app({"ENV_NAME": "testing", "DATABASE_URL": url, "SECRET_KEY": SECRET,
                      "EMAIL_BACKEND": "smtp", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": controller.port,
                      "SMTP_STARTTLS": False, "EMAIL_FROM": "health-check@northshire.example"})
    http = tls.live_server(app)
    base_url = tls.base_url(http)
    with openid_provider(base_url + "/manage/sso/callback") as issuer:
        app.config.update({"BASE_URL": base_url, "OIDC_ISSUER": issuer, "OIDC_CLIENT_ID": "surveyapp",
                           "OIDC_CLIENT_SECRET": "surveyapp-test-secret-0123456789abcdef",
                           "OIDC_BUTTON_LABEL": BUTTON})
        sso.init_app(app)
        with app.app_context():
            session = db.session()
            made, run, _ = released(session)  # two service areas of two teams, 24 responses, released
            admin = factories.user(session, made)
            units = {a.name: f"area:{a.id}" for a in session.scalars(select(ServiceArea))}
            units |= {t.name: f"team:{t.id}" for t in session.scalars(select(Team))}
            run_id, council_id = run.id, made.id
        thread = threading.Thread(target=http.serve_forever, name="users-browser-server", daemon=True)
        thread.start()
        yield Site(app, base_url, run_id, council_id, admin, units)
        http.shutdown()
        thread.join(timeout=10)
    app.extensions["surveyapp.engine"].dispose()
    if request.param == "postgresql":
        _truncate(url)  # the schema is shared with the other tests


@pytest.fixture
def inbox(smtp_server: tuple[Controller, Inbox]) -> Inbox:
    _, found = smtp_server
    found.messages.clear()
    return found


@pytest.fixture
def people(browser: Browser) -> Iterator[list[BrowserContext]]:  # noqa: F811
    """Each person gets a browser of their own (cookies and all); closed after the test."""
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


def someone(browser: Browser, people: list[BrowserContext]) -> Page:  # noqa: F811
    # bypass_csp: axe is injected as a <script>, which the app's Content-Security-Policy would refuse.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    context.set_default_timeout(30_000)
    # The provider's development pages import a web font: nothing leaves the machine.
    context.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/])"), lambda route: route.abort())
    people.append(context)
    return context.new_page()


def wait_for_email(inbox: Inbox, address: str):
    deadline = time.monotonic() + 10
    while not inbox.to(address):
        assert time.monotonic() < deadline, f"no email reached {address}: {[m['To'] for m in inbox.messages]}"
        time.sleep(0.1)
    return inbox.to(address)[-1]


def sign_in_with_password(page: Page, base_url: str, email: str, password: str) -> None:
    page.goto(f"{base_url}/manage/sign-in")
    page.get_by_role("textbox", name="Email address").fill(email)
    page.get_by_role("textbox", name="Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.locator("h1")).to_have_text("Health checks and exit interviews")


def through_the_provider(page: Page, site: Site, login: str) -> None:
    """From the app's sign-in page to the provider's own pages: sign in there as `login` and consent."""
    page.goto(f"{site.base_url}/manage/sign-in")
    page.get_by_role("button", name=BUTTON).click()
    issuer = site.app.config["OIDC_ISSUER"]
    expect(page).to_have_url(re.compile("^" + re.escape(issuer) + "/interaction/"))
    expect(page.locator("h1")).to_have_text("Sign-in")
    page.get_by_placeholder("Enter any login").fill(login)
    page.get_by_placeholder("and password").fill("any password")  # the development login takes any
    page.get_by_role("button", name="Sign-in").click()
    expect(page.locator("h1")).to_have_text("Authorize")  # consent: what the app asks to read
    expect(page.locator("body")).to_contain_text("email")
    page.get_by_role("button", name="Continue").click()


def open_results(page: Page, site: Site) -> None:
    """From the dashboard to the run's results, by clicking."""
    page.get_by_role("link", name=re.compile(r"health check .*\(northshire\)")).click()
    page.get_by_role("link", name="Results", exact=True).click()
    expect(page).to_have_url(f"{site.base_url}/manage/runs/{site.run_id}/results")


def test_someone_the_council_has_not_invited_is_refused_by_single_sign_on(site: Site, browser: Browser,  # noqa: F811
                                                                          people: list[BrowserContext]):
    page = someone(browser, people)
    answers: dict[str, int] = {}
    page.on("response", lambda r: answers.update({r.url.split("?")[0]: r.status}))
    page.goto(f"{site.base_url}/manage/sign-in")
    expect(page.get_by_role("heading", name="Or use your council account")).to_be_visible()
    audit(page, "sign in, with single sign-on")

    through_the_provider(page, site, "stranger")
    expect(page.locator("h1")).to_have_text("You cannot sign in here yet")
    expect(page.locator("main")).to_contain_text(f"Nobody has invited {STRANGER} to this service.")
    assert answers[f"{site.base_url}/manage/sso/callback"] == 403
    audit(page, "single sign-on refused")
    page.get_by_role("link", name="Back to sign in").click()
    expect(page.locator("h1")).to_have_text("Sign in")
    page.goto(f"{site.base_url}/manage/")
    expect(page.locator("h1")).to_have_text("Sign in")  # not signed in: the dashboard sends them to sign in

    # Refused and recorded under the council whose single sign-on it is (its admin sees it); no account was made.
    assert site.events(STRANGER) == [("sign_in_failed", site.council_id)]
    with site.app.app_context():
        assert db.session().scalar(select(User).where(User.email == STRANGER)) is None


def test_the_admin_invites_two_managers_who_see_only_their_scope_and_the_audit_log_shows_it(
        site: Site, browser: Browser, people: list[BrowserContext], inbox: Inbox):  # noqa: F811
    admin = someone(browser, people)
    sign_in_with_password(admin, site.base_url, site.admin, factories.PASSWORD)
    admin.get_by_role("button", name="Users").click()
    expect(admin.locator("h1")).to_have_text("Users")
    admin.get_by_role("button", name="Invite a user").click()
    expect(admin.locator("h1")).to_have_text("Invite a user")
    audit(admin, "invite a user")
    admin.get_by_role("button", name="Send the invitation").click()
    summary = admin.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Enter their full name")
    expect(summary).to_contain_text("Choose at least one service area or team this person may see")
    audit(admin, "invite a user, with mistakes")

    # Bea sees one team; Ada a whole service area.
    for name, email, group, unit in (("Bea Mensah", BEA, "Single teams", "Looked After Children: Children in Care"),
                                     ("Ada Okafor", ADA, "Whole service areas", "Referral and Assessment")):
        if not admin.url.endswith("/manage/users/invite"):
            admin.get_by_role("button", name="Invite a user").click()
        admin.get_by_role("textbox", name="Full name").fill(name)
        admin.get_by_role("textbox", name="Email address").fill(email)
        admin.get_by_role("radio", name=re.compile("^Manager")).check()
        admin.get_by_role("group", name=group).get_by_role("checkbox", name=unit, exact=True).check()
        admin.get_by_role("button", name="Send the invitation").click()
        expect(admin.locator(".govuk-notification-banner")).to_contain_text(f"Invitation sent to {email}")
    users = admin.locator("#users")
    expect(users.locator("tr", has_text=BEA)).to_contain_text("manager Children in Care Invited")
    expect(users.locator("tr", has_text=ADA)).to_contain_text("manager Referral and Assessment Invited")
    audit(admin, "users")
    admin.get_by_role("link", name="Change Bea Mensah").click()
    expect(admin.locator("main")).to_contain_text(f"{BEA}: invited, has not set a password yet")
    expect(admin.get_by_role("group", name="Single teams").get_by_role(
        "checkbox", name="Looked After Children: Children in Care")).to_be_checked()
    audit(admin, "a user's role and scope")

    # Bea's invitation arrives at the SMTP server; she opens its link in a browser of her own.
    email = wait_for_email(inbox, BEA)
    assert email["From"] == "health-check@northshire.example" and "Northshire Council" in email.get_content()
    bea = someone(browser, people)
    bea.goto(site.base_url + link_in(email))
    expect(bea.locator("h1")).to_have_text("Choose your password")
    expect(bea.locator("main")).to_contain_text(f"For {BEA}.")
    audit(bea, "choose your password")
    bea.get_by_label("New password").fill(NEW_PASSWORD)
    bea.get_by_label("Type the password again").fill(NEW_PASSWORD + " but different")
    bea.get_by_role("button", name="Set the password").click()
    expect(bea.locator(".govuk-error-summary")).to_contain_text("The passwords do not match")
    audit(bea, "choose your password, with a mistake")
    bea.get_by_label("New password").fill(NEW_PASSWORD)
    bea.get_by_label("Type the password again").fill(NEW_PASSWORD)
    bea.get_by_role("button", name="Set the password").click()
    expect(bea.locator(".govuk-notification-banner")).to_contain_text("Your password is set")
    expect(bea.locator("h1")).to_have_text("Sign in")
    sign_in_with_password(bea, site.base_url, BEA, NEW_PASSWORD)
    open_results(bea, site)
    main = bea.locator("main")
    expect(main).to_contain_text("Showing Children in Care")
    for elsewhere in ("Care Leavers", "Assessment North", "Referral and Assessment"):
        expect(main).not_to_contain_text(elsewhere)
    for unit in ("Referral and Assessment", "Assessment North", "Care Leavers"):  # asking by address: not found
        bea.goto(f"{site.base_url}/manage/runs/{site.run_id}/results?unit={site.units[unit]}")
        expect(bea.locator("h1")).to_have_text("Page not found")
    for admins_only in ("/manage/users", "/manage/audit-log"):
        bea.goto(site.base_url + admins_only)
        expect(bea.locator("h1")).to_have_text("You do not have permission to see this page")
    bea.goto(site.base_url + link_in(email))
    expect(bea.locator("h1")).to_contain_text("This link no longer works")  # it worked once

    # Ada's arrives too, but she signs in with her council account instead.
    assert "/manage/password/" in wait_for_email(inbox, ADA).get_content()
    ada = someone(browser, people)
    through_the_provider(ada, site, "ada")
    expect(ada).to_have_url(f"{site.base_url}/manage/")
    expect(ada.locator("h1")).to_have_text("Health checks and exit interviews")
    open_results(ada, site)
    main = ada.locator("main")
    expect(main).to_contain_text("Showing Referral and Assessment")
    for elsewhere in ("Looked After Children", "Children in Care", "Care Leavers"):
        expect(main).not_to_contain_text(elsewhere)
    ada.goto(f"{site.base_url}/manage/runs/{site.run_id}/results?unit={site.units['Looked After Children']}")
    expect(ada.locator("h1")).to_have_text("Page not found")

    # The admin's audit log shows it all, as rows.
    admin.goto(f"{site.base_url}/manage/")
    admin.get_by_role("button", name="Audit log").click()
    expect(admin.locator("h1")).to_have_text("Audit log")
    audit(admin, "the audit log")
    rows = admin.locator("table.app-audit-table tbody tr")

    def row(who: str, what: str, *more: str):
        found = rows.filter(has=admin.locator("td:nth-child(2)", has_text=re.compile(f"^{re.escape(who)}$")))
        found = found.filter(has=admin.locator("td:nth-child(3)", has_text=re.compile(f"^{re.escape(what)}$")))
        for text in more:
            found = found.filter(has_text=text)
        return found

    expect(row(site.admin, "Account invited", f"email: {BEA}", "role: manager", "Children in Care")).to_have_count(1)
    expect(row(site.admin, "Account invited", f"email: {ADA}", "Referral and Assessment")).to_have_count(1)
    expect(row(BEA, "Password set from an emailed link")).to_have_count(1)
    expect(row(BEA, "Signed in")).to_have_count(1)
    expect(row(BEA, "Results page opened", "Children in Care")).to_have_count(2)  # the run's page and its results
    expect(row(ADA, "Signed in", "method: single sign-on")).to_have_count(1)
    expect(row(ADA, "Results page opened", "Referral and Assessment")).to_have_count(2)
    # A refusal by the council's single sign-on is in its log (when that test has run first), with the reason.
    expect(row(STRANGER, "Sign-in failed", "Nobody has invited")).to_have_count(len(site.events(STRANGER)))

    # Filtered to Ada's sign-ins.
    admin.get_by_label("What happened").select_option(label="Signed in")
    admin.get_by_label("Who (part of their email address)").fill("ada@")
    admin.get_by_role("button", name="Filter").click()
    expect(admin.locator("table.app-audit-table caption")).to_have_text("1 event")
    expect(row(ADA, "Signed in", "method: single sign-on")).to_have_count(1)
    audit(admin, "the audit log, filtered")
    assert [a for a, _ in site.events(ADA)] == ["sign_in", "results_viewed", "results_viewed"]
    assert [a for a, _ in site.events(BEA)] == ["password_set", "sign_in", "results_viewed", "results_viewed"]
