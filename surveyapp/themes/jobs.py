"""Theme analysis of a run's free text, outside the web request.

A job is a row in `theme_job`, so any web server can show its progress; the
work runs in a background worker (`flask worker`, on the queue), which claims
the job, keeps its heartbeat while it runs, and marks it failed with a plain
reason if it raises. The engine (`analysis/`, torch: installed on workers
only) caches embeddings by a hash of the text, so a re-run on mostly the same
comments is cheap.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit_log, heartbeat, redaction
from ..disclosure import corrections
from ..models import Answer, Response, SurveyRun, ThemeJob, User
from ..questionnaires import Question, questionnaire_for

log = logging.getLogger(__name__)
TAXONOMY = {"health_check": "health-check", "exit_interview": "exit"}
FAILED = "The analysis failed. Try again; if it fails again, tell your IT team."
NOT_QUEUED = "The analysis could not be handed to the background worker. Try again; if it fails again, tell your IT team."


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


def is_busy(job: ThemeJob | None) -> bool:
    """Waiting or running (a job whose worker died is marked failed by `heartbeat.reap` first)."""
    return job is not None and job.status in ("queued", "running")


def start(db: Session, run: SurveyRun, question_id: str, enqueue: Callable[[int], object],
          limits: heartbeat.Limits, by: User | None = None) -> ThemeJob:
    """Queue an analysis, unless one is running. Its line in the audit log (when someone signed in asked:
    the moderation queue and the next release will use what it finds) is in the job's transaction."""
    heartbeat.reap(db, limits, run)
    current = latest(db, run, question_id)
    if current is not None and is_busy(current):
        return current
    now = heartbeat.now()
    job = ThemeJob(run_id=run.id, question_id=question_id, status="queued", progress=0,
                   stage="Waiting to start", started_at=now)
    db.add(job)
    if by is not None:
        db.flush()  # its id
        audit_log.record(db, by, audit_log.THEMES_ANALYSED, run=run, detail={"question": question_id, "job": job.id})
    db.commit()
    try:
        enqueue(job.id)
    except Exception:  # Redis down: say so rather than leave a job queued that nobody will run
        log.exception("Theme analysis %s could not be queued", job.id)
        job.finished_at = heartbeat.now()
        _update(db, job, 100, NOT_QUEUED, "failed")
    return job


def taxonomy_for(kind: str, learned: corrections.Corrections) -> Any:
    """The built-in taxonomy of the run's kind, with the council's own themes (split off by a correction)
    added, each learned from the comments moved to it.

    A split carves its sub-topic out of the built-in themes: a built-in keyword the moved comments use,
    and which is either a word of the new theme's name ("parking" and "car park" for "Car parking") or
    used by at least two of them, becomes the new theme's keyword, and the built-in examples using it
    become the new theme's examples. Otherwise the built-in theme's own examples of that sub-topic
    would keep pulling next year's comments back to it."""
    from dataclasses import replace

    from analysis.taxonomy import ThemeDefinition, load_taxonomy

    base = load_taxonomy(TAXONOMY[kind])
    own = corrections.own_themes(learned)
    if not own:
        return base
    themes = list(base.themes)
    added = []
    for key, (name, comments) in sorted(own.items()):
        if key in base.theme_ids:
            continue
        named = {_stem(word) for word in re.findall(r"[a-z]+", name.lower()) if len(word) > 3}
        taken = {keyword for theme in themes for keyword in theme.keywords
                 if (used := sum(_uses(keyword, comment) for comment in comments))
                 and (used >= 2 or any(_stem(word) in named for word in keyword.split()))}
        examples = list(comments)
        for i, theme in enumerate(themes):
            if taken & set(theme.keywords):
                moved = [e for e in theme.examples if any(_uses(k, e) for k in taken)]
                examples += moved
                themes[i] = replace(theme, keywords=tuple(k for k in theme.keywords if k not in taken),
                                    examples=tuple(e for e in theme.examples if e not in moved))
        added.append(ThemeDefinition(key, name, f"{name}: a theme of the council's own, split off by the principal "
                                     "social worker", tuple(examples), tuple(sorted(taken))))
    return replace(base, themes=tuple(themes) + tuple(added))  # its other settings (other_threshold) kept


def _stem(word: str) -> str:
    for ending in ("ing", "es", "s", "ed"):
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word


def _uses(keyword: str, text: str) -> bool:
    return re.search(r"(?<!\w)" + re.escape(keyword) + r"(?!\w)", text.lower()) is not None


def _update(db: Session, job: ThemeJob, progress: int, stage: str, status: str = "running") -> None:
    job.progress, job.stage, job.status = progress, stage, status
    db.commit()


def run_job(app: Flask, job_id: int) -> None:
    """Analyse a queued job (what the worker runs): claimed once, with a heartbeat, failed with a reason."""
    make_session = app.extensions["surveyapp.sessionmaker"]
    with make_session() as db:
        if not heartbeat.claim(db, ThemeJob, job_id):
            return  # another worker has it, or it is no longer waiting
    every = heartbeat.Limits.from_config(app.config).every
    with heartbeat.beating(make_session, ThemeJob, job_id, every), make_session() as db:
        job = db.get(ThemeJob, job_id)
        assert job is not None
        try:
            _analyse(app, db, job)
        except Exception:  # the page must say it failed rather than spin for ever
            log.exception("Theme analysis %s failed", job_id)
            db.rollback()
            job = db.get(ThemeJob, job_id)
            if job is not None:
                job.finished_at = heartbeat.now()
                _update(db, job, 100, FAILED, "failed")


def cache_dir(app: Flask) -> str:
    """Where the theme engine keeps its sentence embeddings: THEMES_CACHE_DIR, else instance/theme-cache."""
    return str(app.config.get("THEMES_CACHE_DIR") or Path(app.instance_path) / "theme-cache")


def _analyse(app: Flask, db: Session, job: ThemeJob) -> None:
    from analysis import analyse_themes  # heavy: loaded only when a job runs

    run = db.get(SurveyRun, job.run_id)
    assert run is not None
    _update(db, job, 10, "Reading the comments")
    found = comments(db, run, job.question_id)
    # Names from the staff list and the council's users are redacted as well as common first names and surnames.
    names = redaction.names(db, run)
    _update(db, job, 30, f"Finding themes in {len(found)} comments")
    cache = cache_dir(app)
    # The council's corrections of this question on its earlier analyses (any run of the same questionnaire)
    # are labelled examples, and a theme it split off is a theme of its own: the engine learns its words.
    learned = corrections.of(db, run, job.question_id)
    report = analyse_themes([text for text, _, _ in found], taxonomy=taxonomy_for(run.kind, learned),
                            staff_names=names, cache_dir=cache, labelled=corrections.labelled(learned))
    result = report.to_dict(include_rows=True)
    result["row_teams"] = [team for _, team, _ in found]
    # The next release of the run checks which theme each person was in, so a re-run after one more
    # comment cannot tell which theme it went to (surveyapp.disclosure.themes.changed_since).
    result["row_responses"] = [response_id for _, _, response_id in found]
    job.result = result
    job.finished_at = heartbeat.now()
    _update(db, job, 100, "Done", "done")
