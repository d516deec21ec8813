"""Attacks a curious manager could try with the app's own pages and exports, each rebuilt, each defeated.

Every test first builds the situation the attack needs, then reads the releases as
the attacker would: the reader's integer program (`ip_attacker.attack`, and
`attack_themes` for the themes of comments) over every figure shown, who is in every
group, and the rules of the noise. The check is that nobody's answer (or main theme,
or a theme raised second) can be proven, and that the handful the attack targets
cannot be told either. Attacks over time also check that the second release hides the
group that grew by a handful, or is refused.
"""

from __future__ import annotations

import datetime as dt

import pytest

from surveyapp import heartbeat
from surveyapp.disclosure import cells as c
from surveyapp.disclosure import jobs as release_jobs
from surveyapp.disclosure import reader
from surveyapp.disclosure.thresholds import Thresholds
from surveyapp.models import ReleaseKind, Role, ThemeJob

from . import factories
from .attacker import key, respond
from .figures import near
from .ip_attacker import attack, attack_themes

Q = "caseload_manageable"


def council(session, teams):
    made = factories.council(session, teams=teams)
    run = factories.run(session, made)
    return made, run, {t.name: t for a in made.service_areas for t in a.teams}


def hidden(made) -> set[str]:
    return {k for k, v in made.content["cells"].items() if v is None}


def shown(made) -> dict[str, int]:
    return {k: v for k, v in made.content["cells"].items() if v is not None}


def assert_unpinned(found, targets, answers):
    """Nobody's answer can be proven, nor the targets' (the handful the attack is after): their true answers are
    not fixed in number among them."""
    assert found.pinned_people() == []
    fixed = found.pinned_set(targets)
    assert not set(answers) & set(fixed), f"{sorted(set(answers) & set(fixed))} fixed among {len(targets)} people"


def test_an_area_minus_its_shown_teams_does_not_give_the_hidden_team(session):
    _made, run, teams = council(session, {"Referral and Assessment": ["North", "South", "Tiny"],
                                         "Looked After Children": ["Care"]})
    for i in range(8):
        respond(session, run, teams["North"], **{Q: "agree" if i < 6 else "disagree"})
    for _ in range(7):
        respond(session, run, teams["South"], **{Q: "agree"})
    alone = respond(session, run, teams["Tiny"], **{Q: "strongly_disagree"})
    for _ in range(9):
        respond(session, run, teams["Care"], **{Q: "neither"})
    made_release = factories.release(session, run)
    tiny = c.team(teams["Tiny"].id)
    assert key(c.RESPONDENTS, tiny) in hidden(made_release), "a team of one is hidden"
    # The area less its two shown teams would be the one person: one of the three is hidden with Tiny.
    area = c.area(teams["Tiny"].service_area_id)
    assert any(key(c.RESPONDENTS, g) in hidden(made_release)
               for g in (area, c.team(teams["North"].id), c.team(teams["South"].id)))
    assert_unpinned(attack(session, run, [made_release], Q), [alone.id], ["strongly_disagree"])


def test_everyone_minus_a_breakdown_does_not_give_the_hidden_row(session):
    _made, run, teams = council(session, {"Referral and Assessment": ["North", "South"]})
    roles = ["social_worker"] * 9 + ["senior_practitioner"] * 8 + ["practice_supervisor"] * 2
    supervisors = []
    for i, role in enumerate(roles):
        made_one = respond(session, run, teams["North" if i % 2 else "South"], role=role,
                           **{Q: "disagree" if role == "practice_supervisor" else "agree"})
        if role == "practice_supervisor":
            supervisors.append(made_one.id)
    made_release = factories.release(session, run)
    group = c.breakdown(c.ALL, "role", "practice_supervisor")
    assert key(c.RESPONDENTS, group) in hidden(made_release), "a breakdown of two is hidden"
    assert_unpinned(attack(session, run, [made_release], Q), supervisors, ["disagree"])


def test_two_groups_that_are_nearly_the_same_people_are_not_both_shown(session):
    """A team that is all senior practitioners, and the council's senior practitioners, differ by one
    person: showing both would give that person's answers, whoever looks (an admin, or two managers)."""
    _made, run, teams = council(session, {"Referral and Assessment": ["Seniors", "Mixed"]})
    for _ in range(6):
        respond(session, run, teams["Seniors"], role="senior_practitioner", **{Q: "agree"})
    one = respond(session, run, teams["Mixed"], role="senior_practitioner", **{Q: "strongly_disagree"})
    for _ in range(7):
        respond(session, run, teams["Mixed"], role="social_worker", **{Q: "agree"})
    made_release = factories.release(session, run)
    both = [key(c.RESPONDENTS, c.team(teams["Seniors"].id)),
            key(c.RESPONDENTS, c.breakdown(c.ALL, "role", "senior_practitioner"))]
    assert any(k in hidden(made_release) for k in both)
    # and the one person's answer cannot be had from what is shown instead
    assert_unpinned(attack(session, run, [made_release], Q), [one.id], ["strongly_disagree"])


def test_one_more_response_is_refused_and_a_team_that_grew_by_one_is_hidden_next_time(app, session):
    _made, run, teams = council(session, {"Referral and Assessment": ["North", "South", "East"]})
    for name in ("North", "South", "East"):
        for _ in range(6):
            respond(session, run, teams[name], **{Q: "agree"})
    first = factories.release(session, run, "interim")
    assert shown(first)[key(c.RESPONDENTS, c.ALL)] == 18
    newcomer = respond(session, run, teams["North"], **{Q: "strongly_disagree"})
    with pytest.raises(release_jobs.TooSoon):
        release_jobs.start(session, run, ReleaseKind.INTERIM, Thresholds(), lambda _: None,
                           heartbeat.Limits.from_config(app.config))
    for _ in range(5):
        respond(session, run, teams["South"], **{Q: "agree"})
    second = factories.release(session, run, "final")
    north = c.team(teams["North"].id)
    assert key(c.RESPONDENTS, north) in hidden(second) and key(f"{Q}:strongly_disagree", north) in hidden(second)
    # The area less South and East would be North: the newcomer with the six of the first release. One of
    # those three goes too; the council's size is shown, exact.
    area = c.area(teams["North"].service_area_id)
    assert any(key(c.RESPONDENTS, g) in hidden(second)
               for g in (area, c.team(teams["South"].id), c.team(teams["East"].id)))
    assert shown(second)[key(c.RESPONDENTS, c.ALL)] == 24
    # With both releases side by side, the newcomer's answer cannot be proven.
    assert_unpinned(attack(session, run, [first, second], Q), [newcomer.id], ["strongly_disagree"])


def test_the_run_page_and_the_results_page_show_the_same_cells(client, session):
    made, run, teams = council(session, {"Referral and Assessment": ["North", "South", "Tiny"]})
    for name, n in (("North", 7), ("South", 9), ("Tiny", 2)):
        for i in range(n):
            token = factories.invitation(session, run, teams[name], name=f"{name} {i}", email=f"{name}{i}@x.org")
            factories.use_link(session, run, token, teams[name])
            respond(session, run, teams[name], **{Q: "agree"})
    factories.release(session, run)
    assert factories.sign_in(client, factories.user(session, made)).status == 302
    run_page = client.get(f"/manage/runs/{run.id}")
    results = client.get(f"/manage/runs/{run.id}/results")

    def responded(page):
        table = next(t for t in page.soup.select("table") if "Response rate by team" in t.caption.get_text())
        return {tr.find_all(["th", "td"])[1].get_text(strip=True): tr.find_all("td")[-1].get_text(" ", strip=True)
                for tr in table.select("tbody tr")}

    assert responded(run_page) == responded(results)
    assert responded(results)["Tiny"] == "Hidden"
    assert "18 people responded, of 18 invited" in results.text()


def test_moving_the_caseload_policy_between_releases_does_not_count_one_caseload(session):
    made, run, teams = council(session, {"Referral and Assessment": ["North", "South"]})
    for i in range(12):
        respond(session, run, teams["North" if i % 2 else "South"], children_allocated=20 if i == 0 else 14 + i)
    made.caseload_policy = 19
    session.commit()
    first = factories.release(session, run, "interim")
    made.caseload_policy = 20
    session.commit()
    second = factories.release(session, run, "final")
    assert second.content["policy"] == first.content["policy"] == {"caseload": 19, "asye": None}
    assert {k: v for k, v in shown(second).items() if k.startswith("pol:")} == \
        {k: v for k, v in shown(first).items() if k.startswith("pol:")}


def _analysis(session, run, question_id, rows):
    """A finished theme analysis of the run's comments, as the engine stores it: (theme, sentiment) per comment."""
    from surveyapp.themes import jobs
    found = jobs.comments(session, run, question_id)
    assert len(found) == len(rows)
    themes = sorted({t for t, _ in rows})
    result = {"mode": "taxonomy", "themes": [
        {"id": t, "label": t.title(), "keywords": ["anxiety", "saz", "stress"], "description": None,
         "quotes": [{"row": i, "text": f"quote {i}"} for i, (theme, _) in enumerate(rows) if theme == t][:3]}
        for t in themes],
        "rows": [{"row": i, "theme": t, "sentiment": s} for i, (t, s) in enumerate(rows)],
        "row_teams": [team for _, team, _ in found], "row_responses": [r for _, _, r in found], "notes": []}
    job = ThemeJob(run_id=run.id, question_id=question_id, status="done", progress=100, stage="Done", result=result)
    session.add(job)
    session.commit()
    return job


def test_themes_by_team_list_every_team_and_do_not_give_a_small_one_away(session):
    _made, run, teams = council(session, {"Referral and Assessment": ["North", "South", "Tiny"]})
    plan = [("North", "workload")] * 7 + [("South", "workload")] * 4 + [("South", "pay")] * 4 + [("Tiny", "wellbeing")]
    for name, _ in plan:
        respond(session, run, teams[name], biggest_difference="Something about work.")
    from surveyapp.themes import jobs
    order = {rid: team for _, team, rid in jobs.comments(session, run, "biggest_difference")}
    theme_of = {}
    remaining = {name: [t for n, t in plan if n == name] for name in teams}
    for rid, team_id in order.items():
        name = next(n for n, t in teams.items() if t.id == team_id)
        theme_of[rid] = remaining[name].pop()
    _analysis(session, run, "biggest_difference",
              [(theme_of[rid], "negative") for _, _, rid in jobs.comments(session, run, "biggest_difference")])
    made_release = factories.release(session, run)
    tiny = c.team(teams["Tiny"].id)
    assert key("th:biggest_difference:wellbeing", tiny) in hidden(made_release)
    assert key("th:biggest_difference:=", tiny) in hidden(made_release)
    alone = next(rid for rid, theme in theme_of.items() if theme == "wellbeing")
    assert_unpinned(attack_themes(session, run, [made_release], "biggest_difference"), [alone], ["wellbeing"])
    released = reader.Released(made_release.content, factories_questionnaire(run))
    summary = reader.theme_summary(released, "biggest_difference", c.ALL)
    assert [t.label for t in summary.teams] == ["North", "South", "Tiny"]
    small = next(t for t in summary.themes if t.id == "wellbeing")
    assert small.keywords == [] and small.quotes == []


def factories_questionnaire(run):
    from surveyapp.questionnaires import questionnaire_for
    return questionnaire_for(run)


def test_a_new_analysis_after_one_more_comment_does_not_tell_its_theme(session):
    from surveyapp.themes import jobs
    _made, run, teams = council(session, {"Referral and Assessment": ["North", "South"]})
    for i in range(12):
        respond(session, run, teams["North" if i % 2 else "South"], biggest_difference="More staff.")
    _analysis(session, run, "biggest_difference", [("workload" if i < 7 else "pay", "negative") for i in range(12)])
    first = factories.release(session, run, "interim")
    near(first, key("th:biggest_difference:workload", c.ALL), 7)
    newcomer = respond(session, run, teams["North"], biggest_difference="Better pay please.")
    for _ in range(4):
        respond(session, run, teams["South"])  # four more people, no comment
    rows = {rid: "pay" for _, _, rid in jobs.comments(session, run, "biggest_difference")}
    earlier = set(first.audit["themes"]["biggest_difference"]["workload"])
    _analysis(session, run, "biggest_difference",
              [("workload" if rid in earlier else rows[rid], "negative")
               for _, _, rid in jobs.comments(session, run, "biggest_difference")])
    second = factories.release(session, run, "final")
    # The council's commenters grew by one: their theme counts are hidden in the second release.
    assert key("th:biggest_difference:pay", c.ALL) in hidden(second)
    assert key("th:biggest_difference:=", c.ALL) in hidden(second)
    # Both releases side by side: the newcomer's theme cannot be proven.
    assert_unpinned(attack_themes(session, run, [first, second], "biggest_difference"), [newcomer.id], ["pay"])


def test_leavers_by_area_against_all_leavers_and_destinations(session):
    made = factories.council(session, teams={"Referral and Assessment": ["North"], "Looked After Children": ["Care"],
                                             "Fostering": ["Foster"]})
    run = factories.run(session, made, "exit-interview")
    teams = {t.name: t for a in made.service_areas for t in a.teams}
    for i in range(8):
        respond(session, run, teams["North"], destination="another_council" if i < 5 else "agency",
                main_reasons=["caseload_workload", "pay"], leaving_month=f"{dt.date.today().year}-0{1 + i % 3}")
    for _ in range(7):
        respond(session, run, teams["Care"], destination="agency", main_reasons=["pay"],
                leaving_month=f"{dt.date.today().year}-04")
    alone = respond(session, run, teams["Foster"], destination="retirement", main_reasons=["management"],
                    leaving_month=f"{dt.date.today().year}-05")
    made_release = factories.release(session, run)
    foster = c.area(teams["Foster"].service_area_id)
    assert key(c.RESPONDENTS, foster) in hidden(made_release), "an area of one leaver is hidden"
    assert shown(made_release)[key(c.RESPONDENTS, c.ALL)] == 16
    assert_unpinned(attack(session, run, [made_release], "destination"), [alone.id], ["retirement"])


def test_one_exit_interview_shows_no_figure(client, session):
    made = factories.council(session)
    run = factories.run(session, made, "exit-interview")
    respond(session, run, made.service_areas[0].teams[0], destination="agency", main_reasons=["pay"])
    made_release = factories.release(session, run)
    assert key(c.RESPONDENTS, c.ALL) in hidden(made_release)
    assert factories.sign_in(client, factories.user(session, made)).status == 302
    page = client.get(f"/manage/runs/{run.id}/leavers/")
    assert "Hidden exit interviews" in page.text() and "1 exit interviews" not in page.text()


def test_scoped_managers_see_units_of_one_release(client, session):
    """Two managers with different scopes read the same audited release: neither sees a unit the other's
    view could be subtracted from, because every unit any user could see was audited together."""
    made, run, teams = council(session, {"Referral and Assessment": ["North", "South"], "Fostering": ["Foster"]})
    for name, n in (("North", 6), ("South", 6), ("Foster", 8)):
        for _ in range(n):
            respond(session, run, teams[name], **{Q: "agree"})
    factories.release(session, run)
    from surveyapp.models import User, UserScope
    email = factories.user(session, made, Role.MANAGER)
    manager = session.query(User).filter_by(email=email).one()
    manager.scopes.append(UserScope(team_id=teams["North"].id))
    session.commit()
    assert factories.sign_in(client, email).status == 302
    page = client.get(f"/manage/runs/{run.id}/results")
    assert "Showing North" in page.text()
    assert client.get(f"/manage/runs/{run.id}/results?unit={c.ALL}").status == 404
    assert client.get(f"/manage/runs/{run.id}/results?unit={c.team(teams['South'].id)}").status == 404


# Themes read on three pages at once: the first page, the themes page and the committee report -----------------

def _two_theme_council(session):
    """Comments about four themes, a few about two: before the differences were audited, the pages showed pay's
    12 comments and 13 raising it, so exactly one person raised pay as a second theme."""
    from .test_themes import analysed
    made, run, teams = council(session, {"Referral and Assessment": ["North", "South"],
                                         "Looked After Children": ["Care"]})
    n, s, care = teams["North"], teams["South"], teams["Care"]
    analysed(session, run, [(n, "pay")] * 3 + [(n, ["pay", "systems"])] + [(n, ["pay", "teamwork"])] * 2
             + [(n, "systems"), (n, ["systems", "pay"]), (n, "teamwork"), (n, ["teamwork", "wellbeing"])]
             + [(s, "pay")] * 4 + [(s, "systems")] + [(s, "teamwork")] * 2 + [(s, "wellbeing")] * 2
             + [(s, ["wellbeing", "systems"])] + [(care, "pay")] * 2 + [(care, "teamwork")] * 2 + [(care, "wellbeing")]
             + [(care, ["wellbeing", "systems"])] * 2)
    factories.approve_quotes(session, run)
    return made, run


def _number(text: str) -> int | None:
    return None if text == reader.HIDDEN else int(text)


def _pages_read(client, session, made, run) -> dict[str, dict]:
    """What an admin reads of the council's themes on each page: {page: {"total", "sizes", "mentions"}}."""
    import re

    from surveyapp.reports import build
    from surveyapp.reports.document import Paragraph

    from .test_themes import Q, themes_table
    assert factories.sign_in(client, factories.user(session, made, Role.ADMIN)).status == 302
    found: dict[str, dict] = {}
    page = client.get(f"/manage/runs/{run.id}/themes/{Q}")
    table = themes_table(page)
    total = re.search(r"(\d+) comments\.", page.text())
    found["themes page"] = {"total": int(total.group(1)) if total else None,
                            "hidden total said": "The number of comments is hidden" in page.text(),
                            "sizes": {k: _number(v[0].split(" ")[0]) for k, v in table.items()},
                            "mentions": {k: _number(v[1]) for k, v in table.items()}}
    glance = client.get(f"/manage/runs/{run.id}/results/summary")
    lines = glance.soup.find("a", href=re.compile(f"/themes/{Q}")).find_next("ol").select("li")
    read = [re.fullmatch(r"(.+?): (\d+|Hidden)(?: of (\d+))? comments(?: \(\d+%\))?; comments raising it: (\d+|Hidden)",
                         li.get_text("", strip=True)) for li in lines]
    assert all(read), [li.get_text("", strip=True) for li in lines]
    found["first page"] = {"total": next((int(m.group(3)) for m in read if m.group(3)), None),
                           "hidden total said": "The number of comments from Northshire Council is hidden" in glance.text(),
                           "sizes": {m.group(1): _number(m.group(2)) for m in read},
                           "mentions": {m.group(1): _number(m.group(4)) for m in read}}
    report = build.build(session, run)
    rows = next(t for caption, t in report.tables().items() if caption.startswith("Themes: ")).rows
    said = next(b.text for b in report.blocks if isinstance(b, Paragraph) and "comments" in b.text
                and ("hidden" in b.text or re.match(r"\d+ comments\.", b.text)))
    total = re.match(r"(\d+) comments\.", said)
    found["committee report"] = {"total": int(total.group(1)) if total else None,
                                 "hidden total said": said.startswith("The number of comments is hidden"),
                                 "sizes": {r[0]: _number(r[1].split(" ")[0]) for r in rows},
                                 "mentions": {r[0]: _number(r[2]) for r in rows}}
    return found


def _attack_the_theme_pages(client, session, made, run, made_release):
    from surveyapp.action_plans import evidence

    from .test_themes import Q
    cells = made_release.content["cells"]
    labels = {t["label"]: t["id"] for t in made_release.content["themes"][Q]["themes"]}
    pages = _pages_read(client, session, made, run)
    # The defence: every figure on each page is a cell of this release, written Hidden where the cell is
    # hidden; no page shows a figure of its own (a total, a difference) or one another page hides.
    total = cells[key(f"th:{Q}:=", c.ALL)]
    for name, read in pages.items():
        # (The first page gives the total only beside a theme's released size: "12 of 40 comments".)
        assert read["total"] in ((total, None) if name == "first page" else (total,)), name
        assert read["hidden total said"] == (total is None), name
        for label, size in read["sizes"].items():
            assert size == cells[key(f"th:{Q}:{labels[label]}", c.ALL)], (name, label)
        for label, mentions in read["mentions"].items():
            assert mentions == cells[key(f"th:{Q}:{labels[label]}:mentions", c.ALL)], (name, label)
    released = reader.Released(made_release.content, factories_questionnaire(run))
    for theme in labels.values():
        figure = evidence.theme(released, None, Q, theme)
        size, mentions = cells[key(f"th:{Q}:{theme}", c.ALL)], cells[key(f"th:{Q}:{theme}:mentions", c.ALL)]
        assert figure.shown.startswith(reader.HIDDEN if size is None else f"{size} comments"), figure.shown
        assert figure.shown.endswith(f"comments raising it: {reader.HIDDEN if mentions is None else mentions}")
    # The attack: with all three pages side by side (and every other figure of the release), the reader's
    # integer program over each person's main theme, its sentiment and the themes they raise. Nobody's theme,
    # nor a theme they raise second, can be proven; nor the themes of a handful (1 to 4) raising one.
    found = attack_themes(session, run, [made_release], Q)
    assert found.pinned_people() == []
    mains: dict[str, list[str]] = {}
    seconds: dict[str, list[str]] = {}
    for person in found.people:
        if found.truth[person] != "~":
            mains.setdefault(found.truth[person], []).append(person)
        for raised in found.also.get(person, []):
            seconds.setdefault(raised, []).append(person)
    small = {t: m for t, m in mains.items() if len(m) < 5} | {t: m for t, m in seconds.items() if len(m) < 5}
    assert small, "the council has a handful to attack"
    for theme, people in small.items():
        assert theme not in found.pinned_set(people), f"{len(people)} people's {theme} is proven"
    return pages


def test_the_theme_pages_together_give_away_no_second_theme_count(client, session):
    from .test_themes import Q
    made, run = _two_theme_council(session)
    made_release = factories.release(session, run)
    pages = _attack_the_theme_pages(client, session, made, run, made_release)
    assert any(v is not None for read in pages.values() for v in read["mentions"].values())
    # The one person raising pay second is a hidden cell of the release, audited; no page reads it.
    assert made_release.content["cells"][key(f"th:{Q}:pay:second", c.ALL)] is None


def hidden_total_council(session, monkeypatch):
    """In a bigger council (the demo) the audit can hide the number of comments to protect a small theme and
    still release theme sizes: here the total is hidden before the audit, which then protects it like any.
    Returns (council, run, release)."""
    from surveyapp.disclosure import themes

    from .test_themes import Q, analysed
    made, run, teams = council(session, {"Referral and Assessment": ["North", "South"],
                                         "Looked After Children": ["Care"]})
    n, s, care = teams["North"], teams["South"], teams["Care"]
    analysed(session, run, [(n, "pay")] * 7 + [(s, "pay")] * 5 + [(s, "systems")] * 6 + [(n, "systems")] * 4
             + [(n, ["systems", "pay"])] * 6 + [(care, "teamwork")] * 5 + [(care, ["teamwork", "wellbeing"])] * 5
             + [(care, "wellbeing")] * 2)
    factories.approve_quotes(session, run)
    forced = themes.forced_cells
    monkeypatch.setattr(themes, "forced_cells", lambda closed, published: forced(closed, published)
                        | {key(f"th:{Q}:=", c.ALL)})
    made_release = factories.release(session, run)
    assert key(f"th:{Q}:=", c.ALL) in hidden(made_release)
    return made, run, made_release


def test_the_theme_pages_together_with_the_councils_number_of_comments_hidden(client, session, monkeypatch):
    made, run, made_release = hidden_total_council(session, monkeypatch)
    pages = _attack_the_theme_pages(client, session, made, run, made_release)
    assert all(read["hidden total said"] for read in pages.values())
    assert all(any(v is not None for v in read["sizes"].values()) for read in pages.values()), pages
