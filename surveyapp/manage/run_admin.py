"""The admin manages runs: change the dates, reopen one closed by mistake, copy last year's, delete one."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from .. import audit_log, db, retention
from ..auth import role_required
from ..models import Role, RunStatus
from . import runs
from .forms import ChangeRunForm, CopyRunForm, DeleteForm, ReopenForm
from .views import council_run

bp = Blueprint("run_admin", __name__, url_prefix="/manage/runs/<int:run_id>")


@bp.route("/change", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def change(run_id: int) -> Any:
    run = council_run(run_id)
    if run.status != RunStatus.OPEN.value:
        flash(f"{run.title} is closed. Reopen it to change its dates.")
        return redirect(url_for("manage.run", run_id=run_id))
    form = ChangeRunForm(obj=run)
    if form.validate_on_submit():
        changed = runs.change_dates(db.session(), run, title=form.title.data or "", opens_on=form.opens_on.data,
                                    closes_on=form.closes_on.data)
        audit_log.record(db.session(), current_user, audit_log.RUN_CHANGED, run=run, detail=changed)
        db.session().commit()
        flash(f"{run.title}: changes saved")
        return redirect(url_for("manage.run", run_id=run_id))
    return render_template("manage/change_run.html", run=run, form=form)


@bp.route("/reopen", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def reopen(run_id: int) -> Any:
    run = council_run(run_id)
    today = dt.date.today()
    try:
        runs.check_reopen(run, today)
    except runs.CannotReopen as exc:
        flash(str(exc))
        return redirect(url_for("manage.run", run_id=run_id))
    form = ReopenForm()
    if form.validate_on_submit():
        try:
            runs.reopen(db.session(), run, form.closes_on.data, today)
        except runs.CannotReopen as exc:
            form.closes_on.errors = [str(exc)]
        else:
            audit_log.record(db.session(), current_user, audit_log.RUN_REOPENED, run=run,
                             detail={"closes_on": run.closes_on.isoformat()})
            db.session().commit()
            flash(f"{run.title} is open again until {run.closes_on:%-d %B %Y}. Links that were not used work "
                  "again. Its next release is audited against the earlier ones, as every release is.")
            return redirect(url_for("manage.run", run_id=run_id))
    return render_template("manage/reopen.html", run=run, form=form, days=runs.REOPEN_WITHIN_DAYS)


@bp.route("/copy", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def copy(run_id: int) -> Any:
    run = council_run(run_id)
    form = CopyRunForm(data=runs.copy_plan(run))
    if form.validate_on_submit():
        made = runs.create_run(db.session(), council_id=run.council_id,
                               questionnaire=runs.latest_version(db.session(), run.questionnaire.key),
                               title=form.title.data or "", year=form.year.data or 0,
                               opens_on=form.opens_on.data, closes_on=form.closes_on.data)
        audit_log.record(db.session(), current_user, audit_log.RUN_COPIED, run=made, detail={"copied_from": run.id},
                         commit=True)
        flash(f"{made.title} created, a copy of {run.title}. Import its staff list when you are ready.")
        return redirect(url_for("manage.run", run_id=made.id))
    return render_template("manage/copy_run.html", run=run, form=form)


@bp.route("/delete", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def delete(run_id: int) -> Any:
    run = council_run(run_id)
    form = DeleteForm()
    if form.validate_on_submit():
        title = run.title
        counts = retention.delete_run(db.session(), run)
        audit_log.record(db.session(), current_user, audit_log.RUN_DELETED, run=run_id,
                         detail={"title": title, **counts})
        db.session().commit()
        flash(f"{title} has been deleted, with its answers, invitations and releases.")
        return redirect(url_for("manage.dashboard"))
    return render_template("manage/delete_run.html", run=run, form=form)
