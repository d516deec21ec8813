"""Themes in the app: start an analysis, watch its progress, read the themes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from .. import db, scope
from ..auth import role_required
from ..manage.forms import ConfirmForm
from ..manage.views import ANY_ROLE
from ..manage.views import council_run  # the same council check: another council's run is a 404
from ..models import ServiceArea, SurveyRun, Team
from ..results.anonymity import Thresholds
from ..results.compare import previous_run
from ..results import exports
from ..results.views import export_format
from . import jobs, summary

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
    jobs.start(current_app._get_current_object(), db.session(), run, question_id)  # type: ignore[attr-defined]
    return redirect(url_for("themes.show", run_id=run_id, question_id=question_id))


@bp.get("/<question_id>")
@role_required(*ANY_ROLE)
def show(run_id: int, question_id: str) -> Any:
    run = council_run(run_id)
    question = _question(run, question_id)
    job = jobs.latest(db.session(), run, question_id)
    busy = jobs.is_busy(job, dt.datetime.now(dt.UTC).replace(tzinfo=None))
    context: dict[str, Any] = {"run": run, "question": question, "job": job, "busy": busy, "form": ConfirmForm(),
                               "may_analyse": scope.may_analyse(current_user),
                               "scope": scope.describe(db.session(), current_user)}
    if job is not None and job.status == "done" and job.result:
        team_ids = scope.team_ids(db.session(), current_user)
        previous = _previous_result(run, question_id)
        rule = Thresholds.from_config(current_app.config)
        context["summary"] = summary.summarise(job.result, team_ids, rule, previous)
        context["team_names"] = {t.id: t.name for t in db.session().scalars(
            select(Team).join(ServiceArea).where(ServiceArea.council_id == run.council_id))}
        context["previous_year"] = previous is not None
        if fmt := export_format():
            return exports.download(_tables(context["summary"], context["team_names"], rule),
                                    f"themes-{run.id}-{question_id}", fmt)
    return render_template("themes/show.html", **context)


def _tables(found: summary.Summary, team_names: dict[int, str], rule: Thresholds) -> list[exports.Table]:
    """The themes as shown on the page: sizes through the one rule, quotes only where the page has them."""
    themes = [[t.label, exports.shown(t.size, rule), "" if t.change is None else t.change,
               ", ".join(f"{v} {k}" for k, v in t.sentiment.items() if v), ", ".join(t.keywords[:5]),
               " | ".join(t.quotes)] for t in found.themes]
    tables: list[exports.Table] = [("Themes", ["Theme", "Comments", "Change (points)", "Sentiment", "Key words",
                                               "Quotes"], themes)]
    if found.teams:
        shown = [t for t in found.themes if not t.emerging]
        tables.append(("Themes by team", ["Team", "Comments"] + [t.label for t in shown],
                       [[team_names.get(r.team_id, "Team"), r.comments]
                        + ["–" if r.counts.get(t.id) is None else r.counts[t.id] for t in shown]
                        for r in found.teams]))
    return tables


def _previous_result(run: SurveyRun, question_id: str) -> dict[str, Any] | None:
    """The latest finished analysis of the same question in this council's previous run of the questionnaire."""
    earlier = previous_run(db.session(), run)
    if earlier is None:
        return None
    job = jobs.latest(db.session(), earlier, question_id, done=True)
    return job.result if job else None
