"""Manager sessions and sign-in limits, tested as an attacker would: replayed cookies, a planted
session, an idle or old session, and password guessing from one address or many."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from surveyapp import auth
from surveyapp.models import ManagerSession, Role

from . import factories
from .conftest import path_of

pytestmark = pytest.mark.usefixtures("quick_password_hashing")


def admin(client, session) -> str:
    return factories.user(session, factories.council(session), Role.ADMIN)


def session_cookie(client) -> str:
    found = client.client.get_cookie("session")
    assert found is not None, "signed in, so the browser holds a session cookie"
    return found.value


def replay(app, value: str):
    """Another browser that presents a copied session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", value, domain="localhost")
    return thief.get("/manage/")


def test_signing_in_starts_a_fresh_session(app, client, session):
    email = admin(client, session)
    planted = client.get("/manage/sign-in")
    with client.client.session_transaction() as before:
        before["planted"] = "by an attacker"
        before[auth.SESSION_KEY] = "chosen by an attacker"
    csrf_before = planted.form_data()["csrf_token"]

    assert factories.sign_in(client, email).status == 302
    with client.client.session_transaction() as after:
        assert "planted" not in after
        assert after[auth.SESSION_KEY] != "chosen by an attacker"
    csrf_after = client.get("/manage/").soup.select_one("input[name=csrf_token]")["value"]
    assert csrf_after != csrf_before


def test_a_copied_cookie_stops_working_after_sign_out(app, client, session):
    email = admin(client, session)
    factories.sign_in(client, email)
    copied = session_cookie(client)
    assert replay(app, copied).status_code == 200, "a copy works while the session lasts (it is the session)"
    assert session.scalar(select(func.count()).select_from(ManagerSession)) == 1

    dashboard = client.get("/manage/")
    out = client.post("/manage/sign-out", {"csrf_token": dashboard.soup.select_one("input[name=csrf_token]")["value"]})
    assert out.status == 302

    replayed = replay(app, copied)
    assert replayed.status_code == 302 and path_of(replayed.headers["Location"]).startswith("/manage/sign-in")
    assert session.scalar(select(func.count()).select_from(ManagerSession)) == 0


def test_signing_in_twice_gives_two_sessions_and_signing_out_ends_only_one(app, client, session):
    email = admin(client, session)
    factories.sign_in(client, email)
    other = client.another()
    factories.sign_in(other, email)
    dashboard = client.get("/manage/")
    client.post("/manage/sign-out", {"csrf_token": dashboard.soup.select_one("input[name=csrf_token]")["value"]})
    assert other.get("/manage/").status == 200
    assert client.get("/manage/").status == 302


def test_an_idle_session_ends(app, client, session, monkeypatch):
    email = admin(client, session)
    factories.sign_in(client, email)
    copied = session_cookie(client)
    start = auth.now()
    monkeypatch.setattr(auth, "now", lambda: start + dt.timedelta(minutes=59))
    assert client.get("/manage/").status == 200  # in use: the idle clock starts again
    monkeypatch.setattr(auth, "now", lambda: start + dt.timedelta(minutes=59 + 61))
    assert client.get("/manage/").status == 302
    assert replay(app, copied).status_code == 302
    assert session.scalar(select(func.count()).select_from(ManagerSession)) == 0


def test_a_session_in_constant_use_still_ends_after_its_lifetime(app, client, session, monkeypatch):
    email = admin(client, session)
    factories.sign_in(client, email)
    start = auth.now()
    lifetime = app.config["PERMANENT_SESSION_LIFETIME"]
    for minutes in range(30, int(lifetime / 60), 30):
        monkeypatch.setattr(auth, "now", lambda m=minutes: start + dt.timedelta(minutes=m))
        assert client.get("/manage/").status == 200, minutes
    monkeypatch.setattr(auth, "now", lambda: start + dt.timedelta(seconds=lifetime + 60))
    assert client.get("/manage/").status == 302


def test_a_session_cookie_for_another_user_id_is_refused(app, client, session):
    made = factories.council(session)
    first = factories.user(session, made, Role.VIEWER, email="viewer@northshire.example")
    factories.user(session, made, Role.ADMIN, email="admin@northshire.example")
    factories.sign_in(client, first)
    with client.client.session_transaction() as forged:  # as if the signing key had leaked
        forged["_user_id"] = str(int(forged["_user_id"]) + 1)
    assert client.get("/manage/").status == 302


# Sign-in rate limits ---------------------------------------------------------------------------


def guess(client, email: str, password: str, address: str = "192.0.2.1"):
    page = client.get("/manage/sign-in", environ_base={"REMOTE_ADDR": address})
    data = {**page.form_data(), "email": email, "password": password}
    return client.post("/manage/sign-in", data, environ_base={"REMOTE_ADDR": address})


def test_the_eleventh_guess_is_refused_even_with_the_right_password(app, client, session):
    email = admin(client, session)
    for attempt in range(10):
        page = guess(client, email, f"wrong password {attempt}")
        assert page.status == 200 and "Enter a correct email address and password" in page.text(), attempt
    refused = guess(client, email, factories.PASSWORD)
    assert refused.status == 429
    assert refused.h1 == "Too many attempts to sign in"
    assert "Wait 15 minutes" in refused.text()
    assert int(refused.response.headers["Retry-After"]) > 0


def test_the_limit_counts_the_account_whatever_the_address_and_case(app, client, session):
    email = admin(client, session)
    for attempt in range(10):
        guess(client, email.upper() if attempt % 2 else email, "wrong", address=f"198.51.100.{attempt}")
    assert guess(client.another(), email, factories.PASSWORD, address="203.0.113.9").status == 429


def test_a_different_account_from_another_address_is_unaffected(app, client, session):
    made = factories.council(session)
    attacked = factories.user(session, made, Role.ADMIN, email="psw@northshire.example")
    other = factories.user(session, made, Role.MANAGER, email="manager@northshire.example")
    for _ in range(11):
        guess(client, attacked, "wrong")
    assert guess(client, attacked, factories.PASSWORD).status == 429
    assert guess(client.another(), other, factories.PASSWORD, address="203.0.113.7").status == 302


def test_one_address_guessing_many_accounts_is_stopped(app, client, session):
    email = admin(client, session)
    for i in range(50):
        assert guess(client, f"person{i}@northshire.example", "wrong").status == 200, i
    assert guess(client, email, factories.PASSWORD).status == 429
    assert guess(client.another(), email, factories.PASSWORD, address="203.0.113.8").status == 302


def test_successful_sign_ins_are_not_counted(app, client, session):
    email = admin(client, session)
    for _ in range(12):
        assert guess(client.another(), email, factories.PASSWORD).status == 302


def test_production_counts_in_redis_and_development_in_memory():
    from surveyapp.limits import storage_uri

    assert storage_uri({"ENV_NAME": "production", "REDIS_URL": "redis://cache:6379/2"}) == "redis://cache:6379/2"
    assert storage_uri({"ENV_NAME": "production"}).startswith("redis://")
    assert storage_uri({"ENV_NAME": "development", "REDIS_URL": "redis://cache:6379/2"}) == "memory://"
    assert storage_uri({"ENV_NAME": "testing", "RATELIMIT_STORAGE_URI": "redis://x:1/0"}) == "redis://x:1/0"


def test_with_redis_the_limit_holds_across_two_web_workers(app, session):
    """Two app instances (two gunicorn workers) sharing the Redis at 127.0.0.1:6379."""
    import uuid

    import redis

    from surveyapp import create_app

    try:
        redis.Redis(socket_connect_timeout=2).ping()
    except redis.ConnectionError:
        pytest.skip("Redis is not reachable at 127.0.0.1:6379")
    run = uuid.uuid4().hex  # this run's own account and address, so nothing else shares its counts
    email = factories.user(session, factories.council(session), Role.ADMIN, email=f"psw-{run}@northshire.example")
    address = f"198.18.{int(run[:2], 16)}.{int(run[2:4], 16)}"
    config = {**app.config, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0"}
    workers = [create_app(config), create_app(config)]
    from .conftest import CheckedClient

    for attempt in range(10):
        assert guess(CheckedClient(workers[attempt % 2].test_client()), email, "wrong", address).status == 200
    assert guess(CheckedClient(workers[0].test_client()), email, factories.PASSWORD, address).status == 429
    assert guess(CheckedClient(workers[1].test_client()), email, factories.PASSWORD, address).status == 429
    client = redis.Redis()
    counted = list(client.scan_iter(f"*{run}*")) + list(client.scan_iter(f"*/{address}/*"))
    assert len(counted) == 2, "the failures were counted in Redis, per account and per address"
    for key in counted:
        client.delete(key)
    for worker in workers:
        worker.extensions["surveyapp.engine"].dispose()


# Issue 21: nobody can lock a real manager out, and a stolen cookie does not travel -------------------


def test_guessing_from_anywhere_does_not_lock_out_the_manager_on_a_browser_they_signed_in_on(app, client, session):
    """Ten wrong passwords from anywhere used to lock the real manager out for 15 minutes."""
    email = admin(client, session)
    laptop = client.another()
    assert guess(laptop, email, factories.PASSWORD, address="192.0.2.50").status == 302
    laptop.client.delete_cookie("session", domain="localhost")  # the browser was closed: its session has gone
    for attempt in range(11):
        guess(client.another(), email, f"wrong {attempt}", address=f"198.51.100.{attempt}")
    assert guess(client.another(), email, factories.PASSWORD, address="203.0.113.9").status == 429, \
        "a browser that never signed in is still held to the account's limit"
    assert guess(laptop, email, factories.PASSWORD, address="192.0.2.51").status == 302, \
        "the manager's own browser signs in, from another address too"


def test_a_browser_that_signed_in_before_is_still_limited_and_only_for_its_own_account(app, client, session):
    made = factories.council(session)
    email = factories.user(session, made, Role.ADMIN)
    other = factories.user(session, made, Role.MANAGER, email="manager@northshire.example")
    laptop = client.another()
    assert guess(laptop, email, factories.PASSWORD).status == 302
    for attempt in range(10):
        assert guess(laptop, email, f"wrong {attempt}").status == 200
    assert guess(laptop, email, factories.PASSWORD).status == 429, "a copied device cookie gives ten guesses, no more"
    for attempt in range(10):
        guess(client.another(), other, f"wrong {attempt}", address=f"198.51.100.{attempt}")
    assert guess(laptop, other, factories.PASSWORD, address="192.0.2.99").status == 429, \
        "the cookie is for the account that signed in with it, not another"


def test_behind_a_trusted_proxy_each_client_address_is_counted_apart(app, session):
    """With TRUSTED_PROXIES=1 the per-address limit counts the address the proxy names, not the proxy's own."""
    from surveyapp import create_app

    from .conftest import CheckedClient

    email = factories.user(session, factories.council(session), Role.ADMIN)
    behind = create_app({**app.config, "TRUSTED_PROXIES": 1})

    def through_proxy(client_address: str, typed: str, password: str):
        browser = CheckedClient(behind.test_client())
        headers = {"X-Forwarded-For": client_address}
        page = browser.get("/manage/sign-in", environ_base={"REMOTE_ADDR": "10.0.0.2"}, headers=headers)
        return browser.post("/manage/sign-in", {**page.form_data(), "email": typed, "password": password},
                            environ_base={"REMOTE_ADDR": "10.0.0.2"}, headers=headers)

    for i in range(50):
        assert through_proxy("198.51.100.66", f"person{i}@northshire.example", "wrong").status == 200, i
    assert through_proxy("198.51.100.66", email, factories.PASSWORD).status == 429
    assert through_proxy("192.0.2.77", email, factories.PASSWORD).status == 302, "the rest of the council is not"


@pytest.mark.parametrize("moved", [{"headers": {"User-Agent": "Mozilla/5.0 (a thief's browser)"}},
                                   {"environ_base": {"REMOTE_ADDR": "203.0.113.66"}}])
def test_a_session_cookie_used_from_another_browser_or_address_is_signed_out(app, client, session, moved):
    """session_protection = "strong" did nothing: Flask-Login only marks a *permanent* session non-fresh."""
    email = admin(client, session)
    assert factories.sign_in(client, email).status == 302
    thief = app.test_client()
    thief.set_cookie("session", session_cookie(client), domain="localhost")
    assert thief.get("/manage/", **moved).status_code == 302, "the copied cookie does not sign the thief in"
    assert client.get("/manage/").status == 200, "the manager's own browser is still signed in"
