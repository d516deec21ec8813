"""`/healthz` for the load balancer: can this worker reach the database and the queue?

200 with {"database": "ok", "queue": "ok"} when both answer; 503 (with Retry-After, as the
service's own pages say when the database is down) with the one that did not marked "unreachable". The queue is Redis when REDIS_URL is set; without it, background jobs run
in the web process, so there is nothing more to reach. Nothing else is said (no versions, no
hosts), and the page needs no sign-in.
"""

from __future__ import annotations

import logging
from typing import Any

import redis
from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from .errors import RETRY_AFTER_SECONDS

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 2


def database() -> str:
    try:
        with current_app.extensions["surveyapp.engine"].connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:  # any failure to reach it is the answer, not an error page
        log.warning("Health check: the database cannot be reached", exc_info=True)
        return "unreachable"
    return "ok"


def queue() -> str:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return "ok"
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS)
        client.ping()
        client.close()
    except redis.RedisError:
        log.warning("Health check: Redis cannot be reached", exc_info=True)
        return "unreachable"
    return "ok"


@bp.get("/healthz")
def healthz() -> Any:
    found = {"database": database(), "queue": queue()}
    if all(v == "ok" for v in found.values()):
        return jsonify(found), 200
    return jsonify(found), 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}
