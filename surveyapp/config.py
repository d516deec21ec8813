"""Configuration from environment variables, with safe development defaults.

Production (SURVEYAPP_ENV=production, the default outside `make run` and the
tests) refuses to start without a real SECRET_KEY and DATABASE_URL.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

DEV_SECRET = "dev-only-not-secret"
MIN_SECRET_LENGTH = 32


class ConfigError(RuntimeError):
    """The app cannot start with this configuration."""


def sqlalchemy_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever spelling the operator gives."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def from_environment(instance_path: str) -> dict[str, Any]:
    env = os.environ.get("SURVEYAPP_ENV", "production")
    default_db = "sqlite:///" + str(Path(instance_path) / "surveyapp.db")
    config: dict[str, Any] = {
        "ENV_NAME": env,
        "SECRET_KEY": os.environ.get("SECRET_KEY", DEV_SECRET if env != "production" else ""),
        "DATABASE_URL": sqlalchemy_url(
            os.environ.get("DATABASE_URL", default_db if env != "production" else "")
        ),
        "COUNCIL_NAME": os.environ.get("COUNCIL_NAME", "Demo Borough Council"),
        "BASE_URL": os.environ.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        # Cookies are Secure everywhere; browsers accept Secure cookies from
        # http://127.0.0.1 and localhost, so `make run` still works.
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": True,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": int(os.environ.get("SESSION_LIFETIME_SECONDS", "28800")),
        # Sign-in rate limits (limits.py): counted in Redis (REDIS_URL) in production, in memory otherwise.
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI"),
        "REDIS_URL": os.environ.get("REDIS_URL"),  # checked by /healthz when set
        # Logs: "json" lines (the default outside development) or "text".
        "LOG_FORMAT": os.environ.get("LOG_FORMAT"),
        # A manager's session ends after this long unused (and PERMANENT_SESSION_LIFETIME after sign-in).
        "MANAGER_IDLE_MINUTES": int(os.environ.get("MANAGER_IDLE_MINUTES", "60")),
        "WTF_CSRF_TIME_LIMIT": None,  # a long survey page must not expire under the respondent
        # Request limits (see hardening.CleanRequest): a staff list upload may be 5 MB; any other
        # body 256 KB, and so one text field of a multipart body; at most 300 fields in a body.
        "MAX_CONTENT_LENGTH": 5 * 1024 * 1024,
        "MAX_FORM_CONTENT_LENGTH": 256 * 1024,
        "MAX_FORM_MEMORY_SIZE": 256 * 1024,
        "MAX_FORM_PARTS": 300,
        # How many proxies in front of the app set X-Forwarded-Proto and -For (0: none, trust nothing).
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        "MIN_GROUP_FOR_FIGURES": max(5, int(os.environ.get("MIN_GROUP_FOR_FIGURES", "5"))),
        "MIN_GROUP_FOR_COMMENTS": max(10, int(os.environ.get("MIN_GROUP_FOR_COMMENTS", "10"))),
    }
    return config


def check(config: dict[str, Any]) -> None:
    if config.get("ENV_NAME") in ("development", "testing"):
        return
    secret = config.get("SECRET_KEY") or ""
    if secret == DEV_SECRET or len(secret) < MIN_SECRET_LENGTH:
        raise ConfigError(
            "SECRET_KEY must be set to a random value of at least "
            f"{MIN_SECRET_LENGTH} characters outside development "
            "(for example: python -c 'import secrets; print(secrets.token_hex(32))')."
        )
    if not config.get("DATABASE_URL"):
        raise ConfigError("DATABASE_URL must be set outside development.")
