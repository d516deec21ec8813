"""Every manager route × every role × two councils: nobody sees what is not theirs.

The routes are read from the app's own URL map, so a new page is covered (and
must be listed in EXPECTED) as soon as it is added.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import object_session

from surveyapp.models import Answer, Response, Role, User, UserScope

from . import factories

ADMIN_ONLY = {"manage.new_run", "manage.import_staff", "manage.close", "manage.open_link", "manage.settings",
              "manage.new_release", "moderation.queue", "moderation.decide", "moderation.edit", "moderation.concern",
              "moderation.named_leavers", "manage.reminders",
              "manage.create_teams", "manage.cancel_new_teams", "run_admin.change", "run_admin.reopen", "run_admin.copy",
              "run_admin.delete", "org.organisation", "org.area", "org.team", "org.retire", "org.merge",
              "org.import_organisation", "org.audit", "org.data", "org.delete_everything"}
# Action plans are the admin's (they read the whole council's figures). A
# plan's own pages may be 404 even for the admin (until closing a run releases it and a plan is drafted), and 403 for everyone else before anything is looked up.
PLAN_PAGES = {"plans.add_row", "plans.edit_row", "plans.remove_row", "plans.add_commitment", "plans.edit_commitment",
              "plans.remove_commitment", "plans.progress", "plans.approve", "plans.publish", "plans.history",
              "plans.download"}
ADMIN_ONLY |= PLAN_PAGES | {"plans.show", "plans.create", "plans.follow_up"}
# The committee report is the admin's too; a report file or an area that does not exist is a 404.
REPORT_PAGES = {"reports.download", "reports.edit_workforce"}
ADMIN_ONLY |= REPORT_PAGES | {"reports.show", "reports.create", "reports.workforce_figures", "reports.import_workforce"}
ADMIN_ONLY |= {"users.users", "users.invite", "users.change", "users.set_active", "users.invite_again"}
# Correcting themes shows the comments themselves: the admin's alone (tests/webapp/test_corrections.py).
CORRECTIONS = {"corrections.index", "corrections.move", "corrections.rename", "corrections.merge", "corrections.split"}
ADMIN_ONLY |= CORRECTIONS
# What became of each invitation email, and sending failed ones again (tests/webapp/test_email_status.py).
ADMIN_ONLY |= {"emails.show", "emails.resend"}
# Pages for people not signed in: signing in, single sign-on, and password links (tests/webapp/test_users.py, test_sso.py).
PUBLIC = {"manage.sign_in", "manage.sign_out", "users.forgot_password", "users.set_password", "sso.start",
          "sso.callback"}
ANALYSE = {"themes.start"}  # admins and managers
EXIT_ONLY = {"leavers.overview", "moderation.named_leavers"}
KEYED = {"moderation.decide", "moderation.edit", "moderation.concern", "corrections.move"}  # no such quote or concern: 404, for admins
QUESTION = {"results.question": "caseload_manageable", "themes.show": "biggest_difference",
            "themes.start": "biggest_difference", **dict.fromkeys(CORRECTIONS, "biggest_difference")}
NOT_RUN_ROUTES = {"manage.dashboard", "manage.new_run", "manage.sign_in", "manage.sign_out", "manage.settings",
                  "org.organisation", "org.area", "org.team", "org.merge", "org.import_organisation", "org.audit",
                  "org.data", "org.delete_everything", "users.users", "users.invite", "users.change",
                  "users.set_active", "users.invite_again"}
TEAM_OR_AREA = ("<int:team_id>", "<int:area_id>", "<int:user_id>")  # another council's team or area is a 404, as its run is


def manage_routes(app) -> list[tuple[str, str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/manage") or rule.endpoint in PUBLIC:
            continue
        method = "GET" if "GET" in rule.methods else "POST"
        found.append((rule.endpoint, rule.rule, method))
    return sorted(found)


def seed(session, made, run, team, comment: str) -> None:
    for i in range(6):
        response = Response(run_id=run.id, team_id=team.id)
        response.answers.append(Answer(question_id="caseload_manageable", option="agree"))
        response.answers.append(Answer(question_id="biggest_difference", text=f"{comment} {i}"))
        session.add(response)
    session.commit()


@pytest.fixture
def two_councils(session):
    ours = factories.council(session, "ours", {"Referral and Assessment": ["Our Team Alpha", "Our Team Beta"]})
    theirs = factories.council(session, "theirs", {"Fostering": ["Their Secret Team"]})
    runs = {}
    for made in (ours, theirs):
        health = factories.run(session, made)
        runs[made.slug] = {"health": health, "exit": factories.run(session, made, "exit-interview")}
    seed(session, ours, runs["ours"]["health"], factories.team(session, ours, "Our Team Alpha"), "ours")
    seed(session, theirs, runs["theirs"]["health"], factories.team(session, theirs, "Their Secret Team"), "theirs")
    users = {role: factories.user(session, ours, role) for role in Role}
    factories.user(session, theirs, Role.MANAGER)  # an account of another council, for the accounts pages
    for role in (Role.MANAGER, Role.VIEWER):
        user = session.scalar(select(User).where(User.email == users[role]))
        user.scopes.append(UserScope(team_id=factories.team(session, ours, "Our Team Alpha").id))
    session.commit()
    return runs, users


def url_for_route(rule: str, endpoint: str, runs: dict[str, object]) -> str:
    run = runs["exit"] if endpoint in EXIT_ONLY else runs["health"]
    url = rule.replace("<int:run_id>", str(run.id)).replace("<int:row_id>", "1").replace("<int:commitment_id>", "1")
    team = run.council.service_areas[0].teams[0]
    url = url.replace("<int:job_id>", "1").replace("<int:team_id>", str(team.id)).replace("<int:area_id>", str(team.service_area_id))
    if "<int:user_id>" in url:  # a manager of the run's council (the admin may deactivate them, late in the walk)
        user_id = object_session(run).scalar(select(User.id).where(User.council_id == run.council_id,
                                                                   User.role == Role.MANAGER.value))
        url = url.replace("<int:user_id>", str(user_id)).replace("<any(deactivate, reactivate):what>", "deactivate")
    return url.replace("<question_id>", QUESTION.get(endpoint, "")).replace("<key>", "0" * 64).replace("<fmt>", "csv")


def expected(endpoint: str, role: Role) -> set[int]:
    if endpoint in ADMIN_ONLY and role is not Role.ADMIN:
        return {403}
    if endpoint in ANALYSE and role is Role.VIEWER:
        return {403}
    if endpoint in KEYED:
        return {404}
    return {200, 302} | ({404} if endpoint in PLAN_PAGES | REPORT_PAGES else set())


@pytest.mark.parametrize("role", list(Role))
def test_every_route_for_every_role_and_council(app, client, session, two_councils, role):
    runs, users = two_councils
    routes = manage_routes(app)
    assert len(routes) >= 12, routes
    assert factories.sign_in(client, users[role]).status == 302
    token = factories.csrf_token(client.get("/manage/"))
    for endpoint, rule, method in routes:
        # Another council's run is a 404; a role check that refuses first (403) gives nothing away either.
        theirs = {404} | (expected(endpoint, role) & {403})
        for council, allowed in (("ours", expected(endpoint, role)), ("theirs", theirs)):
            if endpoint in NOT_RUN_ROUTES and council == "theirs" and not any(p in rule for p in TEAM_OR_AREA):
                continue
            url = url_for_route(rule, endpoint, runs[council])
            page = client.get(url) if method == "GET" else client.post(url, {"csrf_token": token})
            assert page.status in allowed, f"{role.value} {method} {url} ({council}): {page.status}"
            assert "Their Secret Team" not in page.html and "theirs " not in page.text(), f"{url} leaks"
            if role is not Role.ADMIN:
                assert "Our Team Beta" not in page.html, f"{role.value} sees a team outside their scope at {url}"


def test_signed_out_every_manager_route_asks_to_sign_in(app, client, session, two_councils):
    runs, _ = two_councils
    for endpoint, rule, method in manage_routes(app):
        if method != "GET":
            continue
        page = client.get(url_for_route(rule, endpoint, runs["ours"]))
        assert page.status == 302 and "/manage/sign-in" in page.response.headers["Location"], endpoint
