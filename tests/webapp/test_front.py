"""The rough edges a new user found on a first walk (issue 13), each pinned by a test.

The home page and the accessibility statement, notices sent as HTML, banners that say what they
mean, a message after signing out, the run page's buttons in one row, in-page links that land,
and exports that carry what the page shows (as numbers, on sheets with meaningful names).
"""

from __future__ import annotations

import io

from openpyxl import load_workbook

from surveyapp.disclosure import cells as c
from surveyapp.models import Role
from surveyapp.questionnaires import builtin

from . import factories
from .conftest import path_of
from .figures import near, points

Q = "caseload_manageable"
HEALTH_CHECK = next(q for q in builtin() if q.key == "health-check")


def test_the_home_page_says_what_the_service_is_and_the_way_in(client):
    home = client.get("/")
    assert home.status == 200 and home.h1 == "Staff health check"
    assert "anonymous" in home.text()
    sign_in = home.soup.select_one("main a.govuk-button--start")
    assert sign_in is not None and sign_in["href"] == "/manage/sign-in"
    staff = home.soup.find(id="staff")
    assert staff is not None and "link" in staff.find_next("ul").get_text()
    assert "ACTION PLAN" not in home.html, "the action plan's place is a template comment, not text on the page"
    # The service name in the header leads here, from every page.
    for url in ("/", "/manage/sign-in", "/accessibility"):
        page = client.get(url)
        assert page.soup.select_one(".govuk-service-navigation__service-name a")["href"] == "/", url


def test_the_accessibility_statement_is_linked_from_every_footer(client):
    for url in ("/", "/manage/sign-in", "/survey", "/no-such-page"):
        page = client.get(url)
        footer = page.soup.select_one("footer")
        link = footer.find("a", string="Accessibility statement")
        assert link is not None and link["href"] == "/accessibility", url
    statement = client.get("/accessibility")
    assert statement.status == 200
    text = statement.text()
    for needed in ("Compliance status", "WCAG", "Enforcement procedure", "Equality and Human Rights Commission",
                   "Feedback and contact information", "Preparation of this accessibility statement"):
        assert needed in text, needed


def test_back_after_submitting_shows_a_page_not_markup(client, session):
    made = factories.council(session)
    run = factories.run(session, made)
    token = factories.invitation(session, run, factories.team(session, made, "Assessment North"))
    client.get(f"/invite/{token}")
    factories.walk(client, HEALTH_CHECK)
    client.follow(client.submit("/survey/check"))

    # Back to a page of the questionnaire: the session has ended, and says so as a web page.
    back = client.get("/survey/check")
    assert back.status == 403
    assert back.response.mimetype == "text/html", "sent as text/plain, a browser shows the raw HTML"
    assert back.h1 == "Your session has ended"


def test_signed_out_managers_get_a_neutral_banner_and_a_message_after_signing_out(client, session):
    sent = client.get("/manage/")
    assert sent.status == 302
    sign_in = client.get(sent.response.headers["Location"])
    banner = sign_in.soup.select_one(".govuk-notification-banner")
    assert banner is not None and "Sign in to see this page" in banner.get_text()
    assert "govuk-notification-banner--success" not in banner["class"], "asking to sign in is not a success"
    assert banner.select_one(".govuk-notification-banner__title").get_text(strip=True) == "Important"

    made = factories.council(session)
    assert factories.sign_in(client, factories.user(session, made)).status == 302
    dashboard = client.get("/manage/")
    out = client.post("/manage/sign-out", {"csrf_token": factories.csrf_token(dashboard)})
    after = client.follow(out)
    banner = after.soup.select_one(".govuk-notification-banner--success")
    assert banner is not None and "You have signed out" in banner.get_text()
    assert client.get("/manage/").status == 302


def test_the_run_pages_buttons_sit_in_one_button_group(client, session):
    made = factories.council(session)
    run = factories.run(session, made)
    factories.sign_in(client, factories.user(session, made))
    page = client.get(f"/manage/runs/{run.id}")
    group = page.soup.select_one("main .govuk-button-group")
    buttons = group.find_all(class_="govuk-button", recursive=False)
    assert [b.get_text(strip=True) for b in buttons] == ["Import a staff list", "Send a reminder", "Create an open link", "Close"]
    opener = buttons[2]
    form = page.soup.find("form", id=opener["form"])
    assert form is not None and path_of(form["action"]) == f"/manage/runs/{run.id}/open-link"
    made_link = client.post(form["action"], {"csrf_token": factories.csrf_token(page)})
    assert made_link.status == 200 and "/open/" in made_link.text()


def test_signed_in_as_sits_in_the_header_and_back_links_in_a_landmark(client, session):
    made = factories.council(session)
    factories.sign_in(client, factories.user(session, made))
    page = client.get("/manage/")
    assert page.soup.select_one("header .app-signed-in form[action='/manage/sign-out']") is not None
    run = factories.run(session, made)
    token = factories.invitation(session, run, factories.team(session, made, "Assessment North"))
    respondent = client.another()
    respondent.get(f"/invite/{token}")
    started = respondent.submit("/survey")
    section = respondent.get(started.response.headers["Location"])
    back = section.soup.select_one(".govuk-back-link")
    assert back is not None and back.find_parent("nav") is not None


def test_question_exports_carry_the_pages_shares_and_changes_as_numbers(client, session):
    made = factories.council(session)
    team = factories.team(session, made, "Assessment North")
    last = factories.run(session, made)
    last.year -= 1
    session.commit()
    factories.agreement_responses(session, last, team, agree=10, disagree=30)
    now = factories.run(session, made)
    factories.agreement_responses(session, now, team, agree=30, disagree=10)
    before_release = factories.release(session, last)
    now_release = factories.release(session, now)
    factories.sign_in(client, factories.user(session, made, Role.ADMIN))
    # The release's figures, each the count within the noise (40 answered: exact).
    agreed, agreed_before = (near(now_release, c.cell(f"{Q}:agree", c.ALL), 30),
                             near(before_release, c.cell(f"{Q}:agree", c.ALL), 10))
    answered = near(now_release, c.cell(f"{Q}:=", c.ALL), 40)
    share, share_before = round(100 * agreed / answered, 1), round(100 * agreed_before / answered, 1)
    change = points((agreed, answered), (agreed_before, answered))

    page = client.get(f"/manage/runs/{now.id}/results/{Q}")
    table = next(t for t in page.soup.select("table") if t.caption.get_text(strip=True).startswith(made.name))
    heads = [th.get_text(strip=True) for th in table.select("thead th")]
    assert heads == ["Answer", "People", "Share", "Last year", "Change (points)"]

    got = client.get(f"/manage/runs/{now.id}/results/{Q}?format=xlsx")
    book = load_workbook(io.BytesIO(got.response.get_data()))
    sheet = book["Answers"]
    assert [c.value for c in sheet[2]] == ["Answer", "People", "Share (%)", "Last year (%)",
                                           "Change since last year (points)"]
    agree = next(r for r in sheet.iter_rows(min_row=3) if r[0].value == "Agree")
    assert agree[1].value == agreed
    assert agree[2].value == share / 100 and "%" in agree[2].number_format, "a share is a number shown as a percentage"
    assert agree[3].value == share_before / 100 and "%" in agree[3].number_format
    assert agree[4].value == change

    overview = load_workbook(io.BytesIO(client.get(f"/manage/runs/{now.id}/results?format=xlsx").response.get_data()))
    for sheet in overview.worksheets:
        assert len(sheet.title) <= 31
        title = sheet["A1"].value
        assert sheet.title == title or sheet.title in {"Agreeing by team and section"}, (sheet.title, title)
    heat = overview["Agreeing by team and section"]
    assert heat["A1"].value == "Share agreeing, by team and section", "the whole title stays in the first row"
    scores = overview["Share agreeing, by section"]
    workload = next(r for r in scores.iter_rows(min_row=3) if r[0].value == "Workload and caseload")
    section = [(r.content["cells"]["sec:workload:agree@all"], r.content["cells"]["sec:workload:answered@all"])
               for r in (now_release, before_release)]
    assert workload[1].value == round(100 * section[0][0] / section[0][1], 1) / 100 and "%" in workload[1].number_format
    assert workload[4].value == points(*section)

    csv_text = client.get(f"/manage/runs/{now.id}/results/{Q}?format=csv").html
    assert f"Agree,{agreed},{share:g},{share_before:g},{change}" in csv_text, \
        "the CSV writes the same figures, as plain numbers"
