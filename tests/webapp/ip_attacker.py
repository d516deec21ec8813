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
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.disclosure import cells as c
from surveyapp.disclosure import noise
from surveyapp.disclosure import release as releases
from surveyapp.models import Answer, Release, Response, SurveyRun
from surveyapp.questionnaires import questionnaire_for

SKIP = "~"


@dataclass
class Attack:
    people: list[str]  # response ids
    options: list[str]
    truth: dict[str, str]
    a: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    fixed: dict[str, str]

    def _index(self, person: str, option: str) -> int:
        return self.people.index(person) * len(self.options) + self.options.index(option)

    def _solve(self, objective: np.ndarray) -> float:
        n = len(self.people) * len(self.options)
        found = milp(objective, constraints=LinearConstraint(self.a, self.lo, self.hi),
                     integrality=np.ones(n), bounds=Bounds(np.zeros(n), np.ones(n)))
        assert found.status == 0, f"the true answers must be a solution: {found.message}"
        return float(found.fun)

    def count_range(self, people: Iterable[str], option: str) -> tuple[int, int]:
        """The least and greatest number of `people` who gave `option`, over every solution."""
        objective = np.zeros(len(self.people) * len(self.options))
        for person in people:
            objective[self._index(person, option)] = 1.0
        return round(self._solve(objective)), round(-self._solve(-objective))

    def pinned_people(self) -> list[str]:
        """People (not known to the reader beforehand) whose answer is the same in every solution."""
        return [p for p in self.people if p not in self.fixed and self.count_range([p], self.truth[p])[0] == 1]

    def pinned_set(self, people: list[str]) -> list[str]:
        """Options whose count among `people` is the same in every solution."""
        return [o for o in self.options if len(set(self.count_range(people, o))) == 1]


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
    truth = {p: SKIP for p in people}
    truth |= dict(session.execute(select(Answer.response_id, Answer.option).join(Response)
                                  .where(Response.run_id == run.id, Answer.question_id == question)).all())
    width = len(people) * len(options)
    rows: list[np.ndarray] = []
    lo: list[float] = []
    hi: list[float] = []

    def add(coefficients: dict[int, float], low: float, high: float) -> None:
        row = np.zeros(width)
        for j, value in coefficients.items():
            row[j] = value
        rows.append(row)
        lo.append(low)
        hi.append(high)

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
            if option == c.ANSWERED:  # exact: people who answered
                add({i * len(options) + options.index(SKIP): 1.0 for i in inside}, len(inside) - value, len(inside) - value)
                continue
            slack = 0 if releases.exact(key) else noise.MOST
            add({i * len(options) + options.index(option): 1.0 for i in inside}, max(0, value - slack), value + slack)
    return Attack(people, options, truth, np.array(rows), np.array(lo), np.array(hi), dict(known or {}))
