"""Forms over HTTPS: accepted from this site without a Referer, refused from any other site.

Browsers send what the page's referrer policy lets them: with `no-referrer` a form POST carried no
`Referer` and `Origin: null`, and Flask-WTF's HTTPS check (which needs a Referer) refused every
form. These tests send what Chromium sends under each policy (tests/webapp/test_https.py drives a
real Chromium against gunicorn over TLS and behind a TLS proxy).
"""

from __future__ import annotations

import pytest

from surveyapp.models import Role

from . import factories

pytestmark = pytest.mark.usefixtures("quick_password_hashing")

HTTPS = "https://localhost"


@pytest.fixture
def manager(session):
    return factories.user(session, factories.council(session), Role.ADMIN)


def sign_in(client, email: str, headers: dict[str, str]):
    form = client.get("/manage/sign-in", base_url=HTTPS).form_data()
    form.update({"email": email, "password": factories.PASSWORD})
    return client.post("/manage/sign-in", form, base_url=HTTPS, headers=headers)


def test_the_policy_sends_the_origin_to_this_site_and_nothing_to_others(client):
    assert client.get("/manage/sign-in").response.headers["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("headers", [
    # Chromium, Firefox and Safari today: Sec-Fetch-Site, and Origin (no Referer: the old policy)
    {"Sec-Fetch-Site": "same-origin", "Origin": "null"},
    # a browser without Sec-Fetch-Site, under `same-origin`: Origin and Referer name this site
    {"Origin": HTTPS, "Referer": f"{HTTPS}/manage/sign-in"},
    # Origin alone
    {"Origin": HTTPS},
], ids=["sec-fetch-site", "origin-and-referer", "origin"])
def test_a_sign_in_over_https_from_this_site_works(client, manager, headers):
    page = sign_in(client, manager, headers)
    assert page.status == 302, page.text()[:300]
    assert page.response.headers["Location"].endswith("/manage/")


@pytest.mark.parametrize("headers", [
    {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
    {"Sec-Fetch-Site": "same-site", "Origin": "https://other.localhost"},
    {"Origin": "https://evil.example"},
    {"Origin": "https://localhost:8443"},  # the same host on another port: another origin
    {"Referer": "https://evil.example/form"},
    {},  # nothing says where the form came from: as Flask-WTF's own HTTPS check, refused
], ids=["cross-site", "same-site", "other-origin", "other-port", "other-referer", "nothing"])
def test_a_form_from_another_site_is_refused_even_with_a_good_token(client, manager, headers):
    page = sign_in(client, manager, headers)
    assert page.status == 400
    assert page.h1 == "This page has expired"
    assert client.get("/manage/", base_url=HTTPS).status == 302, "not signed in"


def test_a_form_over_plain_http_from_a_laptop_still_works_without_headers(client, manager):
    page = factories.sign_in(client, manager)
    assert page.status == 302


def test_base_url_counts_as_this_site_when_a_proxy_does_not_say_so(app, session, client, manager):
    """A proxy that forwards to http://127.0.0.1:8000 without X-Forwarded-Host: the request's own
    address is not the browser's, but the origin matches BASE_URL."""
    app.config["BASE_URL"] = "https://healthcheck.example-council.gov.uk"
    form = client.get("/manage/sign-in", base_url=HTTPS).form_data()
    form.update({"email": manager, "password": factories.PASSWORD})
    page = client.post("/manage/sign-in", form, base_url=HTTPS,
                       headers={"Origin": "https://healthcheck.example-council.gov.uk"})
    assert page.status == 302
