"""A council without email runs exit interviews through an open link, as it runs a health check."""

from __future__ import annotations

from sqlalchemy import func, select

from surveyapp import security
from surveyapp.disclosure import release as releases
from surveyapp.models import Answer, Draft, Invitation, Response, UsedLink

from . import factories
from .conftest import path_of
from .figures import near
from .test_journey import EXIT
from .test_leavers import leavers_shown, tables
from .test_staff_import import admin_with_run

LEAVERS = 5  # the smallest group whose figures are shown


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_without_email_leavers_answer_through_an_open_link_and_are_counted(app, client, session):
    app.config["EMAIL_BACKEND"] = "none"
    made, run = admin_with_run(client, session, "exit-interview")
    north = factories.team(session, made, "Assessment North")

    run_page = client.get(f"/manage/runs/{run.id}")
    controls = [c.get_text(strip=True) for c in run_page.soup.select("main .govuk-button")]
    assert "Import a leavers list" not in controls and "Send a reminder" not in controls
    assert "Create an open link" in controls
    assert "each leaver chooses the team they are leaving" in run_page.soup.select_one("#no-email").get_text()
    form = run_page.soup.select_one("form#open-link-form")
    created = client.post(form["action"], {"csrf_token": factories.csrf_token(run_page)})
    assert created.status == 200 and created.h1 == "Open link created"
    assert "choosing the team they are leaving" in created.text() and "stored without one" in created.text()
    link = created.soup.select_one("#open-link").get_text(strip=True)
    token = link.rsplit("/", 1)[1]
    session.refresh(run)
    assert run.open_link_hash == security.open_link_hash(token)
    assert token not in client.get(f"/manage/runs/{run.id}").html, "the link is shown only once"

    for i in range(LEAVERS):
        leaver = client.another()
        assert leaver.get(path_of(link)).response.headers["Location"] == "/survey"
        start = leaver.get("/survey")
        assert "we do not know who you are" in start.text() and "your answers are stored without your name" in start.text()
        end = factories.walk(leaver, EXIT, {"team": str(north.id), "main_reasons": ["pay", "caseload_workload"],
                                            "leaving_month": ["2", "2026"], "destination": "agency"})
        assert end == "/survey/check"
        assert leaver.get("/survey/your_name").status == 404, "no name to attach: the question is not asked"
        check = leaver.get("/survey/check")
        assert "Your answers will be stored without your name." in check.text()
        assert "Do you want your name attached" not in check.text()
        done = leaver.follow(leaver.submit("/survey/check"))
        assert "your answers have been submitted" in done.text().lower()
        assert count(session, Response) == i + 1

    # Stored as any response: the team each chose, no name, nothing tying it to a link or a person.
    responses = session.scalars(select(Response)).all()
    assert {(r.team_id, r.named_as) for r in responses} == {(north.id, None)}
    assert count(session, Invitation) == 0 and count(session, UsedLink) == 0 and count(session, Draft) == 0
    assert "attach_name" not in set(session.scalars(select(Answer.question_id)))

    # Released and counted like leavers invited by email.
    run_page = client.get(f"/manage/runs/{run.id}")
    assert client.post(f"/manage/runs/{run.id}/releases", {"csrf_token": factories.csrf_token(run_page)}).status == 302
    page = client.get(f"/manage/runs/{run.id}/leavers/")
    assert leavers_shown(page) == str(LEAVERS)
    reasons = tables(page)["Main reasons for leaving (each leaver gave up to 3)"]
    made_release = releases.latest(session, run)
    assert reasons["Pay"] == [str(near(made_release, "main_reasons:pay@all", LEAVERS))]
    assert reasons["Caseload and workload"] == [str(near(made_release, "main_reasons:caseload_workload@all", LEAVERS))]

    # Replacing the link stops the old one working.
    client.post(f"/manage/runs/{run.id}/open-link", {"csrf_token": factories.csrf_token(page)})
    assert client.another().get(path_of(link)).h1 == "We do not recognise this link"


def test_a_leaver_invited_by_email_is_still_asked_whether_to_attach_their_name(client, session):
    made = factories.council(session)
    run = factories.run(session, made, "exit-interview")
    client.get(f"/invite/{factories.invitation(session, run, factories.team(session, made, 'Assessment North'), name='Sam Lee')}")
    assert "At the end you choose whether your name is attached" in client.get("/survey").text()
    page = client.get("/survey/your_name")
    assert page.status == 200 and "Sam Lee" in page.text()
