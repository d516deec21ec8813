"""Input a person (or an attacker) can type that used to give a 500: each now gets a plain page.

NUL in a comment and in a staff list, '--5' and '²' in a number box, an id too large for
PostgreSQL in an address, an over-large or over-long request, and a database that cannot even
roll back when a fault happens. Every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from surveyapp.models import Answer, Invitation, Role
from surveyapp.questionnaires import builtin

from . import factories
from .conftest import Page, check_page
from .test_staff_import import GOOD_LIST, admin_with_run, problems, upload, write_csv

HEALTH_CHECK = next(q for q in builtin() if q.key == "health-check")
pytestmark = pytest.mark.usefixtures("quick_password_hashing")


def respondent(client, session):
    made = factories.council(session)
    run = factories.run(session, made)
    client.get(f"/invite/{factories.invitation(session, run, factories.team(session, made, 'Assessment North'))}")
    return run


def test_a_nul_typed_in_a_comment_is_dropped_and_the_survey_submits(client, session):
    respondent(client, session)
    comment = "Smaller\x00 caseloads,\x07 please.\nAnd\ttime.\r\nThanks\x1b"
    assert factories.walk(client, HEALTH_CHECK, {"biggest_difference": comment}) == "/survey/check"
    check = client.get("/survey/check")
    assert "Smaller caseloads, please." in check.text()

    submitted = client.submit("/survey/check")
    assert submitted.status == 302 and submitted.response.headers["Location"] == "/survey/done"
    stored = session.scalar(select(Answer.text).where(Answer.question_id == "biggest_difference"))
    assert stored == "Smaller caseloads, please.\nAnd\ttime.\r\nThanks"


def test_a_nul_in_a_draft_saved_before_the_cleaning_still_submits(app, client, session):
    """Drafts saved before this fix hold the NUL: the answers are cleaned again as they are stored."""
    run = respondent(client, session)
    factories.walk(client, HEALTH_CHECK)
    token = factories.respondent_token(client)
    from surveyapp.respond import journey

    answers = journey.load_answers(session, token)
    answers["biggest_difference"] = "Before\x00 the fix"
    journey.save_answers(session, run, token, answers)

    assert client.submit("/survey/check").response.headers["Location"] == "/survey/done"
    stored = session.scalar(select(Answer.text).where(Answer.question_id == "biggest_difference"))
    assert stored == "Before the fix"


def test_control_characters_in_the_address_are_dropped(client, session):
    made = factories.council(session)
    factories.run(session, made)
    factories.sign_in(client, factories.user(session, made, Role.ADMIN))
    page = client.get("/manage/?unit=team%3A1%00")
    assert page.status == 200


@pytest.mark.parametrize("typed", ["--5", "²", "5-", "1e3", "12.5", "٣", "9" * 5000, "-" * 3, "+5"])
def test_a_number_box_refuses_what_int_cannot_read_and_keeps_it(client, session, typed):
    respondent(client, session)
    factories.walk(client, HEALTH_CHECK)
    page = client.submit("/survey/workload", {"children_allocated": typed})
    assert page.status == 200, page.status
    assert page.title.startswith("Error: ")
    assert {"Enter a whole number, like 12", "Enter a number between 0 and 80"} & set(page.errors()), page.errors()
    assert page.soup.select_one("input[name=children_allocated]")["value"] == typed


def test_a_month_with_odd_digits_gets_a_plain_message(client, session):
    made = factories.council(session)
    run = factories.run(session, made, "exit-interview")
    client.get(f"/invite/{factories.invitation(session, run, factories.team(session, made, 'Assessment North'))}")
    exit_interview = next(q for q in builtin() if q.key == "exit-interview")
    factories.walk(client, exit_interview)
    section = next(s for s in exit_interview.sections if any(q.type == "month" for q in s.questions))
    question = next(q for q in section.questions if q.type == "month")
    page = client.submit(f"/survey/{section.id}", {question.id: ["²", "2026"]})
    assert page.status == 200
    assert "Enter a real month and year, like 9 2026" in page.errors()


@pytest.mark.parametrize("path", ["/manage/runs/99999999999999999999999", "/manage/runs/2147483648",
                                  "/manage/runs/99999999999999999999999/results", "/manage/runs/99999999999999999999999/results/caseload_manageable",
                                  "/manage/runs/99999999999999999999999/themes/",
                                  "/manage/runs/99999999999999999999999/leavers/",
                                  "/manage/runs/99999999999999999999999/staff",
                                  "/manage/runs/99999999999999999999999/close"])
def test_an_id_too_large_for_the_database_is_not_found(app, client, session, path):
    made = factories.council(session)
    factories.sign_in(client, factories.user(session, made, Role.ADMIN))
    page = client.get(path)
    assert page.status == 404 and page.h1 == "Page not found"


def test_every_int_route_is_bounded(app):
    from surveyapp.hardening import LARGEST_ID, IdConverter

    bounded = [rule for rule in app.url_map.iter_rules() if "<int:" in rule.rule]
    assert bounded, "the app has routes with ids"
    for rule in bounded:
        for converter in rule._converters.values():
            if isinstance(converter, IdConverter):
                assert converter.max == LARGEST_ID, rule.rule


def test_when_the_database_cannot_even_roll_back_the_app_still_shows_its_error_page(
        client, session, monkeypatch):
    made = factories.council(session)
    factories.sign_in(client, factories.user(session, made, Role.ADMIN))

    def gone(*_args, **_kwargs):
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))

    for method in ("execute", "get", "scalar", "scalars", "rollback", "close", "commit"):
        monkeypatch.setattr(Session, method, gone)
    response = client.client.get("/manage/")  # the raw client: the checked one rolls the test's session back
    monkeypatch.undo()
    page = Page(response)
    check_page(page)
    assert page.status == 503  # a lost connection: the database is unavailable, not a fault of the page
    assert page.h1 == "Sorry, the service is unavailable"
    assert "Answers you saved before this page are kept" in page.text()


def test_a_nul_in_a_staff_list_is_dropped(client, session, tmp_path):
    _, run = admin_with_run(client, session)
    path = write_csv(tmp_path, GOOD_LIST.replace("Asha Khan", "Asha\x00 Khan"))
    page = upload(client, run.id, path)
    assert page.status == 200 and page.h1 == "3 invitations being sent", page.text()
    assert "Asha Khan" in session.scalars(select(Invitation.name)).all()


@pytest.mark.parametrize("encoding, refused_line", [("iso-8859-2", 3), ("shift_jis", 3), ("utf-16", None),
                                                    ("mac_cyrillic", 3)])
def test_a_staff_list_in_an_encoding_we_cannot_tell_is_refused_with_its_line(client, session, tmp_path, encoding,
                                                                               refused_line):
    _, run = admin_with_run(client, session)
    names = {"iso-8859-2": "Łukasz Wójcik", "shift_jis": "佐藤 花子", "utf-16": "Zoë Brontë", "mac_cyrillic": "Иван Петров"}
    text = GOOD_LIST.replace("Ben Jones", names[encoding])
    path = write_csv(tmp_path, text.encode(encoding))
    page = upload(client, run.id, path)
    assert page.status == 200 and page.title.startswith("Error: ")
    listed = problems(page)
    assert len(listed) == 1 and listed[0].startswith("The file is not a CSV file saved as text"), listed
    assert "CSV UTF-8" in listed[0]
    if refused_line:
        assert f"line {refused_line}" in listed[0], listed
    else:
        assert "UTF-16" in listed[0]
    assert session.scalar(select(Invitation.id)) is None


def test_a_staff_list_with_a_byte_order_mark_imports(client, session, tmp_path):
    _, run = admin_with_run(client, session)
    path = write_csv(tmp_path, GOOD_LIST.replace("Ben Jones", "Zoë Brontë").encode("utf-8-sig"))
    page = upload(client, run.id, path)
    assert page.h1 == "3 invitations being sent"
    assert "Zoë Brontë" in session.scalars(select(Invitation.name)).all()


def test_an_over_large_upload_gets_a_plain_413(client, session):
    _, run = admin_with_run(client, session)
    url = f"/manage/runs/{run.id}/staff"
    data = client.get(url).form_data()
    data["staff_list"] = (io.BytesIO(b"name,email,team\n" + b"x" * (6 * 1024 * 1024)), "staff.csv")
    page = client.post(url, data, content_type="multipart/form-data")
    assert page.status == 413 and page.h1 == "What you sent is too large"


def test_too_many_fields_or_too_long_a_form_gets_a_plain_413(client, session):
    respondent(client, session)
    many = {f"field{i}": "x" for i in range(400)}
    assert client.post("/survey/workload", many).status == 413
    long = {"children_allocated": "1" * (300 * 1024)}
    page = client.post("/survey/workload", long)
    assert page.status == 413 and page.h1 == "What you sent is too large"


# Issue 21: what a fuzzer still turned into a 500 ------------------------------------------------


@pytest.mark.parametrize("path", ["/plans/%00", "/plans/a%00b", "/plans/north%01shire/1", "/plans/%7f/1/download/csv"])
def test_a_control_character_in_an_address_is_not_found(client, session, path):
    factories.council(session)
    page = client.get(path)
    assert page.status == 404 and page.h1 == "Page not found"


def test_a_staff_list_with_a_name_or_email_too_long_is_refused_with_its_line(client, session, tmp_path):
    _, run = admin_with_run(client, session)
    long_email = "a" * 320 + "@northshire.example"
    text = (GOOD_LIST.replace("Asha Khan", "Asha " + "K" * 300)
            .replace("cara.lee@northshire.example", long_email))
    page = upload(client, run.id, write_csv(tmp_path, text))
    assert page.status == 200 and page.title.startswith("Error: ")
    assert problems(page) == ["Line 2: the name must be 200 characters or fewer",
                              "Line 4: the email address must be 320 characters or fewer"]
    assert session.scalar(select(Invitation.id)) is None


def test_a_staff_list_with_a_column_twice_is_refused(client, session, tmp_path):
    _, run = admin_with_run(client, session)
    text = "name,email,team,email\nAsha Khan,asha@northshire.example,Assessment North,other@elsewhere.example\n"
    page = upload(client, run.id, write_csv(tmp_path, text))
    assert page.status == 200 and page.title.startswith("Error: ")
    assert problems(page) == ["The first row names the column ‘email’ twice: a column can be named only once"]
    assert session.scalar(select(Invitation.id)) is None


def organisation_upload(client, body: bytes):
    form = client.get("/manage/organisation/import").form_data()
    form["organisation"] = (io.BytesIO(body), "organisation.csv")
    return client.post("/manage/organisation/import", form, content_type="multipart/form-data")


def test_an_organisation_csv_with_a_nul_in_a_team_name_loads_without_it(client, session):
    from surveyapp.models import Team

    made = factories.council(session)
    factories.sign_in(client, factories.user(session, made, Role.ADMIN))
    page = organisation_upload(client, b"service_area,team\nEarly Help,Family\x00 Support\n")
    assert page.status == 302, page.text()
    assert "Family Support" in session.scalars(select(Team.name)).all()


@pytest.mark.parametrize("body, message", [
    (b"service_area,team,team\nEarly Help,Youth,Family Support\n", "names the column ‘team’ twice"),
    ("service_area,team\nEarly Help,Youth\n".encode("utf-16"), "UTF-16"),
    (bytes(range(256)) * 4, "not a CSV file saved as text"),
])
def test_an_organisation_csv_that_cannot_be_read_as_meant_is_refused(client, session, body, message):
    made = factories.council(session)
    factories.sign_in(client, factories.user(session, made, Role.ADMIN))
    page = organisation_upload(client, body)
    assert page.status == 200 and page.title.startswith("Error: ")
    assert message in " ".join(page.errors()), page.errors()


def workforce_upload(client, run_id: int, body: bytes):
    url = f"/manage/runs/{run_id}/report/workforce"
    form = client.get(url).form_data()
    form["workforce_file"] = (io.BytesIO(body), "hr.csv")
    return client.post(url, form, content_type="multipart/form-data")


WORKFORCE = ("service_area,posts_fte,vacancies_fte,agency_fte,starters_fte,leavers_fte,asye,average_caseload\n"
             "Children in Care,20,2,1,3,2,1,15\n")


@pytest.mark.parametrize("body, message", [
    (WORKFORCE.encode("utf-16"), "UTF-16"),
    (bytes(range(256)) * 8, "not a CSV file saved as text"),
    (WORKFORCE.replace("asye,", "posts_fte,").encode(), "names the column ‘posts_fte’ twice"),
])
def test_a_workforce_csv_that_cannot_be_read_as_meant_is_refused(client, session, body, message):
    from surveyapp.models import WorkforceFigures

    _, run = admin_with_run(client, session)
    page = workforce_upload(client, run.id, body)
    assert page.status == 200 and page.title.startswith("Error: "), page.status
    assert message in page.text(), page.text()[:2000]
    assert session.scalar(select(WorkforceFigures.id)) is None


def big_list(rows: int) -> str:
    """A staff list naming a team the council does not have, of about `rows` × 240 bytes."""
    return "name,email,team\n" + "".join(f"Person {i:05} {'x' * 180},person{i}@northshire.example,Brand New Team\n"
                                         for i in range(rows))


def test_a_large_staff_list_naming_a_new_team_can_be_confirmed(app, client, session, tmp_path):
    """A 300 KB list naming a new team: it used to ride back base64 in a form field, and the confirm was a 413."""
    from surveyapp.models import PendingUpload

    app.config.update({"EMAIL_BACKEND": "outbox", "OUTBOX_DIR": str(tmp_path / "outbox")})
    _, run = admin_with_run(client, session)
    text = big_list(1300)
    assert len(text.encode()) > 300 * 1024
    page = upload(client, run.id, write_csv(tmp_path, text))
    assert page.status == 200 and page.h1 == "The list names 1 team your council does not have", page.h1
    form = page.form_data()
    assert len(" ".join(str(v) for v in form.values())) < 1000, "the file stays on the server, not in the page"
    done = client.post(f"/manage/runs/{run.id}/staff/new-teams", {**form, "service_area": "Early Help"})
    assert done.status == 200 and done.h1 == "1300 invitations being sent", (done.status, done.h1)
    assert session.scalar(select(PendingUpload.id_hash)) is None, "the list is not kept once imported"
    again = client.post(f"/manage/runs/{run.id}/staff/new-teams", {**form, "service_area": "Early Help"})
    assert again.status == 302, "confirming twice imports nothing more"


def test_a_pending_staff_list_can_be_cancelled_and_is_for_its_admin_alone(app, client, session, tmp_path):
    from surveyapp.models import PendingUpload

    made, run = admin_with_run(client, session)
    page = upload(client, run.id, write_csv(tmp_path, big_list(3)))
    form = page.form_data()
    other = client.another()
    factories.sign_in(other, factories.user(session, made, Role.ADMIN, email="second.admin@northshire.example"))
    theirs = other.post(f"/manage/runs/{run.id}/staff/new-teams",
                        {**form, "csrf_token": other.get(f"/manage/runs/{run.id}/staff").form_data()["csrf_token"],
                         "service_area": "Early Help"})
    assert theirs.status == 302 and session.scalar(select(Invitation.id)) is None, "another admin cannot confirm it"
    cancel = page.soup.select_one("form[action$='/staff/new-teams/cancel']")
    assert cancel is not None, "the page offers to cancel"
    cancelled = client.post(cancel["action"], {"csrf_token": form["csrf_token"], "upload": form["upload"]})
    assert cancelled.status == 302 and cancelled.response.headers["Location"].endswith(f"/manage/runs/{run.id}/staff")
    assert session.scalar(select(PendingUpload.id_hash)) is None
    late = client.post(f"/manage/runs/{run.id}/staff/new-teams", {**form, "service_area": "Early Help"})
    assert late.status == 302 and session.scalar(select(Invitation.id)) is None


def test_a_six_megabyte_list_sent_to_gunicorn_gets_the_too_large_page(tmp_path):
    """Through a real server, as a browser sends it: the app answered 413 without reading the body and gunicorn
    closed the connection under the upload, so the browser showed 'connection reset' and no page."""
    import http.client

    from surveyapp import create_app, db
    from surveyapp.cli import upgrade

    from .test_https import Council, gunicorn

    url = f"sqlite:///{tmp_path / 'big.db'}"
    upgrade(url)
    made_app = create_app({"ENV_NAME": "testing", "DATABASE_URL": url, "SECRET_KEY": "x" * 40})
    with made_app.app_context():
        made = factories.council(db.session())
        run = factories.run(db.session(), made)
    made_app.extensions["surveyapp.engine"].dispose()
    boundary = "----surveyapp-test-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"staff_list\"; filename=\"staff.csv\"\r\n"
            f"Content-Type: text/csv\r\n\r\nname,email,team\r\n").encode() + b"Asha Khan,asha@x.example,Team\r\n" * 200_000 \
        + f"\r\n--{boundary}--\r\n".encode()
    assert len(body) > 6 * 1000 * 1000
    with gunicorn(Council(url, "", ""), tls_files=None) as base_url:
        host, port = base_url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=60)
        connection.request("POST", f"/manage/runs/{run.id}/staff", body=body,
                           headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        response = connection.getresponse()
        page = response.read().decode()
        connection.close()
    assert response.status == 413, response.status
    assert "What you sent is too large" in page and "5 MB" in page
