"""What admins (and managers who may analyse) do that changes what staff or managers see is in the audit log:
one entry per action, in the action's transaction, with ids, the question and the kind of change only. Never a
comment, a note, a plan's words, a link, or a hash of any of them; a refused attempt writes nothing."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from surveyapp import audit_log
from surveyapp.disclosure.themes import quote_key
from surveyapp.disclosure.thresholds import Thresholds
from surveyapp.models import (ActionPlan, AuditEvent, ConcernReview, ReportJob, Role, SurveyRun, ThemeJob, User,
                              WorkforceFigures)
from surveyapp.moderation import concerns

from . import factories, report_council
from .attacker import respond
from .test_action_plans import released  # noqa: F401  (a fixture)
from .test_moderation import PAY, Q, manager, moderated_council, sign_in

NOTE = "Rang the LADO about the child in the Tuesday visit; strategy meeting booked."


def entries(session, action: str | None = None) -> list[AuditEvent]:
    session.expire_all()
    query = select(AuditEvent).order_by(AuditEvent.id)
    return list(session.scalars(query.where(AuditEvent.action == action) if action else query))


def stored(session) -> str:
    """Every column of every audit row, as one text."""
    return " ".join(f"{e.actor} {e.action} {e.scope} {e.detail}" for e in entries(session))


def the_log(client, kind: str) -> tuple[list[str], str, str]:
    """The admin's audit log filtered to `kind`: each row's detail, the page's text, and the CSV."""
    page = client.get("/manage/audit-log", query_string={"kind": kind})
    assert page.status == 200
    label = page.soup.select_one(f"select[name=kind] option[value={kind}]")
    assert label is not None and label.get_text(strip=True) == audit_log.KINDS[kind]
    rows = [[td.get_text(" ", strip=True) for td in tr.select("td")] for tr in page.soup.select("tbody tr")]
    assert {r[2] for r in rows} <= {audit_log.KINDS[kind]}
    csv = client.get("/manage/audit-log", query_string={"kind": kind, "format": "csv"}).response.get_data(as_text=True)
    return [r[5] for r in rows], page.text(), csv


def flagged_concern(client, session):
    made, run, teams, _ = moderated_council(session, flagged={0})
    admin = factories.user(session, made, Role.ADMIN)
    sign_in(client, admin)
    queue = client.get(f"/manage/runs/{run.id}/moderation/")
    return made, run, teams, admin, queue.soup.select_one("a[href*='/moderation/concerns/']")["href"]


def test_marking_a_concern_seen_writes_one_entry_without_the_comment_or_the_note(client, session):
    made, run, teams, admin, link = flagged_concern(client, session)
    before = len(entries(session))
    # Refused: an empty note, and a manager. Nothing is recorded.
    assert client.submit(link, {"note": "  "}).errors() == ["Enter what you have done about this comment"]
    other = client.another()
    sign_in(other, manager(session, made, teams[0]))
    assert other.post(link, {"csrf_token": factories.csrf_token(other.get("/manage/")), "note": NOTE}).status == 403
    assert [e.action for e in entries(session)[before:]] == ["sign_in"]  # the manager's sign-in, nothing else

    assert client.submit(link, {"note": NOTE}).status == 302
    review = session.scalar(select(ConcernReview))
    found, = entries(session, audit_log.CONCERN_REVIEWED)
    assert (found.actor, found.run_id, found.council_id) == (admin, run.id, made.id)
    assert found.detail == {"question": Q, "review_id": review.id}
    sentences, page, csv = the_log(client, audit_log.CONCERN_REVIEWED)
    assert sentences == [(f"Marked a comment flagged as a possible safeguarding concern as seen, with a note of "
                         f"what was done (question {Q}; review {review.id})")]
    assert sentences[0] in csv
    key = quote_key(Q, PAY[0])
    for where in (stored(session), page, csv):
        for words in (PAY[0], "agency", "LADO", "Tuesday", key, key[:12]):
            assert words not in where, words


def test_a_review_and_its_entry_are_one_transaction(client, session, monkeypatch):
    _, _, _, _, link = flagged_concern(client, session)
    before = len(entries(session))

    def broken(*_args, **_kwargs):
        raise RuntimeError("the audit log cannot be written")

    monkeypatch.setattr(audit_log, "record", broken)
    failed = client.submit(link, {"note": NOTE})
    assert failed.status == 500 and "RuntimeError" not in failed.html
    monkeypatch.undo()
    assert session.scalar(select(ConcernReview)) is None, "no entry, no review"
    assert len(entries(session)) == before


def test_every_change_to_an_action_plan_writes_one_entry_without_its_words(client, session, released):  # noqa: F811
    made, _, _last, this, admin = released
    assert factories.sign_in(client, admin).status == 302
    page = client.get(f"/manage/runs/{this.id}/plan")
    base = len(entries(session))
    client.post(f"/manage/runs/{this.id}/plan", page.form_data())
    plan = session.scalar(select(ActionPlan).where(ActionPlan.run_id == this.id))
    row, commitment = plan.rows[0], plan.rows[0].commitments[0]
    words = "Caseloads are too high in Assessment North, Sam said so."
    assert client.submit(f"/manage/runs/{this.id}/plan/rows/{row.id}", {"you_said": words}).status == 302
    # Refused: a change of status with no reason, and publishing before approval. Nothing recorded.
    assert client.submit(f"/manage/runs/{this.id}/plan/commitments/{commitment.id}/progress",
                         {"status": "at_risk", "note": ""}).status == 200
    client.post(f"/manage/runs/{this.id}/plan/publish", page.form_data())
    assert client.submit(f"/manage/runs/{this.id}/plan/commitments/{commitment.id}/progress",
                         {"status": "at_risk", "note": "Two leavers in March, Sam off sick."}).status == 302
    client.post(f"/manage/runs/{this.id}/plan/approve", page.form_data())
    client.post(f"/manage/runs/{this.id}/plan/publish", page.form_data())

    found = entries(session)[base:]
    assert [e.action for e in found] == [audit_log.PLAN_CHANGED] * 5
    assert {(e.actor, e.run_id, e.council_id) for e in found} == {(admin, this.id, made.id)}
    assert [e.detail for e in found] == [
        {"change": "drafted", "plan": plan.id}, {"change": "row_edited", "plan": plan.id, "row": row.id},
        {"change": "progress", "plan": plan.id, "commitment": commitment.id, "status": "at_risk"},
        {"change": "approved", "plan": plan.id}, {"change": "published", "plan": plan.id}]
    sentences, page_text, csv = the_log(client, audit_log.PLAN_CHANGED)
    assert sentences[0] == f"Published the action plan: staff can read it (plan {plan.id})"
    assert sentences[2] == (f"Recorded progress on a commitment (plan {plan.id}; commitment {commitment.id}; "
                            "status now at_risk)")
    assert all(s in csv for s in sentences)
    for where in (stored(session), page_text, csv):
        for text in ("Caseloads are too high", "Sam", "leavers in March", "Over half of you", commitment.text):
            assert text not in where, text


def test_choosing_follow_up_questions_writes_one_entry(client, session, released):  # noqa: F811
    made, _, _, this, admin = released
    assert factories.sign_in(client, admin).status == 302
    page = client.get(f"/manage/runs/{this.id}/plan")
    client.post(f"/manage/runs/{this.id}/plan", page.form_data())
    plan = session.scalar(select(ActionPlan).where(ActionPlan.run_id == this.id))
    client.post(f"/manage/runs/{this.id}/plan/approve", page.form_data())
    client.post(f"/manage/runs/{this.id}/plan/publish", page.form_data())
    following = factories.run(session, made)  # open now, as next year's health check
    following.year = this.year + 1
    session.commit()
    keys = [m.key for m in plan.rows[0].commitments][:2]
    base = len(entries(session))
    assert client.submit(f"/manage/runs/{following.id}/plan/follow-up", {"commitments": keys}).status == 302
    found, = entries(session)[base:]
    assert (found.action, found.run_id, found.detail) == (
        audit_log.PLAN_CHANGED, following.id, {"change": "follow_up", "plan": plan.id, "questions": 2})
    sentences, _, csv = the_log(client, audit_log.PLAN_CHANGED)
    assert sentences[0] == ("Chose the follow-up questions this run asks about last year's commitments "
                            f"(plan {plan.id}; questions 2)") and sentences[0] in csv
    assert plan.rows[0].commitments[0].text not in stored(session)


def test_starting_a_theme_analysis_writes_one_entry_and_a_viewer_writes_none(client, session, monkeypatch):
    monkeypatch.setattr("surveyapp.background.submit", lambda *_: None)  # queued, not run: the engine is not tested here
    made = factories.council(session)
    run = factories.run(session, made)
    team = factories.team(session, made, "Assessment North")
    respond(session, run, team, **{Q: "Pay us what agency staff get."})
    viewer = client.another()
    sign_in(viewer, factories.user(session, made, Role.VIEWER))
    assert viewer.post(f"/manage/runs/{run.id}/themes/{Q}",
                       {"csrf_token": factories.csrf_token(viewer.get("/manage/"))}).status == 403
    admin = factories.user(session, made, Role.ADMIN)
    sign_in(client, admin)
    token = factories.csrf_token(client.get(f"/manage/runs/{run.id}/themes/"))
    assert client.post(f"/manage/runs/{run.id}/themes/nonsense", {"csrf_token": token}).status == 404
    assert client.submit(f"/manage/runs/{run.id}/themes/{Q}").status == 302
    job = session.scalar(select(ThemeJob))
    found, = entries(session, audit_log.THEMES_ANALYSED)
    assert (found.actor, found.run_id, found.detail) == (admin, run.id, {"question": Q, "job": job.id})
    sentences, _, csv = the_log(client, audit_log.THEMES_ANALYSED)
    assert sentences == [(f"Started a theme analysis of question {Q} (analysis {job.id}): the moderation queue and "
                         "the next release use it")] and sentences[0] in csv
    assert "agency" not in stored(session)


def test_an_open_link_writes_one_entry_without_the_link(app, client, session):
    app.config["EMAIL_BACKEND"] = "none"
    made = factories.council(session)
    run = factories.run(session, made, "exit-interview")
    manager_client = client.another()
    sign_in(manager_client, manager(session, made, factories.team(session, made, "Assessment North")))
    assert manager_client.post(f"/manage/runs/{run.id}/open-link",
                               {"csrf_token": factories.csrf_token(manager_client.get("/manage/"))}).status == 403
    admin = factories.user(session, made, Role.ADMIN)
    sign_in(client, admin)
    run_page = client.get(f"/manage/runs/{run.id}")
    assert client.post(f"/manage/runs/{run.id}/open-link", {}).status == 400  # no token: refused
    assert not entries(session, audit_log.OPEN_LINK_CREATED)
    created = client.post(f"/manage/runs/{run.id}/open-link", {"csrf_token": factories.csrf_token(run_page)})
    token = created.soup.select_one("#open-link").get_text(strip=True).rsplit("/", 1)[1]
    found, = entries(session, audit_log.OPEN_LINK_CREATED)
    assert (found.actor, found.run_id, found.detail) == (admin, run.id, None)
    sentences, page_text, csv = the_log(client, audit_log.OPEN_LINK_CREATED)
    assert sentences == ["Created a new open link for the run: any earlier link stops working"]
    hashed = session.get(SurveyRun, run.id).open_link_hash
    for where in (stored(session), page_text, csv):
        assert token not in where and hashed not in where


def test_reminders_write_one_entry_and_a_closed_run_none(client, session, mailbox):
    made = factories.council(session)
    run = factories.run(session, made)
    team = factories.team(session, made, "Assessment North")
    for name in ("Asha Khan", "Ben Ode"):
        factories.invitation(session, run, team, name=name)
    closed = factories.run(session, made, status="closed")
    admin = factories.user(session, made, Role.ADMIN)
    sign_in(client, admin)
    confirm = client.get(f"/manage/runs/{run.id}/reminders")
    assert client.post(f"/manage/runs/{closed.id}/reminders", confirm.form_data()).status == 302  # refused
    assert client.post(f"/manage/runs/{run.id}/reminders", confirm.form_data()).status == 302
    assert len(mailbox.messages) == 2
    found, = entries(session, audit_log.REMINDERS_SENT)
    assert (found.actor, found.run_id, found.detail) == (admin, run.id, {"people": 2})
    sentences, page_text, csv = the_log(client, audit_log.REMINDERS_SENT)
    assert sentences == ["Asked for a reminder to be emailed to 2 people invited"] and sentences[0] in csv
    for where in (stored(session), page_text, csv):
        assert "Asha" not in where and "example.org" not in where


def test_opening_the_named_leavers_list_is_recorded_without_a_name(client, session):
    made = factories.council(session)
    exit_run = factories.run(session, made, "exit-interview")
    north = factories.team(session, made, "Assessment North")
    response = respond(session, exit_run, north, would_have_kept_you="Better pay.", attach_name="yes")
    response.named_as = "Sam Leaver"
    session.commit()
    other = client.another()
    sign_in(other, manager(session, made, north))
    assert other.get(f"/manage/runs/{exit_run.id}/moderation/named-leavers").status == 403
    admin = factories.user(session, made, Role.ADMIN)
    sign_in(client, admin)
    assert "Sam Leaver" in client.get(f"/manage/runs/{exit_run.id}/moderation/named-leavers").html
    found, = entries(session, audit_log.NAMED_LEAVERS_OPENED)
    assert (found.actor, found.run_id) == (admin, exit_run.id)
    sentences, page_text, csv = the_log(client, audit_log.NAMED_LEAVERS_OPENED)
    assert sentences == ["Opened the list of leavers who gave their name"] and sentences[0] in csv
    for where in (stored(session), page_text, csv):
        assert "Sam" not in where and "Better pay" not in where


def test_when_the_review_cannot_be_committed_there_is_no_entry(session, monkeypatch):
    made, run, _, _ = moderated_council(session, flagged={0})
    admin = session.scalar(select(User).where(User.email == factories.user(session, made, Role.ADMIN)))
    concern, = concerns.flagged(session, run, Thresholds())
    before = len(entries(session))

    def refused() -> None:
        raise OperationalError("COMMIT", {}, Exception("the database went away"))

    monkeypatch.setattr(session, "commit", refused)
    with pytest.raises(OperationalError):
        concerns.review(session, run, concern, admin, NOTE)
    session.rollback()
    monkeypatch.undo()
    assert len(entries(session)) == before and session.scalar(select(ConcernReview)) is None


# Committee reports and workforce figures -------------------------------------------------------------------------

HR_FILE = ("service_area,posts_fte,vacancies_fte,agency_fte,starters_fte,leavers_fte,asye\n"
           "Referral and Assessment,41.5,6,4.5,5,7,3\nLooked After Children,23.25,2,1,1,3,1\n")


def test_asking_for_a_committee_report_writes_one_entry_without_its_words(app, client, session, tmp_path,
                                                                         monkeypatch):
    made = report_council.build(session)
    run = made.this
    url = f"/manage/runs/{run.id}/report"
    other = client.another()
    sign_in(other, manager(session, made.council, factories.team(session, made.council, "Assessment North")))
    assert other.post(url, {"csrf_token": factories.csrf_token(other.get("/manage/")), "format": "html"}).status == 403
    assert factories.sign_in(client, made.admin).status == 302
    form = client.get(url).form_data()
    assert client.post(url, form).errors() == ["Select a format for the report"]  # refused: nothing recorded
    assert not entries(session, audit_log.REPORT_WRITTEN)

    assert client.post(url, {**form, "format": "html"}).status == 302
    job = session.scalar(select(ReportJob))
    assert job.status == "done" and report_council.QUOTE in job.content.decode()  # the report quotes staff
    found, = entries(session, audit_log.REPORT_WRITTEN)
    assert (found.actor, found.run_id, found.council_id) == (made.admin, run.id, made.council.id)
    assert found.detail == {"report": job.id, "format": "html"}

    # The command writes one too, as the system's.
    done = app.test_cli_runner().invoke(args=["committee-report", "--run", str(run.id), "--format", "html",
                                              "--output", str(tmp_path / "report.html")])
    assert done.exit_code == 0, done.output
    _, by_command = entries(session, audit_log.REPORT_WRITTEN)
    assert (by_command.actor, by_command.run_id, by_command.council_id, by_command.detail) == (
        audit_log.SYSTEM, run.id, made.council.id, {"format": "html", "by": "command"})

    sentences, page_text, csv = the_log(client, audit_log.REPORT_WRITTEN)
    assert sentences == ["Wrote the committee report as a web page with the committee-report command",
                         (f"Asked for the committee report as a web page (report {job.id}): it is written in the "
                          "background")]
    assert all(s in csv for s in sentences)
    for where in (stored(session), page_text, csv):
        assert report_council.QUOTE not in where and "caseloads" not in where.lower()

    # The report and its entry are one transaction: no entry, no report.
    def broken(*_args, **_kwargs):
        raise RuntimeError("the audit log cannot be written")

    monkeypatch.setattr(audit_log, "record", broken)
    assert client.post(url, {**form, "format": "html"}).status == 500
    monkeypatch.undo()
    session.rollback()
    assert len(session.scalars(select(ReportJob)).all()) == 1


def test_importing_and_editing_workforce_figures_write_one_entry_each_without_the_figures(client, session):
    made = factories.council(session)
    run = factories.run(session, made)
    referral, looked_after = sorted(made.service_areas, key=lambda a: a.name != "Referral and Assessment")
    url = f"/manage/runs/{run.id}/report/workforce"
    admin = factories.user(session, made, Role.ADMIN)
    sign_in(client, admin)
    # Refused: a file with a mistake imports nothing and records nothing.
    bad = HR_FILE.replace("41.5", "forty")
    assert client.submit(url, {"workforce_file": (io.BytesIO(bad.encode()), "hr.csv")},
                         content_type="multipart/form-data").status == 200
    assert not entries(session, audit_log.WORKFORCE_CHANGED)

    assert client.submit(url, {"workforce_file": (io.BytesIO(HR_FILE.encode()), "hr.csv")},
                         content_type="multipart/form-data").status == 302
    figures = {"posts_fte": "50", "vacancies_fte": "4", "agency_fte": "2", "starters_fte": "3", "leavers_fte": "5",
               "asye": "2", "average_caseload": "18.5"}
    edit = f"{url}/{referral.id}"
    assert client.submit(edit, {**figures, "vacancies_fte": "60"}).status == 200  # refused: more vacancies than posts
    assert client.submit(edit, figures).status == 302
    other_council = factories.council(session, "southshire")
    token = factories.csrf_token(client.get(edit))
    assert client.post(f"{url}/{other_council.service_areas[0].id}", {**figures, "csrf_token": token}).status == 404

    imported, edited = entries(session, audit_log.WORKFORCE_CHANGED)
    assert {(e.actor, e.council_id) for e in (imported, edited)} == {(admin, made.id)}
    assert imported.detail == {"change": "imported", "year": run.year, "areas": 2}
    assert edited.detail == {"change": "edited", "year": run.year, "area": referral.id}
    sentences, page_text, csv = the_log(client, audit_log.WORKFORCE_CHANGED)
    assert sentences == [f"Changed the workforce figures of service area {referral.id} for {run.year}",
                         f"Imported workforce figures for 2 service areas for {run.year} from a file"]
    assert all(s in csv for s in sentences)
    for where in (stored(session), page_text, csv):
        for figure in ("41.5", "23.25", "18.5", "50.0"):
            assert figure not in where, figure
    assert looked_after.id != referral.id


def test_figures_entered_for_an_area_for_the_first_time_say_so(client, session):
    made = factories.council(session)
    run = factories.run(session, made)
    area = made.service_areas[0]
    admin = factories.user(session, made, Role.ADMIN)
    sign_in(client, admin)
    assert client.submit(f"/manage/runs/{run.id}/report/workforce/{area.id}",
                         {"posts_fte": "10", "vacancies_fte": "1", "agency_fte": "0", "starters_fte": "1",
                          "leavers_fte": "1", "asye": "0"}).status == 302
    found, = entries(session, audit_log.WORKFORCE_CHANGED)
    assert found.detail == {"change": "entered", "year": run.year, "area": area.id}
    sentences, _, csv = the_log(client, audit_log.WORKFORCE_CHANGED)
    assert sentences == [f"Entered the workforce figures of service area {area.id} for {run.year}"]
    assert sentences[0] in csv


def test_workforce_figures_and_their_entry_are_one_transaction(client, session, monkeypatch):
    made = factories.council(session)
    run = factories.run(session, made)
    sign_in(client, factories.user(session, made, Role.ADMIN))
    page = client.get(f"/manage/runs/{run.id}/report/workforce")

    def broken(*_args, **_kwargs):
        raise RuntimeError("the audit log cannot be written")

    monkeypatch.setattr(audit_log, "record", broken)
    failed = client.post(f"/manage/runs/{run.id}/report/workforce",
                         {**page.form_data(), "workforce_file": (io.BytesIO(HR_FILE.encode()), "hr.csv")},
                         content_type="multipart/form-data")
    area = made.service_areas[0]
    failed_edit = client.submit(f"/manage/runs/{run.id}/report/workforce/{area.id}",
                                {"posts_fte": "10", "vacancies_fte": "1", "agency_fte": "0", "starters_fte": "1",
                                 "leavers_fte": "1", "asye": "0"})
    monkeypatch.undo()
    assert failed.status == 500 and failed_edit.status == 500
    session.rollback()
    assert session.scalar(select(WorkforceFigures)) is None, "no entry, no figures"
    assert not entries(session, audit_log.WORKFORCE_CHANGED)
