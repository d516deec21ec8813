"""Honest error pages: plain English, no stack traces, nothing typed silently lost.

The error page never needs the database: after a fault the request's session is discarded
(`db.discard`, which copes with a database that cannot even roll back), and if rendering
the page the usual way fails (Flask-Login reads the signed-in user from the database for
every template), it is rendered again with the service's chrome alone.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app, render_template, session
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from . import db
from .respond.notices import notice

log = logging.getLogger(__name__)

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
}
UNEXPECTED = ("Sorry, there is a problem with the service",
              ("Something went wrong on our side. Answers you saved before this page are kept; "
               "the last page you sent may not have been saved. Try again later."))
LAST_RESORT = ("<!DOCTYPE html><html lang=\"en-GB\"><head><meta charset=\"utf-8\"><title>Sorry, there is a problem "
               "with the service</title></head><body><h1>Sorry, there is a problem with the service</h1><p>"
               + UNEXPECTED[1] + "</p></body></html>")


def error_page(heading: str, detail: str, code: int) -> tuple[str, int]:
    try:
        return render_template("errors/error.html", heading=heading, detail=detail), code
    except Exception:  # most likely the database, which the page must not need
        log.exception("The error page could not be rendered normally; rendering it without the database")
        db.discard()
    try:
        template = current_app.jinja_env.get_template("errors/error.html")
        context = {**current_app.extensions["surveyapp.chrome"](), "heading": heading, "detail": detail,
                   "current_user": None}
        return template.render(context), code
    except Exception:
        log.exception("The error page could not be rendered at all")
        return LAST_RESORT, code


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
        code = error.code or 500
        heading, detail = MESSAGES.get(code, (error.name, error.description or ""))
        return error_page(heading, detail, code)

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Any:
        log.exception("Unhandled error", exc_info=error)
        db.discard()  # its transaction failed; a fresh session (if the page needs one) starts clean
        return error_page(*UNEXPECTED, 500)
