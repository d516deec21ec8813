"""Inviting someone to an account by email: the admin's page and `flask create-user --invite` both call this.

The account has no password until its person sets one from the emailed link; nobody else, the admin
included, ever sees the link. If the email cannot be queued, nothing is kept.
"""

from __future__ import annotations

from flask import Flask, url_for

from .. import audit_log, background, mail, scope
from ..models import Role, User
from . import accounts
from .accounts import Scope
from sqlalchemy.orm import Session


def password_link(app: Flask, token: str) -> str:
    """The emailed link to set a password, inside a request or outside one (a worker, the CLI)."""
    with app.test_request_context():
        return str(app.config["BASE_URL"]) + url_for("users.set_password", token=token)


def invite(session: Session, app: Flask, *, council_id: int, council_name: str, email: str, name: str, role: Role,
           scope_of: Scope, invited_by: str, actor: User | str, via: str | None = None) -> User:
    """Create the account, record it, queue its invitation email and commit; AccountError if it cannot be made,
    background.QueueUnavailable (and nothing kept) if the email cannot be queued."""
    user, token = accounts.invite(session, council_id=council_id, email=email, name=name, role=role, scope=scope_of)
    hours = int(accounts.LIFETIMES[accounts.INVITATION].total_seconds() // 3600)
    message = mail.account_invitation(council_name, user.name, user.email, password_link(app, token), invited_by,
                                      hours)
    audit_log.record(session, actor, audit_log.USER_INVITED, council_id=council_id,
                     scope=scope.describe(session, user),
                     detail={"email": user.email, "role": user.role, **({"by": via} if via else {})})
    try:
        background.submit(background.queue(app).send_email, message)
    except background.QueueUnavailable:
        session.rollback()
        raise
    session.commit()
    return user
