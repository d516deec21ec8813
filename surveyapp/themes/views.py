"""Themes in the app: start an analysis, watch its progress, read the themes of the latest release."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from .. import background, db, heartbeat, scope
from ..auth import role_required
from ..disclosure import access, reader
from ..manage.forms import ConfirmForm
from ..manage.views import ANY_ROLE, council_run
from ..models import SurveyRun
from ..results import exports
from ..results.views import export_format
from . import jobs

bp = Blueprint("themes", __name__, url_prefix="/manage/runs/<int:run_id>/themes")


def _question(run: SurveyRun, question_id: str) -> Any:
    found = next((q for q in jobs.free_text_questions(run) if q.id == question_id), None)
    if found is None:
        abort(404)
    return found


@bp.get("/")
@role_required(*ANY_ROLE)
def index(run_id: int) -> Any:
    run = council_run(run_id)
    questions = [(q, jobs.latest(db.session(), run, q.id)) for q in jobs.free_text_questions(run)]
    return render_template("themes/index.html", run=run, questions=questions, form=ConfirmForm(),
                           may_analyse=scope.may_analyse(current_user))


@bp.post("/<question_id>")
@role_required(*ANY_ROLE)
def start(run_id: int, question_id: str) -> Any:
    run = council_run(run_id)
    _question(run, question_id)
    if not scope.may_analyse(current_user):
        abort(403)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    task = background.queue().analyse_themes
    jobs.start(db.session(), run, question_id, lambda job_id: background.submit(task, job_id),
               heartbeat.Limits.from_config(current_app.config), current_user)
    return redirect(url_for("themes.show", run_id=run_id, question_id=question_id))


@bp.get("/<question_id>")
@role_required(*ANY_ROLE)
def show(run_id: int, question_id: str) -> Any:
    run = council_run(run_id)
    question = _question(run, question_id)
    heartbeat.reap(db.session(), heartbeat.Limits.from_config(current_app.config), run)  # a lost worker says so
    job = jobs.latest(db.session(), run, question_id)
    busy = jobs.is_busy(job)
    try:
        reading = access.reading(db.session(), run, scope.team_ids(db.session(), current_user), request.args.get("unit"))
    except access.NotInScope:
        abort(404)
    summary = reader.theme_summary(reading.data, question_id, reading.unit, reading.previous) if reading else None
    released_job = reading.data.content.get("analyses", {}).get(question_id) if reading else None
    newer = job is not None and job.status == "done" and job.id != released_job
    if summary is not None and (fmt := export_format()):
        return exports.download(_tables(summary), f"themes-{run.id}-{question_id}-{reading.unit.replace(':', '-')}", fmt)
    return render_template("themes/show.html", run=run, question=question, job=job, busy=busy, form=ConfirmForm(),
                           may_analyse=scope.may_analyse(current_user), reading=reading, summary=summary,
                           newer=newer)


def _tables(found: reader.ThemeSummary) -> list[exports.Table]:
    """The themes as the page shows them: every figure as released, quotes only where the page has them."""
    multi = found.has_mentions
    themes = [[t.label, exports.shown(t.size)] + ([exports.shown(t.mentions)] if multi else [])
              + ["" if t.change is None else t.change,
                 ", ".join(f"{v} {k}" for k, v in t.sentiment.items() if v), ", ".join(t.keywords[:5]),
                 " | ".join(t.quotes)] for t in found.themes]
    head = ["Theme", "Comments"] + (["Comments raising it (main or second theme)"] if multi else []) + [
        "Change (points)", "Sentiment", "Key words", "Quotes"]
    tables: list[exports.Table] = [("Themes", head, themes)]
    if found.teams:
        tables.append(("Themes by team", ["Team", "Comments"] + [t.label for t in found.themes],
                       [[r.label, exports.shown(r.comments)] + [exports.shown(r.counts.get(t.id)) for t in found.themes]
                        for r in found.teams]))
    return tables
