"""Background work on Huey, in worker processes of their own: theme analyses, releases and emails.

QUEUE_BACKEND chooses where jobs wait:
- `redis` (production, REDIS_URL): web servers and workers can run on many machines;
- `sqlite` (a laptop, `make run`): a file in instance/, with one worker started beside the web server;
- `immediate` (tests): each job runs at once, in the process that queued it.

A worker is `flask --app wsgi worker`. The web servers only queue jobs, so they
never load the language model (their requirements do not include torch).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app
from huey import Huey, MemoryHuey, PriorityRedisHuey, SqliteHuey
from huey.api import TaskWrapper

from ..config import QUEUE_DEFAULTS, ConfigError


class QueueUnavailable(Exception):
    """A job could not be queued (Redis unreachable, for example)."""


@dataclass(frozen=True)
class Queue:
    huey: Huey
    analyse_themes: TaskWrapper
    make_release: TaskWrapper
    send_email: TaskWrapper
    reap_stuck_jobs: TaskWrapper
    render_report: TaskWrapper
    password_reset: TaskWrapper


def make_huey(config: Any) -> Huey:
    backend, name = config["QUEUE_BACKEND"], config["QUEUE_NAME"]
    # No results are stored: a job's outcome is its row in the database (or the email that arrived).
    if backend == "redis":
        return PriorityRedisHuey(name, url=config["REDIS_URL"], results=False)
    if backend == "sqlite":
        return SqliteHuey(name, filename=config["QUEUE_SQLITE_PATH"], results=False)
    if backend == "immediate":
        return MemoryHuey(name, immediate=True, results=False)
    raise ConfigError(f"QUEUE_BACKEND must be redis, sqlite or immediate, not {backend!r}")


def init_app(app: Flask) -> None:
    from .tasks import register

    app.config["QUEUE_BACKEND"] = app.config["QUEUE_BACKEND"] or QUEUE_DEFAULTS.get(app.config["ENV_NAME"], "redis")
    app.extensions["surveyapp.queue"] = register(make_huey(app.config), app)


def queue(app: Flask | None = None) -> Queue:
    found: Queue = (app or current_app).extensions["surveyapp.queue"]
    return found


def submit(task: TaskWrapper, *args: Any) -> None:
    """Queue a job; QueueUnavailable if the queue cannot be reached."""
    try:
        task(*args)
    except Exception as exc:  # redis.ConnectionError, sqlite3.OperationalError, ...
        raise QueueUnavailable(str(type(exc).__name__)) from exc


def describe(config: Any) -> str:
    """Where the queue is, for people (no password)."""
    backend = config["QUEUE_BACKEND"]
    if backend == "redis":
        url = urlsplit(config["REDIS_URL"])
        return f"Redis at {url.hostname}:{url.port or 6379}{url.path or ''}, queue {config['QUEUE_NAME']!r}"
    if backend == "sqlite":
        return f"SQLite file {config['QUEUE_SQLITE_PATH']}"
    return "none: jobs run at once, in the process that queues them"
