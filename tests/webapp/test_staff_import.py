"""Staff and leaver lists: real CSV files uploaded through the form, each person emailed their own link.

The app sends through a real SMTP server the tests start (aiosmtpd, `mailbox`); the
tests read what arrived there and follow the links as the people invited would.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from surveyapp import security
from surveyapp.db import Base
from surveyapp.manage import staff
from surveyapp.models import Invitation, Role, Team

from . import factories
from .conftest import path_of

BASE_URL = "http://localhost"  # the `app` fixture's
LINK = re.compile(r"http://localhost/invite/[A-Za-z0-9_\-]+")


# Signing in is not what these tests are about: a cheap argon2id keeps them quick.
pytestmark = pytest.mark.usefixtures("quick_password_hashing")


# Helpers ---------------------------------------------------------------------------------------


def admin_with_run(client, session, key: str = "health-check"):
    made = factories.council(session)
    email = factories.user(session, made, Role.ADMIN)
    assert factories.sign_in(client, email).status == 302
    return made, factories.run(session, made, key)


def write_csv(tmp_path: Path, content: str | bytes, name: str = "staff.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


def upload(client, run_id: int, path: Path | None, filename: str = "staff.csv"):
    """Choose the file and press the button, as an admin would."""
    url = f"/manage/runs/{run_id}/staff"
    form = client.get(url)
    assert form.status == 200
    data = form.form_data()
    if path is None:
        return client.post(url, data, content_type="multipart/form-data")
    with path.open("rb") as handle:
        data["staff_list"] = (handle, filename)
        return client.post(url, data, content_type="multipart/form-data")


def problems(page) -> list[str]:
    return [li.get_text(" ", strip=True) for li in page.soup.select("#problems li")]


def invited_table(page) -> list[list[str]]:
    table = page.soup.find("caption", string="Invited").find_parent("table")
    return [[c.get_text(" ", strip=True) for c in tr.find_all(["th", "td"])] for tr in table.select("tbody tr")]


def link_in(message) -> str:
    found = LINK.findall(message.get_content())
    assert len(found) == 1, found
    return found[0]


def links_by_address(mailbox) -> dict[str, str]:
    return {m["To"]: link_in(m) for m in mailbox.messages}


def invitation_count(session) -> int:
    return session.scalar(select(func.count()).select_from(Invitation))


def everything_stored(session) -> tuple[str, list[bytes]]:
    """Every value of every column of every table: text joined up, and binary values apart."""
    text, blobs = [], []
    for table in Base.metadata.sorted_tables:
        for row in session.execute(select(table)):
            for value in row:
                if isinstance(value, (bytes, memoryview)):
                    blobs.append(bytes(value))
                elif value is not None:
                    text.append(str(value))
    return "\n".join(text), blobs


def assert_not_stored(session, token: str) -> None:
    text, blobs = everything_stored(session)
    assert token not in text, "a link's token is stored in the database"
    assert all(token.encode() not in blob for blob in blobs), "a link's token is stored in a binary column"


GOOD_LIST = """name,email,team
Asha Khan,asha.khan@northshire.example,Assessment North
Ben Jones,Ben.Jones@Northshire.example,assessment south
Cara Lee,cara.lee@northshire.example,Children in Care
"""


# Uploading through the form --------------------------------------------------------------------


def test_a_good_list_emails_each_person_their_own_single_use_link(client, session, tmp_path, mailbox, caplog):
    caplog.set_level("DEBUG")
    made, run = admin_with_run(client, session)
    page = upload(client, run.id, write_csv(tmp_path, GOOD_LIST))

    assert page.status == 200, page.text()
    assert page.h1 == "3 invitations being sent"
    assert invited_table(page) == [
        ["Asha Khan", "asha.khan@northshire.example", "Assessment North"],
        ["Ben Jones", "ben.jones@northshire.example", "Assessment South"],
        ["Cara Lee", "cara.lee@northshire.example", "Children in Care"],
    ]
    assert "/invite/" not in page.html and "download" not in page.html, "the admin never sees anyone's link"

    # One email each, through the SMTP server, with their own link.
    assert sorted(m["X-Envelope-To"] for m in mailbox.messages) == [
        "asha.khan@northshire.example", "ben.jones@northshire.example", "cara.lee@northshire.example"]
    for message in mailbox.messages:
        assert message["Subject"].strip() == f"Your link to the {run.title}"
        assert message["From"] == "health-check@northshire.example"
    asha = mailbox.to("asha.khan@northshire.example")[0].get_content()
    assert asha.startswith("Dear Asha Khan,") and "Northshire Council invites you" in asha
    links = links_by_address(mailbox)
    tokens = [link.rsplit("/", 1)[1] for link in links.values()]
    assert len(set(tokens)) == 3 and all(len(t) >= 40 for t in tokens)

    # One invitation each, in the right team, found by a hash of the token and never by the token.
    invitations = session.scalars(select(Invitation).order_by(Invitation.email)).all()
    assert [(i.name, i.email, i.team_id, i.run_id) for i in invitations] == [
        ("Asha Khan", "asha.khan@northshire.example", factories.team(session, made, "Assessment North").id, run.id),
        ("Ben Jones", "ben.jones@northshire.example", factories.team(session, made, "Assessment South").id, run.id),
        ("Cara Lee", "cara.lee@northshire.example", factories.team(session, made, "Children in Care").id, run.id),
    ]
    assert {i.email: i.token_hash for i in invitations} == {
        email: security.invitation_hash(link.rsplit("/", 1)[1]) for email, link in links.items()}
    for token in tokens:
        assert_not_stored(session, token)
        ours = [r.getMessage() for r in caplog.records if r.name != "mail.log"]  # mail.log: the test's SMTP server
        assert not any(token in line for line in ours), "a link's token reached the app's or the queue's log"

    # Not on the run page, not on the import page.
    for url in (f"/manage/runs/{run.id}", f"/manage/runs/{run.id}/staff"):
        later = client.get(url)
        assert not any(token in later.html for token in tokens), url
    assert "0 of 3 invitation links have been used so far" in client.get(f"/manage/runs/{run.id}").text()

    # Each link opens the survey, in a browser of its own, and reaches its start page.
    for link in links.values():
        respondent = client.another()
        opened = respondent.get(path_of(link))
        assert opened.status == 302 and opened.response.headers["Location"] == "/survey"
        start = respondent.get("/survey")
        assert start.status == 200 and start.h1 == "Children's social work health check 2026"
        assert "Start now" in start.text()
    for token in tokens:  # opening a link saves a draft: still no token anywhere
        assert_not_stored(session, token)


def test_a_list_with_bad_rows_reports_each_by_line_and_imports_nothing(client, session, tmp_path, mailbox):
    _, run = admin_with_run(client, session)
    path = write_csv(tmp_path, """name,email,team
Good Person,good.person@northshire.example,Assessment North
,no.name@northshire.example,Assessment North
No Email,,Assessment North
Bad Email,not-an-email,Assessment South
Lost Person,lost.person@northshire.example,Narnia
Good Again,Good.Person@northshire.example,Children in Care
""")
    page = upload(client, run.id, path)
    assert page.status == 200
    assert page.title.startswith("Error: ")
    assert page.errors() == ["The file has 5 problems: nothing has been imported. Fix the file and upload it again."]
    found = problems(page)
    assert len(found) == 5, found
    expected = {3: "name", 4: "email address", 5: "not-an-email", 6: "Narnia", 7: "line 2"}
    for (line, words), problem in zip(expected.items(), found):
        assert problem.startswith(f"Line {line}:"), problem
        assert words in problem, (words, problem)
    assert invitation_count(session) == 0
    assert mailbox.messages == [], "nobody is emailed from a list that was not imported"


@pytest.mark.parametrize("case", ["empty", "header only", "wrong header", "binary", "spreadsheet", "no file",
                                  "not csv"])
def test_unusable_files_get_a_clear_message_and_import_nothing(client, session, tmp_path, case, mailbox):
    _, run = admin_with_run(client, session)
    workbook = openpyxl.Workbook()  # an Excel file renamed to .csv
    workbook.active.append(["name", "email", "team"])
    workbook.active.append(["Asha Khan", "asha.khan@northshire.example", "Assessment North"])
    spreadsheet = io.BytesIO()
    workbook.save(spreadsheet)
    files = {
        "empty": (b"", "staff.csv", "The file is empty"),
        "header only": (b"name,email,team\r\n", "staff.csv", "The file has a header row but no people in it"),
        "wrong header": (b"First name,Surname,Email address\r\nAsha,Khan,asha@northshire.example\r\n", "staff.csv",
                         "The first row must name the columns name, email and team"),
        "binary": (bytes(range(256)) * 8, "staff.csv", "The file is not a CSV file saved as text"),
        "spreadsheet": (spreadsheet.getvalue(), "staff.csv", "The file is not a CSV file saved as text"),
        "no file": (None, None, None),
        "not csv": (GOOD_LIST.encode(), "staff.xlsx", None),
    }
    content, filename, message = files[case]
    path = None if content is None else write_csv(tmp_path, content)
    page = upload(client, run.id, path, filename or "staff.csv")

    assert page.status == 200, f"{case}: {page.status} {page.h1}"
    assert page.title.startswith("Error: "), case
    assert page.h1 == "Import a staff list"
    summary = page.errors()
    assert len(summary) == 1, summary
    if case == "no file":
        assert summary == ["Select a CSV file"]
    elif case == "not csv":
        assert summary == ["The file must be a CSV file"]
    else:
        assert summary[0].startswith("The file has 1 problem: nothing has been imported.")
        listed = problems(page)
        assert len(listed) == 1 and listed[0], listed
        if message:
            assert listed[0].startswith(message), listed
    assert invitation_count(session) == 0 and mailbox.messages == []


def test_a_file_saved_by_excel_as_windows_1252_keeps_accents(client, session, tmp_path, mailbox):
    _, run = admin_with_run(client, session)
    text = "name,email,team\r\nZoë Ångström,zoe.angstrom@northshire.example,Children in Care\r\n" \
           "Siân O’Neill,sian.oneill@northshire.example,Assessment North\r\n"
    path = write_csv(tmp_path, text, encoding="cp1252")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")  # really not UTF-8

    page = upload(client, run.id, path)
    assert page.status == 200 and page.h1 == "2 invitations being sent", page.text()
    assert [r[0] for r in invited_table(page)] == ["Zoë Ångström", "Siân O’Neill"]
    assert sorted(session.scalars(select(Invitation.name))) == ["Siân O’Neill", "Zoë Ångström"]
    # The emails greet them by name, accents intact.
    assert mailbox.to("zoe.angstrom@northshire.example")[0].get_content().startswith("Dear Zoë Ångström,")
    assert mailbox.to("sian.oneill@northshire.example")[0].get_content().startswith("Dear Siân O’Neill,")


def test_a_file_with_old_mac_line_endings_imports(client, session, tmp_path, mailbox):
    """Excel for Mac's "CSV (Macintosh)" ends lines with a carriage return alone."""
    _, run = admin_with_run(client, session)
    path = write_csv(tmp_path, GOOD_LIST.replace("\n", "\r"))
    page = upload(client, run.id, path)
    assert page.status == 200, f"{page.status}: {page.h1}"
    assert page.h1 == "3 invitations being sent"
    assert invitation_count(session) == 3 and len(mailbox.messages) == 3


def test_a_stray_quote_in_a_long_list_gets_a_message_not_an_error(client, session, tmp_path, mailbox):
    _, run = admin_with_run(client, session)
    rows = [f"Person {i},person.{i}@northshire.example,Assessment North" for i in range(3000)]
    rows[10] = '"Person 10,person.10@northshire.example,Assessment North'  # the quote is never closed
    path = write_csv(tmp_path, "name,email,team\n" + "\n".join(rows) + "\n")
    page = upload(client, run.id, path)
    assert page.status == 200, f"{page.status}: {page.h1}"
    assert page.title.startswith("Error: ")
    assert problems(page), "the page says what is wrong with the file"
    assert invitation_count(session) == 0 and mailbox.messages == []


def test_importing_again_skips_people_already_invited(client, session, tmp_path, mailbox):
    _, run = admin_with_run(client, session)
    first = upload(client, run.id, write_csv(tmp_path, GOOD_LIST))
    assert first.h1 == "3 invitations being sent"
    first_links = set(links_by_address(mailbox).values())

    mailbox.messages.clear()
    bigger = GOOD_LIST + "Dev Patel,dev.patel@northshire.example,Assessment South\n"
    second = upload(client, run.id, write_csv(tmp_path, bigger, name="staff-2.csv"))
    assert second.status == 200
    assert second.h1 == "1 invitation being sent"
    assert "3 people were already invited and left alone." in second.text()
    assert invited_table(second) == [["Dev Patel", "dev.patel@northshire.example", "Assessment South"]]
    assert [m["To"] for m in mailbox.messages] == ["dev.patel@northshire.example"], "only the new person is emailed"
    assert not first_links & set(links_by_address(mailbox).values())
    assert invitation_count(session) == 4

    mailbox.messages.clear()
    third = upload(client, run.id, write_csv(tmp_path, bigger, name="staff-3.csv"))
    assert third.h1 == "0 invitations being sent"
    assert "4 people were already invited and left alone." in third.text()
    assert invitation_count(session) == 4 and mailbox.messages == []


def test_a_name_that_looks_like_a_formula_is_kept_as_given_and_shown_as_text(client, session, tmp_path, mailbox):
    """No spreadsheet of links exists any more; the name is stored, shown and emailed as the list gave it."""
    _, run = admin_with_run(client, session)
    path = write_csv(tmp_path, "name,email,team\n"
                               "\"=HYPERLINK(\"\"http://evil.example\"\";\"\"Click\"\")\",eve@northshire.example,"
                               "Assessment North\n"
                               "+44 Smith,plus@northshire.example,Assessment North\n"
                               "<b>Bold</b>,bold@northshire.example,Assessment North\n")
    page = upload(client, run.id, path)
    assert page.h1 == "3 invitations being sent", page.text()
    names = {row[1]: row[0] for row in invited_table(page)}
    assert names["eve@northshire.example"] == "=HYPERLINK(\"http://evil.example\";\"Click\")"
    assert names["bold@northshire.example"] == "<b>Bold</b>" and "<b>Bold</b>" not in page.html, "escaped"
    assert session.scalar(select(Invitation.name).where(Invitation.email == "plus@northshire.example")) == "+44 Smith"
    assert mailbox.to("plus@northshire.example")[0].get_content().startswith("Dear +44 Smith,")


def test_an_address_that_starts_like_a_formula_is_emailed_or_refused_with_a_message(client, session, tmp_path,
                                                                                      mailbox):
    _, run = admin_with_run(client, session)
    path = write_csv(tmp_path, "name,email,team\n=1+2@northshire.example,=1+2@northshire.example,"
                               "Assessment North\n")
    page = upload(client, run.id, path)
    assert page.status == 200
    if page.h1 == "1 invitation being sent":
        assert [m["X-Envelope-To"] for m in mailbox.messages] == ["=1+2@northshire.example"]
    else:  # refusing such an address is fine too, with a message
        assert problems(page) and invitation_count(session) == 0


def test_a_leavers_list_for_exit_interviews(client, session, tmp_path, mailbox):
    _, run = admin_with_run(client, session, "exit-interview")
    form = client.get(f"/manage/runs/{run.id}/staff")
    assert form.h1 == "Import a leavers list"
    page = upload(client, run.id, write_csv(tmp_path, "name,email,team\nSam Leaver,sam@northshire.example,"
                                                      "Children in Care\n"))
    assert page.h1 == "1 invitation being sent"
    (message,) = mailbox.to("sam@northshire.example")
    assert "exit interview" in message["Subject"]
    respondent = client.another()
    respondent.get(path_of(link_in(message)))
    assert respondent.get("/survey").h1 == "Children's social work exit interview 2026"


# The parser on its own -------------------------------------------------------------------------


TEAMS = {name.lower(): Team(name=name) for name in ("Assessment North", "Children in Care")}


def parse_problems(text: str | bytes) -> list[str]:
    with pytest.raises(staff.StaffListError) as raised:
        staff.parse(text.encode() if isinstance(text, str) else text, TEAMS)
    return raised.value.problems


def test_parse_reads_people_and_their_line_numbers():
    rows = staff.parse(b"\xef\xbb\xbf Name , EMAIL ,Team\r\n"
                       b"Asha Khan, Asha.Khan@Northshire.example ,assessment north\r\n"
                       b"\r\n"
                       b",,\r\n"
                       b"\"Lee, Cara\",cara@northshire.example,Children in Care\r\n", TEAMS)
    assert [(r.line, r.name, r.email, r.team.name) for r in rows] == [
        (2, "Asha Khan", "asha.khan@northshire.example", "Assessment North"),
        (5, "Lee, Cara", "cara@northshire.example", "Children in Care"),
    ]


def test_parse_reports_every_problem_with_its_line_number():
    found = parse_problems("name,email,team\n"
                           "Asha Khan,asha@northshire.example,Assessment North\n"
                           "\n"
                           ",nobody@northshire.example,Assessment North\n"
                           "No Email,,Assessment North\n"
                           "Bad Email,asha at northshire,Assessment North\n"
                           "Nowhere,nowhere@northshire.example,Atlantis\n"
                           "No Team,noteam@northshire.example,\n"
                           "Asha Again,ASHA@northshire.example,Children in Care\n")
    assert found == [
        "Line 4: enter the person's name",
        "Line 5: enter an email address",
        "Line 6: ‘asha at northshire’ is not a valid email address",
        "Line 7: there is no team called ‘Atlantis’",
        "Line 8: enter the person's team",
        "Line 9: asha@northshire.example is already on line 2",
    ]


def test_parse_reports_several_problems_on_one_line():
    found = parse_problems("name,email,team\n,not-an-email,Atlantis\n")
    assert found == ["Line 2: enter the person's name", "Line 2: ‘not-an-email’ is not a valid email address",
                     "Line 2: there is no team called ‘Atlantis’"]


def test_parse_refuses_files_it_cannot_use():
    assert parse_problems(b"")[0].startswith("The file is empty")
    assert parse_problems(b"\n\n")[0].startswith("The file is empty")
    assert parse_problems(b"name,email,team\n") == ["The file has a header row but no people in it"]
    assert parse_problems(b"name,team\nAsha,Assessment North\n") == [
        "The first row must name the columns name, email and team. Missing: email"]
    assert parse_problems(bytes(range(256)))[0].startswith("The file is not a CSV file saved as text")


def test_parse_reads_windows_1252():
    rows = staff.parse("name,email,team\nZoë Ångström,zoe@northshire.example,Children in Care\n".encode("cp1252"),
                       TEAMS)
    assert rows[0].name == "Zoë Ångström"


def test_parse_reads_carriage_return_line_endings():
    rows = staff.parse(b"name,email,team\rAsha Khan,asha@northshire.example,Assessment North\r"
                       b"Cara Lee,cara@northshire.example,Children in Care\r", TEAMS)
    assert [(r.line, r.name) for r in rows] == [(2, "Asha Khan"), (3, "Cara Lee")]


def test_parse_turns_an_unclosed_quote_into_a_problem():
    body = "".join(f"Person {i},person.{i}@northshire.example,Assessment North\n" for i in range(3000))
    with pytest.raises(staff.StaffListError):
        staff.parse(('name,email,team\n"Unclosed,quote@northshire.example,Assessment North\n' + body).encode(),
                    TEAMS)
