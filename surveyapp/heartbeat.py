"""No background job stays "running" after its worker is gone.

A worker claims a job (a theme analysis, a release or a committee report) and, while it runs it,
writes the job's `heartbeat_at` every few seconds from a thread of its own. A
worker that is killed (kill -9, out of memory, the machine restarted) stops
writing: once the heartbeat is older than the stale limit, `reap` marks the
job failed with a plain reason, and it can be started again. A job that waits
in the queue far longer than any queue should (no worker running at all) is
failed the same way. Plain functions of a database session: no Flask.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from .models import Release, ReportJob, SurveyRun, ThemeJob

log = logging.getLogger(__name__)

LOST = {
    "release": "The server stopped while making this release (it may have been restarted), so it was not "
               "finished. Release the results again.",
    "themes": "The server stopped while finding these themes (it may have been restarted), so they were not "
              "finished. Find themes again.",
    "report": "The server stopped while writing this report (it may have been restarted), so it was not "
              "finished. Write the report again.",
}
Job = ThemeJob | Release | ReportJob
NEVER_STARTED = ("It waited more than {hours} hours without starting: the background worker may not be running. "
                 "Tell your IT team, then try again.")


@dataclass(frozen=True)
class Limits:
    every: float  # seconds between heartbeats
    stale: float  # a running job's heartbeat older than this: its worker is gone
    queued: float  # a job waiting longer than this: no worker is taking jobs

    @classmethod
    def from_config(cls, config: Any) -> Limits:
        return cls(float(config["JOB_HEARTBEAT_SECONDS"]), float(config["JOB_STALE_SECONDS"]),
                   float(config["JOB_QUEUED_LIMIT_SECONDS"]))


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


@contextmanager
def beating(make_session: sessionmaker[Session], model: type[Job], row_id: int,
            every: float) -> Iterator[None]:
    """Write the job's heartbeat every `every` seconds until the block ends (in its own session and thread)."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(every):
            try:
                with make_session() as db:
                    db.execute(update(model).where(model.id == row_id).values(heartbeat_at=now()))
                    db.commit()
            except Exception:  # a missed beat is not fatal: the next one may get through
                log.warning("Could not write the heartbeat of %s %s", model.__tablename__, row_id, exc_info=True)

    thread = threading.Thread(target=beat, name=f"heartbeat-{model.__tablename__}-{row_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=every + 30)


def claim(db: Session, model: type[Job], row_id: int) -> bool:
    """Take a queued job for this worker, atomically: False if another worker has it or it is no longer queued."""
    taken = db.execute(update(model).where(model.id == row_id, model.status == "queued",
                                           model.heartbeat_at.is_(None)).values(heartbeat_at=now()))
    db.commit()
    return taken.rowcount == 1  # type: ignore[attr-defined]


def lost(kind: str, status: str, heartbeat_at: dt.datetime | None, queued_at: dt.datetime | None,
         at: dt.datetime, limits: Limits) -> str | None:
    """Why a queued or running job will never finish, or None while it may."""
    if status not in ("queued", "running"):
        return None
    if heartbeat_at is not None or status == "running":
        last = heartbeat_at or queued_at or at
        return LOST[kind] if (at - last).total_seconds() > limits.stale else None
    if queued_at is not None and (at - queued_at).total_seconds() > limits.queued:
        return NEVER_STARTED.format(hours=round(limits.queued / 3600, 1))
    return None


def _active(query: Any, model: type[ThemeJob] | type[Release] | type[ReportJob], run: SurveyRun | None) -> Any:
    query = query.where(model.status.in_(("queued", "running")))
    return query if run is None else query.where(model.run_id == run.id)


def reap(db: Session, limits: Limits, run: SurveyRun | None = None) -> int:
    """Mark failed every job of the run (or of every run) that lost its worker; how many were."""
    at, found = now(), 0
    jobs: list[tuple[str, Job, dt.datetime | None]] = []
    for job in db.scalars(_active(select(ThemeJob), ThemeJob, run)):
        jobs.append(("themes", job, job.started_at))
    for release in db.scalars(_active(select(Release), Release, run)):
        jobs.append(("release", release, release.requested_at))
    for report in db.scalars(_active(select(ReportJob), ReportJob, run)):
        jobs.append(("report", report, report.requested_at))
    for kind, job, queued in jobs:
        reason = lost(kind, job.status, job.heartbeat_at, queued, at, limits)
        if reason is not None:
            log.warning("%s %s lost its worker: marked failed", kind, job.id)
            job.status, job.stage, job.finished_at = "failed", reason, at
            found += 1
    if found:
        db.commit()
    return found
