"""Results pages: a release's figures for a small run, small groups hidden, other councils kept out."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from surveyapp.disclosure import cells as c
from surveyapp.models import Answer, Response, Role, ServiceArea, User, UserScope

from . import factories
from .figures import near, percent

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


def released(session):
    made, run = seeded(session)
    return made, run, factories.release(session, run)


def signed_in(client, session, made):
    email = factories.user(session, made)
    assert factories.sign_in(client, email).status == 302
    return client


def cells(page, caption):
    table = next(t for t in page.soup.select("table") if caption in t.caption.get_text())
    return {tr.find(["th", "td"]).get_text(" ", strip=True): [td.get_text(" ", strip=True) for td in tr.find_all("td")]
            for tr in table.select("tbody tr:not(.app-heatmap__area)")}  # not the service areas' heading rows


def shown_cells(made_release) -> dict:
    return made_release.content["cells"]


def test_before_a_release_managers_see_links_used_and_no_figures(client, session):
    made, run = seeded(session)
    page = signed_in(client, session, made).get(f"/manage/runs/{run.id}/results")
    assert page.status == 200 and "Results have not been released yet" in page.text()
    assert "Share agreeing" not in page.text() and "strongly" not in page.text().lower()
    assert "Links used so far, by team" not in page.text()  # one figure, the council's, for every reader
    assert "invitation links have been used so far" in page.text()
    assert client.get(f"/manage/runs/{run.id}/results/caseload_manageable").status == 200
    assert "Results have not been released yet" in client.get(f"/manage/runs/{run.id}/results/caseload_manageable").text()


def test_overview_shows_the_release_and_hides_what_it_hides(client, session):
    made, run, made_release = released(session)
    cells_of = shown_cells(made_release)
    page = signed_in(client, session, made).get(f"/manage/runs/{run.id}/results")
    assert page.status == 200 and page.h1 == run.title
    assert cells_of[c.cell("n", c.ALL)] == 24 and "24 people responded" in page.text()
    workload = cells(page, "by section")["Workload and caseload"]
    agree, answered = cells_of["sec:workload:agree@all"], cells_of["sec:workload:answered@all"]
    # 18 of the 23 answers that were not "don't know" agree: a council of 24 shows its section scores.
    near(made_release, "sec:workload:agree@all", 18)
    near(made_release, "sec:workload:answered@all", 23)
    assert workload == [f"{percent(agree, answered)}%", str(agree), str(answered)]
    heat = cells(page, "by team and section")
    south = factories.team(session, made, "Assessment South")
    assert cells_of[c.cell("n", c.team(south.id))] is None  # three people
    assert heat["Assessment South"][0] == "Hidden"
    for team_name, row in heat.items():
        team = factories.team(session, made, team_name)
        n = cells_of[c.cell("n", c.team(team.id))]
        assert row[0] == ("Hidden" if n is None else str(n))
    link = page.soup.find("a", string="My caseload is manageable.")
    assert link["href"] == f"/manage/runs/{run.id}/results/caseload_manageable?unit=all"


def test_question_page_shows_true_counts_or_hidden(client, session):
    made, run, made_release = released(session)
    cells_of = shown_cells(made_release)
    page = signed_in(client, session, made).get(f"/manage/runs/{run.id}/results/caseload_manageable")
    assert page.status == 200 and page.h1 == "My caseload is manageable."
    truth = {"strongly_agree": 5, "agree": 13, "neither": 3, "disagree": 2, "strongly_disagree": 0, "dont_know": 1}
    labels = {"strongly_agree": "Strongly agree", "agree": "Agree", "neither": "Neither agree nor disagree",
              "disagree": "Disagree", "strongly_disagree": "Strongly disagree",
              "dont_know": "Don't know or not applicable"}
    everyone = cells(page, "answers)")
    # The council (24 people) shows every answer, the 3, 2 and 1 people included, each as released.
    for value, n in truth.items():
        assert everyone[labels[value]][0] == str(near(made_release, f"caseload_manageable:{value}@all", n)), value
    teams = cells(page, "By team")
    leavers = factories.team(session, made, "Care Leavers")
    row = teams["Looked After Children: Care Leavers"]
    assert row[0] == ("Hidden" if cells_of[c.cell("n", c.team(leavers.id))] is None else "7")
    assert "Hidden" in teams["Referral and Assessment: Assessment South"]
    assert page.soup.select("td.app-suppressed")


def test_number_questions_are_shown_in_bands(client, session):
    made, run, made_release = released(session)
    page = signed_in(client, session, made).get(f"/manage/runs/{run.id}/results/children_allocated")
    everyone = cells(page, "answers)")
    # Eight people answered, all with 12 children: the band holds all of them (within the noise).
    band = near(made_release, "children_allocated:11 to 15@all", 8)
    answered = near(made_release, "children_allocated:=@all", 8)
    assert everyone["11 to 15"][:2] == [str(band), f"{percent(band, answered)}%"]
    assert everyone["31 or more"][0] == str(near(made_release, "children_allocated:31 or more@all", 0))


def test_managers_read_only_the_units_of_their_scope(client, session):
    made, run, _ = released(session)
    email = factories.user(session, made, Role.MANAGER)
    manager = session.query(User).filter_by(email=email).one()
    area = session.scalar(select(ServiceArea).where(ServiceArea.name == "Looked After Children"))
    manager.scopes.append(UserScope(service_area_id=area.id))
    session.commit()
    assert factories.sign_in(client, email).status == 302
    page = client.get(f"/manage/runs/{run.id}/results")
    assert "Showing Looked After Children" in page.text()
    assert "Assessment North" not in page.text()
    assert client.get(f"/manage/runs/{run.id}/results?unit={c.ALL}").status == 404
    north = factories.team(session, made, "Assessment North")
    assert client.get(f"/manage/runs/{run.id}/results?unit={c.team(north.id)}").status == 404
    leavers = factories.team(session, made, "Care Leavers")
    assert client.get(f"/manage/runs/{run.id}/results?unit={c.team(leavers.id)}").status == 200


def test_other_councils_runs_and_unknown_questions_are_not_found(client, session):
    _made, run, _ = released(session)
    other = factories.council(session, "southshire")
    signed_in(client, session, other)
    assert client.get(f"/manage/runs/{run.id}/results").status == 404
    assert client.get(f"/manage/runs/{run.id}/results/caseload_manageable").status == 404


def test_unknown_or_free_text_questions_are_not_found_and_sign_in_is_needed(client, session):
    made, run, _ = released(session)
    assert client.get(f"/manage/runs/{run.id}/results").status == 302
    signed_in(client, session, made)
    assert client.get(f"/manage/runs/{run.id}/results/no_such_question").status == 404
    assert client.get(f"/manage/runs/{run.id}/results/biggest_difference").status == 404
    assert client.get(f"/manage/runs/{run.id}/results?unit=team:999999").status == 404
    run_page = client.get(f"/manage/runs/{run.id}")
    assert run_page.soup.find("a", string="Results")["href"] == f"/manage/runs/{run.id}/results"


def test_csv_exports_show_what_the_page_shows_and_start_no_formulas(client, session):
    made, run = seeded(session)
    team = factories.team(session, made, "Care Leavers")
    team.name = "=HYPERLINK(\"http://evil.example\")"
    session.commit()
    made_release = factories.release(session, run)
    signed_in(client, session, made)
    page = client.get(f"/manage/runs/{run.id}/results/caseload_manageable")
    download = page.soup.find("a", string="Download these tables (CSV)")["href"]
    exported = client.get(download)
    assert exported.status == 200 and exported.response.mimetype == "text/csv"
    text = exported.html.lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    everyone = next(row for row in rows if row[:1] == [made.name])
    cells_of = shown_cells(made_release)
    values = ["strongly_agree", "agree", "neither", "disagree", "strongly_disagree", "dont_know"]
    assert everyone[3:] == ["Hidden" if cells_of[f"caseload_manageable:{v}@all"] is None
                            else str(cells_of[f"caseload_manageable:{v}@all"]) for v in values]
    assert any("Looked After Children: =HYPERLINK" in cell for row in rows for cell in row)  # inside, not at the start
    area = session.scalar(select(ServiceArea).where(ServiceArea.name == "Referral and Assessment"))
    area.name = "+Referral"
    session.commit()
    factories.release(session, run)  # names are frozen in a release: the next one carries the new name
    overview = client.get(f"/manage/runs/{run.id}/results?format=csv").html.lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(overview)))
    assert any(row[:1] == ["'+Referral"] for row in rows)  # the rates table starts with the service area
    assert not [cell for row in rows for cell in row if cell[:1] in ("=", "+", "-", "@")]
