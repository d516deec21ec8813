"""The admin's pages for a run's action plan: draft, edit, approve, publish, record progress, follow up.

Admins only (the principal social worker): a plan reads the whole council's
figures, which a manager scoped to one service area may not see before the
plan is published. Thin views: validate, call `plans`, redirect.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_login import current_user

from .. import db
from ..auth import role_required
from ..manage.forms import ConfirmForm
from ..manage.views import council_run
from ..models import ActionPlan, Commitment, PlanRow, Role
from . import exports, followup, plans, view
from .forms import CommitmentForm, FollowUpForm, ProgressForm, RowForm

bp = Blueprint("plans", __name__, url_prefix="/manage/runs/<int:run_id>/plan")


@bp.url_value_preprocessor
def load_run(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    g.run_id = (values or {}).get("run_id")


def _plan() -> ActionPlan:
    found = plans.for_run(db.session(), council_run(g.run_id))
    if found is None:
        abort(404)
    return found


def _row(row_id: int) -> PlanRow:
    row = db.session().get(PlanRow, row_id)
    if row is None or row.plan_id != _plan().id:
        abort(404)
    return row


def _commitment(commitment_id: int) -> Commitment:
    found = db.session().get(Commitment, commitment_id)
    if found is None or found.row.plan_id != _plan().id:
        abort(404)
    return found


def _back(run_id: int, anchor: str = "") -> Any:
    return redirect(url_for("plans.show", run_id=run_id) + anchor)


@bp.get("")
@role_required(Role.ADMIN)
def show(run_id: int) -> Any:
    run = council_run(run_id)
    plan = plans.for_run(db.session(), run)
    page = view.build(db.session(), plan) if plan else None
    return render_template("action_plans/manage.html", run=run, page=page, confirm=ConfirmForm(),
                           labels=plans.PLAN_LABELS)


@bp.post("")
@role_required(Role.ADMIN)
def create(run_id: int) -> Any:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        plans.create_draft(db.session(), council_run(run_id), current_user)
    except plans.PlanError as exc:
        flash(str(exc))
    else:
        flash("A draft plan has been made from the released results. Edit every row before you approve it.")
    return _back(run_id)


@bp.route("/rows/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def add_row(run_id: int) -> Any:
    plan, form = _plan(), RowForm()
    if form.validate_on_submit():
        row = plans.add_row(db.session(), plan, you_said=form.you_said.data or "", asks=form.asks.data or "",
                            standards=form.standards.data or [], author=current_user)
        flash("Row added")
        return _back(run_id, f"#row-{row.id}")
    return render_template("action_plans/row.html", run=plan.run, form=form, row=None)


@bp.route("/rows/<int:row_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_row(run_id: int, row_id: int) -> Any:
    row = _row(row_id)
    form = RowForm(data={"you_said": row.you_said, "asks": "\n".join(row.asks), "standards": row.standards})
    if form.validate_on_submit():
        plans.edit_row(db.session(), row, you_said=form.you_said.data or "", asks=form.asks.data or "",
                       standards=form.standards.data or [], author=current_user)
        flash(f"Row {row.position + 1} saved")
        return _back(run_id, f"#row-{row.id}")
    return render_template("action_plans/row.html", run=row.plan.run, form=form, row=row)


@bp.post("/rows/<int:row_id>/remove")
@role_required(Role.ADMIN)
def remove_row(run_id: int, row_id: int) -> Any:
    row = _row(row_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    plans.remove_row(db.session(), row, current_user)
    flash("Row removed")
    return _back(run_id)


@bp.route("/rows/<int:row_id>/commitments/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def add_commitment(run_id: int, row_id: int) -> Any:
    row, form = _row(row_id), CommitmentForm()
    if form.validate_on_submit():
        plans.add_commitment(db.session(), row, text=form.text.data or "", owner=form.owner.data or "",
                             due_on=form.due_on.data, author=current_user)
        flash("Commitment added")
        return _back(run_id, f"#row-{row.id}")
    return render_template("action_plans/commitment.html", run=row.plan.run, form=form, row=row, commitment=None)


@bp.route("/commitments/<int:commitment_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_commitment(run_id: int, commitment_id: int) -> Any:
    found = _commitment(commitment_id)
    form = CommitmentForm(data={"text": found.text, "owner": found.owner, "due_on": found.due_on})
    if form.validate_on_submit():
        plans.edit_commitment(db.session(), found, text=form.text.data or "", owner=form.owner.data or "",
                              due_on=form.due_on.data, author=current_user)
        flash("Commitment saved")
        return _back(run_id, f"#row-{found.row_id}")
    return render_template("action_plans/commitment.html", run=found.row.plan.run, form=form, row=found.row,
                           commitment=found)


@bp.post("/commitments/<int:commitment_id>/remove")
@role_required(Role.ADMIN)
def remove_commitment(run_id: int, commitment_id: int) -> Any:
    found = _commitment(commitment_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    plans.remove_commitment(db.session(), found, current_user)
    flash("Commitment removed")
    return _back(run_id)


@bp.route("/commitments/<int:commitment_id>/progress", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def progress(run_id: int, commitment_id: int) -> Any:
    found = _commitment(commitment_id)
    form = ProgressForm(current=found.status)
    if form.validate_on_submit():
        try:
            plans.record_progress(db.session(), found, note=form.note.data or "", status=form.status.data or "",
                                  author=current_user)
        except plans.PlanError as exc:
            form.note.errors = [str(exc)]
        else:
            flash("Progress saved")
            return _back(run_id, f"#row-{found.row_id}")
    return render_template("action_plans/progress.html", run=found.row.plan.run, form=form,
                           commitment=view.commitment_view(found))


def _step(run_id: int, step: Any, done: str) -> Any:
    plan = _plan()
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        step(db.session(), plan, current_user)
    except plans.PlanError as exc:
        flash(str(exc))
    else:
        flash(done)
    return _back(run_id)


@bp.post("/approve")
@role_required(Role.ADMIN)
def approve(run_id: int) -> Any:
    return _step(run_id, plans.approve, "Plan approved. Publish it when you are ready for staff to read it.")


@bp.post("/publish")
@role_required(Role.ADMIN)
def publish(run_id: int) -> Any:
    return _step(run_id, plans.publish, "Plan published: staff can read it at its public address.")


@bp.get("/history")
@role_required(Role.ADMIN)
def history(run_id: int) -> Any:
    plan = _plan()
    return render_template("action_plans/history.html", run=plan.run, plan=plan,
                           events=plans.events(db.session(), plan), versions=plans.versions(db.session(), plan))


@bp.get("/download/<fmt>")
@role_required(Role.ADMIN)
def download(run_id: int, fmt: str) -> Any:
    return exports.download(view.build(db.session(), _plan()), fmt)


@bp.route("/follow-up", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def follow_up(run_id: int) -> Any:
    """Next year's run: which of last year's commitments to ask about."""
    run = council_run(run_id)
    offered = followup.offered(db.session(), run)
    form = FollowUpForm()
    form.commitments.choices = [(m.key, m.text) for m in offered]
    if not form.is_submitted():
        form.commitments.data = [f["commitment"] for f in run.follow_up or []]
    changeable = followup.can_change(db.session(), run)
    if changeable and offered and form.validate_on_submit():
        followup.set_questions(db.session(), run, form.commitments.data or [], current_user)
        flash(f"{len(run.follow_up or [])} follow-up questions will be asked in {run.title}")
        return redirect(url_for("manage.run", run_id=run_id))
    return render_template("action_plans/follow_up.html", run=run, form=form, offered=offered,
                           changeable=changeable, earlier=followup.previous_plan(db.session(), run))
