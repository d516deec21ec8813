"""The published plan, for staff: no sign-in, one stable address per council and per plan."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template
from sqlalchemy import select

from .. import db
from ..models import ActionPlan, Council, PlanStatus
from . import exports, plans, view

bp = Blueprint("public_plans", __name__, url_prefix="/plans")


@bp.app_template_global()
def current_plan_url(council_id: int | None) -> str | None:
    """The council's latest published plan, for the survey's start and confirmation pages."""
    from flask import url_for

    council = db.session().get(Council, council_id) if council_id else None
    found = plans.published(db.session(), council)[:1] if council else []
    return url_for("public_plans.show", slug=council.slug, plan_id=found[0].id) if council and found else None


def _council(slug: str) -> Council:
    found = db.session().scalar(select(Council).where(Council.slug == slug))
    if found is None:
        abort(404)
    return found


def _published(slug: str, plan_id: int) -> ActionPlan:
    council = _council(slug)
    plan = db.session().get(ActionPlan, plan_id)
    if plan is None or plan.council_id != council.id or plan.status != PlanStatus.PUBLISHED.value:
        abort(404)  # a draft does not exist, as far as anyone outside the council's admins knows
    return plan


@bp.get("/<slug>")
def current(slug: str) -> Any:
    council = _council(slug)
    found = plans.published(db.session(), council)
    if not found:
        return render_template("action_plans/none.html", council=council)
    return render_template("action_plans/public.html", page=view.build(db.session(), found[0]), council=council,
                           others=found[1:])


@bp.get("/<slug>/<int:plan_id>")
def show(slug: str, plan_id: int) -> Any:
    plan = _published(slug, plan_id)
    others = [p for p in plans.published(db.session(), plan.council) if p.id != plan.id]
    return render_template("action_plans/public.html", page=view.build(db.session(), plan), council=plan.council,
                           others=others)


@bp.get("/<slug>/<int:plan_id>/download/<fmt>")
def download(slug: str, plan_id: int, fmt: str) -> Any:
    return exports.download(view.build(db.session(), _published(slug, plan_id)), fmt)
