"""Year on year: the same question ids in last year's run, with changes marked only beyond noise."""

from __future__ import annotations

from surveyapp.models import Answer, Response, Role
from surveyapp.results import compare

from . import factories


def answers(session, run, team, agree: int, disagree: int) -> None:
    for i in range(agree + disagree):
        response = Response(run_id=run.id, team_id=team.id)
        response.answers.append(Answer(question_id="caseload_manageable", option="agree" if i < agree else "disagree"))
        session.add(response)
    session.commit()


def cells(page, caption_start: str) -> dict[str, list[str]]:
    table = next(t for t in page.soup.select("table") if t.caption and t.caption.get_text(strip=True).startswith(caption_start))
    return {r.select_one("th").get_text(strip=True): [c.get_text(" ", strip=True) for c in r.select("td")]
            for r in table.select("tbody tr")}


def test_results_compare_with_last_year(client, session):
    made = factories.council(session)
    team = factories.team(session, made, "Assessment North")
    last = factories.run(session, made)
    last.year -= 1
    session.commit()
    answers(session, last, team, agree=10, disagree=30)  # 25% agreed last year
    now = factories.run(session, made)
    answers(session, now, team, agree=30, disagree=10)  # 75% this year
    assert compare.previous_run(session, now).id == last.id
    factories.sign_in(client, factories.user(session, made, Role.ADMIN))

    question = client.get(f"/manage/runs/{now.id}/results/caseload_manageable")
    row = cells(question, "Everyone")["Agree"]
    assert row[0] == "30" and row[1].startswith("75%") and row[2] == "25%"
    assert row[3] == "+50.0 (more than chance)"

    overview = client.get(f"/manage/runs/{now.id}/results")
    workload = cells(overview, "Share agreeing")["Workload and caseload"]
    assert workload[-1] == "+50.0 (more than chance)"


def test_small_changes_in_small_groups_are_not_marked():
    assert compare.change((3, 6), (2, 6)) == compare.Change(16.7, False)
    assert compare.change((60, 100), (40, 100)).notable
    assert compare.change((None, 6), (2, 6)) is None  # hidden this year: nothing to compare
