"""Logs as JSON lines, with no link tokens and no answers.

Respondent links carry a token in their path. The app moves it into the session and redirects
at once, but the first request line is still logged by the development server or gunicorn's
access log: `RedactTokens` masks it there, for the link paths the app has (`/invite/`, `/open/`,
`/resume/`, `/s/` for short links, and `/password/` for password links) and for any path segment long enough to be a token.
Answers never reach a log: the app logs no form data, and the database engine hides the
parameters of a failed statement (`db.make_engine`, hide_parameters), which would hold them.

Respondents' requests are not in the access log at all (`LeaveOutRespondents`): a line per request
gives a respondent's address and the time they opened their link, saved and submitted, and beside
anything that follows the order answers came in, that is each respondent's address and time. The
start page promises "We do not store your IP address, your browser or the time you answered": the
app keeps that promise in its own logs (a proxy in front of it keeps its own, see the README).

Outside development, each record is one JSON object on one line (time, level, logger,
message, and the exception's type and traceback), for the council's log collector. LOG_FORMAT
("json" or "text") overrides the default.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys

from flask import Flask

TOKEN_PATH = re.compile(r"/(invite|open|resume|s|password)/[^/\s?#\"']+")
LONG_SEGMENT = re.compile(r"(?<=/)[A-Za-z0-9_\-]{32,}")  # a link token is 43 characters
LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error", "surveyapp.errors")
ACCESS_LOGGERS = ("werkzeug", "gunicorn.access")
# A request line for a respondent's page: their link, the survey's pages, a resume link.
RESPONDENT_REQUEST = re.compile(r"\b(?:GET|POST|HEAD|PUT|PATCH|DELETE|OPTIONS) +/(?:invite|open|resume|s|survey)(?=[/?#\s]|$)")
# PostgreSQL puts a failing row's values (answers typed) in its error's DETAIL: "Failing row contains (...)",
# "Key (...)=(...)". hide_parameters keeps a statement's parameters out; these are in the message itself.
ROW_DETAIL = re.compile(r"(Failing row contains |Key \([^)]*\)=)\(.*\)", re.MULTILINE)


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = _mask(record.msg)
        if isinstance(record.args, dict):  # gunicorn's access log passes its atoms as a dict
            record.args = {k: _mask(v) for k, v in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(_mask(a) for a in record.args)
        if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
            # Formatters print exc_text when it is set: the traceback, its error messages scrubbed.
            record.exc_text = str(_mask(logging.Formatter().formatException(record.exc_info)))
        return True


class LeaveOutRespondents(logging.Filter):
    """Drops an access log's line for a respondent's request: no address and time of anyone answering."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError, KeyError):  # a record that cannot be formatted is not a request line
            return True
        return RESPONDENT_REQUEST.search(message) is None


def _mask(value: object) -> object:
    if not isinstance(value, str):
        return value
    value = ROW_DETAIL.sub(r"\1([redacted])", value)
    return LONG_SEGMENT.sub("[redacted]", TOKEN_PATH.sub(r"/\1/[redacted]", value))


class JsonLines(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": str(_mask(record.getMessage())),
        }
        if record.exc_info and record.exc_info[0] is not None:
            entry["exception"] = record.exc_info[0].__name__
            entry["traceback"] = str(_mask(record.exc_text or self.formatException(record.exc_info)))
        return json.dumps(entry, ensure_ascii=False)


def install(json_lines: bool = False) -> None:
    """Mask tokens in the servers' loggers; with json_lines, every handler writes JSON lines."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, LeaveOutRespondents) for f in logger.filters):
            logger.addFilter(LeaveOutRespondents())
    if not json_lines:
        return
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler(sys.stderr))
        root.setLevel(logging.INFO)
    for logger in [root, *(logging.getLogger(n) for n in LOGGERS)]:
        for handler in logger.handlers:
            handler.setFormatter(JsonLines())


def init_app(app: Flask) -> None:
    default = "text" if app.config.get("ENV_NAME") in ("development", "testing") else "json"
    install(json_lines=(app.config.get("LOG_FORMAT") or default) == "json")
