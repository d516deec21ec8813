"""Results of a run as plain functions of a database session, every figure through `anonymity`.

Nothing here reads answers: every figure comes from the answer tally
(`surveyapp.tally`), which each response updates as it is submitted, so a
results page for a council-sized run of 50,000 responses sums a few thousand
tally rows instead of counting millions of answers. Python folds those rows
into tables and applies the rule.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, case, cast, func, literal, select
from sqlalchemy.orm import Session

from ..manage.runs import Rates, response_rates, safe_rates
from ..models import AnswerTally, ServiceArea, SurveyRun, Team
from ..questionnaires import Question, Questionnaire
from ..respond.journey import questionnaire_for
from ..tally import BY_QUESTIONS, EVERYONE, NO_TEAM, RESPONDENTS
from .anonymity import DifferencingGuard, Thresholds, group, suppress, visible_total

AGREE = ("strongly_agree", "agree")
DONT_KNOW = "dont_know"
_TITLES = {"role": "Role", "contract": "Contract", "years_in_role": "Years in role"}
DIMENSIONS: tuple[tuple[str, str], ...] = (
    ("service_area", "Service area"), ("team", "Team"), *((q, _TITLES[q]) for q in BY_QUESTIONS))
# Bands for number questions: (label, lowest, highest or None for open-ended).
BANDS: dict[str, tuple[tuple[str, int, int | None], ...]] = {
    "children_allocated": (("0 to 10", 0, 10), ("11 to 15", 11, 15), ("16 to 20", 16, 20),
                           ("21 to 25", 21, 25), ("26 to 30", 26, 30), ("31 or more", 31, None)),
    "hours_beyond_contract": (("None", 0, 0), ("1 to 5", 1, 5), ("6 to 10", 6, 10),
                              ("11 to 15", 11, 15), ("16 or more", 16, None)),
}
DEFAULT_BANDS = (("0 to 4", 0, 4), ("5 to 9", 5, 9), ("10 to 19", 10, 19), ("20 or more", 20, None))


class Population:
    """The responses one user may see: a run, narrowed to their teams unless they see the whole council.

    It stands in for the run in every query below, so a manager's figures can
    only ever be counted from their own teams' responses. It also keeps what
    it has counted, so a page that shows one question several ways (everyone,
    each breakdown) asks the database once.
    """

    def __init__(self, run: SurveyRun, teams: set[int] | frozenset[int] | None = None) -> None:
        self.run = run
        self.teams = None if teams is None else frozenset(teams)
        self.id, self.council_id = run.id, run.council_id
        self._folded: dict[str, Folded] = {}
        self._area_of: dict[int, int] | None = None

    def where(self) -> ColumnElement[bool]:
        """The tally rows of this run, and of this user's teams."""
        in_run = AnswerTally.run_id == self.run.id
        return in_run if self.teams is None else and_(in_run, AnswerTally.team_id.in_(self.teams))

    def folded(self, db: Session, question: Question | None) -> Folded:
        """A question's answers (None: the respondents) counted into every group a page shows.

        One grouped query per question and request: number answers are put in
        their bands, and breakdown answers summed over teams, by the database,
        so a few hundred rows come back whatever the size of the run.
        """
        question_id = RESPONDENTS if question is None else question.id
        if question_id not in self._folded:
            column = AnswerTally.value if question is None else _column(question)
            # Teams matter only for rows that count everyone; a breakdown answer's rows are summed over them.
            team = case((AnswerTally.by_question == EVERYONE, AnswerTally.team_id), else_=NO_TEAM)
            rows = db.execute(select(AnswerTally.by_question, AnswerTally.by_option, team, column,
                                     func.sum(AnswerTally.count))
                              .where(self.where(), AnswerTally.by_question.in_((EVERYONE, *BY_QUESTIONS)),
                                     AnswerTally.question_id == question_id)
                              .group_by(AnswerTally.by_question, AnswerTally.by_option, team, column)).all()
            self._folded[question_id] = _fold(rows, self.area_of(db))  # type: ignore[arg-type]
        return self._folded[question_id]

    def area_of(self, db: Session) -> dict[int, int]:
        """Each of the council's teams with its service area, read once per request."""
        if self._area_of is None:
            self._area_of = dict(db.execute(  # type: ignore[arg-type]
                select(Team.id, Team.service_area_id).join(ServiceArea)
                .where(ServiceArea.council_id == self.council_id)).all())
        return self._area_of


def questionnaire_of(run: SurveyRun | Population) -> Questionnaire:
    return questionnaire_for(run.run if isinstance(run, Population) else run)


def scope_of(run: Population) -> str:
    return f"run:{run.id}"


def respondents(db: Session, run: Population) -> int:
    return run.folded(db, None)[EVERYONE].get(EVERYONE, Counter())[RESPONDENTS]


# Counts by group, for every breakdown at once: {dimension ("" for everyone): {group: {column: count}}}.
Folded = dict[str, dict[str, Counter[str]]]


def _fold(rows: list[tuple[str, str, int, str, int]], area_of: dict[int, int]) -> Folded:
    """Each grouped row (by question, by option, team, column, count) counted into the groups it belongs to:
    everyone, its team and service area (rows for everyone), or the breakdown answer it was counted under."""
    folded: Folded = {EVERYONE: {}, **{dimension: {} for dimension, _ in DIMENSIONS}}
    for by_question, by_option, team_id, value, count in rows:
        if by_question == EVERYONE:
            groups = [(EVERYONE, EVERYONE)]
            if team_id != NO_TEAM:
                groups += [("team", str(team_id)), ("service_area", str(area_of[team_id]))]
        else:
            groups = [(by_question, by_option)]
        for dimension, key in groups:
            folded[dimension].setdefault(key, Counter())[value] += count
    return folded


# Overview -------------------------------------------------------------------

@dataclass(frozen=True)
class SectionScore:
    section_id: str
    title: str
    agree: int | None  # answers of agree or strongly agree; None when hidden
    answered: int | None  # answers other than "don't know"

    @property
    def share(self) -> float | None:
        return self.agree / self.answered if self.agree is not None and self.answered else None


@dataclass(frozen=True)
class Overview:
    respondents: int | None
    rates: Rates
    sections: list[SectionScore]


def overview(db: Session, run: Population, rule: Thresholds,
             by_team: dict[str | None, dict[str, list[int]]] | None = None) -> Overview:
    n = respondents(db, run)
    shown = n >= rule.figures
    scores = section_scores(db, run, by_team) if shown else {}
    sections = [SectionScore(s.id, s.title, *scores.get(s.id, (None, None)))
                for s in questionnaire_of(run).sections if _agreement_ids(s.questions)]
    return Overview(n if shown else None, safe_rates(response_rates(db, run.run, run.teams), rule), sections)


def _agreement_ids(questions: Any) -> list[str]:
    return [q.id for q in questions if q.type == "agreement"]


def team_section_counts(db: Session, run: Population, by_team: bool = True) -> dict[str | None, dict[str, list[int]]]:
    """[agree, answered] by team and section, in one grouped read of the run's agreement tallies.

    The overview's section scores and its heatmap both fold these, so they are
    read once per page rather than twice. Without `by_team`, all teams count
    as one (None), which is all last year's scores need.
    """
    questionnaire = questionnaire_of(run)
    section_of = {q.id: s.id for s in questionnaire.sections for q in s.questions if q.type == "agreement"}
    agree = func.sum(AnswerTally.count).filter(AnswerTally.value.in_(AGREE))
    answered = func.sum(AnswerTally.count).filter(AnswerTally.value != DONT_KNOW)
    team = AnswerTally.team_id if by_team else literal(NO_TEAM)
    rows = db.execute(select(team, AnswerTally.question_id, agree, answered)
                      .where(run.where(), AnswerTally.by_question == EVERYONE,
                             AnswerTally.question_id.in_(section_of))
                      .group_by(*([AnswerTally.team_id] if by_team else []), AnswerTally.question_id)).all()
    folded: dict[str | None, dict[str, list[int]]] = {}
    for team_id, question_id, a, n in rows:
        cell = folded.setdefault(None if team_id == NO_TEAM else str(team_id), {}).setdefault(
            section_of[question_id], [0, 0])
        cell[0] += a or 0
        cell[1] += n or 0
    return folded


def section_scores(db: Session, run: Population, by_team: dict[str | None, dict[str, list[int]]] | None = None) -> dict[str, tuple[int, int]]:
    """(agree, answered) per section, folded from the by-team counts."""
    totals: dict[str, list[int]] = {}
    for sections in (by_team if by_team is not None else team_section_counts(db, run, by_team=False)).values():
        for section_id, (a, n) in sections.items():
            total = totals.setdefault(section_id, [0, 0])
            total[0] += a
            total[1] += n
    return {section_id: (a, n) for section_id, (a, n) in totals.items()}


# Groups (breakdowns) ------------------------------------------------------------

def group_sizes(db: Session, run: Population, dimension: str) -> dict[str, int]:
    """Respondents in each group of a breakdown."""
    return {key: counted[RESPONDENTS] for key, counted in run.folded(db, None)[dimension].items()}


def group_labels(db: Session, run: Population, dimension: str, questionnaire: Questionnaire) -> dict[str, str]:
    if dimension == "team":
        rows = db.execute(select(Team.id, ServiceArea.name, Team.name).join(ServiceArea)
                          .where(ServiceArea.council_id == run.council_id)).all()
        return {str(i): f"{area}: {name}" for i, area, name in rows}
    if dimension == "service_area":
        rows = db.execute(select(ServiceArea.id, ServiceArea.name).where(ServiceArea.council_id == run.council_id))
        return {str(i): name for i, name in rows}
    question = questionnaire.question(dimension)
    return dict(question.choices()) if question else {}


def filters_for(db: Session, run: Population, dimension: str) -> dict[str, dict[str, str]]:
    """The differencing filters of each group: a team carries its service area, which contains it."""
    if dimension != "team":
        return {}
    return {str(t): {"team": str(t), "service_area": str(a)} for t, a in run.area_of(db).items()}


# One question ---------------------------------------------------------------------

def options_of(question: Question) -> list[tuple[str, str]]:
    """The columns of a question's tables: its answers, or for a number question its bands."""
    if question.type == "number":
        return [(label, label) for label, _, _ in BANDS.get(question.id, DEFAULT_BANDS)]
    return list(question.choices())


def _column(question: Question) -> ColumnElement[str]:
    """A tallied value as a table column: the answer itself, or for a number question its band."""
    if question.type != "number":
        return AnswerTally.value
    bands = BANDS.get(question.id, DEFAULT_BANDS)
    number = cast(AnswerTally.value, Integer)
    return case(*[(number <= high, label) for label, _, high in bands if high is not None], else_=bands[-1][0])


@dataclass(frozen=True)
class Row:
    """One group's answers to one question. Counts are None where the rule hides them."""

    key: str
    label: str
    size: int | None  # respondents in the group
    counts: dict[str, int | None] = field(default_factory=dict)
    total: int | None = None  # answers counted (number of people answering, bar multiple choice)
    refused: bool = False  # hidden because it differs by a handful from a group already shown

    def share(self, option: str) -> float | None:
        count = self.counts.get(option)
        return count / self.total if count is not None and self.total else None


@dataclass(frozen=True)
class Breakdown:
    dimension: str
    title: str
    options: list[tuple[str, str]]
    rows: list[Row]


def distribution(db: Session, run: Population, question: Question, rule: Thresholds,
                 guard: DifferencingGuard) -> Row:
    """The whole run's answers to one question."""
    counted = run.folded(db, question)[EVERYONE].get(EVERYONE, Counter())
    return _row(run, "", "Everyone", respondents(db, run), counted, question, rule, guard, {})


def breakdown(db: Session, run: Population, question: Question, dimension: str, rule: Thresholds,
              guard: DifferencingGuard, questionnaire: Questionnaire) -> Breakdown:
    counted = run.folded(db, question)[dimension]
    sizes = group_sizes(db, run, dimension)
    shown_sizes = suppress(sizes, rule)  # hide small groups, and enough others that none can be worked out
    labels = group_labels(db, run, dimension, questionnaire)
    filters = filters_for(db, run, dimension)
    ordered = sorted(sizes, key=lambda k: labels.get(k, k))
    rows = [_row(run, k, labels.get(k, k), shown_sizes[k], counted.get(k, Counter()), question, rule, guard,
                 filters.get(k, {dimension: k})) for k in ordered]
    return Breakdown(dimension, dict(DIMENSIONS)[dimension], options_of(question), rows)


def _row(run: Population, key: str, label: str, size: int | None, counted: Counter[str], question: Question,
         rule: Thresholds, guard: DifferencingGuard, filters: dict[str, str]) -> Row:
    if size is None or size < rule.figures:
        return Row(key, label, None)
    if not guard.allow(group(scope_of(run), size, **filters)):
        return Row(key, label, None, refused=True)
    counts = {value: counted.get(value, 0) for value, _ in options_of(question)}
    return Row(key, label, size, suppress(counts, rule), visible_total(counts, rule))


# Teams × sections ------------------------------------------------------------------

@dataclass(frozen=True)
class Heatmap:
    sections: list[tuple[str, str]]
    rows: list[tuple[str, int | None, dict[str, float | None]]]  # team, respondents, share agreeing by section


def heatmap(db: Session, run: Population, rule: Thresholds, guard: DifferencingGuard,
            by_team: dict[str | None, dict[str, list[int]]] | None = None) -> Heatmap:
    questionnaire = questionnaire_of(run)
    folded = by_team if by_team is not None else team_section_counts(db, run)
    sizes = suppress(group_sizes(db, run, "team"), rule)
    labels = group_labels(db, run, "team", questionnaire)
    filters = filters_for(db, run, "team")
    sections = [(s.id, s.title) for s in questionnaire.sections if _agreement_ids(s.questions)]
    rows = []
    for team_id in sorted(sizes, key=lambda k: labels.get(k, k)):
        size = sizes[team_id]
        if size is None or not guard.allow(group(scope_of(run), size, **filters.get(team_id, {"team": team_id}))):
            rows.append((labels.get(team_id, team_id), None, {}))
            continue
        cells = folded.get(team_id, {})
        rows.append((labels.get(team_id, team_id), size,
                     {sid: (cells[sid][0] / cells[sid][1]) if sid in cells and cells[sid][1] else None
                      for sid, _ in sections}))
    return Heatmap(sections, rows)


# Caseload against the council's policy ------------------------------------------------------

@dataclass(frozen=True)
class PolicyFigure:
    label: str
    above: int | None  # people above the limit; None when hidden
    answered: int | None  # people who gave a number; None when the group is too small

    @property
    def share(self) -> float | None:
        return self.above / self.answered if self.above is not None and self.answered else None


def caseload_against_policy(db: Session, run: Population, rule: Thresholds) -> list[PolicyFigure]:
    """Children allocated above the council's policy, and ASYE caseloads above their protected limit."""
    council = run.run.council
    figures = []
    if council.caseload_policy is not None:
        figures.append(_above(db, run, council.caseload_policy, None, rule,
                              f"Above the council’s caseload policy of {council.caseload_policy} children"))
    if council.asye_caseload_limit is not None:
        figures.append(_above(db, run, council.asye_caseload_limit, "nqsw_asye", rule,
                              f"ASYE social workers above their protected limit of {council.asye_caseload_limit}"))
    return figures


def _above(db: Session, run: Population, limit: int, role: str | None, rule: Thresholds, label: str) -> PolicyFigure:
    by = (AnswerTally.by_question == "role", AnswerTally.by_option == role) if role is not None else (
        AnswerTally.by_question == EVERYONE, AnswerTally.by_option == EVERYONE)
    answered, above = db.execute(
        select(func.coalesce(func.sum(AnswerTally.count), 0),
               func.coalesce(func.sum(AnswerTally.count).filter(cast(AnswerTally.value, Integer) > limit), 0))
        .where(run.where(), *by, AnswerTally.question_id == "children_allocated")).one()
    if answered < rule.figures:
        return PolicyFigure(label, None, None)
    shown = suppress({"above": above, "within": answered - above}, rule)
    return PolicyFigure(label, shown["above"], answered)
