"""Exit interview results, and the two-way table rule they rely on."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from surveyapp.models import Answer, Response, Role
from surveyapp.results.anonymity import Thresholds
from surveyapp.results.tables import suppress_table

from . import factories

RULE = Thresholds()


def leaver(session, run, team, month: str, reasons: list[str], destination: str) -> None:
    response = Response(run_id=run.id, team_id=team.id)
    response.answers.append(Answer(question_id="leaving_month", option=month))
    response.answers.extend(Answer(question_id="main_reasons", ordinal=i, option=r) for i, r in enumerate(reasons))
    response.answers.append(Answer(question_id="destination", option=destination))
    session.add(response)


def test_leavers_page_shows_reasons_and_destinations_with_small_groups_hidden(client, session):
    made = factories.council(session)
    run = factories.run(session, made, "exit-interview")
    north = factories.team(session, made, "Assessment North")
    care = factories.team(session, made, "Children in Care")
    for i in range(8):
        leaver(session, run, north, "2026-02", ["caseload_workload", "pay"], "agency" if i < 6 else "another_council")
    for i in range(6):
        leaver(session, run, care, "2026-07", ["caseload_workload"], "another_council" if i < 5 else "retirement")
    session.commit()
    page = client.get(f"/manage/runs/{run.id}/leavers/")
    assert page.status == 302  # signed out: sign in first
    factories.sign_in(client, factories.user(session, made, Role.ADMIN))
    page = client.get(f"/manage/runs/{run.id}/leavers/")
    text = page.text()
    assert "14 exit interviews" in text
    reasons = {r.select_one("th").get_text(strip=True): r.select_one("td").get_text(strip=True)
               for r in page.soup.select("table")[0].select("tbody tr")}
    assert reasons["Caseload and workload"] == "14" and reasons["Pay"] == "8"
    destinations = page.soup.select("table")[1]
    cells = [c.get_text(strip=True) for c in destinations.select("tbody td")]
    # Retirement (1) and the other council leavers from Assessment North (2) are too few to show.
    assert "–" in cells and not set(cells) & {"1", "2", "3", "4"}
    assert "6" in cells  # Assessment North to agency


def test_a_viewer_scoped_to_one_team_sees_only_it(client, session):
    from surveyapp.models import UserScope, User
    from sqlalchemy import select

    made = factories.council(session)
    run = factories.run(session, made, "exit-interview")
    north = factories.team(session, made, "Assessment North")
    care = factories.team(session, made, "Children in Care")
    for _ in range(7):
        leaver(session, run, north, "2026-02", ["pay"], "agency")
    for _ in range(9):
        leaver(session, run, care, "2026-03", ["retirement"], "retirement")
    email = factories.user(session, made, Role.VIEWER)
    viewer = session.scalar(select(User).where(User.email == email))
    viewer.scopes.append(UserScope(team_id=care.id))
    session.commit()
    factories.sign_in(client, email)
    text = client.get(f"/manage/runs/{run.id}/leavers/").text()
    assert "9 exit interviews" in text and "Showing Children in Care" in text


def test_health_check_runs_have_no_leavers_page(client, session):
    made = factories.council(session)
    run = factories.run(session, made)
    factories.sign_in(client, factories.user(session, made, Role.ADMIN))
    assert client.get(f"/manage/runs/{run.id}/leavers/").status == 404


tables = st.dictionaries(st.sampled_from("ABCDEFG"), st.dictionaries(st.sampled_from("wxyz"), st.integers(0, 30),
                                                                      min_size=4, max_size=4), min_size=1, max_size=7)


@settings(max_examples=400, deadline=None)
@given(tables)
def test_two_way_tables_show_no_small_cell_and_no_derivable_one(counts):
    shown, row_totals, column_totals = suppress_table(counts, RULE)
    for r, row in shown.items():
        for c, value in row.items():
            assert value is None or value == 0 or value >= RULE.figures
    lines = [(row_totals[r], [(counts[r][c], shown[r][c]) for c in counts[r]]) for r in counts]
    columns = {c for row in counts.values() for c in row}
    lines += [(column_totals[c], [(counts[r].get(c, 0), shown[r].get(c)) for r in counts]) for c in columns]
    for total, cells in lines:
        if total is None:
            continue
        hidden = [true for true, value in cells if value is None and true]
        # What the total minus the visible cells gives away: nobody, or a group of 5 or more in 2+ cells.
        assert not hidden or (len(hidden) >= 2 and sum(hidden) >= RULE.figures)
    for r, total in row_totals.items():
        assert total is None or total >= RULE.figures
