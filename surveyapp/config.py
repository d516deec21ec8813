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
        # Where the theme engine caches sentence embeddings (no comment text): instance/theme-cache when unset.
        "THEMES_CACHE_DIR": os.environ.get("THEMES_CACHE_DIR", ""),
        "MIN_GROUP_FOR_FIGURES": max(5, int(os.environ.get("MIN_GROUP_FOR_FIGURES", "5"))),
        "MIN_GROUP_FOR_COMMENTS": max(10, int(os.environ.get("MIN_GROUP_FOR_COMMENTS", "10"))),
    }
    config.update(single_sign_on())
    config.update(background(instance_path))
    config.update(email(env, instance_path))
    return config


def single_sign_on() -> dict[str, Any]:
    """OpenID Connect (surveyapp/users/sso.py): on when an issuer and a client id are set. Local accounts stay.

    OIDC_ISSUER is kept exactly as given: the provider's discovery document and ID tokens must name this very
    issuer (OpenID Connect Discovery 4.3). OIDC_COUNCIL is the slug of the council whose accounts it signs in
    to; it may be left out when the database holds one council."""
    return {
        "OIDC_ISSUER": os.environ.get("OIDC_ISSUER", "").strip(),
        "OIDC_COUNCIL": os.environ.get("OIDC_COUNCIL", "").strip(),
        "OIDC_CLIENT_ID": os.environ.get("OIDC_CLIENT_ID", ""),
        "OIDC_CLIENT_SECRET": os.environ.get("OIDC_CLIENT_SECRET", ""),
        "OIDC_BUTTON_LABEL": os.environ.get("OIDC_BUTTON_LABEL", "Sign in with your council account"),
    }


QUEUE_DEFAULTS = {"production": "redis", "development": "sqlite", "testing": "immediate"}


def background(instance_path: str) -> dict[str, Any]:
    """Where background jobs wait: Redis in production (many machines), SQLite on a laptop, at once in tests.

    An unset QUEUE_BACKEND follows ENV_NAME as the app finally has it (QUEUE_DEFAULTS).
    """
    return {
        "QUEUE_BACKEND": os.environ.get("QUEUE_BACKEND", ""),
        "QUEUE_NAME": os.environ.get("QUEUE_NAME", "surveyapp"),
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "QUEUE_SQLITE_PATH": os.environ.get("QUEUE_SQLITE_PATH", str(Path(instance_path) / "queue.db")),
        # A running job's worker writes a heartbeat; a job whose heartbeat is older than this lost its worker.
        "JOB_HEARTBEAT_SECONDS": float(os.environ.get("JOB_HEARTBEAT_SECONDS", "10")),
        "JOB_STALE_SECONDS": float(os.environ.get("JOB_STALE_SECONDS", "120")),
        "JOB_QUEUED_LIMIT_SECONDS": float(os.environ.get("JOB_QUEUED_LIMIT_SECONDS", "21600")),
    }


def email(env: str, instance_path: str) -> dict[str, Any]:
    """How invitations and reminders are sent: the council's SMTP relay by default, a folder on a laptop."""
    return {
        # smtp, notify, none (the council cannot send email: open links only), or outbox (development: a folder)
        "EMAIL_BACKEND": os.environ.get("EMAIL_BACKEND", "outbox" if env == "development" else "smtp"),
        "EMAIL_FROM": os.environ.get("EMAIL_FROM", "staff-health-check@localhost"),
        "EMAIL_RATE_PER_MINUTE": int(os.environ.get("EMAIL_RATE_PER_MINUTE", "120")),
        "EMAIL_RETRIES": int(os.environ.get("EMAIL_RETRIES", "6")),
        "EMAIL_RETRY_SECONDS": int(os.environ.get("EMAIL_RETRY_SECONDS", "60")),  # doubles after each try
        "SMTP_HOST": os.environ.get("SMTP_HOST", "localhost"),
        "SMTP_PORT": int(os.environ.get("SMTP_PORT", "587")),
        "SMTP_STARTTLS": os.environ.get("SMTP_STARTTLS", "true").lower() in ("1", "true", "yes"),
        "SMTP_USER": os.environ.get("SMTP_USER", ""),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        "SMTP_TIMEOUT_SECONDS": float(os.environ.get("SMTP_TIMEOUT_SECONDS", "30")),
        "NOTIFY_API_KEY": os.environ.get("NOTIFY_API_KEY", ""),
        "NOTIFY_BASE_URL": os.environ.get("NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk"),
        "NOTIFY_INVITATION_TEMPLATE": os.environ.get("NOTIFY_INVITATION_TEMPLATE", ""),
        "NOTIFY_REMINDER_TEMPLATE": os.environ.get("NOTIFY_REMINDER_TEMPLATE", ""),
        "NOTIFY_ACCOUNT_TEMPLATE": os.environ.get("NOTIFY_ACCOUNT_TEMPLATE", ""),
        "NOTIFY_RESET_TEMPLATE": os.environ.get("NOTIFY_RESET_TEMPLATE", ""),
        "OUTBOX_DIR": os.environ.get("OUTBOX_DIR", str(Path(instance_path) / "outbox")),
    }


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
    if config.get("EMAIL_BACKEND") == "outbox":
        raise ConfigError("EMAIL_BACKEND=outbox writes every invitation to a folder: for development only.")
