"""No invitation vanishes silently: each email's outcome is in the database and on the admin's pages.

Emails go through a real SMTP server (aiosmtpd, `mailbox`) that refuses one address, refuses every
address, defers, drops the line after taking the message, or accepts. The admin sees per run how many
emails are queued, sent, deferred and failed, why in plain words (never the link), and can send the
failed invitations again with a new link only where the earlier link cannot have arrived: the token is
not stored, so a new link for someone who may hold the old one would let them answer twice.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, text

from surveyapp import security
from surveyapp.models import AuditEvent, Invitation, OutgoingEmail

from . import factories, tls
from .conftest import Inbox, free_port, path_of
from .test_invitations import run_schedule, scheduled
from .test_staff_import import GOOD_LIST, admin_with_run, link_in, upload, write_csv

pytestmark = pytest.mark.usefixtures("quick_password_hashing")

BEN = "ben.jones@northshire.example"


def emails_page(client, run_id: int):
    page = client.get(f"/manage/runs/{run_id}/emails")
    assert page.status == 200
    return page


def counts(page) -> dict[str, int]:
    """The invitation emails' summary table: status to number."""
    table = page.soup.select_one("#invitation-counts")
    assert table is not None, page.text()
    return {row.th.get_text(strip=True): int(row.td.get_text(strip=True)) for row in table.select("tbody tr")}


def failed_rows(page) -> list[list[str]]:
    table = page.soup.select_one("#failed-invitations")
    return [] if table is None else [[c.get_text(" ", strip=True) for c in row.select("th, td")]
                                     for row in table.select("tbody tr")]


def resend(client, run_id: int):
    """Press the button; where the page offers none, post what a replayed or forged form would (a valid
    CSRF token from another of the admin's forms)."""
    form = emails_page(client, run_id).form_data() or client.get(f"/manage/runs/{run_id}").form_data()
    return client.post(f"/manage/runs/{run_id}/emails/resend", form)


def assert_no_link_anywhere(client, session, run_id: int, tokens: list[str]) -> None:
    """Neither the pages nor any stored email row holds a link or a token."""
    for url in (f"/manage/runs/{run_id}", f"/manage/runs/{run_id}/emails"):
        html = client.get(url).html
        assert "/invite/" not in html and not any(t in html for t in tokens), url
    stored = " ".join(str(v) for row in session.execute(select(OutgoingEmail.__table__)).all() for v in row)
    assert "/invite/" not in stored and not any(t in stored for t in tokens)


# One address refused, or every address ----------------------------------------------------------------


def test_an_address_the_relay_refuses_is_shown_as_refused_and_the_others_arrive(client, session, tmp_path, mailbox,
                                                                                 caplog):
    _, run = admin_with_run(client, session)
    mailbox.refuse_address = {BEN: "550 5.1.1 <ben.jones@northshire.example>: Recipient address rejected"}
    upload(client, run.id, write_csv(tmp_path, GOOD_LIST))
    assert sorted(m["To"] for m in mailbox.messages) == ["asha.khan@northshire.example", "cara.lee@northshire.example"]

    run_page = client.get(f"/manage/runs/{run.id}")
    warning = run_page.soup.select_one("#emails-failed")
    assert warning is not None, "the run page says an email failed"
    assert "1 invitation email could not be delivered" in warning.get_text(" ", strip=True)
    assert warning.find("a")["href"] == f"/manage/runs/{run.id}/emails"

    page = emails_page(client, run.id)
    assert counts(page) == {"Waiting to be sent": 0, "Sent": 2, "Deferred (being tried again)": 0, "Failed": 1}
    (row,) = failed_rows(page)
    assert row[:3] == ["Ben Jones", BEN, "Assessment South"]
    assert "refused this address" in row[3] and "550 5.1.1" in row[3]
    assert "configuration" not in page.text().lower(), "one refused address is not a problem with the settings"
    tokens = [link_in(m).rsplit("/", 1)[1] for m in mailbox.messages]
    assert_no_link_anywhere(client, session, run.id, tokens)
    assert "refused this address (550 5.1.1)" in caplog.text and "could not be reached" not in caplog.text


def test_a_relay_that_refuses_every_address_is_a_configuration_problem_and_they_can_be_sent_again(
        app, client, session, tmp_path, mailbox):
    _, run = admin_with_run(client, session)
    mailbox.refuse_every_address = "550 Recipient rejected"
    page = upload(client, run.id, write_csv(tmp_path, GOOD_LIST))
    assert page.h1 == "3 invitations being sent"
    assert mailbox.messages == []
    failed_before = session.scalars(select(OutgoingEmail.id)).all()

    warning = client.get(f"/manage/runs/{run.id}").soup.select_one("#emails-failed").get_text(" ", strip=True)
    assert "3 invitation emails could not be delivered" in warning
    assert "refused every address" in warning and "settings" in warning
    page = emails_page(client, run.id)
    assert counts(page)["Failed"] == 3 and counts(page)["Sent"] == 0
    assert "refused every address" in page.soup.select_one("#configuration-problem").get_text(" ", strip=True)

    # IT fixes the relay; the admin sends them again, each with a new link that works.
    mailbox.refuse_every_address = None
    sent = resend(client, run.id)
    assert sent.status == 302
    assert "3 invitations are being sent again" in client.follow(sent).text()
    assert sorted(m["To"] for m in mailbox.messages) == sorted(
        ["asha.khan@northshire.example", BEN, "cara.lee@northshire.example"])
    for message in mailbox.messages:
        opened = client.another().get(path_of(link_in(message)))
        assert opened.status == 302 and "/survey" in opened.response.headers["Location"], "the new link works"
    assert counts(emails_page(client, run.id)) == {"Waiting to be sent": 0, "Sent": 3,
                                                   "Deferred (being tried again)": 0, "Failed": 0}
    assert client.get(f"/manage/runs/{run.id}").soup.select_one("#emails-failed") is None

    # In the audit log, with ids only (no name, address or link).
    (event,) = session.scalars(select(AuditEvent).where(AuditEvent.action == "invitations_resent")).all()
    invitation_ids = session.scalars(select(Invitation.id).where(Invitation.run_id == run.id)).all()
    assert event.run_id == run.id and sorted(event.detail["invitations"]) == sorted(invitation_ids)
    assert sorted(event.detail["failed_emails"]) == sorted(failed_before)
    assert "@" not in str(event.detail) and "/invite/" not in str(event.detail)

    # Pressing the button again (a double click, a replayed form) sends nothing more.
    mailbox.messages.clear()
    again = resend(client, run.id)
    assert "No failed invitations could be sent again" in client.follow(again).text()
    assert mailbox.messages == []


def test_a_relay_that_will_not_relay_for_this_service_is_a_configuration_problem(client, session, tmp_path, mailbox):
    """Even one email: a relay that will not relay for this service says so with a 5.7 code."""
    _, run = admin_with_run(client, session)
    mailbox.refuse_every_address = "554 5.7.1 Relay access denied"
    upload(client, run.id, write_csv(tmp_path, "name,email,team\nAsha Khan,asha@northshire.example,Assessment North\n"))
    problem = emails_page(client, run.id).soup.select_one("#configuration-problem")
    assert problem is not None and "5.7.1" in problem.get_text()


# Deferred, then sent; or the line dropped after the relay had it -------------------------------------------


def test_a_deferred_email_is_shown_as_deferred_then_sent_and_is_never_sent_again_by_hand(app, client, session,
                                                                                          tmp_path, mailbox):
    _, run = admin_with_run(client, session)
    mailbox.refuse = ["451 4.3.0 Try again later"]
    upload(client, run.id, write_csv(tmp_path, "name,email,team\nAsha Khan,asha@northshire.example,Assessment North\n"))
    page = emails_page(client, run.id)
    assert counts(page) == {"Waiting to be sent": 0, "Sent": 0, "Deferred (being tried again)": 1, "Failed": 0}
    assert "asked to try again later (451 4.3.0)" in page.soup.select_one("#deferred-invitations").get_text(" ")
    assert client.get(f"/manage/runs/{run.id}").soup.select_one("#emails-failed") is None, "deferred is not failed"

    # The admin cannot send a deferred invitation again: the worker is still trying, and it may arrive.
    refused = resend(client, run.id)
    assert "No failed invitations could be sent again" in client.follow(refused).text()
    assert mailbox.messages == [] and len(scheduled(app)) == 1

    run_schedule(app)
    (message,) = mailbox.messages
    assert counts(emails_page(client, run.id))["Sent"] == 1
    opened = client.another().get(path_of(link_in(message)))
    assert "/survey" in opened.response.headers["Location"], "the one link sent is the one that works"


def test_an_email_that_may_have_arrived_is_never_given_a_second_link(app, client, session, tmp_path, mailbox):
    """The relay took the message and the line dropped before it said so: the worker cannot know it
    arrived. Every try goes the same way, so it ends failed; but the person holds a link and may have
    answered with it, so no new link is ever made for them (it would let them answer twice)."""
    made, run = admin_with_run(client, session)
    tries = app.config["EMAIL_RETRIES"] + 1
    mailbox.hang_up_after_data = tries
    upload(client, run.id, write_csv(tmp_path, "name,email,team\nAsha Khan,asha@northshire.example,Assessment North\n"))
    for _ in range(tries):
        run_schedule(app)
    assert len(mailbox.messages) == tries and scheduled(app) == [], "every try, then no more"
    assert len({link_in(m) for m in mailbox.messages}) == 1, "the same link each time"
    token = link_in(mailbox.messages[0]).rsplit("/", 1)[1]
    factories.use_link(session, run, token, factories.team(session, made, "Assessment North"))  # Asha answered

    page = emails_page(client, run.id)
    assert counts(page)["Failed"] == 1
    (row,) = failed_rows(page)
    assert "may have arrived" in row[3]
    assert page.soup.select_one("#resend-form") is None, "nothing to send again"
    mailbox.messages.clear()
    refused = resend(client, run.id)
    assert "No failed invitations could be sent again" in client.follow(refused).text()
    assert mailbox.messages == []
    stored = session.scalar(select(Invitation.token_hash).where(Invitation.run_id == run.id))
    assert stored == security.invitation_hash(token), "her link was not replaced"


# Importing the list again, after a failure ----------------------------------------------------------------


def test_importing_the_list_again_sends_new_links_to_those_whose_email_failed(client, session, tmp_path, mailbox):
    _, run = admin_with_run(client, session)
    mailbox.refuse_address = {BEN: "550 5.1.1 No such user"}
    upload(client, run.id, write_csv(tmp_path, GOOD_LIST))
    mailbox.clear()
    page = upload(client, run.id, write_csv(tmp_path, GOOD_LIST))
    assert page.h1 == "1 invitation being sent"
    assert "2 people were already invited and left alone" in page.text()
    assert "1 person’s earlier invitation could not be delivered: it is being sent again" in page.text()
    (message,) = mailbox.messages
    assert message["To"] == BEN
    assert "/survey" in client.another().get(path_of(link_in(message))).response.headers["Location"]


# Closed runs send nothing ------------------------------------------------------------------------------


def test_a_run_past_its_closing_date_is_shown_closed_and_sends_nothing(client, session, tmp_path, mailbox):
    _, run = admin_with_run(client, session)
    run.opens_on, run.closes_on = dt.date.today() - dt.timedelta(days=30), dt.date.today() - dt.timedelta(days=1)
    session.commit()
    run_page = client.get(f"/manage/runs/{run.id}")
    assert "Closed" in run_page.soup.select_one(".govuk-caption-l").get_text()
    assert "Import a staff list" not in run_page.text() and "Send a reminder" not in run_page.text()
    dashboard = client.get("/manage/")
    row = next(r for r in dashboard.soup.select("tbody tr") if run.title in r.get_text())
    assert row.select("td")[-1].get_text(strip=True) == "Closed"

    for url in (f"/manage/runs/{run.id}/staff", f"/manage/runs/{run.id}/reminders"):
        refused = client.get(url)
        assert refused.status == 302, url
        assert "closed" in client.follow(refused).text()
    assert mailbox.messages == []


def test_an_email_waiting_when_the_run_closes_is_not_sent(app, client, session, tmp_path, mailbox):
    _, run = admin_with_run(client, session)
    mailbox.refuse = ["451 4.3.0 Try again later"]
    upload(client, run.id, write_csv(tmp_path, "name,email,team\nAsha Khan,asha@northshire.example,Assessment North\n"))
    closing = client.get(f"/manage/runs/{run.id}/close")
    client.post(f"/manage/runs/{run.id}/close", closing.form_data())
    run_schedule(app)
    assert mailbox.messages == [], "a closed run's link would only say it had closed"
    (row,) = failed_rows(emails_page(client, run.id))
    assert "had closed" in row[3]


# STARTTLS and headers ------------------------------------------------------------------------------------


def test_a_relay_without_starttls_is_logged_as_that_naming_the_setting(app, client, session, tmp_path, mailbox,
                                                                        caplog):
    _, run = admin_with_run(client, session)
    app.config["SMTP_STARTTLS"] = True  # the README's setting; the test relay offers no STARTTLS
    upload(client, run.id, write_csv(tmp_path, "name,email,team\nAsha Khan,asha@northshire.example,Assessment North\n"))
    assert mailbox.messages == [] and scheduled(app) == [], "a setting to change: trying again will not help"
    assert "does not offer STARTTLS" in caplog.text and "SMTP_STARTTLS" in caplog.text
    assert "could not be reached" not in caplog.text
    problem = emails_page(client, run.id).soup.select_one("#configuration-problem").get_text(" ", strip=True)
    assert "does not offer STARTTLS" in problem and "SMTP_STARTTLS" in problem


def test_emails_carry_a_date_and_a_message_id(client, session, tmp_path, mailbox):
    _, run = admin_with_run(client, session)
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    upload(client, run.id, write_csv(tmp_path, GOOD_LIST))
    after = dt.datetime.now(dt.UTC)
    ids = []
    for message in mailbox.messages:
        assert before <= email.utils.parsedate_to_datetime(message["Date"]) <= after
        found = re.fullmatch(r"<[^<>@\s]+@northshire\.example>", message["Message-ID"].strip())
        assert found, message["Message-ID"]
        ids.append(message["Message-ID"])
    assert len(ids) == 3 and len(set(ids)) == 3


def test_the_outgoing_email_table_holds_no_address_or_link(client, session, tmp_path, mailbox):
    """An email's status is kept by invitation id: no address, name or link, so erasing an invitation erases it."""
    _, run = admin_with_run(client, session)
    upload(client, run.id, write_csv(tmp_path, GOOD_LIST))
    columns = {c.name for c in OutgoingEmail.__table__.columns}
    assert not columns & {"email", "to", "address", "name", "token", "link", "token_hash"}
    dump = " ".join(str(v) for row in session.execute(text("SELECT * FROM outgoing_email")).all() for v in row)
    assert "northshire" not in dump and "Asha" not in dump


@pytest.fixture
def starttls_relay(app):
    """A relay that offers STARTTLS and takes nothing without it, with the tests' throwaway certificate."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), tls_context=tls.server_context(),
                            require_starttls=True)
    controller.start()
    app.config.update({"EMAIL_BACKEND": "smtp", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": controller.port,
                       "SMTP_STARTTLS": True, "EMAIL_FROM": "health-check@northshire.example"})
    yield inbox
    controller.stop()


def test_starttls_with_a_certificate_this_machine_does_not_trust_sends_nothing(client, session, tmp_path,
                                                                               starttls_relay, monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    _, run = admin_with_run(client, session)
    upload(client, run.id, write_csv(tmp_path, "name,email,team\nAsha Khan,asha@northshire.example,Assessment North\n"))
    assert starttls_relay.messages == []
    problem = emails_page(client, run.id).soup.select_one("#configuration-problem").get_text(" ", strip=True)
    assert "certificate could not be verified" in problem and "SMTP_HOST" in problem


def test_starttls_with_a_trusted_certificate_delivers(client, session, tmp_path, starttls_relay, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", tls.certificate()[0])  # as a council's own certificate authority would be
    _, run = admin_with_run(client, session)
    upload(client, run.id, write_csv(tmp_path, "name,email,team\nAsha Khan,asha@northshire.example,Assessment North\n"))
    assert [m["To"] for m in starttls_relay.messages] == ["asha@northshire.example"], "over TLS: the relay requires it"
    assert counts(emails_page(client, run.id))["Sent"] == 1


def test_a_reminder_skips_those_whose_invitation_failed(client, session, tmp_path, mailbox):
    """It would ask them to use the link in an invitation they never got."""
    _, run = admin_with_run(client, session)
    mailbox.refuse_address = {BEN: "550 5.1.1 No such user"}
    upload(client, run.id, write_csv(tmp_path, GOOD_LIST))
    mailbox.clear()
    confirm = client.get(f"/manage/runs/{run.id}/reminders")
    sent = client.post(f"/manage/runs/{run.id}/reminders", confirm.form_data())
    assert "A reminder is being emailed to 2 people." in client.follow(sent).text()
    assert sorted(m["To"] for m in mailbox.messages) == ["asha.khan@northshire.example", "cara.lee@northshire.example"]
    assert counts_of(emails_page(client, run.id), "#reminder-counts")["Sent"] == 2


def counts_of(page, table_id: str) -> dict[str, int]:
    table = page.soup.select_one(table_id)
    return {row.th.get_text(strip=True): int(row.td.get_text(strip=True)) for row in table.select("tbody tr")}
