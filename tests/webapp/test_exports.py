"""Exports: every report's tables as CSV, XLSX and JSON, read from the release as the page is, with no formulas."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from surveyapp.disclosure import cells as c
from surveyapp.models import Role, ThemeJob

from . import factories
from .attacker import respond
from .figures import near, percent

HIDDEN = "Hidden"
Q = "caseload_manageable"
# caseload_manageable's answers in the order of its options
OPTIONS = ["strongly_agree", "agree", "neither", "disagree", "strongly_disagree", "dont_know"]


def workbook(page):
    assert page.status == 200
    assert page.response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return load_workbook(io.BytesIO(page.response.get_data()))


def all_values(book) -> list[object]:
    return [cell.value for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
            if cell.value is not None]


def written(cells: dict, key: str) -> object:
    """A release's cell as every export writes it."""
    return HIDDEN if cells[key] is None else cells[key]


def test_results_exports_write_hidden_figures_as_hidden_and_defuse_formulas(client, session):
    made = factories.council(session, teams={"Referral and Assessment": ["Assessment North", "Assessment South"],
                                             "=HYPERLINK(\"x\")": ["Tiny Team"]})
    run = factories.run(session, made)
    teams = {t.name: t for a in made.service_areas for t in a.teams}
    true = {"Assessment North": {"agree": 12, "disagree": 8}, "Tiny Team": {"agree": 2, "disagree": 1},
            "Assessment South": {"agree": 5, "disagree": 5}}
    for name, answers in true.items():
        factories.agreement_responses(session, run, teams[name], answers["agree"], answers["disagree"])
    factories.sign_in(client, factories.user(session, made, Role.ADMIN))

    # Nothing released yet: no file of figures, only the run's page.
    before = client.get(f"/manage/runs/{run.id}/results/{Q}?format=xlsx")
    assert before.status == 200 and before.response.mimetype == "text/html"
    assert "Results have not been released yet." in before.text()

    released = factories.release(session, run)
    cells = released.content["cells"]
    book = workbook(client.get(f"/manage/runs/{run.id}/results/{Q}?format=xlsx"))
    values = all_values(book)
    assert book.sheetnames[0] == "Everyone"
    texts = [v for v in values if isinstance(v, str)]
    assert not any(t.startswith(("=", "+", "-", "@")) for t in texts), "no cell may start a formula"
    assert any(t.startswith("'=HYPERLINK") for t in texts)
    assert "Fewer than 5" not in texts and "–" not in texts
    everyone = [cell.value for cell in book["Everyone"][3]]
    assert everyone[:3] == ["Northshire Council", 33, 33]  # numbers stay numbers
    assert everyone[3:] == [written(cells, c.cell(f"{Q}:{o}", c.ALL)) for o in OPTIONS]

    by_team = next(s for s in book.worksheets if s["A1"].value == "By team")
    rows = {r[0].value: [cell.value for cell in r[1:]] for r in by_team.iter_rows(min_row=3)}
    assert len(rows) == 3
    for name, team in teams.items():
        row = next(v for k, v in rows.items() if k.endswith(": " + name))
        group = c.team(team.id)
        expected = [written(cells, c.cell(c.RESPONDENTS, group)), written(cells, c.cell(f"{Q}:=", group))] + [
            written(cells, c.cell(f"{Q}:{o}", group)) for o in OPTIONS]
        assert row == expected, name
        answers = true[name]
        counted = [sum(answers.values())] * 2 + [answers.get(o, 0) for o in OPTIONS]
        keys = [c.cell(c.RESPONDENTS, group), c.cell(f"{Q}:=", group)] + [c.cell(f"{Q}:{o}", group) for o in OPTIONS]
        # A group is shown whole (every figure, each the count within the noise) or hidden whole.
        if group in released.content["hidden_groups"]:
            assert row == [HIDDEN] * len(row), name
        else:
            assert [near(released, k, t) for k, t in zip(keys, counted)] == row, name
    tiny = next(v for k, v in rows.items() if k.endswith("Tiny Team"))
    assert tiny == [HIDDEN] * len(tiny) and released.content["hidden_groups"][c.team(teams["Tiny Team"].id)] == "small"
    # (Assessment South may be hidden with it: the council less North and South would be the Tiny Team.)
    assert HIDDEN not in next(v for k, v in rows.items() if k.endswith("Assessment North"))

    csv_page = client.get(f"/manage/runs/{run.id}/results?format=csv")
    assert csv_page.response.mimetype == "text/csv" and csv_page.html.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(csv_page.html.lstrip("\ufeff"))))
    responses = lines[lines.index(["Responses"]) + 2]
    assert responses[:2] == ["Northshire Council", "33"]
    assert any(HIDDEN in line for line in lines), "the Tiny Team's figures are hidden in the CSV too"
    assert not any(cell.startswith(("=", "+", "-", "@")) for line in lines for cell in line)

    # The JSON for other programs carries the same cells as the files: what is hidden stays hidden.
    api = client.get(f"/manage/runs/{run.id}/results/{Q}?format=json")
    assert api.status == 200 and api.response.mimetype == "application/json"
    tables = {t["title"]: t for t in api.response.get_json()["tables"]}
    assert tables["By team"]["columns"][:3] == ["Team", "Respondents", "Answered"]
    found = {row[0]: row[1:] for row in tables["By team"]["rows"]}
    assert {k.split(": ", 1)[1]: v for k, v in found.items()} == {k.split(": ", 1)[1]: v for k, v in rows.items()}
    assert tables["Everyone"]["rows"][0][1:3] == [33, 33]


def test_leavers_and_themes_export_what_the_page_shows(client, session):
    made = factories.council(session)
    exit_run = factories.run(session, made, "exit-interview")
    north = factories.team(session, made, "Assessment North")
    for i in range(7):
        respond(session, exit_run, north, main_reasons=["caseload_workload", "pay" if i < 5 else "retirement"],
                destination="agency")
    health = factories.run(session, made)

    def theme(i: int) -> str:  # 13, 6 and 3 comments: pay keeps its quote (10 or more) whatever the noise
        return "pay_reward" if i < 13 else "caseload_workload" if i < 19 else "supervision"

    responses = [respond(session, health, north, biggest_difference=f"Comment {i}") for i in range(22)]
    # No sentiment: a theme's shown sentiment counts would bound its hidden size from below.
    rows = [{"row": i, "theme": theme(i), "confidence": 0.9, "sentiment": None} for i in range(22)]
    session.add(ThemeJob(run_id=health.id, question_id="biggest_difference", status="done", progress=100,
                         stage="Done", result={"mode": "taxonomy", "rows": rows, "row_teams": [north.id] * 22,
                                               "row_responses": [r.id for r in responses], "notes": [],
                                               "emerging_themes": [],
                                               "themes": [{"id": "pay_reward", "label": "Pay and reward",
                                                           "keywords": ["pay"], "description": None,
                                                           "quotes": [{"row": 0, "text": "Pay us what agency staff get"}]},
                                                          {"id": "caseload_workload", "label": "Caseload",
                                                           "keywords": [], "description": None, "quotes": []},
                                                          {"id": "supervision", "label": "Supervision",
                                                           "keywords": [], "description": None, "quotes": []}]}))
    session.commit()
    factories.sign_in(client, factories.user(session, made, Role.ADMIN))
    # Before a release there is no file, only the page saying so.
    assert client.get(f"/manage/runs/{exit_run.id}/leavers/?format=xlsx").response.mimetype == "text/html"
    assert client.get(f"/manage/runs/{health.id}/themes/biggest_difference?format=xlsx").response.mimetype == "text/html"
    leavers_release = factories.release(session, exit_run)
    factories.approve_quotes(session, health)  # the PSW approves the quote (moderation)
    health_release = factories.release(session, health)

    book = workbook(client.get(f"/manage/runs/{exit_run.id}/leavers/?format=xlsx"))
    leavers = all_values(book)
    assert "Caseload and workload" in leavers and 7 in leavers  # 7 leavers: an exact size
    reasons = {r[0].value: r[1].value for r in book["Main reasons for leaving"].iter_rows(min_row=3)}
    # Seven leavers show every reason, the 2 retirements included, each as released (the count within the noise).
    for reason, label, n in (("caseload_workload", "Caseload and workload", 7), ("pay", "Pay", 5),
                             ("retirement", "Retirement", 2), ("management", "Management", 0)):
        assert reasons[label] == near(leavers_release, c.cell(f"main_reasons:{reason}", c.ALL), n), label
    assert HIDDEN not in reasons.values()
    page = client.get(f"/manage/runs/{exit_run.id}/leavers/")
    table = next(t for t in page.soup.select("table") if "Main reasons" in t.caption.get_text())
    on_page = {tr.th.get_text(strip=True): tr.td.get_text(strip=True) for tr in table.select("tbody tr")}
    assert on_page == {label: str(value) for label, value in reasons.items()}
    csv_text = client.get(f"/manage/runs/{exit_run.id}/leavers/?format=csv").html
    assert f"Retirement,{reasons['Retirement']}" in csv_text
    assert f"Caseload and workload,{reasons['Caseload and workload']}" in csv_text

    themes = workbook(client.get(f"/manage/runs/{health.id}/themes/biggest_difference?format=xlsx"))
    sheet = themes["Themes"]
    found = {r[0].value: [cell.value for cell in r[1:]] for r in sheet.iter_rows(min_row=3)}
    sizes = {label: near(health_release, c.cell(f"th:biggest_difference:{theme}", c.ALL), n)
             for label, theme, n in (("Pay and reward", "pay_reward", 13), ("Caseload", "caseload_workload", 6),
                                     ("Supervision", "supervision", 3))}
    comments = near(health_release, c.cell("th:biggest_difference:=", c.ALL), 22)  # exact: people who commented
    assert {label: row[0] for label, row in found.items()} == sizes  # 22 comments: every theme's size is shown
    assert "Pay us what agency staff get" in found["Pay and reward"][4] and found["Pay and reward"][3] == "pay"
    assert found["Supervision"][4] in (None, "") and found["Supervision"][3] in (None, "")  # fewer than 10: no words
    teams = {r[0].value: [cell.value for cell in r[1:]] for r in themes["Themes by team"].iter_rows(min_row=3)}
    north = c.team(north.id)
    assert teams["Assessment North"][:2] == [
        comments, health_release.content["cells"][c.cell("th:biggest_difference:pay_reward", north)]]
    api = client.get(f"/manage/runs/{health.id}/themes/biggest_difference?format=json").response.get_json()
    rows = {row[0]: row[1:] for row in api["tables"][0]["rows"]}
    assert {label: row[0] for label, row in rows.items()} == sizes
    page = client.get(f"/manage/runs/{health.id}/themes/biggest_difference")
    table = next(t for t in page.soup.select("table") if t.caption.get_text(strip=True) == "Themes")
    on_page = {tr.th.get_text(strip=True): tr.td.get_text(strip=True) for tr in table.select("tbody tr")}
    assert on_page == {label: f"{n} ({percent(n, comments)}%)" for label, n in sizes.items()}


def test_every_report_offers_downloads_and_a_print_button(client, session):
    made = factories.council(session)
    run = factories.run(session, made)
    north = factories.team(session, made, "Assessment North")
    factories.agreement_responses(session, run, north, 5, 5)
    exit_run = factories.run(session, made, "exit-interview")
    for _ in range(5):
        respond(session, exit_run, north, main_reasons=["pay"], destination="agency")
    factories.release(session, run)
    factories.release(session, exit_run)
    factories.sign_in(client, factories.user(session, made, Role.ADMIN))
    for url in (f"/manage/runs/{run.id}/results", f"/manage/runs/{run.id}/results/{Q}",
                f"/manage/runs/{exit_run.id}/leavers/"):
        page = client.get(url)
        links = [a["href"] for a in page.soup.select(".app-report-actions a")]
        assert any(h.endswith("format=csv") for h in links) and any(h.endswith("format=xlsx") for h in links), url
        assert page.soup.select_one("[data-module=app-print]"), url
        for href in links:
            if "format=" in href:
                assert client.get(href).status == 200, href
