"""The attacker's integer program: what a reader can prove about people's answers from what they see and know.

The reader knows who is in every group (team lists, and who has which role, contract and years in
role: the strongest assumption), every figure their releases show, the product's rules (group sizes
and the numbers who answered are exact; every other count was moved by at most `noise.MOST`, never
below 0 nor above the number who answered), and possibly some people's answers (their own, or ones they
planted). Unknowns: each respondent's answer to one question, as 0/1 variables (one per option, and
one for "did not answer"). Every shown figure is a constraint over the people it counts, in every
release they saw, each with the members the group had then.

A person's answer is *pinned* when no whole-number solution gives them another answer; a set of
people's answers is pinned when some option's count among them is the same in every solution. The
solver is HiGHS's branch and bound (scipy.optimize.milp), so the integer program is solved, not its
linear relaxation.

`attack_themes` is the same program for the themes of a free-text question: each respondent's main theme
and its sentiment (or no comment) as one choice among 0/1 variables, and a 0/1 variable for each theme
they may raise at all (their main theme, or a second one); every theme size, sentiment count, number of
comments and count of comments raising a theme that the releases show is a constraint over the people
of its group, as for answers. One analysis's themes are assumed to be each person's in every release the
reader saw (true of a re-run that keeps them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.disclosure import cells as c
from surveyapp.disclosure import noise
from surveyapp.disclosure import release as releases
from surveyapp.disclosure import themes as theme_cells
from surveyapp.models import Answer, Release, Response, SurveyRun, ThemeJob
from surveyapp.questionnaires import questionnaire_for

SKIP = "~"


@dataclass
class Attack:
    people: list[str]  # response ids
    options: list[str]  # the 0/1 variables of each person
    truth: dict[str, str]  # each person's answer
    a: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    fixed: dict[str, str]
    # an answer -> the options that give it (by default each option is an answer); and answers each person
    # gave besides `truth` (the themes a comment raises second)
    answers: dict[str, list[str]] = field(default_factory=dict)
    also: dict[str, list[str]] = field(default_factory=dict)

    def _columns(self, person: str, answer: str) -> list[int]:
        base = self.people.index(person) * len(self.options)
        return [base + self.options.index(o) for o in self.answers.get(answer, [answer])]

    def _solve(self, objective: np.ndarray) -> float:
        n = len(self.people) * len(self.options)
        found = milp(objective, constraints=LinearConstraint(self.a, self.lo, self.hi),
                     integrality=np.ones(n), bounds=Bounds(np.zeros(n), np.ones(n)))
        assert found.status == 0, f"the true answers must be a solution: {found.message}"
        return float(found.fun)

    def count_range(self, people: Iterable[str], option: str) -> tuple[int, int]:
        """The least and greatest number of `people` who gave `option` (an answer), over every solution."""
        objective = np.zeros(len(self.people) * len(self.options))
        for person in people:
            objective[self._columns(person, option)] = 1.0
        return round(self._solve(objective)), round(-self._solve(-objective))

    def pinned_people(self) -> list[str]:
        """People (not known to the reader beforehand) whose answer is the same in every solution, or one of
        whose other answers (a theme raised second) is proven."""
        return [p for p in self.people if p not in self.fixed
                and any(self.count_range([p], a)[0] == 1 for a in [self.truth[p], *self.also.get(p, [])])]

    def pinned_set(self, people: list[str]) -> list[str]:
        """Answers whose count among `people` is the same in every solution."""
        return [o for o in (self.answers or self.options) if len(set(self.count_range(people, o))) == 1]


class _Rows:
    """The constraints of an integer program, one row at a time."""

    def __init__(self, width: int) -> None:
        self.width, self.rows, self.lo, self.hi = width, [], [], []  # type: ignore[var-annotated]

    def add(self, coefficients: dict[int, float], low: float, high: float) -> None:
        row = np.zeros(self.width)
        for j, value in coefficients.items():
            row[j] += value
        self.rows.append(row)
        self.lo.append(low)
        self.hi.append(high)


def members_by_release(session: Session, run: SurveyRun, made: Release) -> dict[str, frozenset[str]]:
    """Who was in each group of a release when it was made (the reader knows who is in which group)."""
    groups = {c.split(k)[1] for k in made.content["cells"]}
    shape = type("Shape", (), {"groups": dict.fromkeys(groups), "units": [g for g in groups if c.is_unit(g)]})()
    now = releases.memberships(session, run, releases.structure(session, run), shape,  # type: ignore[arg-type]
                               releases.with_teams(run))
    then = frozenset((made.audit or {}).get("respondents", []))
    return {g: m & then for g, m in now.items()}


def attack(session: Session, run: SurveyRun, seen: list[Release], question: str,
           visible: Callable[[str], bool] = lambda group: True, known: Mapping[str, str] | None = None) -> Attack:
    """The integer program for one question, over every release in `seen`, the groups `visible` to the
    reader, and the answers they `known` (response id -> option)."""
    options = [value for value, _ in questionnaire_for(run).question(question).choices()] + [SKIP]
    people = sorted(session.scalars(select(Response.id).where(Response.run_id == run.id)))
    truth = dict.fromkeys(people, SKIP)
    truth |= dict(session.execute(select(Answer.response_id, Answer.option).join(Response)
                                  .where(Response.run_id == run.id, Answer.question_id == question)).all())
    rows = _Rows(len(people) * len(options))
    add = rows.add
    where = {p: i for i, p in enumerate(people)}
    for p in people:  # one answer each (or none)
        add({where[p] * len(options) + j: 1.0 for j in range(len(options))}, 1, 1)
    for p, option in (known or {}).items():
        add({where[p] * len(options) + options.index(option): 1.0}, 1, 1)
    for made in seen:
        members = members_by_release(session, run, made)
        for key, value in made.content["cells"].items():
            measure, group = c.split(key)
            if value is None or not visible(group) or group not in members:
                continue
            question_of, _, option = measure.partition(":")
            if question_of != question or (option not in options and option != c.ANSWERED):
                continue
            inside = [where[p] for p in members[group] if p in where]
            slack = 0 if releases.exact(key) else noise.MOST
            if option == c.ANSWERED:  # people who answered: those who did not skip it
                add({i * len(options) + options.index(SKIP): 1.0 for i in inside},
                    len(inside) - value - slack, len(inside) - max(0, value - slack))
                continue
            add({i * len(options) + options.index(option): 1.0 for i in inside}, max(0, value - slack), value + slack)
    return Attack(people, options, truth, np.array(rows.rows), np.array(rows.lo), np.array(rows.hi),
                  dict(known or {}))


def _analysis(session: Session, run: SurveyRun, made: Release, question: str) -> dict:
    """The analysis a release froze, with the corrections it was made with (those of the run now)."""
    job = session.get(ThemeJob, made.content["analyses"][question])
    assert job is not None and job.result, f"release {made.number} froze no analysis of {question}"
    return releases.corrected(session, run, question, job.result)


def attack_themes(session: Session, run: SurveyRun, seen: list[Release], question: str,
                  visible: Callable[[str], bool] = lambda group: True,
                  known: Mapping[str, str] | None = None) -> Attack:
    """The integer program for the themes of one free-text question, over every release in `seen`, the
    groups `visible` to the reader and the main themes they `known` (response id -> theme). A person's
    answer is their main theme (SKIP: no comment); `also` holds the themes they raise second."""
    analyses = [_analysis(session, run, made, question) for made in seen]
    latest = analyses[-1]
    themes = list(dict.fromkeys(t for result in analyses for t in theme_cells.theme_ids(result)))
    feelings = [*theme_cells.SENTIMENTS, theme_cells.NO_SENTIMENT]
    multi = any(theme_cells.has_second_themes(result) for result in analyses)
    main = [f"{t}/{s}" for t in themes for s in feelings]
    options = main + [SKIP] + ([f"{t}:{theme_cells.MENTIONS}" for t in themes] if multi else [])
    answers = {t: [f"{t}/{s}" for s in feelings] for t in themes} | {SKIP: [SKIP]}
    answers |= {o: [o] for o in options[len(main) + 1:]}
    people = sorted(session.scalars(select(Response.id).where(Response.run_id == run.id)))
    truth, also = dict.fromkeys(people, SKIP), {}
    for row, person in zip(latest["rows"], latest["row_responses"]):
        found = theme_cells.row_themes(row)
        truth[person], also[person] = found[0], [f"{t}:{theme_cells.MENTIONS}" for t in found[1:]]
    where = {p: i for i, p in enumerate(people)}
    rows = _Rows(len(people) * len(options))

    def col(i: int, option: str) -> int:
        return i * len(options) + options.index(option)

    for i in range(len(people)):
        rows.add({col(i, o): 1.0 for o in main + [SKIP]}, 1, 1)  # one main theme and sentiment, or no comment
        for t in themes if multi else ():  # a theme is raised when it is the main one; never without a comment
            rows.add({col(i, f"{t}:{theme_cells.MENTIONS}"): 1.0} | {col(i, f"{t}/{s}"): -1.0 for s in feelings},
                     0, 1)
            rows.add({col(i, f"{t}:{theme_cells.MENTIONS}"): 1.0, col(i, SKIP): 1.0}, 0, 1)
    for p, theme in (known or {}).items():
        rows.add({col(where[p], o): 1.0 for o in answers[theme]}, 1, 1)
    prefix = f"th:{question}:"
    for made in seen:
        members = members_by_release(session, run, made)
        for key, value in made.content["cells"].items():
            measure, group = c.split(key)
            if value is None or not measure.startswith(prefix) or not visible(group) or group not in members:
                continue
            inside = [where[p] for p in members[group] if p in where]
            what = measure[len(prefix):]
            slack = 0 if releases.exact(key) else noise.MOST
            if what == c.ANSWERED:  # people who commented: those who did not skip it
                rows.add({col(i, SKIP): 1.0 for i in inside}, len(inside) - value - slack,
                         len(inside) - max(0, value - slack))
                continue
            if what in answers:
                chosen = answers[what]
            elif "/".join(what.rsplit(":", 1)) in options:  # a theme's sentiment: "pay:negative"
                chosen = ["/".join(what.rsplit(":", 1))]
            else:  # never shown ("not raising it", "second only", "not given")
                continue
            rows.add({col(i, o): 1.0 for i in inside for o in chosen}, max(0, value - slack), value + slack)
    return Attack(people, options, truth, np.array(rows.rows), np.array(rows.lo), np.array(rows.hi),
                  dict(known or {}), answers, also)
