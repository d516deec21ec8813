"""A form is accepted only when the browser says it was sent from this site.

Every form carries Flask-WTF's token, tied to the session: that is the protection against
cross-site request forgery. Flask-WTF adds, on HTTPS only, a check that the `Referer` names
this site (`WTF_CSRF_SSL_STRICT`). Our pages ask browsers to send no referrer to other sites,
and with the old policy (`no-referrer`) they sent none at all, not even to us: over HTTPS every
form failed that check, and every sign-in and every respondent's Start said "This page has
expired". So that check is off, and this one does its job without relying on the `Referer`:

1. `Sec-Fetch-Site` (sent by Chrome, Edge, Firefox and Safari since 2023, and impossible for a
   page to forge): only `same-origin` (a page of this site) or `none` (the person's own action)
   are accepted.
2. Otherwise `Origin`, which browsers send with every form POST: it must be this site (the
   address the request came to, or BASE_URL's).
3. Otherwise, over HTTPS, a `Referer` of this site, as Flask-WTF asked; over plain http (a
   laptop), the token alone, as before.

The referrer policy is `same-origin` (headers.py): a page of ours tells our own server where the
form was, and nothing at all to any other site. `no-referrer` would make browsers send
`Origin: null` with a form, so the second check could never pass.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, request
from flask_wtf.csrf import CSRFError

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SAME = frozenset({"same-origin", "none"})


def origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def ours() -> set[str]:
    found = {request.host_url.rstrip("/").lower()}
    base = origin_of(current_app.config.get("BASE_URL") or "")
    if base:
        found.add(base)
    return found


def check() -> None:
    if request.method not in UNSAFE or not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    if request.endpoint and request.endpoint in current_app.view_functions:
        view = current_app.view_functions[request.endpoint]
        if f"{view.__module__}.{view.__name__}" in _exempt():
            return
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        if fetch_site.lower() in SAME:
            return
        raise CSRFError("The form was sent from another site.")
    origin = request.headers.get("Origin")
    if origin and origin != "null":
        if origin.lower() in ours():
            return
        raise CSRFError("The form was sent from another site.")
    if not request.is_secure:
        return
    referrer = origin_of(request.referrer or "")
    if referrer is None or referrer not in ours():
        raise CSRFError("The form did not say which site it came from.")


def _exempt() -> set[str]:
    protect = current_app.extensions.get("csrf")
    return set(getattr(protect, "_exempt_views", set()))


def init_app(app: Flask) -> None:
    # Flask-WTF's own HTTPS check needs a Referer; this module's check replaces it.
    app.config["WTF_CSRF_SSL_STRICT"] = False
    app.before_request(check)
