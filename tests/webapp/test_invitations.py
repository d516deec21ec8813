"""Invitations and reminders by email: retried, paced, through SMTP or GOV.UK Notify, and never a file of links.

Emails go through a real SMTP server the tests start (aiosmtpd, `mailbox`);
GOV.UK Notify's official client talks to a fake Notify on 127.0.0.1.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import threading
import time
import types
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import huey.api
import jwt
import openpyxl
import pytest
from sqlalchemy import select

from surveyapp import background, mail
from surveyapp.mail.backends import NotifyBackend
from surveyapp.models import Invitation, Role

from . import factories
from .attacker import respond
from .conftest import path_of
from .test_staff_import import GOOD_LIST, LINK, admin_with_run, link_in, upload, write_csv

pytestmark = pytest.mark.usefixtures("quick_password_hashing")


def scheduled(app) -> list[Any]:
    return background.queue(app).huey.scheduled()


def run_schedule(app) -> None:
    """What a worker does once the retries' delays have passed: run every scheduled job now."""
    queue = background.queue(app).huey
    later = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(days=1)
    for task in queue.read_schedule(later):
        queue.execute(task, later)


# Retried where it is safe, and paced --------------------------------------------------------------


def test_an_email_the_relay_defers_is_sent_again_later(app, client, session, tmp_path, mailbox, caplog):
    _, run = admin_with_run(client, session)
    mailbox.refuse = ["451 4.3.0 Try again later", "421 4.7.0 Too busy"]
    page = upload(client, run.id, write_csv(tmp_path, "name,email,team\nAsha Khan,asha@northshire.example,"
                                                      "Assessment North\n"))
    assert page.h1 == "1 invitation being sent"
    assert mailbox.messages == [] and len(scheduled(app)) == 1, "deferred: waiting to be tried again"
    assert "will be tried again" in caplog.text

    run_schedule(app)  # the relay still says no: queued again, with a longer wait
    assert mailbox.messages == [] and len(scheduled(app)) == 1
    run_schedule(app)
    assert [m["To"] for m in mailbox.messages] == ["asha@northshire.example"], "delivered once, in the end"
    assert scheduled(app) == []
    token = link_in(mailbox.messages[0]).rsplit("/", 1)[1]
    assert not any(token in r.getMessage() for r in caplog.records if r.name != "mail.log")


def test_an_address_the_relay_refuses_is_not_tried_again(app, client, session, tmp_path, mailbox, caplog):
    _, run = admin_with_run(client, session)
    mailbox.refuse = ["550 5.1.1 No such user here"]
    upload(client, run.id, write_csv(tmp_path, "name,email,team\nAsha Khan,gone@northshire.example,"
                                               "Assessment North\n"))
    assert mailbox.messages == [] and scheduled(app) == []
    assert "will not be tried again" in caplog.text and "550" in caplog.text


def test_emails_keep_to_the_rate_and_the_rest_wait_their_turn(app, client, session, tmp_path, mailbox, monkeypatch):
    app.config["EMAIL_RATE_PER_MINUTE"] = 2
    # One fixed moment, so the rate's one-minute window cannot roll over in the middle of the test.
    moment = (int(time.time()) // 60) * 60 + 1
    monkeypatch.setattr(huey.api, "time", types.SimpleNamespace(time=lambda: moment, monotonic=time.monotonic,
                                                                sleep=time.sleep))
    _, run = admin_with_run(client, session)
    page = upload(client, run.id, write_csv(tmp_path, GOOD_LIST))
    assert page.h1 == "3 invitations being sent"
    assert len(mailbox.messages) == 2, "two this minute"
    waiting = scheduled(app)
    assert len(waiting) == 1 and waiting[0].eta > dt.datetime.now(dt.UTC).replace(tzinfo=None)
    monkeypatch.setattr(huey.api, "time", types.SimpleNamespace(time=lambda: moment + 60, monotonic=time.monotonic,
                                                                sleep=time.sleep))  # a minute later
    run_schedule(app)
    assert len(mailbox.messages) == 3 and len({m["To"] for m in mailbox.messages}) == 3


# Reminders ---------------------------------------------------------------------------------------


def test_a_reminder_goes_to_everyone_invited_worded_for_those_who_took_part(client, session, tmp_path, mailbox):
    _, run = admin_with_run(client, session)
    upload(client, run.id, write_csv(tmp_path, GOOD_LIST))
    invitations = {m["To"]: link_in(m) for m in mailbox.messages}
    stored_before = session.execute(select(Invitation.id, Invitation.email, Invitation.token_hash)).all()

    # Asha answers the survey and submits: nothing stored says so.
    asha = client.another()
    asha.get(path_of(invitations["asha.khan@northshire.example"]))
    mailbox.messages.clear()

    run_page = client.get(f"/manage/runs/{run.id}")
    assert run_page.soup.find("a", string=re.compile("Send a reminder"))["href"] == f"/manage/runs/{run.id}/reminders"
    confirm = client.get(f"/manage/runs/{run.id}/reminders")
    assert confirm.h1 == "Send a reminder" and "all 3 people invited" in confirm.text()
    sent = client.post(f"/manage/runs/{run.id}/reminders", confirm.form_data())
    assert sent.status == 302
    assert "A reminder is being emailed to 3 people." in client.follow(sent).text()

    assert sorted(m["To"] for m in mailbox.messages) == sorted(invitations), "everyone, those who took part too"
    for message in mailbox.messages:
        body = message.get_content()
        assert message["Subject"].strip() == f"Reminder: the {run.title} closes on {run.closes_on:%-d %B %Y}"
        assert "If you have already taken part in the" in body and "thank you" in body
        assert f'the subject "Your link to the {run.title}"' in " ".join(body.split())
        assert not LINK.search(body) and "/invite/" not in body, "a reminder carries nobody's link"
    # Reminding wrote nothing: no row says who was reminded or who had taken part.
    assert session.execute(select(Invitation.id, Invitation.email, Invitation.token_hash)).all() == stored_before


def test_only_the_admin_sends_reminders_and_not_for_a_closed_run(client, session, mailbox):
    made = factories.council(session)
    run = factories.run(session, made)
    manager = factories.user(session, made, Role.MANAGER)
    factories.sign_in(client, manager)
    page = client.get(f"/manage/runs/{run.id}/reminders")
    assert page.status == 403
    closed = factories.run(session, made, status="closed")
    admin = client.another()
    factories.sign_in(admin, factories.user(session, made, Role.ADMIN))
    refused = admin.get(f"/manage/runs/{closed.id}/reminders")
    assert refused.status == 302 and mailbox.messages == []


# A council without email -------------------------------------------------------------------------


def test_without_email_the_admin_gets_an_open_link_not_personal_links(app, client, session):
    app.config["EMAIL_BACKEND"] = "none"
    _, run = admin_with_run(client, session)
    page = client.get(f"/manage/runs/{run.id}")
    controls = [c.get_text(strip=True) for c in page.soup.select("main .govuk-button")]
    assert "Import a staff list" not in controls and "Send a reminder" not in controls
    assert "Create an open link" in controls
    assert "set up without email" in page.soup.select_one("#no-email").get_text()

    for url in (f"/manage/runs/{run.id}/staff", f"/manage/runs/{run.id}/reminders"):
        refused = client.get(url)
        assert refused.status == 302, url
        assert "Create an open link instead" in client.follow(refused).text()


# GOV.UK Notify -----------------------------------------------------------------------------------


class FakeNotify(BaseHTTPRequestHandler):
    answers: ClassVar[list[int]] = []
    received: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeNotify.received.append({"path": self.path, "auth": self.headers["Authorization"], "body": body})
        status = FakeNotify.answers.pop(0) if FakeNotify.answers else 201
        payload = {"id": str(uuid.uuid4())} if status == 201 else {"errors": [{"error": "BadRequestError"}]}
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def fake_notify():
    FakeNotify.answers, FakeNotify.received = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeNotify)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


def test_gov_uk_notify_gets_the_template_and_the_fields_signed_with_the_key(fake_notify):
    service, secret = str(uuid.uuid4()), str(uuid.uuid4())
    backend = NotifyBackend(f"surveyapp_test-{service}-{secret}", fake_notify,
                            {"invitation": "invitation-template-id", "reminder": "reminder-template-id"})
    message: mail.Message = {"to": "asha@northshire.example", "template": "invitation",
                             "fields": {"name": "Asha Khan", "link": "http://localhost/invite/abc", "title": "T"}}
    backend.send(message, "subject", "body")

    (request,) = FakeNotify.received
    assert request["path"] == "/v2/notifications/email"
    assert request["body"] == {"email_address": "asha@northshire.example", "template_id": "invitation-template-id",
                               "personalisation": message["fields"]}
    claims = jwt.decode(request["auth"].removeprefix("Bearer "), secret, algorithms=["HS256"])
    assert claims["iss"] == service

    FakeNotify.answers = [500]
    with pytest.raises(mail.TemporaryFailure):
        backend.send(message, "subject", "body")
    FakeNotify.answers = [429]
    with pytest.raises(mail.TemporaryFailure):
        backend.send(message, "subject", "body")
    FakeNotify.answers = [400]
    with pytest.raises(mail.PermanentFailure):
        backend.send(message, "subject", "body")


# No page or export offers personal links ---------------------------------------------------------


def _readable(response: Any) -> str:
    """The text of a page or download, a spreadsheet's cells included."""
    data = response.get_data()
    if data[:2] == b"PK":  # an Excel file: its cells, not its zipped bytes
        book = openpyxl.load_workbook(io.BytesIO(data))
        return "\n".join(str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row)
    return data.decode("utf-8", errors="replace")


def test_no_manager_page_or_export_offers_anyones_link(client, session, tmp_path, mailbox):
    made, run = admin_with_run(client, session)
    upload(client, run.id, write_csv(tmp_path, GOOD_LIST))
    tokens = [link_in(m).rsplit("/", 1)[1] for m in mailbox.messages]
    assert len(tokens) == 3
    north = factories.team(session, made, "Assessment North")
    for i in range(6):
        respond(session, run, north, caseload_manageable="agree", biggest_difference=f"More time {i}.")
    factories.release(session, run)  # so results, themes and their exports have something to show

    seen, todo, fetched, kinds = set(), ["/manage/", f"/manage/runs/{run.id}"], 0, Counter()
    while todo and fetched < 400:
        url = todo.pop(0)  # breadth first: every kind of page before every unit of each
        kind = re.sub(r"unit=[^&]*&?", "", re.sub(r"/(results|themes)/[^/?]+", r"/\1/*", url))
        if url in seen or kinds[kind] >= 3:  # three questions of each kind, in each format, are enough
            continue
        seen.add(url)
        kinds[kind] += 1
        response = client.client.get(url)
        fetched += 1
        text = _readable(response)
        assert not any(token in text for token in tokens), f"{url} shows someone's link"
        assert "/invite/" not in text and "data:text/csv" not in text, f"{url} offers links or a links file"
        if response.mimetype == "text/html":
            page = factories_page(response)
            for anchor in page.select("a[href]"):
                href = anchor["href"].split("#")[0]
                if href.startswith("/manage") and "sign-out" not in href and href not in seen:
                    todo.append(href)
    assert not todo and fetched > 25, f"the crawl stopped after {fetched} pages with {len(todo)} to go"
    visited = " ".join(sorted(seen))
    for part in ("/staff", "/results", "/themes", "format=csv", "format=xlsx", "/reminders"):
        assert part in visited, f"the crawl never reached {part}"


def factories_page(response: Any) -> Any:
    from bs4 import BeautifulSoup

    return BeautifulSoup(response.get_data(as_text=True), "html.parser")
