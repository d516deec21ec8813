"""Exit interview results: who left, from where, why, and where to; every count through the one rule."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Answer, Response, ServiceArea, SurveyRun, Team
from ..questionnaires import Questionnaire
from ..respond.journey import questionnaire_for
from ..results.anonymity import Thresholds, suppress
from ..results.tables import suppress_table

UNKNOWN_AREA = "Team not given"


@dataclass(frozen=True)
class Table:
    """Rows × columns of counts, already suppressed; None is a hidden cell."""

    columns: list[tuple[str, str]]  # (key, label)
    rows: list[tuple[str, dict[str, int | None], int | None]]  # (label, cells, row total)
    totals: dict[str, int | None]


@dataclass(frozen=True)
class LeaverResults:
    leavers: int
    enough: bool
    by_quarter: dict[str, int | None]
    reasons: list[tuple[str, int | None]]
    destinations: Table | None


def _leavers(db: Session, run: SurveyRun, team_ids: set[int] | None) -> dict[str, dict[str, list[str]]]:
    """Each leaver's answers (question id → values), keyed by the response's random id."""
    query = (select(Answer.response_id, Answer.question_id, Answer.option)
             .join(Response, Answer.response_id == Response.id).where(Response.run_id == run.id,
                                                                      Answer.option.is_not(None)))
    if team_ids is not None:
        query = query.where(Response.team_id.in_(team_ids))
    answers: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for response_id, question_id, option in db.execute(query):
        answers[response_id][question_id].append(option)
    return answers


def _areas(db: Session, run: SurveyRun, team_ids: set[int] | None) -> dict[str, str]:
    query = (select(Response.id, ServiceArea.name).join(Team, Response.team_id == Team.id, isouter=True)
             .join(ServiceArea, Team.service_area_id == ServiceArea.id, isouter=True)
             .where(Response.run_id == run.id))
    if team_ids is not None:
        query = query.where(Response.team_id.in_(team_ids))
    return {response_id: area or UNKNOWN_AREA for response_id, area in db.execute(query)}


def _quarter(month: str) -> str:
    year, number = month.split("-")
    return f"{year} Q{(int(number) - 1) // 3 + 1}"


def leaver_results(db: Session, run: SurveyRun, team_ids: set[int] | None, rule: Thresholds) -> LeaverResults:
    questionnaire: Questionnaire = questionnaire_for(run)
    areas = _areas(db, run, team_ids)
    answers = _leavers(db, run, team_ids)
    total = len(areas)
    if total < rule.figures:
        return LeaverResults(total, False, {}, [], None)
    by_quarter = Counter(_quarter(a["leaving_month"][0]) for a in answers.values() if a.get("leaving_month"))
    reasons_q = questionnaire.question("main_reasons")
    reason_counts = Counter(v for a in answers.values() for v in a.get("main_reasons", []))
    reasons = suppress({label: reason_counts.get(value, 0) for value, label in reasons_q.options}, rule) \
        if reasons_q else {}
    return LeaverResults(
        leavers=total, enough=True,
        by_quarter=suppress(dict(sorted(by_quarter.items())), rule),
        reasons=sorted(reasons.items(), key=lambda item: -(item[1] or 0)),
        destinations=_destinations(questionnaire, areas, answers, rule),
    )


def _destinations(questionnaire: Questionnaire, areas: dict[str, str], answers: dict[str, dict[str, list[str]]],
                  rule: Thresholds) -> Table | None:
    """Destinations by service area, like the Gateshead report's table of leavers and where they went."""
    question = questionnaire.question("destination")
    if question is None:
        return None
    cells: dict[str, Counter[str]] = defaultdict(Counter)
    for response_id, area in areas.items():
        chosen = answers.get(response_id, {}).get("destination")
        if chosen:
            cells[area][chosen[0]] += 1
    columns = list(question.options)
    counts = {area: {key: cells[area].get(key, 0) for key, _ in columns} for area in sorted(cells)}
    shown, row_totals, column_totals = suppress_table(counts, rule)
    return Table(columns, [(area, shown[area], row_totals[area]) for area in counts], column_totals)
