"""Exit interview results for managers: leavers, reasons, destinations, and what health checks said."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, render_template
from flask_login import current_user
from sqlalchemy import select

from .. import db, scope
from ..auth import role_required
from ..manage.views import ANY_ROLE
from ..manage.views import council_run  # the same council check: another council's run is a 404
from ..models import ServiceArea, SurveyRun, Team
from ..results.anonymity import Thresholds
from ..themes import jobs, summary
from ..results import exports
from ..results.views import export_format
from .queries import LeaverResults, leaver_results

bp = Blueprint("leavers", __name__, url_prefix="/manage/runs/<int:run_id>/leavers")


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
    rule = Thresholds.from_config(current_app.config)
    results = leaver_results(db.session(), run, team_ids, rule)
    beside = _beside_health_check(run, team_ids, rule)
    if fmt := export_format():
        return exports.download(_tables(results, beside, rule), f"leavers-{run.id}", fmt)
    return render_template("leavers/overview.html", run=run, results=results, beside=beside,
                           scope=scope.describe(db.session(), current_user))


def _tables(results: LeaverResults, beside: list[dict[str, Any]], rule: Thresholds) -> list[exports.Table]:
    """The page's tables as they are shown: hidden figures stay hidden in the file."""
    if not results.enough:
        return [("Exit interviews", ["Note"], [[f"Fewer than {rule.figures} exit interviews: no figures shown"]])]
    tables: list[exports.Table] = [
        ("Main reasons for leaving", ["Reason", "Leavers"], [[label, exports.shown(v, rule)] for label, v in results.reasons]),
        ("Leavers by quarter", ["Quarter", "Leavers"], [[q, exports.shown(v, rule)] for q, v in results.by_quarter.items()]),
    ]
    d = results.destinations
    if d is not None:
        rows = [[area] + ["–" if cells[k] is None else cells[k] for k, _ in d.columns] + ["–" if t is None else t]
                for area, cells, t in d.rows]
        rows.append(["All leavers"] + ["–" if d.totals[k] is None else d.totals[k] for k, _ in d.columns]
                    + [results.leavers])
        tables.append(("Where leavers went", ["Service area"] + [label for _, label in d.columns] + ["Leavers"], rows))
    tables.append(("Leavers and health check", ["Service area", "Leavers' main reasons", "Health check themes"],
                   [[b["area"], "; ".join(f"{label} ({v})" for label, v in b["leavers"].reasons[:3] if v)
                     if b["leavers"].enough else f"Fewer than {rule.figures} leavers",
                     "; ".join(f"{t.label} ({100 * t.share:.0f}%)" for t in b["themes"])] for b in beside]))
    return tables


def _beside_health_check(run: SurveyRun, team_ids: set[int] | None, rule: Thresholds) -> list[dict[str, Any]]:
    """Per service area: why leavers went, beside the themes of the same teams' health check comments."""
    health = db.session().scalars(select(SurveyRun).where(
        SurveyRun.council_id == run.council_id, SurveyRun.questionnaire.has(kind="health_check"))
        .order_by(SurveyRun.year.desc(), SurveyRun.id.desc())).first()
    job = None if health is None else jobs.latest(db.session(), health, "biggest_difference", done=True)
    rows = []
    for area in db.session().scalars(select(ServiceArea).where(ServiceArea.council_id == run.council_id)
                                     .order_by(ServiceArea.name)):
        area_teams = {t.id for t in db.session().scalars(select(Team).where(Team.service_area_id == area.id))}
        teams = area_teams if team_ids is None else area_teams & team_ids
        if not teams:
            continue
        leavers = leaver_results(db.session(), run, teams, rule)
        themes = summary.summarise(job.result, teams, rule) if job and job.result else None
        rows.append({"area": area.name, "leavers": leavers,
                     "themes": [t for t in themes.themes if t.size][:3] if themes and themes.enough else [],
                     "health": health})
    return rows
