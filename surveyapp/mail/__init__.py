"""Invitations and reminders by email, sent by the background worker.

Importing a staff list queues one email per person with their own link. The
token is made at the import; the database keeps only its hashes, and the plain
token exists only in the queued message until it is sent: it is never shown
to anyone else, never written to a file of links, and never logged. Where the
council cannot send email (EMAIL_BACKEND=none) there are no personal links:
the admin shares an open link instead, and respondents choose their team.
"""

from __future__ import annotations

from .backends import Failure, PermanentFailure, TemporaryFailure, backend_for, can_send
from .messages import Message, account_invitation, invitation, password_reset, reminder, render

__all__ = ["Failure", "Message", "PermanentFailure", "TemporaryFailure", "account_invitation", "backend_for",
           "can_send", "invitation", "password_reset", "reminder", "render"]
