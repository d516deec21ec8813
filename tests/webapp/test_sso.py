"""Single sign-on against a real OpenID Provider that the tests start: the certified npm package `oidc-provider`
run with Node (`tests/oidc/provider.mjs`), driven over HTTP as a browser would (its login and consent forms).
The provider insists on PKCE, so a sign-in without it would fail here."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from bs4 import BeautifulSoup
from sqlalchemy import select

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
    start = client.get("/manage/sso/start")
    assert start.status == 302
    url = start.response.headers["Location"]
    browser = requests.Session()
    answer = browser.get(url, allow_redirects=False)
    for _ in range(12):
        if answer.is_redirect:
            url = urljoin(url, answer.headers["Location"])
            if url.startswith(APP + "/"):
                return client.get(path_of(url))
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
    assert events[2].council_id == made.id and events[0].council_id is None
