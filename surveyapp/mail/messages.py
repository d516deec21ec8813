"""The emails the service sends (survey invitations and reminders; account invitations and password resets), as plain data for the queue, and their text.

A message is a small dict (pickled into the queue): the address, which email,
and the fields it needs. The SMTP and outbox backends render the text from
`templates/mail/`; GOV.UK Notify fills its own template with the same fields.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

from flask import render_template

from ..models import SurveyRun

SUBJECTS = {
    "invitation": "Your link to the {title}",
    "reminder": "Reminder: the {title} closes on {closes_on}",
    "account_invitation": "{council}: your account for the staff health check",
    "password_reset": "Reset your password for the staff health check",
}


class Message(TypedDict):
    to: str
    template: str  # a key of SUBJECTS
    fields: dict[str, str]
    email_id: NotRequired[int]  # its OutgoingEmail row, where the worker writes what became of it
    message_id: NotRequired[str]  # made when queued, so that every try carries the same Message-ID


def _fields(run: SurveyRun, name: str) -> dict[str, str]:
    return {"name": name, "title": run.title, "council": run.council.name,
            "closes_on": run.closes_on.strftime("%-d %B %Y"),
            "survey": "exit interview" if run.kind == "exit_interview" else "health check"}


def invitation(run: SurveyRun, name: str, email: str, link: str) -> Message:
    """One person's invitation, with their own link (the only place the plain token is kept)."""
    return {"to": email, "template": "invitation", "fields": {**_fields(run, name), "link": link}}


def reminder(run: SurveyRun, name: str, email: str) -> Message:
    """A reminder to someone invited, worded for those who have taken part already (nobody knows who has)."""
    fields = _fields(run, name)
    return {"to": email, "template": "reminder",
            "fields": {**fields, "invitation_subject": subject("invitation", fields)}}


def account_invitation(council: str, name: str, email: str, link: str, invited_by: str, hours: int) -> Message:
    """A new manager's or viewer's link to set their password (the only place its plain token is kept)."""
    return {"to": email, "template": "account_invitation",
            "fields": {"name": name, "council": council, "link": link, "invited_by": invited_by, "hours": str(hours)}}


def password_reset(council: str, name: str, email: str, link: str, minutes: int) -> Message:
    return {"to": email, "template": "password_reset",
            "fields": {"name": name, "council": council, "link": link, "minutes": str(minutes)}}


def subject(template: str, fields: dict[str, Any]) -> str:
    return SUBJECTS[template].format(**fields)


def render(message: Message) -> tuple[str, str]:
    """The subject and plain-text body (needs an app context, for the templates)."""
    fields = message["fields"]
    return subject(message["template"], fields), render_template(f"mail/{message['template']}.txt", **fields)
