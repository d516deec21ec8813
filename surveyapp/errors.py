"""Honest error pages: plain English, no stack traces, nothing typed silently lost.

The error page never needs the database: after a fault the request's session is discarded
(`db.discard`, which copes with a database that cannot even roll back), and if rendering
the page the usual way fails (Flask-Login reads the signed-in user from the database for
every template), it is rendered again with the service's chrome alone.

When the fault is that the database cannot be reached (`db.unavailable`: refused, restarting,
gone away, busy past its timeout, the pool exhausted), the answer is 503 with Retry-After and
a page that says so, and the log gets one line naming the error, not a traceback per request
for as long as the outage lasts. Any other fault is a 500, logged with its traceback.
"""

from __future__ import annotations

import html
import logging
from typing import Any

from flask import Flask, current_app, render_template, request, session
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from . import db
from .respond.notices import notice

log = logging.getLogger(__name__)

UNEXPECTED = ("Sorry, there is a problem with the service",
              ("Something went wrong on our side. Answers you saved before this page are kept; "
               "the last page you sent may not have been saved. Try again later."))
UNAVAILABLE = ("Sorry, the service is unavailable",
               ("The service cannot reach its database at the moment. Answers you saved before this page are "
                "kept; the last page you sent may not have been saved. Try again in a few minutes."))
RETRY_AFTER_SECONDS = 120
MESSAGES = {
    400: ("There is a problem with your request", "Go back and try again."),
    403: ("You do not have permission to see this page", "If you think you should, ask your council's principal social worker."),
    404: ("Page not found", "If you typed the web address, check it is correct. If you pasted it, check you copied the whole address."),
    405: ("This page cannot do that", "Go back and try again."),
    413: ("What you sent is too large", ("Files must be smaller than 5 MB, and a page can send only a few hundred "
                                        "answers at once. Go back and try again with a smaller file.")),
    429: ("Too many attempts to sign in", ("For your security, signing in has been paused. Wait 15 minutes and try "
                                           "again. If you have forgotten your password, ask your council's principal "
                                           "social worker to reset it.")),
    500: UNEXPECTED,  # a fault in an after-request hook reaches the handlers as Werkzeug's 500
    503: UNAVAILABLE,
}


def last_resort(heading: str, detail: str) -> str:
    heading, detail = html.escape(heading), html.escape(detail)
    return (f"<!DOCTYPE html><html lang=\"en-GB\"><head><meta charset=\"utf-8\"><title>{heading}</title></head>"
            f"<body><h1>{heading}</h1><p>{detail}</p></body></html>")


def error_page(heading: str, detail: str, code: int, *, database: bool = True,
               typed: list[str] | None = None) -> tuple[str, int]:
    """The page in the service's layout; without the signed-in user when the database is known to be down.
    `typed`: what a respondent wrote on the page whose answers may not have been saved, to copy."""
    if database:
        try:
            return render_template("errors/error.html", heading=heading, detail=detail, typed=typed), code
        except Exception:  # most likely the database, which the page must not need
            log.exception("The error page could not be rendered normally; rendering it without the database")
            db.discard()
    try:
        template = current_app.jinja_env.get_template("errors/error.html")
        context = {**current_app.extensions["surveyapp.chrome"](), "heading": heading, "detail": detail,
                   "current_user": None, "typed": typed}
        return template.render(context), code
    except Exception:
        log.exception("The error page could not be rendered at all")
        return last_resort(heading, detail), code


def unavailable_page(cause: BaseException) -> Any:
    """503 for a database that cannot be reached: one log line, the honest page, and when to come back."""
    reason = " ".join(str(getattr(cause, "orig", None) or cause).split())[:300]
    log.error("The database cannot be reached (%s): %s", type(cause).__name__, reason)
    db.discard()
    page, code = error_page(*UNAVAILABLE, 503, database=False, typed=_written())
    return page, code, {"Retry-After": str(RETRY_AFTER_SECONDS)}


def _written() -> list[str]:
    """What a respondent wrote in words on the page they sent (comments, not choices: option values
    and numbers have no spaces), so that nothing typed is lost while the answers cannot be saved."""
    if request.method != "POST" or request.blueprint != "respond":
        return []
    return [value.strip() for name, value in request.form.items(multi=True)
            if name not in ("csrf_token", "later") and len(value.split()) > 1]


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(_error: CSRFError) -> Any:
        if session.get("done"):  # "Submit" pressed again after the answers went in
            return notice("submitted")
        return error_page(
            "This page has expired",
            "For your security, pages stop working after a while or when you sign in again. "
            "Go back, refresh the page and try again. Answers you saved before are kept.", 400)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        if error.response is not None:  # a view chose its own page with abort(response)
            return error.response
        # Only what Werkzeug wrapped: an abort() while handling a database error is the abort's page.
        if (cause := db.unavailable(getattr(error, "original_exception", None))) is not None:
            return unavailable_page(cause)
        code = error.code or 500
        heading, detail = MESSAGES.get(code, (error.name, error.description or ""))
        return error_page(heading, detail, code)

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Any:
        if (cause := db.unavailable(error)) is not None:
            return unavailable_page(cause)
        log.exception("Unhandled error", exc_info=error)
        db.discard()  # its transaction failed; a fresh session (if the page needs one) starts clean
        return error_page(*UNEXPECTED, 500)
