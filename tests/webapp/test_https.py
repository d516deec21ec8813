"""Production's HTTPS, in a real browser: gunicorn serving TLS, and gunicorn behind a TLS proxy.

A manager signs in and a respondent presses Start, in Chromium, over each. Before the fix both
answered 400 "This page has expired": every page said `Referrer-Policy: no-referrer`, so the
browser sent no Referer, and Flask-WTF's HTTPS check needs one (same_origin.py says what replaced
it). And gunicorn believed X-Forwarded-Proto from any client on 127.0.0.1, whatever
TRUSTED_PROXIES said (gunicorn.conf.py now believes none).
"""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from surveyapp import create_app, db
from surveyapp.cli import upgrade
from surveyapp.models import Role

from . import factories, tls
from .conftest import SECRET, free_port
from .test_browser import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Council:
    url: str
    admin: str
    token: str


@pytest.fixture(scope="module")
def council(tmp_path_factory: pytest.TempPathFactory) -> Council:
    url = f"sqlite:///{tmp_path_factory.mktemp('https') / 'https.db'}"
    upgrade(url)
    app = create_app({"ENV_NAME": "testing", "DATABASE_URL": url, "SECRET_KEY": SECRET})
    with app.app_context():
        session = db.session()
        made = factories.council(session)
        admin = factories.user(session, made, Role.ADMIN)
        run = factories.run(session, made)
        # one link per sitting: a link whose answers were sent cannot start again
        token = factories.invitation(session, run, factories.team(session, made, "Assessment North"))
    app.extensions["surveyapp.engine"].dispose()
    return Council(url, admin, token)


@contextmanager
def gunicorn(council: Council, *, tls_files: tuple[str, str] | None, trusted_proxies: int = 0,
             port: int | None = None) -> Iterator[str]:
    """gunicorn from the repository's root (so it reads gunicorn.conf.py), one worker; yields its address."""
    port = port or free_port()
    scheme = "https" if tls_files else "http"
    env = {**os.environ, "SURVEYAPP_ENV": "testing", "SECRET_KEY": SECRET, "DATABASE_URL": council.url,
           "BASE_URL": f"{scheme}://127.0.0.1:{port}", "TRUSTED_PROXIES": str(trusted_proxies),
           "RATELIMIT_STORAGE_URI": "memory://", "QUEUE_BACKEND": "immediate", "EMAIL_BACKEND": "none"}
    command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
               "--error-logfile", "-", "wsgi:app"]
    if tls_files:
        command += ["--certfile", tls_files[0], "--keyfile", tls_files[1]]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output: list[str] = []
    assert server.stdout is not None
    for line in server.stdout:  # gunicorn binds before it says so: from here a connection waits for the worker
        output.append(line)
        if "Listening at" in line:
            break
    else:
        pytest.fail("gunicorn did not start:\n" + "".join(output))
    drain = threading.Thread(target=lambda: output.extend(server.stdout or ()), daemon=True)
    drain.start()
    try:
        yield f"{scheme}://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)
        drain.join(timeout=10)
        assert "Traceback" not in "".join(output), "".join(output)


@pytest.fixture(scope="module")
def browser_page() -> Iterator[Page]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser  # type: ignore[misc]
        browser.close()


def walk(browser, base_url: str, council: Council, token: str) -> None:
    """A manager signs in; a respondent opens their link and presses Start: each reaches the next page."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.goto(f"{base_url}/manage/sign-in")
    assert page.url.startswith("https://")
    page.get_by_role("textbox", name="Email address").fill(council.admin)
    page.get_by_role("textbox", name="Password", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("h1")).not_to_have_text("This page has expired")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    context.close()

    respondent = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    respondent.set_default_timeout(30_000)
    page = respondent.new_page()
    page.goto(f"{base_url}/invite/{token}")
    page.get_by_role("button", name="Start now").click()
    expect(page.locator("h1")).not_to_have_text("This page has expired")
    expect(page.locator("form button.govuk-button").first).to_be_visible()
    assert "/survey" in page.url
    respondent.close()


def test_forms_work_with_gunicorn_serving_tls(council, browser_page):
    with gunicorn(council, tls_files=tls.certificate()) as base_url:
        walk(browser_page, base_url, council, council.token)


def test_forms_work_behind_a_tls_proxy_that_sets_x_forwarded_proto(council, browser_page):
    """TRUSTED_PROXIES=1, as the README says for one proxy; BASE_URL is left at gunicorn's own address,
    so the origin check has to take this site's address from the proxy's X-Forwarded-Host."""
    port = free_port()
    with gunicorn(council, tls_files=None, trusted_proxies=1, port=port) as _, tls.proxy(port) as base_url:
        hsts = _headers(f"{base_url}/manage/sign-in").get("Strict-Transport-Security", "")
        assert hsts.startswith("max-age="), "the app sees the request as secure, through the proxy"
        walk(browser_page, base_url, council, _another_link(council))


def test_gunicorn_believes_no_forwarded_header_unless_the_council_says_so(council):
    """A client on 127.0.0.1 (another service on the web machine, say) claims HTTPS over plain http: with
    TRUSTED_PROXIES unset it is not believed (no HSTS, which the app sends only on secure requests)."""
    with gunicorn(council, tls_files=None) as base_url:
        headers = _headers(f"{base_url}/manage/sign-in", {"X-Forwarded-Proto": "https", "X-Forwarded-Ssl": "on",
                                                           "X-Forwarded-Protocol": "ssl"})
        assert "Strict-Transport-Security" not in headers


def _headers(url: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    context = ssl.create_default_context(cafile=tls.certificate()[0])
    request = urllib.request.Request(url, headers=extra or {})
    with urllib.request.urlopen(request, timeout=30, context=context) as response:
        return dict(response.headers.items())


def _another_link(council: Council) -> str:
    app = create_app({"ENV_NAME": "testing", "DATABASE_URL": council.url, "SECRET_KEY": SECRET})
    with app.app_context():
        from sqlalchemy import select

        from surveyapp.models import SurveyRun, Team

        session = db.session()
        run = session.scalars(select(SurveyRun)).one()
        team = session.scalars(select(Team)).first()
        token = factories.invitation(session, run, team, name="Sam Lee")
    app.extensions["surveyapp.engine"].dispose()
    return token
