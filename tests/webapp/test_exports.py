"""Exports: every report's tables as CSV, XLSX and JSON, hiding what the page hides, with no formulas."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from surveyapp.models import Answer, Response, Role, ThemeJob

from . import factories


def workbook(page):
    assert page.status == 200
    assert page.response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return load_workbook(io.BytesIO(page.response.get_data()))


def all_values(book) -> list[object]:
    return [cell.value for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
            if cell.value is not None]


def test_results_xlsx_hides_small_groups_and_defuses_formulas(client, session):
    made = factories.council(session, teams={"Referral and Assessment": ["Assessment North", "Assessment South"],
                                             "=HYPERLINK(\"x\")": ["Tiny Team"]})
    run = factories.run(session, made)
    factories.agreement_responses(session, run, factories.team(session, made, "Assessment North"), 12, 8)
    factories.agreement_responses(session, run, factories.team(session, made, "Tiny Team"), 2, 1)
    factories.agreement_responses(session, run, factories.team(session, made, "Assessment South"), 5, 5)  # hidden beside Tiny Team
    factories.sign_in(client, factories.user(session, made, Role.ADMIN))

    book = workbook(client.get(f"/manage/runs/{run.id}/results/caseload_manageable?format=xlsx"))
    values = all_values(book)
    assert "Everyone" in book.sheetnames[0] or any(v == "Everyone" for v in values)
    texts = [v for v in values if isinstance(v, str)]
    assert not any(t.startswith(("=", "+", "-", "@")) for t in texts), "no cell may start a formula"
    assert any(t.startswith("'=HYPERLINK") for t in texts)
    by_team = next(s for s in book.worksheets if s["A1"].value == "By team")
    rows = {r[0].value: [c.value for c in r[1:]] for r in by_team.iter_rows(min_row=3)}
    small = next(v for k, v in rows.items() if "Tiny Team" in str(k))
    assert small[0] == "Fewer than 5" and all(v in (None, "") for v in small[1:])
    north = next(v for k, v in rows.items() if "Assessment North" in str(k))
    assert north[0] == 20  # numbers stay numbers

    csv_page = client.get(f"/manage/runs/{run.id}/results?format=csv")
    assert csv_page.response.mimetype == "text/csv" and csv_page.html.startswith("\ufeff")

    # The JSON for other programs carries the same cells as the files: what is hidden stays hidden.
    api = client.get(f"/manage/runs/{run.id}/results/caseload_manageable?format=json")
    assert api.status == 200 and api.response.mimetype == "application/json"
    tables = {t["title"]: t for t in api.response.get_json()["tables"]}
    assert tables["By team"]["columns"][:2] == ["Team", "Respondents"]
    teams = {row[0]: row[1:] for row in tables["By team"]["rows"]}
    small = next(v for k, v in teams.items() if "Tiny Team" in k)
    assert small[0] == "Fewer than 5" and 3 not in small and 2 not in small
    assert next(v for k, v in teams.items() if "Assessment North" in k)[:3] == [20, 0, 12]  # strongly agree, agree


def test_leavers_and_themes_export_what_the_page_shows(client, session):
    made = factories.council(session)
    exit_run = factories.run(session, made, "exit-interview")
    north = factories.team(session, made, "Assessment North")
    for i in range(7):
        response = Response(run_id=exit_run.id, team_id=north.id)
        response.answers.append(Answer(question_id="main_reasons", ordinal=0, option="caseload_workload"))
        response.answers.append(Answer(question_id="main_reasons", ordinal=1, option="pay" if i < 5 else "retirement"))
        response.answers.append(Answer(question_id="destination", option="agency"))
        session.add(response)
    health = factories.run(session, made)
    def theme(i: int) -> str:
        return "pay_reward" if i < 11 else "caseload_workload" if i < 19 else "supervision"

    rows = [{"row": i, "theme": theme(i), "confidence": 0.9, "sentiment": "negative"} for i in range(22)]
    session.add(ThemeJob(run_id=health.id, question_id="biggest_difference", status="done", progress=100,
                         stage="Done", result={"rows": rows, "row_teams": [north.id] * 22, "notes": [],
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

    leavers = all_values(workbook(client.get(f"/manage/runs/{exit_run.id}/leavers/?format=xlsx")))
    assert "Caseload and workload" in leavers and 7 in leavers
    # 2 retirements are hidden, and pay (5) beside them so they cannot be worked out, as on the page.
    assert "Retirement" in leavers and 2 not in leavers and 5 not in leavers

    themes = workbook(client.get(f"/manage/runs/{health.id}/themes/biggest_difference?format=xlsx"))
    sheet = themes["Themes"]
    found = {r[0].value: [c.value for c in r[1:]] for r in sheet.iter_rows(min_row=3)}
    assert found["Pay and reward"][0] == 11 and "Pay us what agency staff get" in found["Pay and reward"][4]
    assert found["Supervision"][0] == "Fewer than 5"


def test_every_report_offers_downloads_and_a_print_button(client, session):
    made = factories.council(session)
    run = factories.run(session, made)
    factories.agreement_responses(session, run, factories.team(session, made, "Assessment North"), 5, 5)
    factories.sign_in(client, factories.user(session, made, Role.ADMIN))
    for url in (f"/manage/runs/{run.id}/results", f"/manage/runs/{run.id}/results/caseload_manageable"):
        page = client.get(url)
        links = [a["href"] for a in page.soup.select(".app-report-actions a")]
        assert any(h.endswith("format=csv") for h in links) and any(h.endswith("format=xlsx") for h in links)
        assert page.soup.select_one("[data-module=app-print]")
