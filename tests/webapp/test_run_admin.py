"""The admin changes a run's dates, reopens one closed by mistake (within limits), copies and deletes runs."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from surveyapp.models import AuditEvent, Release, SurveyRun

from . import factories
from .test_results import seeded


def admin_client(client, session, made):
    assert factories.sign_in(client, factories.user(session, made)).status == 302
    return client


def date(day: dt.date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def test_extend_the_closing_date_and_errors_keep_what_was_typed(client, session):
    made = factories.council(session)
    run = factories.run(session, made)
    admin_client(client, session, made)
    later = run.closes_on + dt.timedelta(days=14)
    fields = {"title": run.title, "opens_on": date(run.opens_on)}
    wrong = client.submit(f"/manage/runs/{run.id}/change", {**fields, "closes_on": ["31", "2", "2027"]})
    assert wrong.status == 200 and "Closes on must be a real date, like 31 10 2026" in wrong.errors()
    assert [i["value"] for i in wrong.soup.select("input[name=closes_on]")] == ["31", "2", "2027"]
    before = client.submit(f"/manage/runs/{run.id}/change",
                           {**fields, "closes_on": date(run.opens_on - dt.timedelta(days=1))})
    assert "The closing date must be the same as or after the opening date" in before.errors()
    assert client.submit(f"/manage/runs/{run.id}/change", {**fields, "closes_on": date(later)}).status == 302
    session.refresh(run)
    assert run.closes_on == later
    changed = session.scalar(select(AuditEvent).where(AuditEvent.action == "run_changed"))
    assert changed.run_id == run.id and "closes_on" in changed.detail


def test_reopen_within_14_days_only_and_earlier_releases_stay(client, session):
    made, run = seeded(session)
    admin_client(client, session, made)
    assert client.submit(f"/manage/runs/{run.id}/close").status == 302  # and its final release is made
    session.refresh(run)
    assert run.status == "closed" and session.scalar(select(func.count()).select_from(Release)) == 1
    first = session.scalar(select(Release)).content["cells"]
    past = client.submit(f"/manage/runs/{run.id}/reopen", {"closes_on": date(dt.date.today() - dt.timedelta(days=1))})
    assert "The new closing date must be today or later" in past.errors()
    until = dt.date.today() + dt.timedelta(days=7)
    assert client.submit(f"/manage/runs/{run.id}/reopen", {"closes_on": date(until)}).status == 302
    session.refresh(run)
    assert (run.status, run.closes_on, run.closed_on) == ("open", until, None)
    assert session.scalar(select(Release)).content["cells"] == first, "reopening changes no release"
    # One person more is too few for a new release: the usual audit against the earlier one applies.
    factories.agreement_responses(session, run, factories.team(session, made, "Care Leavers"), 1, 0)
    page = client.get(f"/manage/runs/{run.id}")
    refused = client.follow(client.post(f"/manage/runs/{run.id}/releases", {"csrf_token": factories.csrf_token(page)}))
    assert "Only 1 person has responded since the last release" in refused.text()
    assert session.scalar(select(func.count()).select_from(Release)) == 1

    run.status, run.closed_on = "closed", dt.date.today() - dt.timedelta(days=15)
    session.commit()
    late = client.get(f"/manage/runs/{run.id}/reopen")
    assert late.status == 302
    assert "can be reopened only within 14 days" in client.follow(late).text()
    assert session.get(SurveyRun, run.id).status == "closed"


def test_copy_last_years_run(client, session):
    made = factories.council(session)
    run = factories.run(session, made, today=dt.date(2026, 10, 10))
    run.title = "Health check 2026"
    session.commit()
    admin_client(client, session, made)
    form = client.get(f"/manage/runs/{run.id}/copy")
    assert form.soup.select_one("input[name=title]")["value"] == "Health check 2027"
    assert form.soup.select_one("input[name=year]")["value"] == "2027"
    made_page = client.submit(f"/manage/runs/{run.id}/copy", {
        "title": "Health check 2027", "year": "2027", "opens_on": date(dt.date(2027, 10, 3)),
        "closes_on": date(dt.date(2027, 10, 31))})
    assert made_page.status == 302
    copy = session.scalar(select(SurveyRun).where(SurveyRun.id != run.id))
    assert (copy.title, copy.year, copy.status) == ("Health check 2027", 2027, "open")
    assert (copy.opens_on, copy.closes_on) == (dt.date(2027, 10, 3), dt.date(2027, 10, 31))
    assert copy.questionnaire.key == run.questionnaire.key


def test_deleting_a_run_needs_the_word_and_takes_everything(client, session):
    made, run = seeded(session)
    factories.release(session, run)
    run_id = run.id
    admin_client(client, session, made)
    page = client.get(f"/manage/runs/{run.id}/delete")
    assert client.post(f"/manage/runs/{run.id}/delete", {"csrf_token": factories.csrf_token(page)}).status == 200
    assert session.get(SurveyRun, run.id) is not None, "a bare POST deletes nothing"
    assert client.submit(f"/manage/runs/{run.id}/delete", {"confirm": " Delete "}).status == 302
    session.expunge_all()
    assert session.get(SurveyRun, run_id) is None
    assert session.scalar(select(func.count()).select_from(Release)) == 0
    assert client.get(f"/manage/runs/{run_id}").status == 404
