"""Requests are cleaned and bounded once, on the way in, and ids in addresses are bounded.

Every form field and query string arrives without control characters (`cleaning.clean_text`).
Forms are small: only a file upload (multipart) may send up to MAX_CONTENT_LENGTH; any other
body is held to MAX_FORM_CONTENT_LENGTH, and every body to MAX_FORM_PARTS fields (Werkzeug
applies that only to multipart bodies), so an over-large request is a 413 with a plain page.
A body refused as too large is read to its end (up to DRAIN_LIMIT) before the 413 page goes back:
answered unread, gunicorn closed the connection under the upload and the browser showed "connection
reset" with no page. An id in an address larger than PostgreSQL's integer was a 500 (overflow): it is a 404, and so is
a word in an address holding a control character (`/plans/a%00b` was a 500 on PostgreSQL, which
refuses NUL in text): no council, plan or format is named with one.
"""

from __future__ import annotations

from flask import Flask, Request, current_app, request
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import IntegerConverter, UnicodeConverter
from werkzeug.utils import cached_property
from werkzeug.wrappers import Response

from .cleaning import UNWANTED, clean_text

DRAIN_LIMIT = 64 * 1024 * 1024  # beyond this a refused upload is cut off unread: a proxy should refuse it first
LARGEST_ID = 2**31 - 1  # PostgreSQL's `integer`: a larger id in an address was a 500 (overflow), now a 404


def _clean(values: MultiDict[str, str]) -> ImmutableMultiDict[str, str]:
    return ImmutableMultiDict([(clean_text(k), clean_text(v)) for k, v in values.items(multi=True)])


class CleanRequest(Request):
    """Every request's form fields and query string arrive cleaned and bounded: one place for every form."""

    @cached_property
    def args(self) -> ImmutableMultiDict[str, str]:
        return _clean(super().args)

    @property
    def max_content_length(self) -> int | None:
        if self.mimetype == "multipart/form-data":
            return super().max_content_length
        return int(current_app.config["MAX_FORM_CONTENT_LENGTH"])

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value

    def _load_form_data(self) -> None:
        super()._load_form_data()
        parts = self.max_form_parts
        fields = len(list(self.form.items(multi=True))) + len(list(self.files.items(multi=True)))
        if parts is not None and fields > parts:
            raise RequestEntityTooLarge()
        self.__dict__["form"] = _clean(self.form)


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: a whole number the database's integer column can hold."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


class WordConverter(UnicodeConverter):
    """`<slug>` and `<string:...>` in every route: one segment without the characters `clean_text` drops."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.regex = self.regex.replace("[^/]", "[^/" + UNWANTED.pattern[1:-1] + "]", 1)


def drain_refused_body(response: Response) -> Response:
    """After a 413, read what is left of the body, so the browser gets to read the page that says why."""
    if response.status_code == 413:
        stream = request.environ.get("wsgi.input")
        left = DRAIN_LIMIT
        while stream is not None and left > 0:
            chunk = stream.read(min(left, 64 * 1024))
            if not chunk:
                break
            left -= len(chunk)
    return response


def init_app(app: Flask) -> None:
    """Before any blueprint is registered, so that every route's `<int:...>` is bounded.

    The limits themselves are in `config` (MAX_CONTENT_LENGTH and its neighbours).
    """
    app.request_class = CleanRequest
    app.url_map.converters["int"] = IdConverter
    app.url_map.converters["default"] = app.url_map.converters["string"] = WordConverter
    app.after_request(drain_refused_body)
