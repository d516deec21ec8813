"""Exit interview results for managers: leavers, reasons, destinations, and what health checks said.

Every figure is read from the period's latest release, as results are.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request
from flask_login import current_user
from sqlalchemy import select

from .. import db, scope
from ..auth import role_required
from ..disclosure import access, reader
from ..disclosure import cells as c
from ..manage.views import ANY_ROLE, council_run, run_status_page
from ..models import SurveyRun
from ..results import exports
from ..results.views import export_format

bp = Blueprint("leavers", __name__, url_prefix="/manage/runs/<int:run_id>/leavers")
HEALTH_CHECK_QUESTION = "biggest_difference"


def _exit_run(run_id: int) -> SurveyRun:
    run = council_run(run_id)
    if run.kind != "exit_interview":
        abort(404)
    return run


@bp.get("/")
@role_required(*ANY_ROLE)
def overview(run_id: int) -> Any:
    run = _exit_run(run_id)
    team_ids = scope.team_ids(db.session(), current_user)
    try:
        reading = access.reading(db.session(), run, team_ids, request.args.get("unit"))
    except access.NotInScope:
        return run_status_page(run, "None of the service areas you can see has leavers’ figures.")
    if reading is None:
        return run_status_page(run, "Leavers’ figures have not been released yet.")
    data, unit = reading.data, reading.unit
    q = data.questionnaire
    reasons = data.row(q.question("main_reasons"), unit) if q.question("main_reasons") else None
    quarters = data.row(q.question("leaving_month"), unit) if q.question("leaving_month") else None
    destination = q.question("destination")
    areas = data.heat_units(unit) if unit == c.ALL else [unit]
    destinations = [data.row(destination, a) for a in areas] if destination else []
    total = data.row(destination, unit, "All leavers") if destination and unit == c.ALL else None
    beside = _beside_health_check(run, team_ids, reading)
    context = dict(run=run, reading=reading, reasons=reasons, quarters=quarters, destination=destination,
                   destinations=destinations, total=total, beside=beside,
                   reason_options=_by_count(reasons, data.options(q.question("main_reasons"))) if reasons else [],
                   quarter_options=data.options(q.question("leaving_month")) if quarters else [])
    if fmt := export_format():
        return exports.download(_tables(context), f"leavers-{run.id}-{unit.replace(':', '-')}", fmt)
    return render_template("leavers/overview.html", **context)


def _by_count(row: reader.Row, options: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Reasons, most given first; hidden ones after the shown, in the questionnaire's order."""
    return sorted(options, key=lambda o: -(row.counts.get(o[0]) if row.counts.get(o[0]) is not None else -1))


def _tables(ctx: dict[str, Any]) -> list[exports.Table]:
    """The page's tables as they are shown: hidden figures stay hidden in the file."""
    shown = exports.shown
    tables: list[exports.Table] = [("Leavers", ["Group", "Leavers"],
                                    [[ctx["reading"].unit_label, shown(ctx["reading"].data.respondents(ctx["reading"].unit))]])]
    if ctx["reasons"] is not None:
        tables.append(("Main reasons for leaving", ["Reason", "Leavers"],
                       [[label, shown(ctx["reasons"].counts.get(value))] for value, label in ctx["reason_options"]]))
    if ctx["quarters"] is not None:
        tables.append(("Leavers by quarter", ["Quarter", "Leavers"],
                       [[label, shown(ctx["quarters"].counts.get(value))] for value, label in ctx["quarter_options"]]))
    if ctx["destination"] is not None:
        columns = reader.options_of(ctx["destination"])
        rows = [[r.label] + [shown(r.counts.get(v)) for v, _ in columns] + [shown(r.total)]
                for r in ctx["destinations"] + ([ctx["total"]] if ctx["total"] else [])]
        tables.append(("Where leavers went", ["Service area"] + [label for _, label in columns] + ["Leavers"], rows))
    tables.append(("Leavers and health check", ["Service area", "Leavers' main reasons", "Health check themes"],
                   [[b["area"], "; ".join(b["reasons"]), "; ".join(b["themes"])] for b in ctx["beside"]]))
    return tables


def _beside_health_check(run: SurveyRun, team_ids: set[int] | None,
                         reading: access.Reading) -> list[dict[str, Any]]:
    """Per service area: why leavers went, beside the biggest themes of the same area's released health check."""
    health = db.session().scalars(select(SurveyRun).where(
        SurveyRun.council_id == run.council_id, SurveyRun.questionnaire.has(kind="health_check"))
        .order_by(SurveyRun.year.desc(), SurveyRun.id.desc())).first()
    found = access.released(db.session(), health) if health is not None else None
    data = reading.data
    reasons_q = data.questionnaire.question("main_reasons")
    rows = []
    for area in [u for u in reading.units if u.startswith("area:")]:
        reasons = []
        if reasons_q is not None:
            row = data.row(reasons_q, area)
            given = sorted(((n, label) for value, label in reasons_q.choices()
                            if (n := row.counts.get(value)) is not None and n > 0), reverse=True)
            reasons = [f"{label} ({n})" for n, label in given[:3]]
        themes: list[str] = []
        if found is not None:
            summary = reader.theme_summary(found[1], HEALTH_CHECK_QUESTION, area)
            if summary is not None and summary.comments:
                top = sorted((t for t in summary.themes if t.size and t.share is not None), key=lambda t: -(t.size or 0))
                themes = [f"{t.label} ({100 * t.share:.0f}%)" for t in top[:3]]
        rows.append({"area": data.label(area), "reasons": reasons, "themes": themes})
    return rows
