"""The pages a respondent sees instead of the survey: plain words, never an error."""

from __future__ import annotations

from dataclasses import dataclass

from flask import make_response, render_template
from werkzeug.wrappers import Response

from ..models import SurveyRun


@dataclass(frozen=True)
class Notice:
    heading: str
    text: str
    status: int = 200


NOTICES = {
    "unknown": Notice("We do not recognise this link",
                      "Check that you copied the whole link from your email. If it still does not work, ask the "
                      "person who sent it for a new one. Links from an earlier year's health check do not work "
                      "for this year's.", 404),
    "submitted": Notice("You have already submitted your answers",
                        "Each link can be used to submit answers once, so nobody is counted twice. "
                        "Thank you for taking part."),
    "closed": Notice("This survey has closed",
                     "It is no longer taking answers. Any answers you saved but did not submit have not been "
                     "sent to anyone."),
    "not_open_yet": Notice("This survey is not open yet", "Please come back when it opens."),
    "session_ended": Notice("Your session has ended",
                            "To carry on, open the link from your invitation email again. Answers you saved are "
                            "kept and you will go back to where you left off.", 403),
}


def notice(name: str, run: SurveyRun | None = None) -> Response:
    """The notice as an HTML page (a bare Response would be sent as text/plain, and show as raw markup)."""
    chosen = NOTICES[name]
    return make_response(render_template("respond/notice.html", notice=chosen, name=name, run=run), chosen.status)
