"""The audit log records who read, exported, released, changed and deleted what; nobody can change it."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from sqlalchemy import delete, select, text, update

from surveyapp import audit_log
from surveyapp.models import AuditEvent, Role, User, UserScope

from . import factories
from .test_results import seeded

SURVEYAPP = Path(__file__).resolve().parents[2] / "surveyapp"


def events(session, action: str | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id)
    return list(session.scalars(query.where(AuditEvent.action == action) if action else query))


def test_sign_ins_reads_and_exports_are_recorded_without_figures(client, session):
    made, run = seeded(session)
    factories.release(session, run)
    admin = factories.user(session, made)
    manager = factories.user(session, made, Role.MANAGER)
    user = session.scalar(select(User).where(User.email == manager))
    user.scopes.append(UserScope(team_id=factories.team(session, made, "Assessment North").id))
    session.commit()

    assert factories.sign_in(client, manager, "wrong password, twelve").status == 200
    assert factories.sign_in(client, "nobody@example.org", "wrong password, twelve").status == 200
    assert factories.sign_in(client, manager).status == 302
    assert client.get(f"/manage/runs/{run.id}/results").status == 200
    assert client.get(f"/manage/runs/{run.id}/results/caseload_manageable?format=csv").status == 200
    assert client.get(f"/manage/runs/{run.id}/results?unit=team:999999").status == 404

    failed = events(session, "sign_in_failed")
    assert [(e.actor, e.council_id) for e in failed] == [(manager, made.id), ("nobody@example.org", None)]
    assert [e.actor for e in events(session, "sign_in")] == [manager]
    viewed, = events(session, "results_viewed")
    exported, = events(session, "export_downloaded")
    assert (viewed.run_id, viewed.actor, viewed.scope) == (run.id, manager, "Assessment North")
    assert exported.detail == {"page": "results.question", "unit": "default", "question": "caseload_manageable",
                               "format": "csv"}
    for found in (viewed, exported):
        assert not re.search(r"\d", str(found.detail).replace(str(run.id), "")), "an event holds a figure"

    # The admin reads them; the manager may not.
    assert client.get("/manage/audit-log").status == 403
    admin_client = client.another()
    assert factories.sign_in(admin_client, admin).status == 302
    page = admin_client.get("/manage/audit-log")
    assert page.status == 200
    assert "Results page opened" in page.text() and "Export downloaded" in page.text()
    assert "nobody@example.org" not in page.text(), "an unknown email's failures belong to no council"
    only = admin_client.get("/manage/audit-log", query_string={"kind": "sign_in_failed"})
    assert only.text().count("Sign-in failed") == 2  # the option in the filter, and one row
    person = admin_client.get("/manage/audit-log", query_string={"person": "ADMIN@"})
    assert manager not in person.text() and admin in person.text()


def test_the_log_pages_filters_by_date_and_exports_csv_safely(client, session, monkeypatch):
    made = factories.council(session)
    admin = factories.user(session, made)
    for i in range(60):
        audit_log.record(session, "=HYPERLINK(\"http://evil\")" if i == 0 else f"p{i}@example.org",
                         audit_log.SIGN_IN_FAILED, council_id=made.id)
    monkeypatch.setattr(audit_log, "now", lambda: dt.datetime(2020, 1, 2, 9, 30))
    audit_log.record(session, "old@example.org", audit_log.SIGN_IN_FAILED, council_id=made.id)
    monkeypatch.undo()
    session.commit()
    assert factories.sign_in(client, admin).status == 302
    first = client.get("/manage/audit-log")
    assert "Page 1 of 2" in first.text() and first.text().count("@example.org") == 49  # and the admin's own sign-in
    second = client.get("/manage/audit-log", query_string={"page": 2})
    assert "Page 2 of 2" in second.text() and "old@example.org" in second.text()
    dated = client.get("/manage/audit-log", query_string={"since": ["1", "1", "2020"], "until": ["31", "1", "2020"]})
    assert "old@example.org" in dated.text() and "p1@example.org" not in dated.text()
    wrong = client.get("/manage/audit-log", query_string={"since": ["31", "2", "2020"]})
    assert wrong.title.startswith("Error:") and "From must be a real date" in " ".join(wrong.errors())
    csv_page = client.get("/manage/audit-log", query_string={"format": "csv", "kind": "sign_in_failed"})
    body = csv_page.response.get_data(as_text=True)
    assert csv_page.response.mimetype == "text/csv" and body.count("\n") == 62  # header and 61 events
    assert "'=HYPERLINK" in body and "\n=HYPERLINK" not in body and ',=HYPERLINK' not in body


def test_the_log_is_append_only(session):
    made = factories.council(session)
    found = audit_log.record(session, "someone@example.org", audit_log.SIGN_IN_FAILED, council_id=made.id,
                             commit=True)
    with pytest.raises(audit_log.AppendOnly):
        found.actor = "someone.else@example.org"
        session.flush()
    session.rollback()
    with pytest.raises(audit_log.AppendOnly):
        session.delete(found)
        session.flush()
    session.rollback()
    for statement in (delete(AuditEvent), update(AuditEvent).values(actor="x")):
        with pytest.raises(audit_log.AppendOnly):
            session.execute(statement)
        session.rollback()
    for sql in ("DELETE FROM audit_event", "UPDATE audit_event SET actor = 'x'"):
        with pytest.raises(Exception, match="append-only"):
            session.execute(text(sql))  # the database's own trigger, whatever the app does
        session.rollback()
    assert [e.actor for e in events(session)] == ["someone@example.org"]


def test_no_code_in_the_app_changes_or_deletes_an_event():
    pattern = re.compile(r"(update|delete)\(\s*AuditEvent|audit_event\s+(SET|WHERE)|FROM\s+audit_event", re.IGNORECASE)
    offenders = [str(p) for p in SURVEYAPP.rglob("*.py") if pattern.search(p.read_text())]
    assert offenders == []


def test_the_log_survives_deleting_a_run_and_the_councils_data(client, session):
    made, run = seeded(session)
    factories.release(session, run)
    run_id = run.id
    admin = factories.user(session, made)
    assert factories.sign_in(client, admin).status == 302
    assert client.get(f"/manage/runs/{run.id}/results").status == 200
    before = len(events(session))
    refused = client.submit(f"/manage/runs/{run.id}/delete", {"confirm": "yes"})
    assert refused.status == 200 and "Type delete to confirm" in " ".join(refused.errors())
    assert client.submit(f"/manage/runs/{run.id}/delete", {"confirm": "delete"}).status == 302
    factories.run(session, made)
    assert client.submit("/manage/data/delete", {"confirm": "Delete"}).status == 302
    kinds = [e.action for e in events(session)]
    assert len(kinds) == before + 2 and kinds[-2:] == ["run_deleted", "council_data_deleted"]
    assert events(session, "results_viewed")[0].run_id == run_id, "the record of who read it stays"
    assert events(session, "council_data_deleted")[0].detail["runs"] == 1
    page = client.get("/manage/audit-log")
    assert "Run deleted" in page.text() and "Council's data deleted" in page.text()
