"""Theme analysis of a run's free text, outside the web request.

A job is a row in `theme_job`, so any web worker can show its progress; the
work runs in a background thread of the process that started it. The engine
(`analysis/`) caches embeddings by a hash of the text, so a re-run on mostly
the same comments is cheap.
"""

from __future__ import annotations

import datetime as dt
import logging
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Answer, Invitation, Response, SurveyRun, ThemeJob
from ..questionnaires import Question
from ..questionnaires import questionnaire_for

log = logging.getLogger(__name__)
# One analysis at a time: each one uses both cores and a few hundred MB for the model.
_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="themes")
TAXONOMY = {"health_check": "health-check", "exit_interview": "exit"}
STALE_AFTER = dt.timedelta(hours=1)


def free_text_questions(run: SurveyRun) -> list[Question]:
    return [q for q in questionnaire_for(run).questions() if q.type == "free_text"]


def comments(db: Session, run: SurveyRun, question_id: str) -> list[tuple[str, int | None, str]]:
    """Each comment with its team and response id, in the order of the responses' random ids (never submission order)."""
    rows = db.execute(
        select(Answer.text, Response.team_id, Response.id).join(Response, Answer.response_id == Response.id)
        .where(Response.run_id == run.id, Answer.question_id == question_id, Answer.text.is_not(None))
        .order_by(Response.id)
    ).all()
    return [(text, team_id, response_id) for text, team_id, response_id in rows]


def latest(db: Session, run: SurveyRun, question_id: str, *, done: bool = False) -> ThemeJob | None:
    """The run's latest analysis of the question; with `done`, the latest that finished."""
    query = select(ThemeJob).where(ThemeJob.run_id == run.id, ThemeJob.question_id == question_id)
    if done:
        query = query.where(ThemeJob.status == "done")
    return db.scalar(query.order_by(ThemeJob.id.desc()).limit(1))


def is_busy(job: ThemeJob | None, now: dt.datetime) -> bool:
    if job is None or job.status not in ("queued", "running"):
        return False
    started = job.started_at or now
    return now - started < STALE_AFTER  # a worker that died mid-job must not block re-running for ever


def start(app: Flask, db: Session, run: SurveyRun, question_id: str) -> ThemeJob:
    current = latest(db, run, question_id)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    if is_busy(current, now):
        assert current is not None
        return current
    job = ThemeJob(run_id=run.id, question_id=question_id, status="queued", progress=0,
                   stage="Waiting to start", started_at=now)
    db.add(job)
    db.commit()
    future: Future[None] = _executor.submit(run_job, app, job.id)
    app.extensions.setdefault("surveyapp.theme_futures", {})[job.id] = future
    return job


def _update(db: Session, job: ThemeJob, progress: int, stage: str, status: str = "running") -> None:
    job.progress, job.stage, job.status = progress, stage, status
    db.commit()


def run_job(app: Flask, job_id: int) -> None:
    with app.extensions["surveyapp.sessionmaker"]() as db:
        job = db.get(ThemeJob, job_id)
        if job is None:
            return
        try:
            _analyse(app, db, job)
        except Exception:  # the page must say it failed rather than spin for ever
            log.exception("Theme analysis %s failed", job_id)
            db.rollback()
            job = db.get(ThemeJob, job_id)
            if job is not None:
                job.finished_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
                _update(db, job, 100, "The analysis failed. Try again; if it fails again, tell your IT team.",
                        "failed")


def _analyse(app: Flask, db: Session, job: ThemeJob) -> None:
    from analysis import analyse_themes  # heavy: loaded only when a job runs

    run = db.get(SurveyRun, job.run_id)
    assert run is not None
    _update(db, job, 10, "Reading the comments")
    found = comments(db, run, job.question_id)
    # Names from the staff list are redacted as well as common first names and surnames.
    names = list(db.scalars(select(Invitation.name).where(Invitation.run_id == run.id)))
    _update(db, job, 30, f"Finding themes in {len(found)} comments")
    cache = app.config.get("THEMES_CACHE_DIR") or str(Path(app.instance_path) / "theme-cache")
    report = analyse_themes([text for text, _, _ in found], taxonomy=TAXONOMY[run.kind], staff_names=names,
                            cache_dir=cache)
    result = report.to_dict(include_rows=True)
    result["row_teams"] = [team for _, team, _ in found]
    # The next release of the run checks which theme each person was in, so a re-run after one more
    # comment cannot tell which theme it went to (surveyapp.disclosure.themes.changed_since).
    result["row_responses"] = [response_id for _, _, response_id in found]
    job.result = result
    job.finished_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    _update(db, job, 100, "Done", "done")
