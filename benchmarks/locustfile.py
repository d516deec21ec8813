"""Staff answering the health check, as a browser does, for locust (issue 12). Driven by `load.py --only locust`.

Each simulated person opens their own invitation link, reads the start page,
starts, answers the questionnaire page by page (every page's answers are saved
as they go, as the app saves them), reads the check-answers page and submits,
then the same simulated user becomes the next person, with the next link, so
the number answering at once stays the same all through the run. Before each
page they send, they think for LOAD_THINK seconds ("15-45", a uniform draw;
"0" for the saturation runs).

Redirects are followed by hand, straight away (the browser does that, not the
person), so each request is timed under its own name. Anything but the
expected answer is a failure: a wrong status, a redirect to the wrong page, a
page without its form. A submission acknowledged (302 to /survey/done) has its
token appended to LOAD_ACKED, for the driver to check in the database.

LOAD_TOKENS: a file of invitation tokens, one a line (the driver makes the
invitations as the staff-list import does). LOAD_ANSWERS: JSON of the form
values to send for each question id (the same answers on every journey).

Runs in its own virtualenv (benchmarks/requirements-load.txt), not the app's.
"""

from __future__ import annotations

import json
import os
import random
import re
from collections.abc import Iterator
from http.cookiejar import DefaultCookiePolicy
from urllib.parse import urlencode

import gevent
from locust import FastHttpUser, constant, task
from locust.exception import StopUser

with open(os.environ["LOAD_TOKENS"]) as tokens_file, open(os.environ["LOAD_ANSWERS"]) as answers_file:
    TOKENS: Iterator[str] = iter(tokens_file.read().split())
    ANSWERS: dict[str, list[str]] = json.load(answers_file)
ACKED = open(os.environ["LOAD_ACKED"], "a", buffering=1)  # noqa: SIM115 (open for the whole run, line-buffered)
THINK = os.environ.get("LOAD_THINK", "15-45")
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
SECTION = re.compile(r"^/survey/(?!check$|done$|saved$)[\w-]+$")


class Form:
    """The names of a page's form fields and its CSRF token (regular expressions: the pages are the app's own,
    and locust shares the machine's cores with the server, so parsing stays cheap)."""

    NAME = re.compile(r'<(?:input|select|textarea)\b[^>]*?\bname="([^"]+)"')
    CSRF = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"|value="([^"]+)"[^>]*?name="csrf_token"')

    def __init__(self, html: str) -> None:
        self.names = set(self.NAME.findall(html)) - {"csrf_token"}
        found = self.CSRF.search(html)
        self.csrf = (found.group(1) or found.group(2)) if found else ""
        self.forms = html.count('<form method="post"')


def _think() -> float:
    if THINK == "0":
        return 0
    low, high = (float(x) for x in THINK.split("-"))
    return random.uniform(low, high)


class BehindTheProxy(DefaultCookiePolicy):
    """Send the app's Secure session cookie over plain HTTP.

    In production the browser talks HTTPS to the council's proxy, which passes the request to
    gunicorn; here the client talks to gunicorn directly, without TLS, so it must still send the
    cookie a browser would send.
    """

    def return_ok_secure(self, cookie: object, request: object) -> bool:
        return True


class Person(FastHttpUser):
    wait_time = constant(0)  # the journey paces itself, page by page

    def on_start(self) -> None:
        self.client.cookiejar.set_policy(BehindTheProxy())

    def _get(self, path: str, name: str) -> Form | None:
        with self.client.get(path, name=name, allow_redirects=False, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"status {r.status_code}")
                return None
            form = Form(r.text or "")
            if form.forms != 1 and name != "GET /survey/done":
                r.failure("no form on the page")
                return None
            return form

    def _post(self, path: str, name: str, data: list[tuple[str, str]], expect: re.Pattern[str] | str) -> str | None:
        with self.client.post(path, name=name, data=urlencode(data), headers=FORM, allow_redirects=False,
                              catch_response=True) as r:
            location = (r.headers or {}).get("Location", "")
            location = re.sub(r"^https?://[^/]+", "", location)
            ok = r.status_code == 302 and (expect.match(location) if isinstance(expect, re.Pattern)
                                           else location == expect)
            if not ok:
                r.failure(f"status {r.status_code} to {location!r}")
                return None
            return location

    def _pause(self) -> None:
        pause = _think()
        if pause:
            gevent.sleep(pause)

    @task
    def journey(self) -> None:
        try:
            token = next(TOKENS)
        except StopIteration:
            raise StopUser() from None
        with self.client.get(f"/invite/{token}", name="GET /invite/[token]", allow_redirects=False,
                             catch_response=True) as r:
            if r.status_code != 302 or not (r.headers or {}).get("Location", "").endswith("/survey"):
                r.failure(f"status {r.status_code}")
                return
        start = self._get("/survey", "GET /survey (start page)")
        if start is None:
            return
        self._pause()
        page = self._post("/survey", "POST /survey (start)", [("csrf_token", start.csrf)], SECTION)
        while page is not None and SECTION.match(page):
            form = self._get(page, "GET /survey/[section]")
            if form is None:
                return
            self._pause()
            data = [("csrf_token", form.csrf)] + [(n, v) for n in sorted(form.names) if n in ANSWERS
                                                  for v in ANSWERS[n]]
            page = self._post(page, "POST /survey/[section] (save answers)", data,
                              re.compile(r"^/survey/[\w-]+$"))
        if page != "/survey/check":
            return
        check = self._get("/survey/check", "GET /survey/check")
        if check is None:
            return
        self._pause()
        if self._post("/survey/check", "POST /survey/check (submit)", [("csrf_token", check.csrf)],
                      "/survey/done") is None:
            return
        ACKED.write(token + "\n")
        self._get("/survey/done", "GET /survey/done")
        # Then this user is the next person to open their link: 1,000 at once all the way through.
