"""Year on year: the same question ids in last year's run, with changes marked only beyond noise."""

from __future__ import annotations

from surveyapp.disclosure import cells as c
from surveyapp.disclosure import compare
from surveyapp.models import Answer, Response, Role

from . import factories
from .figures import near, percent, points


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
    factories.agreement_responses(session, last, team, agree=10, disagree=30)  # 25% agreed last year
    now = factories.run(session, made)
    factories.agreement_responses(session, now, team, agree=30, disagree=10)  # 75% this year
    assert compare.previous_run(session, now).id == last.id
    before_release = factories.release(session, last)
    now_release = factories.release(session, now)
    factories.sign_in(client, factories.user(session, made, Role.ADMIN))
    agree = near(now_release, c.cell("caseload_manageable:agree", c.ALL), 30)
    agreed = near(before_release, c.cell("caseload_manageable:agree", c.ALL), 10)
    answered = near(now_release, c.cell("caseload_manageable:=", c.ALL), 40)  # exact: people who answered
    assert near(before_release, c.cell("caseload_manageable:=", c.ALL), 40) == answered

    question = client.get(f"/manage/runs/{now.id}/results/caseload_manageable")
    row = cells(question, made.name)["Agree"]
    assert row[0] == str(agree) and row[1].startswith(f"{percent(agree, answered)}%")
    assert row[2] == f"{percent(agreed, answered)}%"
    # 75% against 25% of 40 people, each moved by 2 people at most: far beyond chance whatever the noise.
    assert row[3] == f"{points((agree, answered), (agreed, answered)):+} (more than chance)"

    overview = client.get(f"/manage/runs/{now.id}/results")
    workload = cells(overview, "Share agreeing")["Workload and caseload"]
    scores = [(r.content["cells"]["sec:workload:agree@all"], r.content["cells"]["sec:workload:answered@all"])
              for r in (now_release, before_release)]
    assert scores[0][1] == scores[1][1] == 40  # answered: exact
    assert workload[-1] == f"{points(*scores):+} (more than chance)"


def test_small_changes_in_small_groups_are_not_marked():
    assert compare.change((3, 6), (2, 6)) == compare.Change(16.7, False)
    assert compare.change((60, 100), (40, 100)).notable
    assert compare.change((None, 6), (2, 6)) is None  # hidden this year: nothing to compare


CASELOADS = [12, 14, 16, 19, 21, 22, 24, 25, 17, 18] + [13, 16, 17, 18, 12, 11]  # the last six are ASYE


def caseload_responses(session, run, team) -> None:
    for i, children in enumerate(CASELOADS):
        response = Response(run_id=run.id, team_id=team.id)
        response.answers.append(Answer(question_id="children_allocated", number=children))
        response.answers.append(Answer(question_id="role", option="nqsw_asye" if i >= 10 else "social_worker"))
        session.add(response)
    session.commit()


def test_caseload_against_the_councils_policy(client, session):
    made = factories.council(session)
    team = factories.team(session, made, "Assessment North")
    run = factories.run(session, made)
    caseload_responses(session, run, team)
    factories.sign_in(client, factories.user(session, made, Role.ADMIN))
    factories.release(session, run, "interim")
    page = client.get(f"/manage/runs/{run.id}/results/children_allocated")
    assert "Set the council’s caseload policy" in page.text()
    saved = client.submit("/manage/settings", {"caseload_policy": "18", "asye_caseload_limit": "15"})
    assert saved.status == 302
    refused = client.submit("/manage/settings", {"caseload_policy": "lots"})
    assert refused.errors() == ["Enter the caseload policy as a number of children, like 18"]
    # The run's first release had no policy, and a run keeps the policy of its first release.
    factories.release(session, run, "final")
    assert "Against the council’s caseload policy" not in client.get(f"/manage/runs/{run.id}/results/children_allocated").text()
    later = factories.run(session, made)
    caseload_responses(session, later, team)
    made_release = factories.release(session, later)
    page = client.get(f"/manage/runs/{later.id}/results/children_allocated")
    rows = cells(page, "Against the council’s caseload policy")
    # Above 18: 19, 21, 22, 24, 25 = 5 of 16. ASYE above 15: 16, 17, 18 = 3 of 6: a group of 6 shows its 3.
    above = near(made_release, "pol:caseload:above@all", 5)
    within = near(made_release, "pol:caseload:within@all", 11)
    assert rows["Above the council’s caseload policy of 18 children"][:2] == [
        f"{above} ({percent(above, above + within)}%)", str(above + within)]
    asye = c.breakdown(c.ALL, "role", "nqsw_asye")
    asye_above = near(made_release, f"pol:asye:above@{asye}", 3)
    asye_within = near(made_release, f"pol:asye:within@{asye}", 3)
    assert rows["ASYE social workers above their protected limit of 15"][:2] == [
        f"{asye_above} ({percent(asye_above, asye_above + asye_within)}%)", str(asye_above + asye_within)]


def test_number_bands_include_their_edges(client, session):
    """Each band counts the numbers at both its edges, for everyone and within a breakdown."""
    made = factories.council(session)
    team = factories.team(session, made, "Assessment North")
    run = factories.run(session, made)
    bands = {"0 to 10": [0, 10, 10, 5, 3], "11 to 15": [11, 15, 15, 12, 13], "16 to 20": [16, 20, 20, 18, 17],
             "21 to 25": [21, 25, 25, 22, 23], "26 to 30": [26, 30, 30, 28, 27], "31 or more": [31, 45, 33, 31, 80]}
    people = [(n, "social_worker") for numbers in bands.values() for n in numbers] + [(12, "other")] * 5
    for children, role in people:
        response = Response(run_id=run.id, team_id=team.id)
        response.answers.append(Answer(question_id="children_allocated", number=children))
        response.answers.append(Answer(question_id="role", option=role))
        session.add(response)
    session.commit()
    made_release = factories.release(session, run)
    factories.sign_in(client, factories.user(session, made, Role.ADMIN))
    page = client.get(f"/manage/runs/{run.id}/results/children_allocated")
    everyone = cells(page, made.name)
    counted = dict(zip(bands, [5, 10, 5, 5, 5, 5]))  # the five "other" people have 12 children each
    assert [everyone[band][0] for band in bands] == [
        str(near(made_release, c.cell(f"children_allocated:{band}", c.ALL), n)) for band, n in counted.items()]
    by_role = cells(page, "By role")
    for role, label, size, in_bands in (("social_worker", "Social worker", 30, [5] * 6),
                                        ("other", "Other", 5, [0, 5, 0, 0, 0, 0])):
        group = c.breakdown(c.ALL, "role", role)
        assert by_role[label][:7] == [str(near(made_release, c.cell("n", group), size))] + [
            str(near(made_release, c.cell(f"children_allocated:{band}", group), n))
            for band, n in zip(bands, in_bands)], label


def test_results_follow_new_responses(client, session):
    made = factories.council(session)
    team = factories.team(session, made, "Assessment North")
    run = factories.run(session, made)
    factories.agreement_responses(session, run, team, 6, 6)
    first = factories.release(session, run, "interim")
    factories.sign_in(client, factories.user(session, made, Role.ADMIN))
    before = cells(client.get(f"/manage/runs/{run.id}/results/caseload_manageable"), made.name)
    agreed = near(first, c.cell("caseload_manageable:agree", c.ALL), 6)
    assert before["Agree"][0] == str(agreed)
    # Five more submit while the run is open (fewer would be refused: comparing the totals of two
    # releases before and after one response would give that person's answers away).
    factories.agreement_responses(session, run, team, 5, 0)
    assert cells(client.get(f"/manage/runs/{run.id}/results/caseload_manageable"), made.name)["Agree"][0] == str(agreed)
    second = factories.release(session, run, "final")
    after = cells(client.get(f"/manage/runs/{run.id}/results/caseload_manageable"), made.name)
    assert after["Agree"][0] == str(near(second, c.cell("caseload_manageable:agree", c.ALL), 11))
    assert after["Disagree"][0] == str(near(second, c.cell("caseload_manageable:disagree", c.ALL), 6))
    assert near(second, c.cell("n", c.ALL), 17) == 17
    overview = cells(client.get(f"/manage/runs/{run.id}/results"), "Share agreeing")
    assert overview["Workload and caseload"][1] == str(near(second, "sec:workload:agree@all", 11))
