"""Security headers on every response.

- A Content-Security-Policy that allows scripts, styles, images and fonts from this site only:
  no inline script or style attribute anywhere (GOV.UK's inline set-up script is
  `static/js/js-enabled.js`; bars and heatmap shades are classes), nothing from elsewhere.
- The app is never framed (`frame-ancestors 'none'`, and X-Frame-Options for older browsers).
- No referrer ever leaves for another site, so no address reaches one (`same-origin`): our own
  server is told which of its pages a form was on, so that browsers also send `Origin` with a
  form, which the same-origin check (same_origin.py) reads. `no-referrer` made browsers send no
  `Referer` and `Origin: null`, and every form over HTTPS failed Flask-WTF's referrer check.
- No MIME sniffing.
- HSTS only when the request came over TLS (directly, or through a proxy that says so, when
  TRUSTED_PROXIES is set): on plain http it would be ignored, and on localhost it would break
  other local services.
- Pages are not stored by browsers or proxies (manager pages, results, exports, and a
  respondent's answers on a shared computer); static files may be cached.
"""

from __future__ import annotations

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
])
# The committee report as a web page is one self-contained file (it also opens from disk or an email):
# its styles are inline and its charts data: images. Served by the app, it gets this policy, which allows
# exactly that and nothing else: no script, nothing fetched, no form, never framed.
SELF_CONTAINED_DOCUMENT = "; ".join([
    "default-src 'none'",
    "script-src 'none'",
    "style-src 'unsafe-inline'",
    "img-src data:",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
])
HSTS = "max-age=31536000; includeSubDomains"
REFERRER_POLICY = "same-origin"


def add(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)  # the committee report sets its own
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = REFERRER_POLICY
    headers["X-Content-Type-Options"] = "nosniff"
    if request.is_secure:
        headers["Strict-Transport-Security"] = HSTS
    if request.endpoint != "static":
        headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:  # behind a TLS-terminating proxy: trust its X-Forwarded-Proto and -For, and no other
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]
    app.after_request(add)
