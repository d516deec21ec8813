"""The two emails the service sends, as plain data for the queue, and their text.

A message is a small dict (pickled into the queue): the address, which email,
and the fields it needs. The SMTP and outbox backends render the text from
`templates/mail/`; GOV.UK Notify fills its own template with the same fields.
"""

from __future__ import annotations

from typing import Any, TypedDict

from flask import render_template

from ..models import SurveyRun

SUBJECTS = {
    "invitation": "Your link to the {title}",
    "reminder": "Reminder: the {title} closes on {closes_on}",
}


class Message(TypedDict):
    to: str
    template: str  # "invitation" or "reminder"
    fields: dict[str, str]


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


def subject(template: str, fields: dict[str, Any]) -> str:
    return SUBJECTS[template].format(**fields)


def render(message: Message) -> tuple[str, str]:
    """The subject and plain-text body (needs an app context, for the templates)."""
    fields = message["fields"]
    return subject(message["template"], fields), render_template(f"mail/{message['template']}.txt", **fields)
