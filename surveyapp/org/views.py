"""The admin's pages: service areas and teams, the audit log, and how long data is kept (and deleting it)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from .. import audit_log, db, retention
from ..auth import role_required
from ..manage.forms import DeleteForm
from ..models import Role, ServiceArea, Team
from . import structure
from .forms import (
    AreaForm,
    AuditFilterForm,
    MergeForm,
    OrganisationFileForm,
    RetentionForm,
    RetireForm,
    TeamForm,
)

bp = Blueprint("org", __name__, url_prefix="/manage")


def _area(area_id: int) -> ServiceArea:
    area = db.session().get(ServiceArea, area_id)
    if area is None or area.council_id != current_user.council_id:
        abort(404)
    return area


def _team(team_id: int) -> Team:
    team = db.session().get(Team, team_id)
    if team is None or team.service_area.council_id != current_user.council_id:
        abort(404)
    return team


def _changed(what: dict[str, Any]) -> Any:
    audit_log.record(db.session(), current_user, audit_log.ORGANISATION_CHANGED, detail=what)
    db.session().commit()
    return redirect(url_for("org.organisation"))


@bp.get("/organisation")
@role_required(Role.ADMIN)
def organisation() -> Any:
    everything = structure.teams(db.session(), current_user.council_id)
    return render_template("org/organisation.html", areas=structure.areas(db.session(), current_user.council_id),
                           retired=[t for t in everything if t.retired_on is not None])


@bp.route("/organisation/areas/new", methods=["GET", "POST"])
@bp.route("/organisation/areas/<int:area_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def area(area_id: int | None = None) -> Any:
    found = _area(area_id) if area_id is not None else None
    form = AreaForm(obj=found)
    if form.validate_on_submit():
        try:
            if found is None:
                structure.add_area(db.session(), current_user.council, form.name.data or "")
                flash(f"{form.name.data} added")
                return _changed({"added_service_area": form.name.data})
            before = found.name
            structure.rename_area(db.session(), found, form.name.data or "")
            flash(f"{before} is now called {found.name}")
            return _changed({"renamed_service_area": f"{before} to {found.name}"})
        except structure.OrganisationError as exc:
            db.session().rollback()
            form.name.errors = [str(exc)]
    return render_template("org/area.html", form=form, area=found)


@bp.route("/organisation/teams/new", methods=["GET", "POST"])
@bp.route("/organisation/teams/<int:team_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def team(team_id: int | None = None) -> Any:
    found = _team(team_id) if team_id is not None else None
    areas = structure.areas(db.session(), current_user.council_id)
    if not areas:
        flash("Add a service area first: every team belongs to one")
        return redirect(url_for("org.area"))
    form = TeamForm(obj=found, area=found.service_area_id if found else request.args.get("area", type=int))
    form.area.choices = [(a.id, a.name) for a in areas]
    if form.validate_on_submit():
        chosen = _area(form.area.data)
        try:
            if found is None:
                structure.add_team(db.session(), chosen, form.name.data or "")
                flash(f"{form.name.data} added to {chosen.name}")
                return _changed({"added_team": form.name.data, "service_area": chosen.name})
            changed = structure.change_team(db.session(), found, form.name.data or "", chosen)
            flash(f"{found.name} saved")
            return _changed({"team": found.name, **changed})
        except structure.OrganisationError as exc:
            db.session().rollback()
            form.name.errors = [str(exc)]
    return render_template("org/team.html", form=form, team=found)


@bp.route("/organisation/teams/<int:team_id>/retire", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def retire(team_id: int) -> Any:
    found = _team(team_id)
    form = RetireForm()
    if found.retired_on is None and form.validate_on_submit():
        structure.retire(db.session(), found, dt.date.today())
        flash(f"{found.name} is retired. It stays in the results of runs it was part of.")
        return _changed({"retired_team": found.name})
    return render_template("org/retire.html", form=form, team=found)


@bp.route("/organisation/merge", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def merge() -> Any:
    current = structure.current(db.session(), current_user.council_id)
    form = MergeForm()
    form.merged.choices = form.into.choices = [(t.id, f"{t.service_area.name}: {t.name}") for t in current]
    if form.validate_on_submit():
        by_id = {t.id: t for t in current}
        into = by_id.get(form.into.data)
        merged = [by_id[i] for i in form.merged.data or [] if i in by_id]
        try:
            if into is None:
                raise structure.OrganisationError("Select the team that continues")
            structure.merge(db.session(), merged, into, dt.date.today())
        except structure.OrganisationError as exc:
            db.session().rollback()
            form.merged.errors = [str(exc)]
        else:
            names = ", ".join(t.name for t in merged if t is not into)
            flash(f"{names} merged into {into.name}")
            return _changed({"merged_teams": names, "into": into.name})
    return render_template("org/merge.html", form=form)


@bp.route("/organisation/import", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def import_organisation() -> Any:
    form = OrganisationFileForm()
    if form.validate_on_submit():
        try:
            loaded = structure.load_csv(db.session(), current_user.council, form.organisation.data.read())
        except structure.OrganisationError as exc:
            db.session().rollback()
            form.organisation.errors = [str(exc)]
        else:
            flash(f"Added {loaded.areas} service areas and {loaded.teams} teams "
                  f"({loaded.unchanged} teams were already there)")
            return _changed({"from": "a CSV file", "added_service_areas": loaded.areas, "added_teams": loaded.teams})
    return render_template("org/import.html", form=form)


# The audit log ------------------------------------------------------------------------

@bp.get("/audit-log")
@role_required(Role.ADMIN)
def audit() -> Any:
    form = AuditFilterForm(request.args)
    form.kind.choices = [("", "Anything")] + sorted(audit_log.KINDS.items(), key=lambda k: k[1])
    valid = form.validate()
    filters = audit_log.Filters(kind=form.kind.data or None, person=form.person.data or None,
                                since=form.since.data, until=form.until.data) if valid else audit_log.Filters()
    if request.args.get("format") == "csv":
        return Response(audit_log.to_csv(db.session(), current_user.council_id, filters), mimetype="text/csv",
                        headers={"Content-Disposition": 'attachment; filename="audit-log.csv"'})
    found = audit_log.page(db.session(), current_user.council_id, filters, request.args.get("page", 1, type=int))
    query = {k: v for k, v in request.args.items(multi=True) if k not in ("page", "format")}
    return render_template("org/audit.html", form=form, page=found, kinds=audit_log.KINDS,
                           describe=audit_log.describe, query=query,
                           errors=[] if valid else form.errors)


# Data and retention -------------------------------------------------------------------

@bp.route("/data", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def data() -> Any:
    council = current_user.council
    form = RetentionForm(obj=council)
    if form.validate_on_submit():
        council.retention_years, council.leaver_name_days = form.retention_years.data, form.leaver_name_days.data
        audit_log.record(db.session(), current_user, audit_log.SETTINGS_CHANGED,
                         detail={"retention_years": council.retention_years,
                                 "leaver_name_days": council.leaver_name_days})
        db.session().commit()
        flash("Retention periods saved")
        return redirect(url_for("org.data"))
    return render_template("org/data.html", form=form)


@bp.route("/data/delete", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def delete_everything() -> Any:
    form = DeleteForm()
    if form.validate_on_submit():
        counts = retention.delete_council_data(db.session(), current_user.council)
        audit_log.record(db.session(), current_user, audit_log.COUNCIL_DATA_DELETED, detail=counts)
        db.session().commit()
        flash(f"Deleted {counts['runs']} runs, with all their answers, invitations and releases.")
        return redirect(url_for("manage.dashboard"))
    return render_template("org/delete_everything.html", form=form)
