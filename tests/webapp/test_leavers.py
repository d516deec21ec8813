"""Exit interview results: read from a release, by service area, with every hidden figure written "Hidden"."""

from __future__ import annotations

import itertools
import re

from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from surveyapp.disclosure import cells as c
from surveyapp.disclosure import release as releases
from surveyapp.models import Role, User, UserScope
from surveyapp.questionnaires import questionnaire_for

from . import factories
from .attacker import respond
from .figures import near

HIDDEN = "Hidden"


def leaver(session, run, team, month: str, reasons: list[str], destination: str, role: str | None = None) -> None:
    answers = {"leaving_month": month, "main_reasons": reasons, "destination": destination}
    if role is not None:
        answers["role"] = role
    respond(session, run, team, **answers)


def tables(page) -> dict[str, dict[str, list[str]]]:
    """Each table by its caption: the first cell of each body row -> the row's other cells."""
    found = {}
    for table in page.soup.select("table"):
        rows = {}
        for tr in table.select("tbody tr"):
            cells = [cell.get_text(" ", strip=True) for cell in tr.find_all(["th", "td"])]
            rows[cells[0]] = cells[1:]
        found[table.caption.get_text(" ", strip=True)] = rows
    return found


def leavers_shown(page) -> str:
    found = re.search(r"(\S+) exit interviews\.", page.text())
    assert found, page.text()
    return found.group(1)


def sign_in(client, email: str) -> None:
    assert factories.sign_in(client, email).status == 302


def test_leavers_page_shows_reasons_and_destinations_with_small_groups_hidden(client, session):
    made = factories.council(session)
    run = factories.run(session, made, "exit-interview")
    north = factories.team(session, made, "Assessment North")
    care = factories.team(session, made, "Children in Care")
    for i in range(8):
        leaver(session, run, north, "2026-02", ["caseload_workload", "pay"], "agency" if i < 6 else "another_council")
    for i in range(6):
        leaver(session, run, care, "2026-07", ["caseload_workload"], "another_council" if i < 5 else "retirement")
    page = client.get(f"/manage/runs/{run.id}/leavers/")
    assert page.status == 302  # signed out: sign in first
    sign_in(client, factories.user(session, made, Role.ADMIN))

    # Before the first release: the run's page, with a notice, and no figure of what leavers said.
    page = client.get(f"/manage/runs/{run.id}/leavers/")
    assert page.status == 200
    assert "Leavers’ figures have not been released yet." in page.text()
    assert "exit interviews." not in page.text() and "Caseload and workload" not in page.text()

    made_release = factories.release(session, run)

    def shown(key: str, true: int) -> list[str]:
        return [str(near(made_release, key, true))]

    page = client.get(f"/manage/runs/{run.id}/leavers/")
    assert page.status == 200
    assert leavers_shown(page) == "14"
    assert "Showing Northshire Council" in page.text()
    found = tables(page)
    reasons = found["Main reasons for leaving (each leaver gave up to 3)"]
    assert reasons["Caseload and workload"] == shown("main_reasons:caseload_workload@all", 14)
    assert reasons["Pay"] == shown("main_reasons:pay@all", 8)
    assert list(reasons)[:2] == ["Caseload and workload", "Pay"]  # most given first (14 and 8, whatever the noise)
    assert reasons["Retirement"] == shown("main_reasons:retirement@all", 0)

    destinations = found["Where leavers went, by service area"]
    columns = [th.get_text(strip=True) for th in
               next(t for t in page.soup.select("table") if "Where leavers went" in t.caption.get_text())
               .select("thead th")][1:]
    by_area = {area: dict(zip(columns, cells)) for area, cells in destinations.items()}
    assert set(by_area) == {"Referral and Assessment", "Looked After Children", "All leavers"}
    # Areas of 8 and 6 leavers show every figure: Looked After Children's one retirement and Referral and
    # Assessment's two who went to another council included, each as released (the count within the noise).
    true = {"Referral and Assessment": {"Agency work": 6, "Another council": 2, "Leavers": 8},
            "Looked After Children": {"Another council": 5, "Retirement": 1, "Leavers": 6},
            "All leavers": {"Agency work": 6, "Another council": 7, "Retirement": 1, "Leavers": 14}}
    destinations = {label: v for v, label in questionnaire_for(run).question("destination").choices()}
    groups = {"Referral and Assessment": c.area(north.service_area_id), "Looked After Children": c.area(care.service_area_id),
              "All leavers": c.ALL}
    for area, cells in by_area.items():
        for column, text in cells.items():
            key = c.cell("destination:=" if column == "Leavers" else f"destination:{destinations[column]}", groups[area])
            assert [text] == shown(key, true[area].get(column, 0)), (area, column)
    assert not page.soup.select("td.app-suppressed")

    quarters = found["Leavers by quarter of leaving"]
    assert quarters == {"2026 Q1": shown("leaving_month:2026 Q1@all", 8), "2026 Q3": shown("leaving_month:2026 Q3@all", 6)}

    # One service area at a time.
    area = next(a for a in made.service_areas if a.name == "Looked After Children")
    page = client.get(f"/manage/runs/{run.id}/leavers/?unit=area:{area.id}")
    assert leavers_shown(page) == "6" and "Showing Looked After Children" in page.text()
    reasons = tables(page)["Main reasons for leaving (each leaver gave up to 3)"]
    assert reasons["Caseload and workload"] == shown(f"main_reasons:caseload_workload@area:{area.id}", 6)
    assert reasons["Pay"] == shown(f"main_reasons:pay@area:{area.id}", 0)
    # Exit interviews are counted by service area only: a team is not a unit.
    page = client.get(f"/manage/runs/{run.id}/leavers/?unit=team:{care.id}")
    assert "exit interviews." not in page.text() and "Showing Children in Care" not in page.text()


def test_the_admin_releases_leavers_figures_and_a_handful_more_is_refused(app, client, session):
    made = factories.council(session)
    run = factories.run(session, made, "exit-interview")
    north = factories.team(session, made, "Assessment North")
    for _i in range(7):
        leaver(session, run, north, "2026-02", ["pay"], "agency")
    sign_in(client, factories.user(session, made, Role.ADMIN))
    run_page = client.get(f"/manage/runs/{run.id}")
    buttons = [b.get_text(strip=True) for b in run_page.soup.select("form[action$='/releases'] button")]
    assert buttons == ["Release leavers’ figures"]

    token = factories.csrf_token(run_page)
    made_release = client.post(f"/manage/runs/{run.id}/releases", {"csrf_token": token})
    assert made_release.status == 302
    page = client.get(f"/manage/runs/{run.id}/leavers/")
    assert leavers_shown(page) == "7"
    first = releases.latest(session, run)
    reasons = tables(page)["Main reasons for leaving (each leaver gave up to 3)"]
    assert reasons["Pay"] == [str(near(first, "main_reasons:pay@all", 7))]

    for _ in range(2):
        leaver(session, run, north, "2026-03", ["management"], "another_council")
    refused = client.post(f"/manage/runs/{run.id}/releases", {"csrf_token": token})
    assert refused.status == 302
    text = client.follow(refused).text()
    assert "Only 2 people have responded since the last release" in text
    page = client.get(f"/manage/runs/{run.id}/leavers/")
    assert leavers_shown(page) == "7"  # still the first release
    assert releases.latest(session, run).id == first.id
    assert tables(page)["Main reasons for leaving (each leaver gave up to 3)"]["Management"] == [
        str(near(first, "main_reasons:management@all", 0))]


def test_a_viewer_scoped_to_one_team_sees_its_service_area_only_when_it_is_the_whole_area(client, session):
    made = factories.council(session)
    run = factories.run(session, made, "exit-interview")
    north = factories.team(session, made, "Assessment North")
    care = factories.team(session, made, "Children in Care")
    for _ in range(7):
        leaver(session, run, north, "2026-02", ["pay"], "agency")
    for _ in range(9):
        leaver(session, run, care, "2026-03", ["retirement"], "retirement")
    made_release = factories.release(session, run)
    emails = {}
    for name, team in (("care", care), ("north", north)):
        email = factories.user(session, made, Role.VIEWER, email=f"{name}@northshire.example")
        viewer = session.scalar(select(User).where(User.email == email))
        viewer.scopes.append(UserScope(team_id=team.id))
        emails[name] = email
    session.commit()

    sign_in(client, emails["care"])
    page = client.get(f"/manage/runs/{run.id}/leavers/")
    text = page.text()
    assert leavers_shown(page) == "9" and "Showing Looked After Children" in text
    assert "Referral and Assessment" not in text and "Northshire Council" not in text
    retired = near(made_release, f"main_reasons:retirement@{c.area(care.service_area_id)}", 9)
    assert tables(page)["Main reasons for leaving (each leaver gave up to 3)"]["Retirement"] == [str(retired)]
    other = next(a for a in made.service_areas if a.name == "Referral and Assessment")
    for unit in (f"area:{other.id}", "all"):
        refused = client.get(f"/manage/runs/{run.id}/leavers/?unit={unit}")
        assert "exit interviews." not in refused.text() and "Pay" not in refused.text()

    # Assessment North is only part of its area, and exit interviews have no team figures.
    second = client.another()
    sign_in(second, emails["north"])
    page = second.get(f"/manage/runs/{run.id}/leavers/")
    assert "None of the service areas you can see has leavers’ figures." in page.text()
    assert "exit interviews." not in page.text()


def test_health_check_runs_have_no_leavers_page(client, session):
    made = factories.council(session)
    run = factories.run(session, made)
    sign_in(client, factories.user(session, made, Role.ADMIN))
    assert client.get(f"/manage/runs/{run.id}/leavers/").status == 404


# Every shown cell of a release is a plain count of the answers, and every hidden one is "Hidden" on the page ----

REASONS = ["caseload_workload", "pay", "management", "retirement"]
DESTINATIONS = ["agency", "another_council", "retirement"]
MONTHS = ["2026-01", "2026-03", "2026-05"]
ROLES = [None, "social_worker", "senior_practitioner"]
AREAS = {"Referral and Assessment": ["Assessment North", "Assessment South"],
         "Looked After Children": ["Children in Care"], "Fostering": ["Fostering Support"]}

one_leaver = st.fixed_dictionaries({
    "team": st.sampled_from([t for teams in AREAS.values() for t in teams]),
    "month": st.sampled_from(MONTHS),
    "reasons": st.lists(st.sampled_from(REASONS), min_size=1, max_size=3, unique=True),
    "destination": st.sampled_from(DESTINATIONS),
    "role": st.sampled_from(ROLES),
})
slugs = itertools.count()


def quarter(month: str) -> str:
    year, number = month.split("-")
    return f"{year} Q{(int(number) - 1) // 3 + 1}"


def plain_count(questionnaire, leavers: list[dict], area_of: dict[str, str], key: str) -> int:
    """A cell's value counted straight from the leavers' answers, without the app's tally or builder."""
    measure, group = c.split(key)
    unit, _, dimension = group.partition("|")
    members = [x for x in leavers if unit == c.ALL or area_of[x["team"]] == unit]
    if dimension:
        name, option = dimension.split(":", 1)
        assert name == "role", key
        members = [x for x in members if x["role"] == option]
    if measure == c.RESPONDENTS:
        return len(members)
    question_id, value = measure.split(":", 1)

    def answer(x: dict) -> object:
        return {"main_reasons": x["reasons"], "destination": x["destination"], "role": x["role"],
                "leaving_month": quarter(x["month"])}.get(question_id)

    if question_id in ("sec", "pol", "th"):
        return 0  # no agreement, caseload or comment answers were given
    question = questionnaire.question(question_id)
    if question.type == "multiple_choice":
        if value.endswith("!"):
            return sum(1 for x in members if value[:-1] not in (answer(x) or []))
        return sum(1 for x in members if value in (answer(x) or []))
    if value == c.ANSWERED:
        return sum(1 for x in members if answer(x) is not None)
    return sum(1 for x in members if answer(x) == value)


BUSY_COUNCIL = [{"team": team, "month": MONTHS[i % 3], "reasons": REASONS[i % 4:i % 4 + 1 + i % 2],
                 "destination": DESTINATIONS[i % 3 if team != "Fostering Support" else 2], "role": ROLES[i % 3]}
                for team, n in (("Assessment North", 11), ("Assessment South", 3), ("Children in Care", 9),
                                ("Fostering Support", 2)) for i in range(n)]


# Each example makes and audits a release: a few, and no shrinking (a failure prints its leavers as found).
@settings(max_examples=12, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(leavers=st.lists(one_leaver, min_size=3, max_size=30))
@example(leavers=BUSY_COUNCIL)
def test_every_shown_cell_is_a_plain_count_and_every_hidden_one_says_hidden(client, session,
                                                                             quick_password_hashing, leavers):
    made = factories.council(session, slug=f"shire{next(slugs)}", teams=AREAS)
    run = factories.run(session, made, "exit-interview")
    teams = {t.name: t for a in made.service_areas for t in a.teams}
    area_of = {t.name: c.area(a.id) for a in made.service_areas for t in a.teams}
    for x in leavers:
        leaver(session, run, teams[x["team"]], x["month"], x["reasons"], x["destination"], x["role"])
    released = factories.release(session, run)
    cells = released.content["cells"]
    questionnaire = questionnaire_for(run)
    for key, value in cells.items():
        if value is not None:  # the plain count, moved by the noise at most (exact where it counts people)
            near(released, key, plain_count(questionnaire, leavers, area_of, key))
    for key in cells:  # a group of fewer than 5 leavers shows nothing
        if plain_count(questionnaire, leavers, area_of, c.cell(c.RESPONDENTS, c.split(key)[1])) < 5:
            assert cells[key] is None, key
    assert all(c.split(k)[1] in {c.ALL, *area_of.values()} or "|role:" in k for k in cells), "no team figures"

    sign_in(client, factories.user(session, made, Role.ADMIN, email=f"admin@{made.slug}.example"))
    labels = dict(questionnaire.question("main_reasons").choices())
    destinations = questionnaire.question("destination").choices()

    def written(key: str) -> str:
        return HIDDEN if cells[key] is None else str(cells[key])

    for unit in [c.ALL] + [c.area(a.id) for a in made.service_areas]:
        page = client.get(f"/manage/runs/{run.id}/leavers/?unit={unit}")
        assert page.status == 200
        assert leavers_shown(page) == written(c.cell(c.RESPONDENTS, unit))
        found = tables(page)
        reasons = found["Main reasons for leaving (each leaver gave up to 3)"]
        assert reasons == {
            labels[v]: [written(c.cell(f"main_reasons:{v}", unit))] for v in labels}
        quarters = found.get("Leavers by quarter of leaving", {})
        assert quarters == {q: [written(c.cell(f"leaving_month:{q}", unit))]
                            for q in sorted({quarter(x["month"]) for x in leavers})}
        rows = found["Where leavers went, by service area"]
        areas = [g for g in released.content["units"] if g.startswith("area:")] if unit == c.ALL else [unit]
        expected = {released.content["groups"][a]: [written(c.cell(f"destination:{v}", a)) for v, _ in destinations]
                    + [written(c.cell("destination:=", a))] for a in areas}
        if unit == c.ALL:
            expected["All leavers"] = [written(c.cell(f"destination:{v}", c.ALL)) for v, _ in destinations] + [
                written(c.cell("destination:=", c.ALL))]
        assert rows == expected
