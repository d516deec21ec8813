"""A run's first page (what matters), charts and the heatmap: from the release, changes only beyond noise."""

from __future__ import annotations

import re

from surveyapp.disclosure import cells as c
from surveyapp.models import Role, ThemeJob

from . import factories
from .attacker import respond
from .figures import near, percent, points

Q = "caseload_manageable"


def two_years(session):
    """Last year 25% agreed on workload and 75% on supervision; this year the other way round."""
    made = factories.council(session)
    team = factories.team(session, made, "Assessment North")
    last = factories.run(session, made)
    last.year -= 1
    session.commit()
    factories.agreement_responses(session, last, team, agree=10, disagree=30)
    factories.agreement_responses(session, last, team, agree=30, disagree=10, question_id="supervision_as_planned")
    now = factories.run(session, made)
    factories.agreement_responses(session, now, team, agree=30, disagree=10)
    factories.agreement_responses(session, now, team, agree=10, disagree=30, question_id="supervision_as_planned")
    return made, team, last, now


def test_the_first_page_says_what_matters_from_the_release(client, session):
    made, team, last, now = two_years(session)
    comments = [respond(session, now, team, biggest_difference=f"Comment {i}") for i in range(12)]
    rows = [{"row": i, "theme": "pay_reward", "confidence": 0.9, "sentiment": None} for i in range(12)]
    session.add(ThemeJob(run_id=now.id, question_id="biggest_difference", status="done", progress=100, stage="Done",
                         result={"mode": "taxonomy", "rows": rows, "row_teams": [team.id] * 12,
                                 "row_responses": [r.id for r in comments], "notes": [], "emerging_themes": [],
                                 "themes": [{"id": "pay_reward", "label": "Pay and reward", "keywords": ["pay"],
                                             "description": None, "quotes": []}]}))
    exit_run = factories.run(session, made, "exit-interview")
    for _ in range(7):
        respond(session, exit_run, team, main_reasons=["caseload_workload"], destination="agency")
    session.commit()
    factories.sign_in(client, factories.user(session, made, Role.ADMIN))
    assert "Results have not been released yet." in client.get(f"/manage/runs/{now.id}/results/summary").text()
    before_release = factories.release(session, last)
    now_release = factories.release(session, now)
    exit_release = factories.release(session, exit_run)

    def section(made, name: str) -> tuple[int, int]:
        return made.content["cells"][f"sec:{name}:agree@all"], made.content["cells"][f"sec:{name}:answered@all"]

    workload, supervision = section(now_release, "workload"), section(now_release, "supervision")
    near(now_release, "sec:workload:agree@all", 30)
    near(now_release, "sec:supervision:agree@all", 10)

    run_page = client.get(f"/manage/runs/{now.id}")
    link = run_page.soup.find("a", string="What matters in the results")
    assert link is not None
    page = client.get(link["href"])
    assert page.status == 200 and page.h1 == now.title
    text = page.text()
    improved = page.soup.find("h3", string="Most improved").find_next("ul").get_text(" ", strip=True)
    fallen = page.soup.find("h3", string="Most fallen").find_next("ul").get_text(" ", strip=True)
    # About 75% against 25% of 40 people, then the other way round: beyond chance whatever the noise.
    up, down = points(workload, section(before_release, "workload")), points(supervision, section(before_release, "supervision"))
    assert "Workload and caseload" in improved and f"{up:+} points" in improved
    assert "Supervision" in fallen and f"{down:+} points" in fallen
    pay = near(now_release, c.cell("th:biggest_difference:pay_reward", c.ALL), 12)
    assert "Pay and reward" in text and f"{pay} of" in text
    highest = page.soup.find("h3", string="Highest").find_next("ul").get_text(" ", strip=True)
    lowest = page.soup.find("h3", string="Lowest").find_next("ul").get_text(" ", strip=True)
    assert highest.startswith(f"Workload and caseload : {percent(*workload)}% agreeing")
    assert lowest.startswith(f"Supervision : {percent(*supervision)}% agreeing")
    caseload = near(exit_release, c.cell("main_reasons:caseload_workload", c.ALL), 7)
    assert re.search(r"7 exit interviews", text) and f"Caseload and workload ({caseload})" in text
    # Every point links to its detail, and the section links land on the results page's sections.
    overview = client.get(f"/manage/runs/{now.id}/results")
    ids = {el["id"] for el in overview.soup.select("[id]")}
    for a in page.soup.select("main a[href*='#']"):
        assert a["href"].split("#")[1] in ids, a["href"]
    assert page.soup.select_one(f"main a[href^='/manage/runs/{now.id}/themes/biggest_difference']")


def test_small_changes_are_not_called_improvements(client, session):
    made = factories.council(session)
    team = factories.team(session, made, "Assessment North")
    last = factories.run(session, made)
    last.year -= 1
    session.commit()
    factories.agreement_responses(session, last, team, agree=5, disagree=5)
    now = factories.run(session, made)
    factories.agreement_responses(session, now, team, agree=6, disagree=4)  # +10 points on 10 people: noise
    factories.release(session, last)
    factories.release(session, now)
    factories.sign_in(client, factories.user(session, made, Role.ADMIN))
    page = client.get(f"/manage/runs/{now.id}/results/summary")
    assert "No section changed by more than chance" in page.text()
    assert page.soup.find("h3", string="Most improved") is None


def test_an_agreement_question_has_a_diverging_chart_with_words_and_a_table(client, session):
    made, _team, last, now = two_years(session)
    before_release = factories.release(session, last)
    now_release = factories.release(session, now)
    factories.sign_in(client, factories.user(session, made, Role.ADMIN))
    page = client.get(f"/manage/runs/{now.id}/results/{Q}")
    chart = page.soup.select_one("main svg.app-chart[role=img]")
    assert chart is not None
    described = " ".join(page.soup.find(id=i).get_text() for i in chart["aria-labelledby"].split())

    def views(made) -> dict[str, int]:  # shares are of the people who gave a view
        return {v: made.content["cells"][c.cell(f"{Q}:{v}", c.ALL)]
                for v in ("strongly_agree", "agree", "neither", "disagree", "strongly_disagree")}

    now_views, then_views = views(now_release), views(before_release)
    near(now_release, c.cell(f"{Q}:agree", c.ALL), 30)
    near(now_release, c.cell(f"{Q}:disagree", c.ALL), 10)
    given = sum(now_views.values())
    assert (f"{made.name} ({now.year}): {percent(now_views['strongly_agree'] + now_views['agree'], given)}% agree or "
            f"strongly agree, {percent(now_views['neither'], given)}% neither, "
            f"{percent(now_views['disagree'] + now_views['strongly_disagree'], given)}% disagree") in described
    agreed_then = percent(then_views["strongly_agree"] + then_views["agree"], sum(then_views.values()))
    assert f"Last year: {agreed_then}% agree" in described
    # Agreement to the right of the centre line, disagreement to the left, sized by share.
    line = chart.select_one("line.app-chart__centre")
    centre = float(line["x1"])
    first_row = [r for r in chart.select("rect") if r["y"] == chart.select("rect")[0]["y"]]
    agree = next(r for r in first_row if r["fill"] == "#6a9ed3")
    disagree = next(r for r in first_row if r["fill"] == "#f2a363")
    assert float(agree["x"]) >= centre - 0.1 and float(disagree["x"]) + float(disagree["width"]) <= centre + 0.1
    assert abs(float(agree["width"]) / float(disagree["width"]) - now_views["agree"] / now_views["disagree"]) < 0.01
    assert page.soup.select_one(".app-legend")
    assert chart.find_next("table") is not None, "the numbers are in a table under the chart"
    assert "style=" not in str(chart) and 'style="' not in str(page.soup.select_one("main"))


def test_the_heatmap_groups_teams_under_areas_with_a_legend(client, session):
    made = factories.council(session)
    run = factories.run(session, made)
    for name, (agree, disagree) in {"Assessment North": (45, 5), "Assessment South": (7, 18),
                                    "Children in Care": (10, 10)}.items():
        factories.agreement_responses(session, run, factories.team(session, made, name), agree, disagree)
    made_release = factories.release(session, run)
    factories.sign_in(client, factories.user(session, made, Role.ADMIN))
    page = client.get(f"/manage/runs/{run.id}/results")
    heat = page.soup.select_one("table.app-heatmap")
    groups = [[th.get_text(strip=True) for th in body.select("th[scope]")] for body in heat.select("tbody")]
    assert groups == [["Looked After Children", "Children in Care"],
                      ["Referral and Assessment", "Assessment North", "Assessment South"]] or groups == [
        ["Referral and Assessment", "Assessment North", "Assessment South"], ["Looked After Children", "Children in Care"]]
    column = [th.get_text(strip=True) for th in heat.select("thead th")].index("Workload and caseload") - 1
    def share(name: str, agree: int, answered: int) -> int:
        group = c.team(factories.team(session, made, name).id)
        agreeing = near(made_release, f"sec:workload:agree@{group}", agree)
        return percent(agreeing, near(made_release, f"sec:workload:answered@{group}", answered))

    north = heat.find("th", string="Assessment North").find_parent("tr")
    workload = north.select("td")[column]
    # About 90% (45 of 50) and 28% (7 of 25): the darkest shade and the second lightest whatever the noise.
    assert workload.get_text(strip=True) == f"{share('Assessment North', 45, 50)}%" and "app-heat--4" in workload["class"]
    south = heat.find("th", string="Assessment South").find_parent("tr").select("td")[column]
    assert south.get_text(strip=True) == f"{share('Assessment South', 7, 25)}%" and "app-heat--1" in south["class"]
    legend = page.soup.select_one("ul.app-legend[aria-label='Key to the shading']")
    assert [li.get_text(strip=True) for li in legend.select("li")][-1] == "Hidden"
    for cell in heat.select("td.app-suppressed"):
        assert cell.get_text(strip=True) == "Hidden"


def test_breakdowns_list_their_groups_in_the_questionnaires_order(client, session):
    made = factories.council(session)
    run = factories.run(session, made)
    team = factories.team(session, made, "Assessment North")
    for years in ["over_ten", "under_1", "three_to_five", "one_to_two", "six_to_ten"] * 5:
        respond(session, run, team, years_in_role=years, caseload_manageable="agree")
    factories.release(session, run)
    factories.sign_in(client, factories.user(session, made, Role.ADMIN))
    page = client.get(f"/manage/runs/{run.id}/results/{Q}")
    table = next(t for t in page.soup.select("table") if t.caption.get_text(strip=True) == "By years in role")
    assert [th.get_text(strip=True) for th in table.select("tbody th")] == [
        "Less than 1 year", "1 to 2 years", "3 to 5 years", "6 to 10 years", "More than 10 years"]
    for td in table.select("tbody td"):
        assert "govuk-table__cell--numeric" in td["class"], "numbers are right-aligned"


def test_when_the_number_of_comments_is_hidden_the_released_themes_are_still_shown(client, session, monkeypatch):
    """As the themes page does: the sizes the audit released, each with its comments raising it, and a plain
    sentence saying the total is hidden and why; no share (it would need the total)."""
    from .test_attacks import hidden_total_council
    made, run, made_release = hidden_total_council(session, monkeypatch)
    factories.sign_in(client, factories.user(session, made, Role.ADMIN))
    page = client.get(f"/manage/runs/{run.id}/results/summary")
    section = page.soup.find("a", href=re.compile("/themes/biggest_difference")).find_parent("h3")
    said = section.find_next("p").get_text(" ", strip=True)
    assert said == ("The number of comments from Northshire Council is hidden: shown beside these figures, it would "
                    "let a smaller hidden figure be worked out. The themes below are counted in comments.")
    lines = [li.get_text("", strip=True) for li in section.find_next("ol").select("li")]
    cells = made_release.content["cells"]

    def written(key: str) -> str:
        return "Hidden" if cells[key] is None else str(cells[key])

    labels = {t["id"]: t["label"] for t in made_release.content["themes"]["biggest_difference"]["themes"]}
    expected = {t: f"{label}: {written(f'th:biggest_difference:{t}@all')} comments; comments raising it: "
                   f"{written(f'th:biggest_difference:{t}:mentions@all')}" for t, label in labels.items()}
    assert lines and set(lines) <= set(expected.values()), (lines, expected)
    near(made_release, "th:biggest_difference:pay@all", 12)
    near(made_release, "th:biggest_difference:pay:mentions@all", 18)
    assert "%" not in " ".join(lines) and "The themes of Northshire Council are hidden" not in page.text()
    assert "Comments raising it: those about the theme at all, as their main theme or a second one." in page.text()
