"""Results pages for managers: the overview of a run, and one question with its breakdowns."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, render_template, request

from flask_login import current_user

from .. import db, scope
from ..auth import role_required
from ..manage.views import ANY_ROLE
from ..manage.views import council_run  # the same council check: another council's run is a 404
from . import compare, exports, queries, seen_groups
from .anonymity import DifferencingGuard, Thresholds

bp = Blueprint("results", __name__, url_prefix="/manage/runs/<int:run_id>/results")
CHARTED_TYPES = {"agreement", "single_choice", "multiple_choice", "number"}


@bp.app_template_global()
def change_cell(change: compare.Change | None) -> dict[str, str]:
    """A table cell for a year-on-year change, marked only when it is bigger than chance."""
    if change is None:
        return {"text": "–", "format": "numeric"}
    text = f"{'+' if change.points > 0 else ''}{change.points}"
    if change.notable:
        return {"text": f"{text} (more than chance)", "format": "numeric", "classes": "govuk-!-font-weight-bold"}
    return {"text": text, "format": "numeric"}


def _population(run_id: int) -> queries.Population:
    run = council_run(run_id)
    return queries.Population(run, scope.team_ids(db.session(), current_user))


def _rule() -> Thresholds:
    return Thresholds.from_config(current_app.config)


def _guard() -> DifferencingGuard:
    # What this user has been shown, kept on the server for as long as their account.
    return DifferencingGuard.load(_rule(), seen_groups.load(db.session(), current_user.id))


def _remember(guard: DifferencingGuard) -> None:
    seen_groups.save(db.session(), current_user.id, guard.dump(new_only=True))


def export_format() -> str | None:
    """`?format=csv`, `?format=xlsx` or `?format=json` asks for the page's tables as a file."""
    fmt = request.args.get("format")
    return fmt if fmt in ("csv", "xlsx", "json") else None


@bp.get("")
@role_required(*ANY_ROLE)
def overview(run_id: int) -> Any:
    run = _population(run_id)
    rule, guard = _rule(), _guard()
    by_team = queries.team_section_counts(db.session(), run)
    summary = queries.overview(db.session(), run, rule, by_team)
    heat = queries.heatmap(db.session(), run, rule, guard, by_team) if summary.respondents else None
    changes = _section_changes(run, summary, rule)
    _remember(guard)
    if fmt := export_format():
        return exports.download(exports.overview_tables(summary, heat, rule), f"results-{run.id}", fmt)
    questions = [(s, [q for q in s.questions if q.type in CHARTED_TYPES])
                 for s in queries.questionnaire_of(run).sections]
    return render_template("results/overview.html", run=run.run, scope=scope.describe(db.session(), current_user),
                           changes=changes, summary=summary, heat=heat, rule=rule,
                           questions=questions)


@bp.get("/<question_id>")
@role_required(*ANY_ROLE)
def question(run_id: int, question_id: str) -> Any:
    run = _population(run_id)
    questionnaire = queries.questionnaire_of(run)
    asked = questionnaire.question(question_id)
    if asked is None or asked.type not in CHARTED_TYPES:
        abort(404)
    rule, guard = _rule(), _guard()
    everyone = queries.distribution(db.session(), run, asked, rule, guard)
    before = _last_year(run, asked, rule, guard)
    breakdowns = [queries.breakdown(db.session(), run, asked, dimension, rule, guard, questionnaire)
                  for dimension, _ in queries.DIMENSIONS if dimension != asked.id]
    _remember(guard)
    if fmt := export_format():
        return exports.download(exports.question_tables(everyone, breakdowns, queries.options_of(asked), rule),
                                f"results-{run.id}-{asked.id}", fmt)
    return render_template("results/question.html", run=run.run, scope=scope.describe(db.session(), current_user),
                           before=before, changes=_option_changes(everyone, before),
                           policy=queries.caseload_against_policy(db.session(), run, rule)
                           if asked.id == "children_allocated" else [], question=asked, everyone=everyone,
                           options=queries.options_of(asked), breakdowns=breakdowns, rule=rule)


def _earlier(run: queries.Population) -> queries.Population | None:
    earlier = compare.previous_run(db.session(), run.run)
    return queries.Population(earlier, run.teams) if earlier is not None else None


def _section_changes(run: queries.Population, summary: queries.Overview,
                     rule: Thresholds) -> dict[str, compare.Change | None]:
    """Share agreeing by section against last year, for sections shown both years."""
    earlier = _earlier(run)
    if earlier is None or summary.respondents is None or queries.respondents(db.session(), earlier) < rule.figures:
        return {}
    before = queries.section_scores(db.session(), earlier)
    return {s.section_id: compare.change((s.agree, s.answered), before.get(s.section_id))
            for s in summary.sections if s.agree is not None and s.answered is not None}


def _last_year(run: queries.Population, asked: Any, rule: Thresholds,
               guard: DifferencingGuard) -> queries.Row | None:
    earlier = _earlier(run)
    if earlier is None:
        return None
    same = queries.questionnaire_of(earlier).question(asked.id)
    if same is None or same.type != asked.type:
        return None  # a question whose meaning changed gets a new id, so this is rare
    row = queries.distribution(db.session(), earlier, same, rule, guard)
    return row if row.size is not None else None


def _option_changes(now: queries.Row, before: queries.Row | None) -> dict[str, compare.Change | None]:
    if before is None or now.total is None or before.total is None:
        return {}
    return {value: compare.change((count, now.total), (before.counts.get(value), before.total))
            if count is not None and before.counts.get(value) is not None else None
            for value, count in now.counts.items()}
