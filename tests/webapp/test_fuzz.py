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
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from surveyapp.manage import staff
from surveyapp.models import Role, Team
from surveyapp.questionnaires import builtin
from surveyapp.respond import journey

from . import factories

pytestmark = pytest.mark.usefixtures("quick_password_hashing")
QUESTIONNAIRES = {q.key: q for q in builtin()}
FUZZ = settings(max_examples=15, deadline=None, database=None, derandomize=True,  # the same examples every run
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


# Issue 21: addresses, every import, and the forms added since -----------------------------------------

def quoted(word: str) -> str:
    return urllib.parse.quote(word.encode("utf-8", "surrogatepass"), safe="")


segment = st.one_of(st.sampled_from([quoted(w) for w in ODD if w] + ["%00", "a%00b", "..", "%2e%2e", "%ff%fe", "%c0%af"]),
                    st.binary(min_size=1, max_size=40).map(lambda b: urllib.parse.quote_from_bytes(b, safe="")),
                    text.filter(bool).map(quoted))


def test_every_address_with_a_word_in_it_takes_anything(client, session):
    """`/plans/%00` and `/plans/a%00b` were 500s: a word in an address reached PostgreSQL with a NUL in it."""
    factories.council(session)

    @FUZZ
    @given(word=segment, number=st.integers(0, 2**40))
    @example(word="%00", number=1)
    @example(word="a%00b", number=1)
    def fuzz(word: str, number: int) -> None:
        for path in (f"/plans/{word}", f"/plans/{word}/{number}", f"/plans/northshire/{number}/download/{word}",
                     f"/invite/{word}", f"/manage/password/{word}", f"/open/{word}"):
            response = client.client.get(path)
            assert response.status_code < 500, (path, response.status_code)

    fuzz()


workforce_header = "service_area,posts_fte,vacancies_fte,agency_fte,starters_fte,leavers_fte,asye,average_caseload"
workforce_bytes = st.one_of(
    st.binary(max_size=2000),
    st.lists(st.lists(st.one_of(csv_cell, numbers), min_size=1, max_size=9), max_size=10).flatmap(
        lambda rows: st.tuples(st.sampled_from([workforce_header, workforce_header + ",asye", "service_area,service_area"]),
                               st.sampled_from(["utf-8", "utf-16", "cp1252", "utf-8-sig"])).map(
            lambda pick: (pick[0] + "\n" + "\n".join(",".join(r) for r in rows)).encode(pick[1], "replace"))),
)
organisation_bytes = st.one_of(
    st.binary(max_size=2000),
    st.lists(st.lists(csv_cell, min_size=1, max_size=3), max_size=10).flatmap(
        lambda rows: st.tuples(st.sampled_from(["service_area,team", "service_area,team,team", "team,service_area"]),
                               st.sampled_from(["utf-8", "utf-16", "cp1252"])).map(
            lambda pick: (pick[0] + "\n" + "\n".join(",".join(r) for r in rows)).encode(pick[1], "replace"))),
)


@settings(max_examples=300, deadline=None, database=None, derandomize=True)
@given(data=workforce_bytes)
@example(data="service_area,team\n".encode("utf-16"))
def test_the_workforce_parser_only_ever_reports_problems(data: bytes):
    from surveyapp.models import ServiceArea
    from surveyapp.reports import workforce

    try:
        rows = workforce.parse(data, {"children in care": ServiceArea(id=1, name="Children in Care")})
    except workforce.WorkforceFileError as problems:
        assert problems.problems and all(isinstance(p, str) and p for p in problems.problems)
    else:
        assert rows


def test_the_organisation_and_workforce_uploads_take_anything(client, session):
    from .test_staff_import import admin_with_run

    _, run = admin_with_run(client, session)
    uploads = {"/manage/organisation/import": ("organisation", organisation_bytes),
               f"/manage/runs/{run.id}/report/workforce": ("workforce_file", workforce_bytes)}
    csrf = csrf_of(client, "/manage/organisation/import")

    @FUZZ
    @given(data=st.data())
    def fuzz(data: st.DataObject) -> None:
        import io

        url = data.draw(st.sampled_from(sorted(uploads)))
        field, strategy = uploads[url]
        response = client.client.post(url, data={"csrf_token": csrf, field: (io.BytesIO(data.draw(strategy)), "x.csv")},
                                      content_type="multipart/form-data")
        assert response.status_code < 500, (url, response.status_code)

    fuzz()


def test_confirming_and_cancelling_new_teams_takes_anything(client, session):
    import io

    from .test_staff_import import admin_with_run

    _, run = admin_with_run(client, session)
    csrf = csrf_of(client, f"/manage/runs/{run.id}/staff")
    listed = client.client.post(f"/manage/runs/{run.id}/staff", content_type="multipart/form-data", data={
        "csrf_token": csrf, "staff_list": (io.BytesIO(b"name,email,team\nAl,al@x.example,Brand New Team\n"), "s.csv")})
    real_id = listed.get_data(as_text=True).split('name="upload" type="hidden" value="')[-1].split('"')[0]

    @FUZZ
    @given(upload=st.one_of(st.just(real_id), value), area=value, cancel=st.booleans())
    def fuzz(upload: str, area: str, cancel: bool) -> None:
        url = f"/manage/runs/{run.id}/staff/new-teams" + ("/cancel" if cancel else "")
        post(client, url, {"upload": upload, "service_area": area}, csrf)

    fuzz()


def test_the_account_forms_take_anything(client, session):
    made = factories.council(session)
    factories.sign_in(client, factories.user(session, made, Role.ADMIN))
    csrf = csrf_of(client, "/manage/users/invite")
    forms = {"/manage/users/invite": ["email", "name", "role", "areas", "teams"],
             "/manage/forgot-password": ["email"]}

    @FUZZ
    @given(data=st.data())
    def fuzz(data: st.DataObject) -> None:
        url = data.draw(st.sampled_from(sorted(forms)))
        post(client, url, {name: data.draw(value) for name in forms[url]}, csrf)

    fuzz()
