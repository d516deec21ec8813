"""Rate limits on signing in (Flask-Limiter), so passwords cannot be guessed at speed.

Failed sign-ins are counted per account (the email typed, whatever the address it comes from)
and per address. Once a limit is reached, every further attempt is refused with a plain 429
page (`errors.MESSAGES`) before the password is even checked, so the right password does not
help a guesser. Counts live in memory for development and tests, and in Redis in production
(RATELIMIT_STORAGE_URI, from REDIS_URL), so every web worker shares them; if Redis cannot be
reached the workers count in memory meanwhile rather than stop signing people in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.wrappers import Response

DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
PER_ACCOUNT = "10 per 15 minutes"
PER_ADDRESS = "50 per hour"

limiter = Limiter(key_func=get_remote_address)


def account() -> str:
    return "account:" + request.form.get("email", "").strip().lower()


def failed(response: Response) -> bool:
    """A sign-in refused: the page came back with an error (200). Not a fault or an outage (5xx), which
    checked no password: while the database is down, trying again must not lock a manager out."""
    return response.status_code == 200


sign_in_per_account = limiter.limit(PER_ACCOUNT, key_func=account, methods=["POST"], deduct_when=failed,
                                    scope="sign-in-account")
# Password reset emails: a few an hour for one address typed, so nobody can flood someone's inbox.
reset_per_account = limiter.limit("5 per hour", key_func=account, methods=["POST"], scope="reset-account")
sign_in_per_address = limiter.limit(PER_ADDRESS, methods=["POST"], deduct_when=failed, scope="sign-in-address")


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
