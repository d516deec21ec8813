"""Single sign-on against a real OpenID Provider that the tests start: the certified npm package `oidc-provider`
run with Node (`tests/oidc/provider.mjs`), driven over HTTP as a browser would (its login and consent forms).
The provider insists on PKCE, so a sign-in without it would fail here."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from bs4 import BeautifulSoup
from alembic import command
from sqlalchemy import select, text

from surveyapp.cli import alembic_config
from surveyapp.db import make_engine
from surveyapp.models import AuditEvent, ManagerSession, Role, User
from surveyapp.users import sso
from surveyapp.users.accounts import NO_PASSWORD

from . import factories
from .conftest import openid_provider, path_of

pytestmark = pytest.mark.usefixtures("quick_password_hashing")
APP = "http://localhost"  # the test client's origin, and BASE_URL in the tests' app
CALLBACK = APP + "/manage/sso/callback"


@pytest.fixture(scope="session")
def provider() -> Iterator[str]:
    with openid_provider(CALLBACK) as issuer:
        yield issuer


@pytest.fixture
def sso_app(app, provider):
    app.config.update({"OIDC_ISSUER": provider, "OIDC_CLIENT_ID": "surveyapp", "BASE_URL": APP,
                       "OIDC_CLIENT_SECRET": "surveyapp-test-secret-0123456789abcdef",
                       "OIDC_BUTTON_LABEL": "Sign in with your Northshire account"})
    sso.init_app(app)
    return app


def through_provider(client, login: str):
    """Press the button, sign in at the provider as `login` (any password), consent, and land back in the app."""
    return client.get(to_callback(client, login))


def to_callback(client, login: str) -> str:
    """Press the button, sign in at the provider as `login` and consent: where the provider sends the browser
    back to (the app's callback, with the code and the state), not yet opened."""
    start = client.get("/manage/sso/start")
    assert start.status == 302
    url = start.response.headers["Location"]
    browser = requests.Session()
    answer = browser.get(url, allow_redirects=False)
    for _ in range(12):
        if answer.is_redirect:
            url = urljoin(url, answer.headers["Location"])
            if url.startswith(APP + "/"):
                return path_of(url)
            answer = browser.get(url, allow_redirects=False)
            continue
        form = BeautifulSoup(answer.text, "html.parser").find("form")
        assert form is not None, answer.text
        data = {field["name"]: field.get("value", "") for field in form.find_all("input") if field.get("name")}
        if data.get("prompt") == "login":
            data.update(login=login, password="any password")
        url = urljoin(url, form["action"])
        answer = browser.post(url, data=data, allow_redirects=False)
    raise AssertionError("the provider never sent the browser back")


def test_managers_sign_in_with_the_councils_accounts_and_strangers_are_refused(sso_app, client, session):
    made = factories.council(session)
    ada = User(council_id=made.id, email="ada@northshire.example", name="Ada Okafor", password_hash=NO_PASSWORD,
               role=Role.MANAGER.value, active=True)  # invited, no password set
    session.add(ada)
    session.commit()

    page = client.get("/manage/sign-in")
    assert page.soup.select_one("#single-sign-on").get_text(strip=True) == "Sign in with your Northshire account"
    asked = parse_qs(urlsplit(client.get("/manage/sso/start").response.headers["Location"]).query)
    assert asked["code_challenge_method"] == ["S256"] and asked["nonce"] and asked["state"]
    assert asked["scope"] == ["openid email profile"]

    # Unknown people, and an unverified claim to Ada's address, are refused with a plain page; nobody is created.
    for login, says in (("stranger", "Nobody has invited stranger@elsewhere.example to this service."),
                        ("unverified", "did not give a verified email address")):
        page = through_provider(client.another(), login)
        assert page.status == 403 and page.h1 == "You cannot sign in here yet" and says in page.text()
    session.rollback()
    assert session.scalar(select(User).where(User.email.like("stranger%"))) is None
    assert session.scalar(select(ManagerSession)) is None

    # Ada signs in: matched by her verified email, a fresh session on the server, her subject kept.
    manager = client.another()
    landed = through_provider(manager, "ada")
    assert landed.status == 302 and landed.response.headers["Location"] == "/manage/"
    assert manager.get("/manage/").status == 200
    session.refresh(ada)
    assert ada.oidc_sub == "ada"  # oidc-provider's subject is its account id
    assert session.scalar(select(ManagerSession.user_id)) == ada.id

    # Later sign-ins match the subject, even after her address changes here.
    ada.email = "ada.okafor@northshire.example"
    session.commit()
    assert through_provider(client.another(), "ada").status == 302

    # A forged or replayed answer to the callback is refused plainly (state is checked), as is a deactivated account.
    assert "did not complete" in client.another().get("/manage/sso/callback?code=stolen&state=forged").text()
    ada.active = False
    session.commit()
    page = through_provider(client.another(), "ada")
    assert page.status == 403 and "deactivated" in page.text()

    session.rollback()
    events = session.execute(select(AuditEvent.actor, AuditEvent.action, AuditEvent.council_id)
                             .order_by(AuditEvent.id)).all()
    assert [(e.actor, e.action) for e in events] == [
        ("stranger@elsewhere.example", "sign_in_failed"), ("ada@northshire.example", "sign_in_failed"),
        ("ada@northshire.example", "sign_in"), ("ada.okafor@northshire.example", "sign_in"),
        ("(single sign-on)", "sign_in_failed"), ("ada@northshire.example", "sign_in_failed")]
    # Every refusal is the council's, whoever it was: its admin sees them (single sign-on is the council's).
    assert {e.council_id for e in events} == {made.id}


# What the app must not trust ----------------------------------------------------------------------------------

ELSEWHERE = "https://login.elsewhere.example/another-tenant/v2.0"
CHECK_FAILED = "Your sign-in could not be completed"


@contextmanager
def misbehaving(app, *options: str) -> Iterator[str]:
    """The app's single sign-on pointed at a provider of its own started with `options` (see provider.mjs)."""
    with openid_provider(CALLBACK, *options) as address:
        app.config.update({"OIDC_ISSUER": address, "OIDC_CLIENT_ID": "surveyapp", "BASE_URL": APP,
                           "OIDC_CLIENT_SECRET": "surveyapp-test-secret-0123456789abcdef"})
        sso.init_app(app)
        yield address


def invited_ada(session, made=None) -> User:
    made = made or factories.council(session)
    ada = User(council_id=made.id, email="ada@northshire.example", name="Ada Okafor", password_hash=NO_PASSWORD,
               role=Role.MANAGER.value, active=True)
    session.add(ada)
    session.commit()
    return ada


def refused(session, page, ada: User, check: str, signed_in: int = 0) -> AuditEvent:
    """A plain page, nobody signed in (but the `signed_in` sessions there were), and the refusal in the audit log
    under Ada's council, saying which check."""
    assert page.status == 403, page.text()
    assert page.h1 == CHECK_FAILED and "Start again from the sign-in page" in page.text()
    session.rollback()
    assert len(session.scalars(select(ManagerSession)).all()) == signed_in
    found = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert found is not None and (found.action, found.council_id) == ("sign_in_failed", ada.council_id)
    assert found.detail["check"] == check, found.detail
    return found


def test_a_provider_that_names_another_issuer_is_refused(app, client, session):
    ada = invited_ada(session)
    # Its discovery document (and its tokens) name another issuer than OIDC_ISSUER: nobody is sent there at all.
    with misbehaving(app, "--issuer", ELSEWHERE) as address:
        assert requests.get(address + "/.well-known/openid-configuration", timeout=5).json()["issuer"] == ELSEWHERE
        page = client.get("/manage/sso/start")
        assert "Location" not in page.response.headers
        refused(session, page, ada, "the discovery document names another issuer")
    # The discovery document is right but the ID token names another issuer.
    with misbehaving(app, "--id-token", json.dumps({"iss": ELSEWHERE})):
        refused(session, through_provider(client.another(), "ada"), ada, "the ID token is not valid: iss")
    session.refresh(ada)
    assert ada.oidc_sub is None


def test_an_id_token_for_another_client_or_one_that_has_expired_is_refused(app, client, session):
    ada = invited_ada(session)
    # Given to another client, with this one as the authorised party: the audience is not this app.
    with misbehaving(app, "--id-token", json.dumps({"aud": "another-app", "azp": "surveyapp"})):
        refused(session, through_provider(client.another(), "ada"), ada, "the ID token is not valid: aud")
    with misbehaving(app, "--id-token", json.dumps({"aud": ["another-app"]})):
        refused(session, through_provider(client.another(), "ada"), ada, "the ID token is not valid: aud")
    # Expired ten minutes before it was sent (beyond the two minutes allowed for clocks that differ).
    with misbehaving(app, "--id-token", json.dumps({"exp_in": -600})):
        refused(session, through_provider(client.another(), "ada"), ada, "the ID token is not valid: exp")
    session.refresh(ada)
    assert ada.oidc_sub is None


def test_a_replayed_code_and_a_forged_state_are_refused_and_on_the_councils_audit_page(sso_app, client, session):
    ada = invited_ada(session)
    manager = client.another()
    back = to_callback(manager, "ada")
    before = manager.client.get_cookie("session").value  # the browser's cookie, holding the state, before it returns
    assert manager.get(back).status == 302
    # The same answer again, from the same browser: its state was used up.
    refused(session, manager.get(back), ada, "the state is not this browser's", signed_in=1)
    # From a copy of the cookie as it was before: the state passes, but the provider will not take the code twice.
    thief = client.another()
    thief.client.set_cookie("session", before, domain="localhost")
    refused(session, thief.get(back), ada, "the provider refused the code: invalid_grant", signed_in=1)
    # A made-up answer: no state of this browser's.
    refused(session, client.another().get("/manage/sso/callback?code=stolen&state=forged"), ada,
            "the state is not this browser's", signed_in=1)

    admin = factories.user(session, ada.council)
    assert factories.sign_in(client, admin).status == 302
    page = client.get("/manage/audit-log", query_string={"kind": "sign_in_failed"})
    rows = [[td.get_text(" ", strip=True) for td in tr.select("td")] for tr in page.soup.select("tbody tr")]
    assert len(rows) == 3 and {r[1] for r in rows} == {"(single sign-on)"}
    assert "the provider refused the code: invalid_grant" in rows[1][5]
    assert rows[0][5].count("the state is not this browser's") == 1


def test_a_subject_is_matched_only_with_its_issuer(sso_app, provider, client, session):
    made = factories.council(session)
    ada = invited_ada(session, made)
    # Bea's account is linked to subject "ada" at another provider: it is not Ada's.
    bea = User(council_id=made.id, email="bea@northshire.example", name="Bea Smith", password_hash=NO_PASSWORD,
               role=Role.MANAGER.value, active=True, oidc_issuer=ELSEWHERE, oidc_sub="ada")
    session.add(bea)
    session.commit()
    assert through_provider(client.another(), "ada").status == 302
    session.rollback()
    assert session.scalar(select(ManagerSession.user_id)) == ada.id
    session.refresh(ada)
    session.refresh(bea)
    assert (ada.oidc_issuer, ada.oidc_sub) == (provider, "ada")
    assert (bea.oidc_issuer, bea.oidc_sub) == (ELSEWHERE, "ada")


def test_the_council_changes_provider_and_its_managers_are_linked_again_by_verified_email(sso_app, provider, client,
                                                                                          session):
    ada = invited_ada(session)
    ada.oidc_issuer, ada.oidc_sub = ELSEWHERE, "ada-at-the-old-provider"
    session.commit()
    assert through_provider(client.another(), "ada").status == 302
    session.refresh(ada)
    assert (ada.oidc_issuer, ada.oidc_sub) == (provider, "ada")


def test_single_sign_on_signs_in_only_to_its_own_council(sso_app, client, session):
    northshire = factories.council(session)
    southshire = factories.council(session, "southshire")
    ada = invited_ada(session, southshire)  # invited by another council of the same installation
    sso_app.config["OIDC_COUNCIL"] = "northshire"
    page = through_provider(client.another(), "ada")
    assert page.status == 403 and "Nobody has invited ada@northshire.example to this service." in page.text()
    session.rollback()
    found = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (found.action, found.council_id) == ("sign_in_failed", northshire.id)
    session.refresh(ada)
    assert ada.oidc_sub is None
    # Several councils and no OIDC_COUNCIL: nobody is signed in, and the page says what to set.
    sso_app.config["OIDC_COUNCIL"] = ""
    page = client.another().get("/manage/sso/start")
    assert page.status == 503 and "OIDC_COUNCIL" in page.text()


@pytest.mark.parametrize("configured", [True, False])
def test_accounts_linked_before_the_upgrade_keep_the_configured_issuer(empty_database, monkeypatch, configured):
    """Migration 0023 gives each linked account OIDC_ISSUER as it is set where the migration runs; where it is not
    set, it clears their subjects instead (each is linked again by verified email at their next sign-in)."""
    config = alembic_config(empty_database)
    command.upgrade(config, "0023-1")
    engine = make_engine(empty_database)
    try:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO council (id, name, slug) VALUES (1, 'Northshire', 'northshire')"))
            for id_, email, sub in ((1, "ada@northshire.example", "ada"), (2, "bea@northshire.example", None)):
                connection.execute(text("INSERT INTO user_account (id, council_id, email, name, password_hash, role, "
                                        "active, oidc_sub) VALUES (:id, 1, :email, 'x', '', 'manager', true, :sub)"),
                                   {"id": id_, "email": email, "sub": sub})
        if configured:
            monkeypatch.setenv("OIDC_ISSUER", "https://login.microsoftonline.com/tenant/v2.0")
        else:
            monkeypatch.delenv("OIDC_ISSUER", raising=False)
        command.upgrade(config, "0023")
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT id, oidc_issuer, oidc_sub FROM user_account ORDER BY id")).all()
        linked = ("https://login.microsoftonline.com/tenant/v2.0", "ada") if configured else (None, None)
        assert [tuple(r) for r in rows] == [(1, *linked), (2, None, None)]
        command.downgrade(config, "0023-1")
        with engine.connect() as connection:
            assert connection.execute(text("SELECT oidc_sub FROM user_account ORDER BY id")).scalars().all() == [
                "ada" if configured else None, None]
    finally:
        engine.dispose()
