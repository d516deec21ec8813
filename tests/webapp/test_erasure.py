"""Erasure that works once the product has been used as intended, searched for in a full dump afterwards.

A council runs a health check the way the README describes: a staff list with names, comments that name a
colleague, a theme analysis corrected by the principal social worker, quotes approved and one edited, a
safeguarding flag reviewed, the run closed and released, an action plan published and followed up, and the
committee report written as Word, PDF and a web page. Each kind of thing it stores carries a word of its own.
Then it is erased each way the README offers (the run's Delete page, "delete all the council's data", both
commands, and retention after its period), and everything the database and the app's folders hold
(`dump.stored`: every table of the schema or file, Word and PDF opened) is searched for those words.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from surveyapp import retention
from surveyapp.action_plans import plans
from surveyapp.manage import runs
from surveyapp.models import (
    ActionPlan,
    AuditEvent,
    Council,
    Draft,
    QuoteStatus,
    ReportJob,
    Role,
    SurveyRun,
    User,
)
from surveyapp.moderation import concerns, quotes
from surveyapp.disclosure.thresholds import Thresholds
from surveyapp.reports import jobs as report_jobs
from surveyapp.themes import corrections

from . import dump, factories
from .attacker import respond
from .test_moderation import analysed

Q = "biggest_difference"
STAFF = ["Priya Okonkwo", "Dermot Fairweather", "Ines Albarracin", "Tomasz Wrzesniewski", "Kemi Adebayo-Lunt",
         "Rhiannon Pughsley"]
# One word per kind of thing stored, found in it before erasure; none may be found anywhere after.
COMMENT, STAFF_NAME, STAFF_EMAIL, EDIT, THEME_NAME, NOTE, PLAN, DRAFT = (
    "quokkaflux", "Okonkwo", "priya.okonkwo@staff.example", "zephyrine", "glimmerfen", "brindlecrest",
    "thistlewick", "vellichor")
KEPT = "keepsake"  # in another run and another council: erasure must not reach them


@dataclass
class Used:
    council: Council
    run: SurveyRun
    other_run: SurveyRun
    other_council: Council
    admin: str


def used_as_intended(app, session) -> Used:
    made = factories.council(session, "erasure")
    teams = [factories.team(session, made, "Assessment North"), factories.team(session, made, "Assessment South")]
    admin_email = factories.user(session, made, Role.ADMIN)
    admin = session.scalar(select(User).where(User.email == admin_email))
    run = factories.run(session, made)
    for i, name in enumerate(STAFF * 4):  # the staff list: 24 people, with their names and addresses
        factories.invitation(session, run, teams[i % 2], name=name,
                             email=f"{name.lower().replace(' ', '.')}{i or ''}@staff.example")
    # Comments: twenty on pay (one names a colleague), fifteen on caseload (enough for quotes whatever the
    # noise on the counts); the third on caseload is flagged.
    pay = [f"The {COMMENT} rota means pay is {i} hours short" for i in range(19)] + [
        f"{STAFF[0]} says the {COMMENT} pay rota cannot change"]
    caseload = [f"Caseload {i} is too high since {COMMENT} came in" for i in range(15)]
    analysed(session, run, teams, {"pay": pay, "caseload": caseload},
             {"pay": ["pay", "rota"], "caseload": ["caseload", "high"]}, flagged={22})
    session.add(Draft(key="d" * 64, run_id=run.id, payload=f"unsent answer {DRAFT}".encode()))
    session.commit()

    # The principal social worker corrects the analysis, moderates quotes and reviews the flagged comment.
    found = corrections.analysis(session, run, Q)
    moved = corrections.comments(session, found, "pay")[1]
    corrections.move(session, found, admin, moved, "caseload", [])
    corrections.rename(session, corrections.analysis(session, run, Q), admin, "caseload",
                       f"Caseload and the {THEME_NAME} rota")
    candidates = quotes.candidates(session, run, Thresholds(figures=5, comments=10))
    edited = next(c for c in candidates if "pay is 0 hours" in c.text)
    quotes.decide(session, run, edited, admin, QuoteStatus.EDITED, edited=f"Pay is short, {EDIT} rota")
    for quote in candidates:
        if quote is not edited:
            quotes.decide(session, run, quote, admin, QuoteStatus.APPROVED)
    concern = concerns.flagged(session, run, Thresholds(figures=5, comments=10))[0]
    concerns.review(session, run, concern, admin, f"Passed to the safeguarding lead ({NOTE})")

    before_closing = dump.stored(app)
    assert {"invitation.name", "answer.text"} <= set(dump.where(before_closing, STAFF_NAME))
    assert "invitation.email" in dump.where(before_closing, STAFF_EMAIL)
    assert "draft.payload" in dump.where(before_closing, DRAFT)
    runs.close_run(session, run)
    factories.release(session, run)
    plan = plans.create_draft(session, run, "PSW")
    row = plans.add_row(session, plan, you_said=f"You told us the {PLAN} rota", asks="Tell us early",
                        standards=[3], author="PSW")
    commitment = plans.add_commitment(session, row, text=f"End the {PLAN} rota", owner="Head of Service",
                                      due_on=None, author="PSW")
    plans.approve(session, plan, "PSW")
    plans.publish(session, plan, "PSW")
    plans.record_progress(session, commitment, note=f"The {PLAN} rota ends in May", status="on_track", author="PSW")
    make_session = app.extensions["surveyapp.sessionmaker"]
    for fmt in ("docx", "pdf", "html"):
        report_jobs.start_render(session, run, fmt, "PSW", lambda job_id: report_jobs.render(make_session, job_id))
    session.expire_all()

    other_run = factories.run(session, made, "exit-interview")
    respond(session, other_run, teams[0], would_have_kept_you=f"A {KEPT} of flexible hours")
    other_council = factories.council(session, "elsewhere", {"Fostering": ["Fostering"]})
    theirs = factories.run(session, other_council)
    respond(session, theirs, factories.team(session, other_council, "Fostering"), biggest_difference=f"My {KEPT}")
    return Used(made, run, other_run, other_council, admin_email)


@pytest.fixture
def used(app, session, tmp_path) -> Used:
    app.config.update({"THEMES_CACHE_DIR": str(tmp_path / "theme-cache"), "OUTBOX_DIR": str(tmp_path / "outbox")})
    made = used_as_intended(app, session)
    found = dump.stored(app)
    # Each word is where that kind of thing is kept, so a search that finds none afterwards means something.
    assert {"answer.text", "theme_job.result", "quote_decision.original", "theme_correction.text", "release.content",
            "report_job.content"} <= set(dump.where(found, COMMENT))
    reports = session.scalars(select(ReportJob).where(ReportJob.run_id == made.run.id)).all()
    assert sorted(r.format for r in reports if COMMENT in dump.expand(r.content)) == ["docx", "html", "pdf"], \
        "the committee report quotes the comments, in each format"
    assert "quote_decision.text" in dump.where(found, EDIT)
    assert {"theme_correction.label", "release.content"} <= set(dump.where(found, THEME_NAME))
    assert "concern_review.note" in dump.where(found, NOTE)
    assert {"action_plan_row.you_said", "commitment.text", "commitment_update.note", "action_plan_version.content",
            "action_plan_event.what"} <= set(dump.where(found, PLAN))
    assert "invitation.email" not in dump.where(found, STAFF_EMAIL), "closing erased the staff list's addresses"
    assert "draft.payload" not in dump.where(found, DRAFT), "closing destroyed unsent answers"
    assert not dump.where(found, "@staff.example")
    return made


def leftovers(app, words: list[str]) -> dict[str, list[str]]:
    """Where each word still is. A theme's name is in the audit log by design (which theme a quote decision
    or a rename was about, never a comment): the log is kept, and says nothing else of the run."""
    found = dump.stored(app)
    audit = {"audit_event.detail"} | dump.WHOLE
    places = {word: dump.where(found, word) for word in words}
    return {word: where for word, where in places.items()
            if where and not (word == THEME_NAME and set(where) <= audit)}


def still_there(app) -> list[str]:
    """Where the other run's word is: in its answers, and in the whole dump too (which reads it)."""
    places = dump.where(dump.stored(app), KEPT)
    assert set(places) & dump.WHOLE, "the whole dump finds what the tables hold"
    return [p for p in places if p not in dump.WHOLE]


EVERYTHING = [COMMENT, STAFF_NAME, *STAFF, STAFF_EMAIL, EDIT, THEME_NAME, NOTE, PLAN, DRAFT]


def test_closing_a_run_keeps_no_staff_names(app, session, used):
    """The README: names go when the run closes. Comments are redacted of them first, so analyses and quote
    edits made afterwards still leave them out."""
    found = dump.stored(app)
    # (The analysis in miniature keeps the comments as written; the engine's own keeps them redacted.)
    for name in STAFF:
        places = [p for p in dump.where(found, name.split()[-1]) if not p.startswith(("theme_job.", "quote_decision.original"))]
        assert places == [], f"{name} is still stored after the run closed, in {places}"
    session.refresh(used.run)
    assert used.run.redaction_names is None
    assert f"[NAME] says the {COMMENT} pay rota" in found["answer.text"]
    # Quote edits and analyses after closing need no names: the comments they read no longer hold any.
    analysis = corrections.analysis(session, used.run, Q)
    assert any(c.text.startswith("[NAME] says") for c in corrections.comments(session, analysis, "pay"))


def test_deleting_the_run_from_its_page_leaves_no_trace(app, client, session, used):
    run_id = used.run.id
    assert factories.sign_in(client, used.admin).status == 302
    done = client.submit(f"/manage/runs/{run_id}/delete", {"confirm": "delete"})
    assert done.status == 302, done.text()
    page = client.follow(done)
    assert page.status == 200 and "has been deleted" in page.text()
    assert leftovers(app, EVERYTHING) == {}
    assert still_there(app) == ["answer.text"], "the council's other run stays"
    assert session.scalar(select(func.count()).select_from(SurveyRun).where(SurveyRun.id == run_id)) == 0
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "run_deleted"))
    assert event.run_id == run_id and event.actor == used.admin
    assert client.get(f"/manage/runs/{run_id}").status == 404


def test_deleting_all_the_councils_data_from_its_page_leaves_no_trace(app, client, session, used):
    assert factories.sign_in(client, used.admin).status == 302
    done = client.submit("/manage/data/delete", {"confirm": "delete"})
    assert done.status == 302, done.text()
    page = client.follow(done)
    assert page.status == 200 and "Deleted 2 runs" in page.text()
    assert leftovers(app, EVERYTHING) == {}
    assert still_there(app) == ["answer.text"], "the other council's comment stays"
    assert session.scalar(select(func.count()).select_from(SurveyRun).where(
        SurveyRun.council_id == used.council.id)) == 0


def test_the_delete_run_command_leaves_no_trace(app, session, used):
    run_id = used.run.id
    result = app.test_cli_runner().invoke(args=["delete-run", str(run_id), "--yes"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Deleted run {run_id}") and "Traceback" not in result.output
    assert leftovers(app, EVERYTHING) == {}
    assert still_there(app) == ["answer.text"]


@pytest.mark.parametrize("everything", [False, True])
def test_the_delete_council_data_command_leaves_no_trace(app, session, used, everything):
    args = ["delete-council-data", "--council", "erasure", "--yes"] + (["--everything"] if everything else [])
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Deleted 2 runs of Erasure Council") and "Traceback" not in result.output
    assert leftovers(app, EVERYTHING) == {}
    assert still_there(app) == ["answer.text"]
    session.expire_all()
    councils = session.scalar(select(func.count()).select_from(Council).where(Council.slug == "erasure"))
    assert councils == (0 if everything else 1)


def test_retention_after_its_period_leaves_no_comment_and_no_name(app, client, session, used):
    """Retention deletes the comments and all made from them (analyses, quotes, corrections' examples, the
    committee reports that quote them); the released figures and the published plan stay, as the README says."""
    day = retention.years_after(dt.date.today(), 3)
    result = app.test_cli_runner().invoke(args=["retention", "--today", day.isoformat()])
    assert result.exit_code == 0, result.output
    assert f"Done: Run {used.run.id}" in result.output and "committee reports" in result.output
    assert leftovers(app, [COMMENT, STAFF_NAME, *STAFF, STAFF_EMAIL, EDIT, DRAFT]) == {}
    found = dump.stored(app)
    # Kept on purpose: the plan the council published, its released theme names, the safeguarding review.
    assert "action_plan_row.you_said" in dump.where(found, PLAN)
    assert "release.content" in dump.where(found, THEME_NAME)
    assert set(dump.where(found, NOTE)) - dump.WHOLE == {"concern_review.note"}
    # The report page offers nothing that held the quotes (a new report is written from the release).
    assert factories.sign_in(client, used.admin).status == 302
    page = client.get(f"/manage/runs/{used.run.id}/report")
    assert page.status == 200 and not page.soup.select("table a")
    assert session.scalar(select(func.count()).select_from(ActionPlan).where(ActionPlan.run_id == used.run.id)) == 1


def test_a_run_closed_by_its_date_keeps_no_names_or_drafts_once_retention_runs(app, session, tmp_path):
    """Closing by the date passing is closing too: the daily `flask retention` redacts the comments of the
    staff's names, erases the staff list and destroys drafts, as the admin's Close does; and a name list kept
    on a run by an earlier version is cleared the same way."""
    app.config.update({"THEMES_CACHE_DIR": str(tmp_path / "cache"), "OUTBOX_DIR": str(tmp_path / "outbox")})
    made = factories.council(session, "erasure")
    team = factories.team(session, made, "Assessment North")
    today = dt.date.today()
    lapsed = factories.run(session, made, today=today - dt.timedelta(days=30))  # closed 9 days ago, still "open"
    for i, name in enumerate(STAFF):
        factories.invitation(session, lapsed, team, name=name, email=f"person{i}@staff.example")
    respond(session, lapsed, team, biggest_difference=f"Ask {STAFF[1]} about the {COMMENT} rota")
    session.add(Draft(key="e" * 64, run_id=lapsed.id, payload=f"unsent answer {DRAFT}".encode()))
    earlier = factories.run(session, made, today=today - dt.timedelta(days=400), status="closed")
    earlier.redaction_names = [STAFF[2]]  # as an earlier version kept them
    respond(session, earlier, team, biggest_difference=f"{STAFF[2]} runs the {COMMENT} rota")
    session.commit()
    assert lapsed.status == "open" and lapsed.ended_on(today) is not None

    result = app.test_cli_runner().invoke(args=["retention"])
    assert result.exit_code == 0, result.output
    assert f"Done: Run {lapsed.id}" in result.output and "redact the staff's names" in result.output
    found = dump.stored(app)
    left = {name: dump.where(found, name.split()[-1]) for name in STAFF if dump.where(found, name.split()[-1])}
    assert left == {}
    assert not dump.where(found, "@staff.example") and not dump.where(found, DRAFT)
    assert f"Ask [NAME] about the {COMMENT} rota" in found["answer.text"]
    assert f"[NAME] runs the {COMMENT} rota" in found["answer.text"]
    assert app.test_cli_runner().invoke(args=["retention"]).output == "Nothing is due for deletion.\n"
