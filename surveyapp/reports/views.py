"""The admin's pages for a health check's committee report: write it, follow its progress, download it,
and enter the workforce figures it reports.

Admins only: a report reads the whole council's released figures. Thin views:
validate, call `jobs` or `workforce`, redirect.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

from .. import headers as headers_policy
from .. import background, db, heartbeat
from ..auth import role_required
from ..disclosure import release
from ..manage.views import council_run
from ..models import ReportJob, Role, ServiceArea, SurveyRun
from . import jobs, render, workforce
from .forms import ReportForm, WorkforceFileForm, WorkforceForm

bp = Blueprint("reports", __name__, url_prefix="/manage/runs/<int:run_id>/report")


@bp.url_value_preprocessor
def load_run(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    g.run_id = (values or {}).get("run_id")


def _run() -> SurveyRun:
    run = council_run(g.run_id)
    if run.kind != "health_check":
        abort(404)
    return run


def _show(form: ReportForm | None = None) -> Any:
    run = _run()
    # A report whose worker died says so, not "being written" for ever.
    heartbeat.reap(db.session(), heartbeat.Limits.from_config(current_app.config), run)
    return render_template("reports/show.html", run=run, form=form or ReportForm(),
                           released=release.latest(db.session(), run) is not None,
                           jobs=jobs.recent(db.session(), run), names=render.NAMES,
                           staff=workforce.figures(db.session(), run.council_id, run.year))


@bp.get("")
@role_required(Role.ADMIN)
def show(run_id: int) -> Any:
    return _show()


@bp.post("")
@role_required(Role.ADMIN)
def create(run_id: int) -> Any:
    run, form = _run(), ReportForm()
    if not form.validate_on_submit():
        return _show(form)
    if release.latest(db.session(), run) is None:
        flash("The results have not been released yet, so there is nothing to report.")
        return redirect(url_for("reports.show", run_id=run_id))
    task = background.queue().render_report
    jobs.start_render(db.session(), run, form.format.data or "", current_user._get_current_object(),
                      lambda job_id: background.submit(task, job_id))
    flash(f"The {render.NAMES[form.format.data or '']} is being written. It will be listed here when it is ready.")
    return redirect(url_for("reports.show", run_id=run_id))


@bp.get("/<int:job_id>")
@role_required(Role.ADMIN)
def download(run_id: int, job_id: int) -> Any:
    job = db.session().get(ReportJob, job_id)
    if job is None or job.run_id != _run().id or job.status != "done" or job.content is None:
        abort(404)
    how = "inline" if job.format == "html" else "attachment"
    headers = {"Content-Disposition": f'{how}; filename="{job.filename}"'}
    if job.format == "html":
        headers["Content-Security-Policy"] = headers_policy.SELF_CONTAINED_DOCUMENT
    return Response(job.content, content_type=render.FORMATS[job.format][0], headers=headers)


# Workforce figures ------------------------------------------------------------------------

def _area(area_id: int) -> ServiceArea:
    area = db.session().get(ServiceArea, area_id)
    if area is None or area.council_id != current_user.council_id:
        abort(404)
    return area


def _workforce_page(file_form: WorkforceFileForm | None = None, problems: list[str] | None = None) -> Any:
    run = _run()
    entered = {f.service_area_id: workforce.totals(f) for f in workforce.figures(db.session(), run.council_id, run.year)}
    areas = db.session().scalars(select(ServiceArea).where(ServiceArea.council_id == run.council_id)
                                 .order_by(ServiceArea.name)).all()
    return render_template("reports/workforce.html", run=run, areas=areas, entered=entered,
                           form=file_form or WorkforceFileForm(), problems=problems or [], columns=workforce.COLUMNS)


@bp.get("/workforce")
@role_required(Role.ADMIN)
def workforce_figures(run_id: int) -> Any:
    return _workforce_page()


@bp.post("/workforce")
@role_required(Role.ADMIN)
def import_workforce(run_id: int) -> Any:
    run, form = _run(), WorkforceFileForm()
    if not form.validate_on_submit():
        return _workforce_page(form)
    try:
        count = workforce.import_csv(db.session(), run.council_id, run.year, form.workforce_file.data.read(),
                                     current_user._get_current_object())
    except workforce.WorkforceFileError as exc:
        form.workforce_file.errors = [(f"The file has {len(exc.problems)} problem{'s' if len(exc.problems) > 1 else ''}: "
                                       "nothing has been imported. Fix the file and upload it again.")]
        return _workforce_page(form, exc.problems)
    flash(f"Workforce figures for {count} service area{'s' if count != 1 else ''} imported for {run.year}.")
    return redirect(url_for("reports.workforce_figures", run_id=run_id))


@bp.route("/workforce/<int:area_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_workforce(run_id: int, area_id: int) -> Any:
    run, area = _run(), _area(area_id)
    saved = next((f for f in workforce.figures(db.session(), run.council_id, run.year) if f.service_area_id == area.id),
                 None)
    form = WorkforceForm(data=_typed(saved))
    if form.validate_on_submit():
        entry, problems = workforce.check(form.figures())
        if entry is not None:
            workforce.enter(db.session(), area, run.year, entry, current_user._get_current_object())
            flash(f"Workforce figures for {area.name} saved.")
            return redirect(url_for("reports.workforce_figures", run_id=run_id))
        for name, message in problems.items():
            form[name].errors = [message]
    return render_template("reports/workforce_area.html", run=run, area=area, form=form)


def _typed(saved: Any) -> dict[str, str]:
    """What the form shows for figures already saved: as they would be typed."""
    if saved is None:
        return {}
    return {name: ("" if (v := getattr(saved, name)) is None else f"{v:g}") for name, *_ in workforce.FIELDS}
