"""Results pages for managers: a run's latest release, one unit (council, area or team) at a time.

Every figure comes from a release through `surveyapp.disclosure`; nothing here counts.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g, render_template, request
from flask_login import current_user
from sqlalchemy import select

from .. import db, scope
from ..auth import role_required
from ..disclosure import access, reader
from ..disclosure.compare import Change, change
from ..manage.views import ANY_ROLE, council_run, run_status_page
from ..models import SurveyRun
from . import charts, exports, glance

bp = Blueprint("results", __name__, url_prefix="/manage/runs/<int:run_id>/results")
CHARTED_TYPES = {"agreement", "single_choice", "multiple_choice", "number"}


@bp.app_template_global()
def change_cell(found: Change | None) -> dict[str, str]:
    """A table cell for a year-on-year change, marked only when it is bigger than chance."""
    if found is None:
        return {"text": "–", "format": "numeric"}
    text = f"{'+' if found.points > 0 else ''}{found.points}"
    if found.notable:
        return {"text": f"{text} (more than chance)", "format": "numeric", "classes": "govuk-!-font-weight-bold"}
    return {"text": text, "format": "numeric"}


@bp.url_value_preprocessor
def load_reading(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    """The run, the user's scope and the release, once per request (as Notify's load_service_before_request)."""
    g.run_id = (values or {}).get("run_id")


def _reading() -> access.Reading | None:
    run = council_run(g.run_id)
    try:
        return access.reading(db.session(), run, scope.team_ids(db.session(), current_user), request.args.get("unit"))
    except access.NotInScope:
        abort(404)


def export_format() -> str | None:
    """`?format=csv`, `?format=xlsx` or `?format=json` asks for the page's tables as a file."""
    fmt = request.args.get("format")
    return fmt if fmt in ("csv", "xlsx", "json") else None


@bp.get("")
@role_required(*ANY_ROLE)
def overview(run_id: int) -> Any:
    reading = _reading()
    if reading is None:
        return run_status_page(council_run(run_id), "Results have not been released yet.")
    data, unit = reading.data, reading.unit
    sections = data.sections(unit)
    before = {s.section_id: s for s in reading.previous.sections(unit)} if reading.previous else {}
    changes = {s.section_id: change((s.agree, s.answered), (b.agree, b.answered))
               for s in sections if (b := before.get(s.section_id)) is not None}
    heat = data.heatmap(unit)
    rates = data.rates(unit)
    if fmt := export_format():
        return exports.download(exports.overview_tables(reading, sections, changes, heat, rates),
                                f"results-{run_id}-{unit.replace(':', '-')}", fmt)
    questions = [(s, [q for q in s.questions if q.type in CHARTED_TYPES]) for s in data.questionnaire.sections]
    return render_template("results/overview.html", reading=reading, run=reading.run, sections=sections,
                           changes=changes, heat=heat, rates=rates, questions=questions, hidden=reader.HIDDEN)


@bp.get("/summary")
@role_required(*ANY_ROLE)
def summary(run_id: int) -> Any:
    """The run's first page: what matters, before any table, each point a link to its detail."""
    reading = _reading()
    if reading is None:
        return run_status_page(council_run(run_id), "Results have not been released yet.")
    return render_template("results/summary.html", reading=reading, run=reading.run, found=glance.glance(reading),
                           leavers=_leavers(reading.run) if reading.run.kind == "health_check" else None)


def _leavers(run: SurveyRun) -> glance.Leavers | None:
    """The council's latest released exit interview period this user may read."""
    periods = db.session().scalars(select(SurveyRun).where(
        SurveyRun.council_id == run.council_id, SurveyRun.questionnaire.has(kind="exit_interview"))
        .order_by(SurveyRun.year.desc(), SurveyRun.id.desc())).all()
    team_ids = scope.team_ids(db.session(), current_user)
    for period in periods:
        try:
            found = access.reading(db.session(), period, team_ids, None)
        except access.NotInScope:
            return None
        if found is not None:
            return glance.leavers(found)
    return None


@bp.get("/<question_id>")
@role_required(*ANY_ROLE)
def question(run_id: int, question_id: str) -> Any:
    reading = _reading()
    if reading is None:
        return run_status_page(council_run(run_id), "Results have not been released yet.")
    data, unit = reading.data, reading.unit
    asked = data.questionnaire.question(question_id)
    if asked is None or asked.type not in CHARTED_TYPES:
        abort(404)
    everyone = data.row(asked, unit)
    before = _last_year(reading, asked)
    breakdowns = data.breakdowns(asked, unit)
    options = reader.options_of(asked)
    changes = _option_changes(everyone, before)
    if fmt := export_format():
        return exports.download(exports.question_tables(everyone, breakdowns, options, before, changes),
                                f"results-{run_id}-{unit.replace(':', '-')}-{asked.id}", fmt)
    return render_template("results/question.html", reading=reading, run=reading.run, before=before,
                           changes=changes, chart=_agreement_chart(reading, asked, everyone, before, breakdowns),
                           legend=charts.legend(),
                           policy=data.policy(unit) if asked.id == "children_allocated" else [],
                           question=asked, everyone=everyone, options=options, breakdowns=breakdowns,
                           hidden=reader.HIDDEN)


def _last_year(reading: access.Reading, asked: Any) -> reader.Row | None:
    if reading.previous is None:
        return None
    same = reading.previous.questionnaire.question(asked.id)
    if same is None or same.type != asked.type:
        return None  # a question whose meaning changed gets a new id, so this is rare
    row = reading.previous.row(same, reading.unit)
    return row if row.total is not None else None


def _option_changes(now: reader.Row, before: reader.Row | None) -> dict[str, Change | None]:
    if before is None or now.total is None or before.total is None:
        return {}
    return {value: change((count, now.total), (before.counts.get(value), before.total))
            if count is not None and before.counts.get(value) is not None else None
            for value, count in now.counts.items()}


def _agreement_chart(reading: access.Reading, asked: Any, everyone: reader.Row, before: reader.Row | None,
                     breakdowns: list[reader.Breakdown]) -> Any:
    """This unit this year, last year, and its areas or teams, as diverging bars (agreement questions only)."""
    if asked.type != "agreement" or everyone.total is None:
        return None
    splits = [charts.split(everyone, f"{reading.unit_label} ({reading.run.year})")]
    if before is not None:
        splits.append(charts.split(before, "Last year"))
    places = next((b for b in breakdowns if b.dimension in ("service_area", "team")), None)
    if places is not None and len(places.rows) <= 20:
        splits += [charts.split(r) for r in places.rows]
    return charts.diverging(splits, f"{asked.text}: answers of {reading.unit_label}", f"chart-{asked.id}")


@bp.app_template_global()
def share_bar(share: float) -> Any:
    return charts.bar(share)
