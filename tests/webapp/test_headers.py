"""Security headers: one test per header, on respondent pages, manager pages, exports and errors."""

from __future__ import annotations

import re

import pytest

from surveyapp.models import Role

from . import factories

pytestmark = pytest.mark.usefixtures("quick_password_hashing")


@pytest.fixture
def pages(client, session):
    """A respondent page, a manager page, a results export, an error page and a static file."""
    made = factories.council(session)
    run = factories.run(session, made)
    north = factories.team(session, made, "Assessment North")
    factories.agreement_responses(session, run, north, agree=8, disagree=6)
    factories.release(session, run, "interim")
    respondent = client.another()
    respondent.get(f"/invite/{factories.invitation(session, run, None)}")
    factories.sign_in(client, factories.user(session, made, Role.ADMIN))
    return {
        "respondent": respondent.get("/survey"),
        "manager": client.get(f"/manage/runs/{run.id}"),
        "sign-in": client.another().get("/manage/sign-in"),
        "results": client.get(f"/manage/runs/{run.id}/results"),
        "question": client.get(f"/manage/runs/{run.id}/results/caseload_manageable"),
        "export": client.get(f"/manage/runs/{run.id}/results/?format=csv"),
        "not found": client.get("/manage/runs/999999"),
        "static": client.get("/static/js/init.js"),
    }


def test_every_response_has_a_content_security_policy_without_inline_script(pages):
    for name, page in pages.items():
        policy = dict(part.strip().split(" ", 1) for part in page.response.headers["Content-Security-Policy"].split(";"))
        assert policy["script-src"] == "'self'", name
        assert policy["style-src"] == "'self'", name
        assert policy["default-src"] == "'self'", name
        assert policy["object-src"] == "'none'" and policy["base-uri"] == "'none'", name
        assert "unsafe-inline" not in page.response.headers["Content-Security-Policy"], name


def test_pages_hold_nothing_the_policy_would_block(pages):
    assert pages["question"].soup.select(".app-bar"), "the results show bars (as classes)"
    assert pages["results"].soup.select("[class*=app-heat--]"), "the results show a heatmap (as classes)"
    """No inline <script>, no on...= handler, no style= attribute, no javascript: link, no outside source."""
    for name, page in pages.items():
        if "text/html" not in page.response.content_type:
            continue
        for script in page.soup.find_all("script"):
            assert script.get("src", "").startswith("/static/"), (name, str(script)[:200])
            assert not script.get_text(strip=True), (name, str(script)[:200])
        for element in page.soup.find_all(True):
            assert "style" not in element.attrs, (name, str(element)[:200])
            assert not [a for a in element.attrs if a.lower().startswith("on")], (name, str(element)[:200])
            for attr in ("href", "src", "action"):
                assert not str(element.get(attr, "")).lower().startswith("javascript:"), name
        assert not page.soup.find("style"), name


def test_no_page_can_be_framed(pages):
    for name, page in pages.items():
        assert "frame-ancestors 'none'" in page.response.headers["Content-Security-Policy"], name
        assert page.response.headers["X-Frame-Options"] == "DENY", name


def test_no_referrer_leaves_for_another_site(pages):
    for name, page in pages.items():
        assert page.response.headers["Referrer-Policy"] == "same-origin", name


def test_no_content_type_sniffing(pages):
    for name, page in pages.items():
        assert page.response.headers["X-Content-Type-Options"] == "nosniff", name


def test_pages_and_exports_are_never_stored_but_static_files_may_be(pages):
    for name in ("respondent", "manager", "sign-in", "results", "question", "export", "not found"):
        assert pages[name].response.headers["Cache-Control"] == "no-store", name
    assert "no-store" not in pages["static"].response.headers.get("Cache-Control", "")


def test_hsts_only_over_tls(client, session):
    assert "Strict-Transport-Security" not in client.get("/manage/sign-in").response.headers
    secure = client.get("/manage/sign-in", base_url="https://localhost")
    assert re.fullmatch(r"max-age=\d{7,}; includeSubDomains", secure.response.headers["Strict-Transport-Security"])


def test_behind_a_trusted_proxy_hsts_follows_x_forwarded_proto(app, client):
    forwarded = {"X-Forwarded-Proto": "https"}
    assert "Strict-Transport-Security" not in client.get("/manage/sign-in", headers=forwarded).response.headers

    from surveyapp import create_app

    behind = create_app({**app.config, "TRUSTED_PROXIES": 1})
    response = behind.test_client().get("/manage/sign-in", headers=forwarded)
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    behind.extensions["surveyapp.engine"].dispose()
