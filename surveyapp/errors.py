"""Honest error pages: plain English, no stack traces, nothing typed silently lost."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, render_template, session
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .respond.notices import notice

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("There is a problem with your request", "Go back and try again."),
    403: ("You do not have permission to see this page", "If you think you should, ask your council's principal social worker."),
    404: ("Page not found", "If you typed the web address, check it is correct. If you pasted it, check you copied the whole address."),
    405: ("This page cannot do that", "Go back and try again."),
    413: ("The file is too large", "Files must be smaller than 5 MB."),
}


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(_error: CSRFError) -> Any:
        if session.get("done"):  # "Submit" pressed again after the answers went in
            return notice("submitted")
        return render_template(
            "errors/error.html", heading="This page has expired",
            detail="For your security, pages stop working after a while or when you sign in again. "
                   "Go back, refresh the page and try again. Answers you saved before are kept.",
        ), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        if error.response is not None:  # a view chose its own page with abort(response)
            return error.response
        code = error.code or 500
        heading, detail = MESSAGES.get(code, (error.name, error.description or ""))
        return render_template("errors/error.html", heading=heading, detail=detail), code

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Any:
        log.exception("Unhandled error", exc_info=error)
        return render_template(
            "errors/error.html", heading="Sorry, there is a problem with the service",
            detail="Something went wrong on our side. Answers you saved before this page are kept; "
                   "the last page you sent may not have been saved. Try again later.",
        ), 500
