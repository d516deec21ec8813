"""Every form and the staff list import, fuzzed (hypothesis): whatever is sent, never a 5xx.

Values mix NUL and other control characters, lone surrogates (sent as the bytes a broken
client would send), huge and odd-digit numbers ('²', '٣', '--5'), emoji and very long strings.
Bodies are url-encoded by hand, so bytes the test client would refuse to encode still go out.
Examples are bounded so the file stays quick; each test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import urllib.parse
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveyapp.manage import staff
from surveyapp.models import Role, Team
from surveyapp.questionnaires import builtin
from surveyapp.respond import journey

from . import factories

pytestmark = pytest.mark.usefixtures("quick_password_hashing")
QUESTIONNAIRES = {q.key: q for q in builtin()}
FUZZ = settings(max_examples=15, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

ODD = ["\x00", "a\x00b", "--5", "²", "٣", "１２", "-0", "1e309", "9" * 5000, "\ud800", "\udfff", "\U0010ffff",
       "💥" * 100, "\u202e", "\ufeff", "=cmd|' /C calc'!A0", "<script>alert(1)</script>", "' OR 1=1 --", "\r\n\r\n"]
text = st.text(alphabet=st.characters(codec=None, categories=None), max_size=60)
numbers = st.integers(min_value=-10**40, max_value=10**40).map(str)
long_text = st.builds(lambda c, n: c * n, st.sampled_from(["a", "\x00", "é", "💥", " "]), st.integers(1000, 40_000))
value = st.one_of(st.sampled_from(ODD), text, numbers, long_text)


def body(fields: dict[str, Any]) -> bytes:
    """application/x-www-form-urlencoded, with surrogates passed through as (invalid) bytes."""
    pairs = []
    for name, values in fields.items():
        for item in values if isinstance(values, list) else [values]:
            pairs.append(urllib.parse.quote_from_bytes(name.encode("utf-8", "surrogatepass")) + "="
                         + urllib.parse.quote_from_bytes(str(item).encode("utf-8", "surrogatepass")))
    return "&".join(pairs).encode("ascii")


def post(client, url: str, fields: dict[str, Any], csrf: str):
    response = client.client.post(url, data=body({"csrf_token": csrf, **fields}),
                                  content_type="application/x-www-form-urlencoded")
    assert response.status_code < 500, (url, response.status_code, response.get_data(as_text=True)[:500])
    return response


def csrf_of(client, url: str) -> str:
    page = client.get(url)
    assert page.status == 200, (url, page.status)
    return page.form_data()["csrf_token"]


def fields_for(section, draw_value) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for question in section.questions:
        fields[question.id] = [draw_value(), draw_value()] if question.type in ("month", "multiple_choice") \
            else draw_value()
    return fields


@pytest.mark.parametrize("key", ["health-check", "exit-interview"])
def test_every_respondent_page_takes_anything(client, session, key):
    questionnaire = QUESTIONNAIRES[key]
    made = factories.council(session)
    run = factories.run(session, made, key)
    client.get(f"/invite/{factories.invitation(session, run, factories.team(session, made, 'Assessment North'))}")
    factories.walk(client, questionnaire)  # every page reachable, so every section can be posted to
    csrf = csrf_of(client, "/survey/check")

    @FUZZ
    @given(data=st.data())
    def fuzz(data: st.DataObject) -> None:
        section = data.draw(st.sampled_from(questionnaire.sections))
        fields = fields_for(section, lambda: data.draw(value))
        if data.draw(st.booleans()):
            fields["later"] = ""
        post(client, f"/survey/{section.id}", fields, csrf)
        assert client.client.get("/survey/check").status_code < 500

    fuzz()


def test_a_respondent_submits_whatever_they_typed(client, session):
    """Fuzzed comments through the form, then submit: saved and submitted, or refused, never a 500."""
    questionnaire = QUESTIONNAIRES["health-check"]
    made = factories.council(session)
    run = factories.run(session, made)
    north = factories.team(session, made, "Assessment North")
    client.get(f"/invite/{factories.invitation(session, run, north)}")
    factories.walk(client, questionnaire)
    complete = journey.load_answers(session, factories.respondent_token(client))
    comments = next(s for s in questionnaire.sections if any(q.type == "free_text" for q in s.questions))

    @FUZZ
    @given(typed=st.lists(st.one_of(st.sampled_from(ODD), text, long_text), min_size=3, max_size=3))
    def fuzz(typed: list[str]) -> None:
        browser = client.another()
        token = factories.invitation(session, run, north)
        browser.get(f"/invite/{token}")
        journey.save_answers(session, run, factories.respondent_token(browser), complete)
        csrf = csrf_of(browser, f"/survey/{comments.id}")
        free = [q.id for q in comments.questions if q.type == "free_text"]
        post(browser, f"/survey/{comments.id}", dict(zip(free, typed)), csrf)
        submitted = post(browser, "/survey/check", {}, csrf)
        assert submitted.status_code == 302, submitted.status_code

    fuzz()


def test_every_manager_form_takes_anything(client, session):
    made = factories.council(session)
    run = factories.run(session, made)
    factories.sign_in(client, factories.user(session, made, Role.ADMIN))
    forms = {
        "/manage/runs/new": ["questionnaire", "title", "year", "opens_on", "closes_on"],
        "/manage/settings": ["caseload_policy", "asye_caseload_limit"],
        f"/manage/runs/{run.id}/close": ["submit"],
    }
    csrf = csrf_of(client, "/manage/settings")

    @FUZZ
    @given(data=st.data())
    def fuzz(data: st.DataObject) -> None:
        url = data.draw(st.sampled_from(sorted(forms)))
        fields = {name: [data.draw(value) for _ in range(3)] if name.endswith("_on") else data.draw(value)
                  for name in forms[url]}
        post(client, url, fields, csrf)
        assert client.client.get(f"/manage/?unit={urllib.parse.quote(data.draw(text), safe='')}").status_code < 500

    fuzz()


def test_sign_in_takes_anything(client, session):
    factories.user(session, factories.council(session), Role.ADMIN)

    @FUZZ
    @given(email=value, password=value)
    def fuzz(email: str, password: str) -> None:
        browser = client.another()
        post(browser, "/manage/sign-in", {"email": email, "password": password}, csrf_of(browser, "/manage/sign-in"))

    fuzz()


csv_cell = st.one_of(st.sampled_from(ODD + ["Assessment North", "a@b.example", '"', '""', ",", "\n"]), text)
csv_bytes = st.one_of(
    st.binary(max_size=2000),
    st.lists(st.lists(csv_cell, min_size=1, max_size=4), max_size=20).flatmap(
        lambda rows: st.sampled_from(["utf-8", "utf-16", "cp1252", "latin-1", "utf-8-sig"]).map(
            lambda codec: ("name,email,team\n" + "\n".join(",".join(r) for r in rows)).encode(codec, "replace"))),
)


@settings(max_examples=300, deadline=None, database=None)
@given(data=csv_bytes)
def test_the_staff_list_parser_only_ever_reports_problems(data: bytes):
    teams = {"assessment north": Team(id=1, name="Assessment North")}
    try:
        rows = staff.parse(data, teams)
    except staff.StaffListError as problems:
        assert problems.problems and all(isinstance(p, str) and p for p in problems.problems)
    else:
        assert rows and all("\x00" not in r.name and "\x00" not in r.email for r in rows)


def test_the_staff_list_upload_takes_anything(client, session, tmp_path):
    from .test_staff_import import admin_with_run

    _, run = admin_with_run(client, session)
    url = f"/manage/runs/{run.id}/staff"
    csrf = csrf_of(client, url)

    @FUZZ
    @given(data=csv_bytes)
    def fuzz(data: bytes) -> None:
        import io

        response = client.client.post(url, data={"csrf_token": csrf, "staff_list": (io.BytesIO(data), "staff.csv")},
                                      content_type="multipart/form-data")
        assert response.status_code < 500, response.status_code

    fuzz()
