"""Reports are written outside the web request, one at a time, with their progress in a `report_job` row.

`start_render` is the one place that decides where the work runs. Today it is a
thread of the process that asked, as releases are (`disclosure/jobs.py`), or at
once (`inline`) for the command and the tests. To move it to the queue (Huey),
enqueue `render(job.id)` there instead of submitting it to the executor: `render`
needs nothing but a session factory and the job's id, and the row is the source
of truth for its progress and its file, so any web worker can show and serve it.
"""

from __future__ import annotations

import datetime as dt
import logging
from concurrent.futures import Future, ThreadPoolExecutor

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ..models import ReportJob, SurveyRun
from .inputs import NotReleased
from .render import make

log = logging.getLogger(__name__)
_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reports")
futures: dict[int, Future[None]] = {}
FAILED = ("Something went wrong while writing the report, and nothing was saved. Try again; if it fails again, "
          "tell the council's system administrator.")


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def start_render(db: Session, make_session: sessionmaker[Session], run: SurveyRun, fmt: str, author: str,
                 inline: bool = False) -> ReportJob:
    """Queue the run's committee report in one format (docx, pdf or html); returns its job row."""
    job = ReportJob(run_id=run.id, format=fmt, status="queued", progress=0, stage="Waiting to start",
                    requested_by=author, requested_at=now())
    db.add(job)
    db.commit()
    if inline:
        render(make_session, job.id)
    else:
        futures[job.id] = _executor.submit(render, make_session, job.id)
    return job


def render(make_session: sessionmaker[Session], job_id: int) -> None:
    """Write a queued report, saying how far it has got, and keep the file in its row."""
    with make_session() as db:
        job = db.get(ReportJob, job_id)
        if job is None or job.status != "queued":
            return

        def progress(percent: int, stage: str) -> None:
            job.status, job.progress, job.stage = "running", percent, stage
            db.commit()

        try:
            run = db.get(SurveyRun, job.run_id)
            assert run is not None
            job.filename, job.content = make(db, run, job.format, progress)
        except NotReleased:
            db.rollback()
            job.status, job.stage = "failed", "The health check has no released results yet, so there is nothing to report."
        except Exception:  # the page says it failed rather than spin for ever
            log.exception("Report %s failed", job_id)
            db.rollback()
            job.status, job.stage = "failed", FAILED
        else:
            job.status, job.progress, job.stage, job.finished_at = "done", 100, "Done", now()
        db.commit()


def recent(db: Session, run: SurveyRun, limit: int = 10) -> list[ReportJob]:
    return list(db.scalars(select(ReportJob).where(ReportJob.run_id == run.id)
                           .order_by(ReportJob.id.desc()).limit(limit)))
