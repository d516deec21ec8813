"""Rate limits on signing in (Flask-Limiter), so passwords cannot be guessed at speed.

Failed sign-ins are counted per account (the email typed, whatever the address it comes from)
and per address (the client's: behind TRUSTED_PROXIES proxies, the one they name, by werkzeug's
ProxyFix in headers.py, so one council's proxy is not one address).

A browser that has signed in to an account before carries a device cookie for it (signed, random,
for that account only; OWASP's "device cookies"). Its failed sign-ins are counted for that cookie
alone, not for the account, and it is not held to the per-address limit: so whoever guesses at a
manager's password, from anywhere, locks out only browsers that never signed in as them, and the
manager on their own browser still signs in with the right password. A copied device cookie gives
ten guesses in 15 minutes, as a stranger has; it is no use for any other account. Once a limit is reached, every further attempt is refused with a plain 429
page (`errors.MESSAGES`) before the password is even checked, so the right password does not
help a guesser. Counts live in memory for development and tests, and in Redis in production
(RATELIMIT_STORAGE_URI, from REDIS_URL), so every web worker shares them; if Redis cannot be
reached the workers count in memory meanwhile rather than stop signing people in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import hashlib
import secrets

from flask import Flask, after_this_request, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from itsdangerous import BadData, URLSafeTimedSerializer
from werkzeug.wrappers import Response

DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
PER_ACCOUNT = "10 per 15 minutes"
PER_ADDRESS = "50 per hour"

limiter = Limiter(key_func=get_remote_address)


DEVICE_COOKIE = "surveyapp_device"
DEVICE_SECONDS = 180 * 24 * 3600  # a browser not used to sign in for six months is a stranger again


def account() -> str:
    return "account:" + request.form.get("email", "").strip().lower()


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt="surveyapp device cookie")


def _account_of(email: str) -> str:  # not the address itself: the cookie is signed, not secret
    return hashlib.sha256(f"device-account:{email.strip().lower()}".encode()).hexdigest()[:32]


def device() -> str | None:
    """This browser's device id for the account typed, if it signed in to that account before."""
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return None
    try:
        found = _serializer().loads(raw, max_age=DEVICE_SECONDS)
    except BadData:
        return None
    if not isinstance(found, dict) or found.get("account") != _account_of(request.form.get("email", "")):
        return None
    return str(found.get("device") or "") or None


def sign_in_key() -> str:
    """A known browser's failures count against its own device cookie; anyone else's against the account."""
    known = device()
    return f"device:{known}" if known else account()


def known_device() -> bool:
    return device() is not None


def remember_device(email: str) -> None:
    """After a sign-in with the right password: this browser is known for this account from now on."""
    value = _serializer().dumps({"account": _account_of(email), "device": device() or secrets.token_urlsafe(16)})

    @after_this_request
    def set_cookie(response: Response) -> Response:
        response.set_cookie(DEVICE_COOKIE, value, max_age=DEVICE_SECONDS, path="/manage/", secure=True,
                            httponly=True, samesite="Lax")
        return response


def failed(response: Response) -> bool:
    """A sign-in refused: the page came back with an error (200). Not a fault or an outage (5xx), which
    checked no password: while the database is down, trying again must not lock a manager out."""
    return response.status_code == 200


sign_in_per_account = limiter.limit(PER_ACCOUNT, key_func=sign_in_key, methods=["POST"], deduct_when=failed,
                                    scope="sign-in-account")
# Password reset emails: a few an hour for one address typed, so nobody can flood someone's inbox.
reset_per_account = limiter.limit("5 per hour", key_func=account, methods=["POST"], scope="reset-account")
sign_in_per_address = limiter.limit(PER_ADDRESS, methods=["POST"], deduct_when=failed, scope="sign-in-address",
                                    exempt_when=known_device)
reset_per_address = limiter.limit(PER_ADDRESS, methods=["POST"], scope="reset-address")


def storage_uri(config: Mapping[str, Any]) -> str:
    """Redis in production (every worker shares the counts); memory in development and tests."""
    if config.get("RATELIMIT_STORAGE_URI"):
        return str(config["RATELIMIT_STORAGE_URI"])
    if config.get("ENV_NAME") == "production":
        return str(config.get("REDIS_URL") or DEFAULT_REDIS)
    return "memory://"


def init_app(app: Flask) -> None:
    app.config["RATELIMIT_STORAGE_URI"] = storage_uri(app.config)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    limiter.init_app(app)
