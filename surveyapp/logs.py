"""Keep link tokens out of logs.

Respondent links carry a token in their path. The app moves it into the
session and redirects at once, but the first request line is still logged by
the development server or gunicorn's access log: this filter masks it there.
"""

from __future__ import annotations

import logging
import re

from flask import Flask

TOKEN_PATH = re.compile(r"/(invite|open|resume)/[A-Za-z0-9_\-]+")


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = _mask(record.msg)
        if isinstance(record.args, dict):  # gunicorn's access log passes its atoms as a dict
            record.args = {k: _mask(v) for k, v in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(_mask(a) for a in record.args)
        return True


def _mask(value: object) -> object:
    return TOKEN_PATH.sub(r"/\1/[redacted]", value) if isinstance(value, str) else value


def install() -> None:
    for name in ("werkzeug", "gunicorn.access", "gunicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())


def init_app(_app: Flask) -> None:
    install()
