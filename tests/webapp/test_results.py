"""Results pages: right figures for a small run, small groups hidden, other councils kept out."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from surveyapp.models import Answer, Response, ServiceArea
from surveyapp.results import queries
from surveyapp.results.anonymity import DifferencingGuard, Thresholds

from . import factories

TEAMS = {"Referral and Assessment": ["Assessment North", "Assessment South"],
         "Looked After Children": ["Children in Care", "Care Leavers"]}
# caseload_manageable answers by team: 24 people in all, one team of 3.
ANSWERS = {
    "Assessment North": ["agree"] * 6 + ["disagree"] * 2,
    "Assessment South": ["neither"] * 3,
    "Children in Care": ["strongly_agree"] * 5 + ["dont_know"],
    "Care Leavers": ["agree"] * 7,
}


def seeded(session):
    made = factories.council(session, teams=TEAMS)
    run = factories.run(session, made)
    for team_name, answers in ANSWERS.items():
        team = factories.team(session, made, team_name)
        for answer in answers:
            response = Response(run_id=run.id, team_id=team.id)
            response.answers = [Answer(question_id="caseload_manageable", option=answer),
                                Answer(question_id="role", option="social_worker"),
                                Answer(question_id="contract", option="permanent")]
            if team_name == "Assessment North":
                response.answers.append(Answer(question_id="children_allocated", number=12))
            session.add(response)
    north = factories.team(session, made, "Assessment North")
    for i in range(6):
        token = factories.invitation(session, run, north, name=f"P {i}", email=f"p{i}@example.org")
        if i < 3:
            factories.use_link(session, run, token, north)
    return made, run


def signed_in(client, session, made):
    email = factories.user(session, made)
    assert factories.sign_in(client, email).status == 302
    return client


def cells(page, caption):
    table = next(t for t in page.soup.select("table") if caption in t.caption.get_text())
    return {tr.find(["th", "td"]).get_text(" ", strip=True): [td.get_text(" ", strip=True) for td in tr.find_all("td")]
            for tr in table.select("tbody tr")}


def test_overview_figures_and_hidden_response_counts(client, session):
    made, run = seeded(session)
    page = signed_in(client, session, made).get(f"/manage/runs/{run.id}/results")
    assert page.status == 200 and page.h1 == run.title
    assert "24 people responded" in page.text()
    # 18 of the 23 answers that were not "don't know" agree.
    assert cells(page, "by section")["Workload and caseload"] == ["78%", "18", "23"]
    rates = cells(page, "Response rate by team")
    assert rates["Referral and Assessment"][-1] == "Fewer than 5"  # 3 responded from 6 invited
    heat = cells(page, "by team and section")
    assert heat["Referral and Assessment: Assessment South"][0] == "Fewer than 5"
    assert heat["Looked After Children: Children in Care"][0] == "Fewer than 5"  # hidden to protect the 3
    assert heat["Looked After Children: Care Leavers"][:2] == ["7", "100%"]
    assert page.soup.select("td.app-suppressed")
    link = page.soup.find("a", string="My caseload is manageable.")
    assert link["href"] == f"/manage/runs/{run.id}/results/caseload_manageable"


def test_question_distribution_breakdowns_and_differencing(client, session):
    made, run = seeded(session)
    page = signed_in(client, session, made).get(f"/manage/runs/{run.id}/results/caseload_manageable")
    assert page.status == 200 and page.h1 == "My caseload is manageable."
    everyone = cells(page, "Everyone")
    assert everyone["Strongly agree"][0] == "5" and everyone["Agree"][:2] == ["13", "54%"]
    assert everyone["Strongly disagree"][0] == "0"
    # 3, 2 and 1: each hidden, and together 6, so none can be worked out from the total of 24.
    for small in ("Neither agree nor disagree", "Disagree", "Don't know or not applicable"):
        assert everyone[small][0] == "Fewer than 5"
        assert "app-suppressed" in page.soup.find("td", string="Fewer than 5")["class"]
    teams = cells(page, "By team")
    assert teams["Referral and Assessment: Assessment South"][0] == "Fewer than 5"
    assert teams["Looked After Children: Children in Care"][0] == "Fewer than 5"
    assert teams["Looked After Children: Care Leavers"][:3] == ["7", "0", "7"]
    # Referral and Assessment (11) was shown first; North (8) would leave South's 3 as the difference.
    assert cells(page, "By service area")["Referral and Assessment"][0] == "11"
    assert "too close in size" in teams["Referral and Assessment: Assessment North"][0]
    assert "8" not in " ".join(teams["Referral and Assessment: Assessment North"])


def test_differencing_is_remembered_across_pages(client, session):
    made, run = seeded(session)
    signed_in(client, session, made).get(f"/manage/runs/{run.id}/results")  # shows Assessment North: 8
    page = client.get(f"/manage/runs/{run.id}/results/caseload_manageable")
    areas = cells(page, "By service area")
    assert "too close in size" in areas["Referral and Assessment"][0]
    assert cells(page, "By team")["Referral and Assessment: Assessment North"][0] == "8"


def test_number_questions_are_shown_in_bands(client, session):
    made, run = seeded(session)
    page = signed_in(client, session, made).get(f"/manage/runs/{run.id}/results/children_allocated")
    everyone = cells(page, "Everyone")
    assert everyone["11 to 15"][:2] == ["8", "100%"] and everyone["31 or more"][0] == "0"


def test_queries_use_the_rule_and_the_guard(app, session):
    made, run = seeded(session)
    question = queries.questionnaire_of(run).question("caseload_manageable")
    rule = Thresholds(figures=8)  # raised: teams of 3, 6 and 7 are now too small
    guard = DifferencingGuard(rule)
    teams = queries.breakdown(session, queries.Population(run), question, "team", rule, guard, queries.questionnaire_of(run))
    shown = {r.label: r.size for r in teams.rows}
    assert shown.pop("Referral and Assessment: Assessment North") == 8
    assert set(shown.values()) == {None}
    north = next(r for r in teams.rows if r.size)
    assert north.counts["agree"] is None and north.counts["disagree"] is None and north.counts["neither"] == 0
    assert guard.seen[-1].size == 8
    assert queries.distribution(session, queries.Population(run), question, rule, guard).counts["agree"] == 13


def test_other_councils_runs_and_unknown_questions_are_not_found(client, session):
    made, run = seeded(session)
    other = factories.council(session, "southshire")
    signed_in(client, session, other)
    assert client.get(f"/manage/runs/{run.id}/results").status == 404
    assert client.get(f"/manage/runs/{run.id}/results/caseload_manageable").status == 404


def test_unknown_or_free_text_questions_are_not_found_and_sign_in_is_needed(client, session):
    made, run = seeded(session)
    assert client.get(f"/manage/runs/{run.id}/results").status == 302
    signed_in(client, session, made)
    assert client.get(f"/manage/runs/{run.id}/results/no_such_question").status == 404
    assert client.get(f"/manage/runs/{run.id}/results/biggest_difference").status == 404
    run_page = client.get(f"/manage/runs/{run.id}")
    assert run_page.soup.find("a", string="Results")["href"] == f"/manage/runs/{run.id}/results"


def test_csv_exports_hide_what_the_page_hides_and_start_no_formulas(client, session):
    made, run = seeded(session)
    team = factories.team(session, made, "Care Leavers")
    team.name = "=HYPERLINK(\"http://evil.example\")"
    session.commit()
    signed_in(client, session, made)
    page = client.get(f"/manage/runs/{run.id}/results/caseload_manageable")
    download = page.soup.find("a", string="Download these tables (CSV)")["href"]
    exported = client.get(download)
    assert exported.status == 200 and exported.response.mimetype == "text/csv"
    text = exported.html.lstrip("\ufeff")
    assert "Everyone,24,5,13,Fewer than 5,Fewer than 5,0,Fewer than 5" in text
    assert "Looked After Children: =HYPERLINK" in text  # inside a cell, not at its start
    lines = text.splitlines()
    assert "Referral and Assessment: Assessment South,Fewer than 5,,,,,," in lines
    overview = client.get(f"/manage/runs/{run.id}/results?format=csv").html.lstrip("\ufeff")
    assert "Workload and caseload,18,23" in overview
    assert "Referral and Assessment,Assessment North,6,Fewer than 5" in overview
    area = session.scalar(select(ServiceArea).where(ServiceArea.name == "Referral and Assessment"))
    area.name = "+Referral"
    session.commit()
    overview = client.get(f"/manage/runs/{run.id}/results?format=csv").html.lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(overview)))
    assert any(row[:1] == ["'+Referral"] for row in rows)  # the rates table starts with the service area
    assert not [cell for row in rows for cell in row if cell[:1] in ("=", "+", "-", "@")]


def test_differencing_survives_signing_out_and_a_second_browser(client, session):
    made, run = seeded(session)
    signed_in(client, session, made).get(f"/manage/runs/{run.id}/results")  # shows Assessment North: 8
    other = client.another()
    factories.sign_in(other, f"admin@{made.slug}.example")
    page = other.get(f"/manage/runs/{run.id}/results/caseload_manageable")
    assert "too close in size" in cells(page, "By service area")["Referral and Assessment"][0]
