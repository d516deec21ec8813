"""Reports are written outside the web request, one at a time, with their progress in a `report_job` row.

`start_render` is given where the work runs: the queue (a worker's `render_report`
task, see `background/tasks.py`) from the run's page, or at once for the command.
`render` needs nothing but a session factory and the job's id, and the row is the
source of truth for its progress and its file, so any web worker can show and serve it.
Like a release, a report is claimed once and keeps a heartbeat while it is written
(`heartbeat`), so a report whose worker was killed is marked failed by the reaper
instead of staying "running" for ever.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from .. import audit_log, heartbeat
from ..models import ReportJob, SurveyRun, User
from .build import Progress
from .inputs import NotReleased
from .render import make

log = logging.getLogger(__name__)
FAILED = ("Something went wrong while writing the report, and nothing was saved. Try again; if it fails again, "
          "tell the council's system administrator.")


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def start_render(db: Session, run: SurveyRun, fmt: str, author: User | str,
                 enqueue: Callable[[int], object]) -> ReportJob:
    """Queue the run's committee report in one format (docx, pdf or html); returns its job row.

    The audit log says who asked for it (the system's, when `author` is only a name), in the same transaction.
    """
    job = ReportJob(run_id=run.id, format=fmt, status="queued", progress=0, stage="Waiting to start",
                    requested_by=author.name if isinstance(author, User) else author, requested_at=now())
    db.add(job)
    db.flush()
    audit_log.record(db, author if isinstance(author, User) else audit_log.SYSTEM, audit_log.REPORT_WRITTEN,
                     run=run, detail={"report": job.id, "format": fmt})
    db.commit()
    enqueue(job.id)
    return job


def write_now(db: Session, run: SurveyRun, fmt: str, progress: Progress | None = None) -> bytes:
    """The report written at once, for the command (which saves it to a file): recorded as the system's."""
    _, content = make(db, run, fmt, progress)
    audit_log.record(db, audit_log.SYSTEM, audit_log.REPORT_WRITTEN, run=run,
                     detail={"format": fmt, "by": "command"}, commit=True)
    return content


def render(make_session: sessionmaker[Session], job_id: int, every: float = 10.0) -> None:
    """Write a queued report, saying how far it has got, and keep the file in its row.

    Claimed once (a second delivery of the task does nothing), with its heartbeat
    written every `every` seconds while it runs.
    """
    with make_session() as db:
        if not heartbeat.claim(db, ReportJob, job_id):
            return  # another worker has it, or it is no longer waiting
    with heartbeat.beating(make_session, ReportJob, job_id, every), make_session() as db:
        job = db.get(ReportJob, job_id)
        if job is None:
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
            job.status, job.finished_at = "failed", now()
            job.stage = "The health check has no released results yet, so there is nothing to report."
        except Exception:  # the page says it failed rather than spin for ever
            log.exception("Report %s failed", job_id)
            db.rollback()
            job.status, job.stage, job.finished_at = "failed", FAILED, now()
        else:
            job.status, job.progress, job.stage, job.finished_at = "done", 100, "Done", now()
        db.commit()


def recent(db: Session, run: SurveyRun, limit: int = 10) -> list[ReportJob]:
    return list(db.scalars(select(ReportJob).where(ReportJob.run_id == run.id)
                           .order_by(ReportJob.id.desc()).limit(limit)))
