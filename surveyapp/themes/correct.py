"""Correcting a theme analysis, for the principal social worker (admins) only: the only people who may read
comments. Managers and viewers are refused every page here (403); they see the corrections only as the
released themes' sizes and names, from the next release."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import db
from ..auth import role_required
from ..manage.views import council_run
from ..models import Role
from . import corrections as fix
from . import jobs
from .forms import MergeForm, MoveForm, RenameForm, SplitForm

bp = Blueprint("corrections", __name__, url_prefix="/manage/runs/<int:run_id>/themes/<question_id>/corrections")


def _analysis(run_id: int, question_id: str) -> tuple[Any, fix.Analysis | None]:
    run = council_run(run_id)
    question = next((q for q in jobs.free_text_questions(run) if q.id == question_id), None)
    if question is None:
        abort(404)
    try:
        return question, fix.analysis(db.session(), run, question_id)
    except fix.NotFound:
        return question, None


def _back(made: fix.Analysis, theme: str | None = None) -> Any:
    return redirect(url_for("corrections.index", run_id=made.run.id, question_id=made.question_id,
                            theme=theme) + ("#comments" if theme else ""))


def _errors(form: Any, error: fix.Invalid) -> None:
    getattr(form, error.field).errors = [str(error)]


@bp.get("/")
@role_required(Role.ADMIN)
def index(run_id: int, question_id: str) -> Any:
    question, made = _analysis(run_id, question_id)
    run = council_run(run_id)
    theme = request.args.get("theme")
    if made is None:
        return render_template("themes/corrections.html", run=run, question=question, made=None)
    if theme is not None and theme not in dict(made.themes()):
        abort(404)
    return render_template("themes/corrections.html", run=run, question=question, made=made, theme=theme,
                           sizes=made.sizes(), history=fix.history(db.session(), made),
                           comments=fix.comments(db.session(), made, theme) if theme else [])


@bp.route("/comments/<key>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def move(run_id: int, question_id: str, key: str) -> Any:
    question, made = _analysis(run_id, question_id)
    if made is None:
        abort(404)
    try:
        found = fix.comment(db.session(), made, key)
    except fix.NotFound:
        abort(404)
    form = MoveForm()
    form.main.choices = made.themes()
    form.also.choices = [(k, label) for k, label in made.themes() if k != "other"]
    if request.method == "GET":
        form.main.data, form.also.data = found.main, found.themes[1:]
    if form.validate_on_submit():
        try:
            fix.move(db.session(), made, current_user, found, form.main.data or "", list(form.also.data or []))
        except fix.Invalid as error:
            _errors(form, error)
        else:
            flash("Comment moved. Managers will see the themes’ new sizes from the next release.")
            return _back(made, request.args.get("theme") or form.main.data)
    return render_template("themes/correct_move.html", run=made.run, question=question, made=made, comment=found,
                           form=form, theme=request.args.get("theme"))


def _theme_form(run_id: int, question_id: str, form: Any, heading: str, endpoint: str,
                correct: Callable[[fix.Analysis], str]) -> Any:
    """A page that corrects whole themes (rename, merge): the form, its errors with what was typed, then back."""
    question, made = _analysis(run_id, question_id)
    if made is None:
        return redirect(url_for("corrections.index", run_id=run_id, question_id=question_id))
    themes = [("", "Choose a theme")] + [(k, v) for k, v in made.themes() if k != "other"]
    for field in form:
        if hasattr(field, "choices"):
            field.choices = themes
    if request.method == "GET":
        form.theme.data = request.args.get("theme", "")
    if form.validate_on_submit():
        try:
            message = correct(made)
        except fix.Invalid as error:
            _errors(form, error)
        else:
            flash(message + " Managers will see it from the next release.")
            return _back(made, form.data.get("into") or form.theme.data)
    return render_template("themes/correct_form.html", run=made.run, question=question, form=form, heading=heading,
                           action=url_for(endpoint, run_id=run_id, question_id=question_id), theme=None)


@bp.route("/rename", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def rename(run_id: int, question_id: str) -> Any:
    form = RenameForm()

    def correct(made: fix.Analysis) -> str:
        return f"Theme renamed “{fix.rename(db.session(), made, current_user, form.theme.data or '', form.label.data or '')}”."
    return _theme_form(run_id, question_id, form, "Rename a theme", "corrections.rename", correct)


@bp.route("/merge", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def merge(run_id: int, question_id: str) -> Any:
    form = MergeForm()

    def correct(made: fix.Analysis) -> str:
        theme, into = form.theme.data or "", form.into.data or ""
        fix.merge(db.session(), made, current_user, theme, into)
        return f"“{made.label(theme)}” merged into “{made.label(into)}”."
    return _theme_form(run_id, question_id, form, "Merge two themes", "corrections.merge", correct)


@bp.route("/split", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def split(run_id: int, question_id: str) -> Any:
    question, made = _analysis(run_id, question_id)
    theme = request.args.get("theme", "")
    if made is None or theme not in dict(made.themes()):
        return redirect(url_for("corrections.index", run_id=run_id, question_id=question_id))
    found = fix.comments(db.session(), made, theme)
    form = SplitForm()
    form.comments.choices = [(c.key, c.text) for c in found]
    if form.validate_on_submit():
        try:
            key = fix.split(db.session(), made, current_user, theme, list(form.comments.data or []),
                            form.label.data or "")
        except fix.Invalid as error:
            _errors(form, error)
        else:
            flash(f"New theme “{form.label.data}” made from {len(form.comments.data or [])} comments of "
                  f"“{made.label(theme)}”. Managers will see it from the next release.")
            return _back(made, key)
    return render_template("themes/correct_split.html", run=made.run, question=question, form=form,
                           theme=theme, made=made)
