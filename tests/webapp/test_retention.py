"""Retention deletes exactly what is due, and nothing else; released figures stay readable."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from surveyapp import retention
from surveyapp.models import (
    Answer,
    AuditEvent,
    Council,
    Invitation,
    QuoteDecision,
    Release,
    Response,
    Role,
    ThemeCorrection,
    ThemeJob,
    UsedLink,
    User,
)
from surveyapp.questionnaires import builtin

from . import factories

TODAY = dt.date(2030, 6, 1)


def count(session, model, run) -> int:
    column = Answer.response_id if model is Answer else None
    if column is not None:
        return session.scalar(select(func.count()).select_from(Answer).join(Response)
                              .where(Response.run_id == run.id)) or 0
    return session.scalar(select(func.count()).select_from(model).where(model.run_id == run.id)) or 0


def everything(session, run) -> dict[str, int]:
    return {m.__name__: count(session, m, run)
            for m in (Answer, Response, Invitation, UsedLink, ThemeJob, Release, ThemeCorrection,
                      QuoteDecision)}


def named(session, run) -> int:
    return session.scalar(select(func.count()).select_from(Invitation).where(
        Invitation.run_id == run.id, Invitation.email.is_not(None))) or 0


def a_run(session, made, key, *, ended: dt.date | None, team, responses: int = 6, named_as: str | None = None):
    run = factories.run(session, made, key, today=ended or TODAY)
    factories.agreement_responses(session, run, team, responses - 1, 1)
    for response in session.scalars(select(Response).where(Response.run_id == run.id)):
        response.named_as = named_as
    token = factories.invitation(session, run, team, name="Sam Person", email=f"sam{run.id}@example.org")
    factories.use_link(session, run, token, team)
    factories.invitation(session, run, team, name="Kim Person", email=f"kim{run.id}@example.org")
    session.add(ThemeJob(run_id=run.id, question_id="biggest_difference", status="done", result={"rows": []}))
    corrected(session, run)
    if ended is not None:
        run.status, run.closed_on = "closed", ended
    session.commit()
    return run


def corrected(session, run) -> None:
    """The admin moved a comment of the run (its redacted text kept as a labelled example) and decided a quote."""
    admin = session.scalar(select(User).where(User.council_id == run.council_id, User.role == Role.ADMIN.value))
    if admin is None:
        email = factories.user(session, run.council, Role.ADMIN, email=f"psw{run.council_id}@example.org")
        admin = session.scalar(select(User).where(User.email == email))
    at = dt.datetime(2027, 1, 1)
    session.add(ThemeCorrection(council_id=run.council_id, run_id=run.id, questionnaire_key=run.questionnaire.key,
                                question_id="biggest_difference", kind="move", key="a" * 64,
                                text="Eclipse froze again", theme="other", themes=["systems_admin"],
                                made_by_id=admin.id, made_at=at))
    session.add(QuoteDecision(run_id=run.id, question_id="biggest_difference", key="a" * 64, status="approved",
                              original="Eclipse froze again", decided_by_id=admin.id, decided_at=at))


def test_retention_deletes_what_is_due_and_nothing_else(app, client, session):
    made = factories.council(session)
    made.retention_years, made.leaver_name_days = 3, 90
    team = factories.team(session, made, "Assessment North")
    old = a_run(session, made, "health-check", ended=dt.date(2027, 5, 31), team=team)  # 3 years and a day
    recent = a_run(session, made, "health-check", ended=dt.date(2027, 6, 2), team=team)  # a day short of 3 years
    still_open = a_run(session, made, "health-check", ended=None, team=team)
    leavers_past = a_run(session, made, "exit-interview", ended=TODAY - dt.timedelta(days=90), team=team,
                         named_as="Lee Leaver")
    leavers_within = a_run(session, made, "exit-interview", ended=TODAY - dt.timedelta(days=89), team=team,
                           named_as="Lou Leaver")
    made_release = factories.release(session, old)
    before_cells = dict(made_release.content["cells"])
    made_release.content = {**made_release.content, "themes": {"biggest_difference": {"themes": [
        {"id": "pay", "label": "Pay", "keywords": ["pay"], "quotes": [{"text": "A secret comment", "unit": "all"}]}]}}}
    session.commit()
    all_runs = (old, recent, still_open, leavers_past, leavers_within)
    counts = {r.id: everything(session, r) for r in all_runs}

    lines = retention.apply(session, TODAY, dry_run=True)
    assert len(lines) == 5, lines  # old: answers; recent and both leavers: invitations; leavers_past: names
    assert {r.id: everything(session, r) for r in all_runs} == counts, "a dry run deleted something"
    assert named(session, recent) == 2

    retention.apply(session, TODAY)
    session.expire_all()
    # The admin's corrections and quote decisions hold the run's comments (redacted): they go with them.
    assert everything(session, old) == {"Answer": 0, "Response": 0, "Invitation": 0,
                                        "UsedLink": 0, "ThemeJob": 0, "Release": 1, "ThemeCorrection": 0,
                                        "QuoteDecision": 0}
    assert old.data_deleted_on == TODAY
    kept = session.get(Release, made_release.id)
    assert kept.content["cells"] == before_cells, "released figures are kept as they were"
    assert kept.content["themes"]["biggest_difference"]["themes"][0]["quotes"] == []
    assert kept.content["themes"]["biggest_difference"]["themes"][0]["keywords"] == ["pay"]
    for run in (recent, still_open, leavers_past, leavers_within):
        assert everything(session, run) == counts[run.id], f"run {run.title} lost rows"
    assert named(session, recent) == 0 and named(session, leavers_past) == 0 and named(session, leavers_within) == 0
    assert named(session, still_open) == 2, "an open run's invitations keep their names"
    names = {r.id: set(session.scalars(select(Response.named_as).where(Response.run_id == r.id)))
             for r in (leavers_past, leavers_within)}
    assert names == {leavers_past.id: {None}, leavers_within.id: {"Lou Leaver"}}

    assert retention.apply(session, TODAY) == [], "running it again deletes nothing more"
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "retention_applied")).all()
    assert {e.run_id for e in events} == {old.id, recent.id, leavers_past.id, leavers_within.id}
    assert all(e.actor == "system" and e.council_id == made.id for e in events)

    # The admin still reads the old run's released results, now that its answers are gone.
    email = factories.user(session, made)
    assert factories.sign_in(client, email).status == 302
    page = client.get(f"/manage/runs/{old.id}/results")
    assert page.status == 200, page.text()
    assert "Hidden" in page.text() or "%" in page.text()
    assert "were deleted on" in client.get(f"/manage/runs/{old.id}").text()
    token = factories.csrf_token(page)
    refused = client.post(f"/manage/runs/{old.id}/releases", {"csrf_token": token})
    assert refused.status == 302 and count(session, Release, old) == 1, "a run without answers is not released again"


def test_the_retention_command_dry_run_prints_and_deletes_nothing(app, session):
    made = factories.council(session)
    team = factories.team(session, made, "Assessment North")
    old = a_run(session, made, "health-check", ended=dt.date(2020, 1, 1), team=team)
    before = everything(session, old)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["retention", "--dry-run", "--today", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert f"Would: Run {old.id}" in result.output and "delete 6 responses" in result.output
    session.expire_all()
    assert everything(session, old) == before
    result = runner.invoke(args=["retention", "--today", TODAY.isoformat()])
    assert result.exit_code == 0 and f"Done: Run {old.id}" in result.output, result.output
    session.expire_all()
    assert everything(session, old)["Answer"] == 0


def test_closing_a_run_erases_invitation_names_but_keeps_its_links_and_rates(client, session):
    made = factories.council(session)
    team = factories.team(session, made, "Assessment North")
    run = factories.run(session, made)
    for i in range(3):
        factories.invitation(session, run, team, name=f"Person {i}", email=f"p{i}@example.org")
    email = factories.user(session, made)
    assert factories.sign_in(client, email).status == 302
    assert client.submit(f"/manage/runs/{run.id}/close").status == 302
    rows = session.scalars(select(Invitation).where(Invitation.run_id == run.id)).all()
    assert len(rows) == 3 and all(r.name is None and r.email is None and r.team_id == team.id for r in rows)
    assert all(len(r.token_hash) == 64 for r in rows)


def test_the_exit_interview_name_question_is_what_retention_deletes():
    """The leaver's name is stored only as Response.named_as, when they answer attach_name 'yes'."""
    exit_interview = next(q for q in builtin() if q.key == "exit-interview")
    assert exit_interview.question("attach_name").type == "attach_name"
    assert not [q for q in exit_interview.questions() if q.type == "free_text" and "name" in q.id]


def test_deleting_a_run_or_a_councils_data_deletes_its_theme_corrections(session):
    made = factories.council(session)
    team = factories.team(session, made, "Assessment North")
    first = a_run(session, made, "health-check", ended=dt.date(2026, 5, 31), team=team)
    second = a_run(session, made, "health-check", ended=None, team=team)
    theirs = factories.council(session, "theirs", {"Fostering": ["Their Team"]})
    other = a_run(session, theirs, "health-check", ended=None, team=factories.team(session, theirs, "Their Team"))
    assert count(session, ThemeCorrection, first) == count(session, ThemeCorrection, second) == 1

    retention.delete_run(session, first)
    session.commit()
    assert session.scalar(select(func.count()).select_from(ThemeCorrection).where(
        ThemeCorrection.run_id == first.id)) == 0
    assert count(session, ThemeCorrection, second) == 1, "another run's corrections stay"

    retention.delete_council_data(session, made)
    session.commit()
    assert session.scalar(select(func.count()).select_from(ThemeCorrection).where(
        ThemeCorrection.council_id == made.id)) == 0
    assert session.scalar(select(func.count()).select_from(QuoteDecision).where(
        QuoteDecision.run_id == second.id)) == 0
    assert count(session, ThemeCorrection, other) == 1 and count(session, QuoteDecision, other) == 1, \
        "another council's stay"
    retention.delete_council_data(session, theirs, everything=True)
    session.commit()
    assert session.scalar(select(func.count()).select_from(ThemeCorrection)) == 0
    assert session.get(Council, theirs.id) is None


def test_retention_deletes_a_staff_list_left_waiting_for_its_new_teams(session):
    """A staff list naming new teams waits on the server for its admin to confirm them (`manage.staff.hold`).
    One its admin walked away from, names and emails included, goes at the daily retention run, not only
    when somebody next uploads a list; one uploaded in the last hour stays."""
    from surveyapp.models import PendingUpload

    made = factories.council(session)
    run = factories.run(session, made)
    admin = session.scalar(select(User).where(User.email == factories.user(session, made, Role.ADMIN)))
    midnight = dt.datetime.combine(TODAY, dt.time())
    session.add_all([
        PendingUpload(id_hash="a" * 64, run_id=run.id, user_id=admin.id, created_at=midnight - dt.timedelta(days=2),
                      content=b"name,email,team\nAda Okafor,ada@example.org,New team\n"),
        PendingUpload(id_hash="b" * 64, run_id=run.id, user_id=admin.id, created_at=midnight - dt.timedelta(minutes=20),
                      content=b"name,email,team\nBen Lee,ben@example.org,New team\n"),
    ])
    session.commit()
    lines = retention.apply(session, TODAY)
    assert session.scalars(select(PendingUpload.id_hash)).all() == ["b" * 64]
    assert any("staff list" in line for line in lines), lines
