"""The side channels of issue 20, attacked as a reader would, each with what it gave away before it was closed.

1. The moderation queue's "From:" label named a unit finer than the release shows (a team whose figures are
   hidden, a team of two commenters): a label is now at a unit the latest release shows with at least the
   comments threshold of comments on the question, otherwise the council.
2. Live response rates differed by reader (each reader's table was suppressed on its own), so two readers
   comparing notes worked out a small team's count; and a team's Invited count stood beside its hidden figures.
3. Respondent pages were in the access log, a line per request with the time and the address, beside rows
   of `response` stored in submission order.
4. Whoever held an invitation email could open it and read the saved draft.
"""

from __future__ import annotations

import io
import json
import logging
import re
from typing import ClassVar

import pytest
from sqlalchemy import inspect, select

from surveyapp import logs, security
from surveyapp.disclosure import cells as c
from surveyapp.models import Answer, Draft, Response, Role, ThemeJob, User, UserScope
from surveyapp.questionnaires import builtin
from surveyapp.themes.jobs import comments

from . import factories
from .attacker import respond

HEALTH_CHECK = next(q for q in builtin() if q.key == "health-check")
Q = "biggest_difference"


def sign_in(client, session, made, role: Role, email: str, *, area=None, teams=()) -> None:
    factories.user(session, made, role, email=email)
    user = session.scalar(select(User).where(User.email == email))
    if area is not None:
        user.scopes.append(UserScope(service_area_id=area.id))
    for team in teams:
        user.scopes.append(UserScope(team_id=team.id))
    session.commit()
    assert factories.sign_in(client, email).status == 302


# 1. Labels in moderation and safeguarding -------------------------------------------------------------


def flagged_council(session):
    """Referral and Assessment: Big Team (12 respondents, 11 comments) and Small Team (6 respondents, of whom
    2 commented, one flagged); Fostering: Lone Team (1 respondent, who commented, flagged) and Carers (6)."""
    made = factories.council(session, teams={"Referral and Assessment": ["Big Team", "Small Team"],
                                             "Fostering": ["Lone Team", "Carers"]})
    run = factories.run(session, made)
    big, small, lone = (factories.team(session, made, n) for n in ("Big Team", "Small Team", "Lone Team"))
    respond(session, run, big, caseload_manageable="agree")
    for _ in range(6):
        respond(session, run, factories.team(session, made, "Carers"), caseload_manageable="agree")
    for _ in range(4):
        respond(session, run, small, caseload_manageable="agree")
    comments = ([(small, "A parent threatened to hurt the child again."), (small, "Pay is poor.")]
                + [(big, f"Pay comment {i}.") for i in range(11)] + [(lone, "Someone said they would stab me.")])
    responses = [respond(session, run, team, **{Q: words}) for team, words in comments]
    rows = [{"row": i, "theme": "pay", "sentiment": None,
             "flag": "child_at_risk" if i == 0 else ("threat_to_staff" if i == 13 else None)}
            for i in range(len(comments))]
    themes = [{"id": "pay", "label": "Pay", "keywords": ["pay"], "description": None,
               "quotes": [{"row": 2, "text": comments[2][1]}, {"row": 1, "text": comments[1][1]}]}]
    session.add(ThemeJob(run_id=run.id, question_id=Q, status="done", progress=100, stage="Done",
                         result={"mode": "taxonomy", "rows": rows, "notes": [], "themes": themes,
                                 "row_teams": [t.id for t, _ in comments],
                                 "row_responses": [r.id for r in responses]}))
    session.commit()
    return made, run, (big, small, lone)


def labels_in_the_queue(client, run) -> dict[str, str]:
    """Each quote's and each flagged comment's "From" label, by its words."""
    queue = client.get(f"/manage/runs/{run.id}/moderation/")
    found = {}
    for section in queue.soup.select("section.app-moderation-quote"):
        where = next(p for p in section.select("p") if "From:" in p.get_text())
        found[section.blockquote.get_text(strip=True)] = where.get_text(strip=True).removeprefix("From:")
    for card in queue.soup.select(".govuk-summary-card"):
        rows = {r.dt.get_text(strip=True): r.dd.get_text(" ", strip=True) for r in card.select(".govuk-summary-list__row")}
        found[rows["Comment"]] = rows["From"]
    return found


def test_a_moderation_label_never_names_a_unit_the_release_does_not_show_with_enough_comments(client, session):
    made, run, _ = flagged_council(session)
    sign_in(client, session, made, Role.ADMIN, "psw@northshire.example")
    # Before any release, nothing is shown of any unit: every label is the council.
    before = labels_in_the_queue(client, run)
    assert before["A parent threatened to hurt the child again."] == "Northshire Council", before
    assert set(before.values()) == {"Northshire Council"}

    made_release = factories.release(session, run)
    cells = made_release.content["cells"]
    labels = labels_in_the_queue(client, run)
    units = {made_release.content["groups"][u]: u for u in made_release.content["units"]}
    units["Northshire Council"] = c.ALL
    for words, label in labels.items():
        unit = units[label.split(": ")[-1]]
        comments = cells.get(c.cell(f"th:{Q}:{c.ANSWERED}", unit))
        assert cells.get(c.cell(c.RESPONDENTS, unit)) is not None, f"{words!r} is labelled {label}, a hidden unit"
        assert comments is not None and comments >= 10, f"{words!r} is labelled {label}: {comments} comments"
    # Small Team: 6 respondents but 2 comments; its area has 13. Big Team's 11 comments name it.
    assert labels["A parent threatened to hurt the child again."] == "Referral and Assessment"
    assert labels["Pay is poor."] == "Referral and Assessment"
    assert labels["Pay comment 0."] == "Referral and Assessment: Big Team"
    assert labels["Someone said they would stab me."] == "Northshire Council"  # Fostering: one person


# 2. Live response rates, and Invited beside hidden figures ------------------------------------------


def live_council(session):
    """Assessment North: 6 invited, 3 used their link; Assessment South 5 of 5; Children in Care 5 of 5."""
    made = factories.council(session)
    run = factories.run(session, made)
    teams = {n: factories.team(session, made, n) for n in ("Assessment North", "Assessment South", "Children in Care")}
    for name, invited, used in (("Assessment North", 6, 3), ("Assessment South", 5, 5), ("Children in Care", 5, 5)):
        for i in range(invited):
            token = factories.invitation(session, run, teams[name], name=f"{name} {i}",
                                         email=f"{name.replace(' ', '.')}{i}@northshire.example".lower())
            if i < used:
                factories.use_link(session, run, token, teams[name])
    return made, run, teams


def live_figures(page) -> tuple[int | None, dict[str, int | None], list[str]]:
    """What a run page says of links used: the total it states, each team's count (None: hidden), and the
    teams whose Invited count stands beside a hidden count."""
    said = re.search(r"(\d+|Fewer than \d+) of (\d+) invitation links have been used", page.text())
    assert said, page.text()
    total = int(said.group(1)) if said.group(1).isdigit() else None
    rows: dict[str, int | None] = {}
    invited_beside_hidden = []
    caption = page.soup.find("caption", string="Links used so far, by team")
    for tr in caption.find_parent("table").select("tbody tr") if caption else []:
        cells = [td.get_text(" ", strip=True) for td in tr.find_all(["th", "td"])]
        rows[cells[1]] = int(cells[3].split()[0]) if cells[3] != "Hidden" else None
        if cells[3] == "Hidden" and cells[2] != "Hidden":
            invited_beside_hidden.append(cells[1])
    return total, rows, invited_beside_hidden


def test_two_readers_comparing_live_rates_cannot_work_out_a_small_team(client, session):
    made, run, teams = live_council(session)
    area = teams["Assessment North"].service_area
    readers = {"admin": dict(role=Role.ADMIN),
               "area manager": dict(role=Role.MANAGER, area=area),
               "manager of South and Care": dict(role=Role.MANAGER,
                                                 teams=(teams["Assessment South"], teams["Children in Care"]))}
    seen = {}
    for name, how in readers.items():
        browser = client.another()
        sign_in(browser, session, made, email=f"{name.replace(' ', '')}@northshire.example".lower(), **how)
        seen[name] = live_figures(browser.get(f"/manage/runs/{run.id}"))
    # The attacker's algebra: each reader's total is the sum of the links used in their scope.
    scope = {"admin": set(teams), "area manager": {"Assessment North", "Assessment South"},
             "manager of South and Care": {"Assessment South", "Children in Care"}}
    known: dict[str, int] = {}
    for _, rows, _ in seen.values():
        known |= {team: n for team, n in rows.items() if n is not None}
    equations = [(total, scope[name]) for name, (total, _, _) in seen.items() if total is not None]
    for _ in range(3):
        for total, members in equations:
            unknown = members - set(known)
            if len(unknown) == 1:
                known[unknown.pop()] = total - sum(known[m] for m in members if m in known)
    assert "Assessment North" not in known, f"three links used in Assessment North worked out: {seen}"
    # One set of live figures: every reader is told the same thing of each figure they see.
    totals = {total for total, _, _ in seen.values()}
    assert len(totals) == 1, seen
    for team in teams:
        assert len({rows[team] for _, rows, _ in seen.values() if team in rows}) <= 1, seen
    assert not [beside for *_, beside in seen.values() if beside], f"Invited beside a hidden count: {seen}"


def test_a_hidden_team_shows_no_invited_count_beside_it(client, session):
    """Everyone invited responded (18 of 18): a hidden team's Invited count would be its respondents."""
    made = factories.council(session, teams={"Referral and Assessment": ["North", "South", "Tiny"]})
    run = factories.run(session, made)
    teams = {t.name: t for a in made.service_areas for t in a.teams}
    for name, n in (("North", 7), ("South", 9), ("Tiny", 2)):
        for i in range(n):
            token = factories.invitation(session, run, teams[name], name=f"{name} {i}", email=f"{name}{i}@x.org")
            factories.use_link(session, run, token, teams[name])
            respond(session, run, teams[name], caseload_manageable="agree")
    factories.release(session, run)
    sign_in(client, session, made, Role.ADMIN, "psw@northshire.example")
    for url in (f"/manage/runs/{run.id}", f"/manage/runs/{run.id}/results"):
        page = client.get(url)
        table = next(t for t in page.soup.select("table") if "Response rate by team" in t.caption.get_text())
        rows = [[td.get_text(" ", strip=True) for td in tr.find_all(["th", "td"])] for tr in table.select("tbody tr")]
        assert rows, url
        for row in rows:
            assert row[3] != "Hidden" or row[2] == "Hidden", f"{url}: {row}"
        tiny = next(row for row in rows if row[1] == "Tiny")
        assert tiny[2:] == ["Hidden", "Hidden"], tiny
    overview = client.get(f"/manage/runs/{run.id}/results?format=csv").response.get_data(as_text=True)
    tiny_line = next(line for line in overview.splitlines() if ",Tiny," in line)
    assert tiny_line.split(",")[2:4] == ["Hidden", "Hidden"], tiny_line


# 3. Order and time ------------------------------------------------------------------------------------


RESPONDENT_PATHS = ("/invite/", "/open/", "/resume/", "/s/", "/survey")


def test_no_line_the_app_logs_gives_a_respondents_time_and_address(client, session, caplog):
    """The access log wrote a line for each respondent's request, with the time and their address: beside
    responses stored in the order they came, that is each respondent's address and time."""
    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    made = factories.council(session)
    run = factories.run(session, made)
    token = factories.invitation(session, run, factories.team(session, made, "Assessment North"))
    logging.getLogger("gunicorn.access").handlers.clear()  # gunicorn's Logger adds one more each time
    config = Config()
    config.set("accesslog", "-")
    gunicorn = Logger(config)
    stream = io.StringIO()
    for handler in gunicorn.access_log.handlers:
        handler.stream = stream
    logs.install(json_lines=True)

    class Sent:
        status = "302 FOUND"
        sent = 0
        headers: ClassVar[list[str]] = []

    class Request:
        headers: ClassVar[list[str]] = []

    paths = [f"/invite/{token}", "/survey", "/survey/about_you", "/survey/check", "/survey/done",
             f"/resume/{token}~x", "/s/abc", "/healthz", "/manage/runs"]
    for path in paths:
        environ = {"REQUEST_METHOD": "POST" if path == "/survey/check" else "GET", "RAW_URI": path,
                   "PATH_INFO": path, "QUERY_STRING": "", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "192.0.2.4"}
        gunicorn.access(Sent(), Request(), environ, __import__("datetime").timedelta(seconds=0.01))
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    assert not [line for line in lines if any(p in line["message"] for p in RESPONDENT_PATHS)], lines
    assert any("/healthz" in line["message"] for line in lines) and any("/manage/runs" in line["message"]
                                                                         for line in lines), "others stay logged"

    # The development server's log, through a whole submission.
    caplog.set_level(logging.INFO, logger="werkzeug")
    werkzeug = logging.getLogger("werkzeug")
    for path in paths:
        record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, '%s - - [%s] "%s" %s -',
                                   ("192.0.2.4", "01/Jan/2026 10:32:07", f"GET {path} HTTP/1.1", "302"), None)
        if all(f.filter(record) for f in werkzeug.filters):
            werkzeug.handle(record)
    assert not [r for r in caplog.records if any(p in r.getMessage() for p in RESPONDENT_PATHS)]


def test_nothing_stored_or_listed_follows_the_order_of_submission(client, session):
    """Responses submitted one after another: no table a respondent's answers or link touch has a time, and
    every list of responses or comments the app reads is in the order of their random ids."""
    made = factories.council(session)
    run = factories.run(session, made)
    team = factories.team(session, made, "Assessment North")
    submitted = []
    for i in range(12):
        browser = client.another()
        browser.get(f"/invite/{factories.invitation(session, run, team, name=f'P {i}', email=f'p{i}@x.org')}")
        factories.walk(browser, HEALTH_CHECK, {Q: f"Comment number {i} about pay."})
        browser.submit("/survey/check")
        submitted.append(session.scalar(select(Answer.response_id).where(Answer.text == f"Comment number {i} about pay.")))
    assert sorted(submitted) != submitted, "twelve random ids came out in order: run it again"
    inspector = inspect(session.get_bind())
    for table in ("response", "answer", "draft", "used_link"):
        for column in inspector.get_columns(table):
            assert not any(w in column["name"] for w in ("_at", "time", "date", "created", "updated", "_on")), \
                f"{table}.{column['name']}"
    listed = comments(session, run, Q)
    assert [response_id for *_, response_id in listed] == sorted(submitted)


# 4. The invitation email alone ------------------------------------------------------------------------


def test_an_invitation_email_alone_does_not_show_the_saved_answers(client, session):
    made = factories.council(session)
    run = factories.run(session, made)
    token = factories.invitation(session, run, None)
    client.get(f"/invite/{token}")
    client.submit("/survey")
    team_id = str(factories.team(session, made, "Children in Care").id)
    client.submit("/survey/about_you", {"team": team_id, "role": "nqsw_asye", "years_in_role": "under_1",
                                        "contract": "permanent", "hours": "full_time"})
    assert client.submit("/survey/workload", {"children_allocated": "17", "later": "1"}).status == 302
    saved = client.get("/survey/saved")
    resume = saved.soup.select_one("main a[href*='/resume/']")
    assert resume is not None, "the respondent is given a link to carry on elsewhere"
    assert token in resume["href"], "it is the invitation's link and more"

    # Someone else holding the email: a new browser, the invitation link. Nothing saved is shown.
    attacker = client.another()
    assert attacker.get(f"/invite/{token}").status == 302
    start = attacker.get("/survey")
    assert "Continue where you left off" not in start.text()
    attacker.submit("/survey")
    about = attacker.get("/survey/about_you")
    assert about.soup.select_one("input[name=role][checked]") is None, "the saved role shows"
    workload = attacker.get("/survey/workload")
    assert workload.soup.select_one("input[name=children_allocated]").get("value") in (None, ""), \
        "the saved caseload shows"
    check = attacker.get("/survey/check")
    assert "17" not in check.text() and "Newly qualified" not in check.text()
    # Starting again there deleted nothing: the respondent carries on where they left off, in their own
    # browser with the invitation link, or anywhere with the link they were given.
    for browser, path in ((client, f"/invite/{token}"), (client.another(), security_path(resume["href"]))):
        assert browser.get(path).status == 302
        assert "Continue where you left off" in browser.get("/survey").text()
        assert browser.get("/survey/workload").soup.select_one("input[name=children_allocated]")["value"] == "17"
    # The respondent submits; the stranger's page then says the link was used, and no draft is left readable.
    assert factories.walk(client, HEALTH_CHECK) == "/survey/check"
    assert client.submit("/survey/check").status == 302
    assert attacker.get(f"/invite/{token}").h1 == "You have already submitted your answers"
    assert session.scalar(select(Response.team_id)) == int(team_id)


def security_path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


@pytest.mark.parametrize("guess", ["{token}", "{token}~", "{token}~AAAA", "~{token}"])
def test_a_resume_link_cannot_be_guessed_from_the_invitation(client, session, guess):
    made = factories.council(session)
    run = factories.run(session, made)
    token = factories.invitation(session, run, None)
    client.get(f"/invite/{token}")
    client.submit("/survey")
    client.submit("/survey/about_you", {"role": "social_worker", "later": "1"})
    attacker = client.another()
    attacker.get(f"/resume/{guess.format(token=token)}")
    page = attacker.get("/survey/about_you")
    assert page.status in (200, 302, 403, 404, 410)
    assert page.status != 200 or page.soup.select_one("input[name=role][checked]") is None
    assert security.draft_key(token) not in set(session.scalars(select(Draft.key))), "found from the link alone"
