"""The joined audit (surveyapp.disclosure.joint): what an attacker who reads every question's table
at once can work out, and the defence.

The attack: `audit.protect` with systems proves each question's table safe on its own, with the group
sizes they share. Joining the tables narrows the hidden sizes (each table bounds them a little), and
then the cells that hang on them. These councils are ones where the per-question result is broken by
the joined LP; the joined audit must leave no hidden cell narrower than 5 over every table.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from surveyapp.disclosure import joint
from surveyapp.disclosure.audit import Problem, feasible_ranges, protect

from .test_audit import assert_protected, two_questions

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from benchmarks.audit import Case, build

# Councils of 20 to 80 people with 4 questions in which the joined LP narrows a hidden cell of the
# per-question result to a width of 3 (found by scanning random cases of benchmarks/audit.py's builder).
BROKEN = [Case("a", 43, 3, 5, 4, seed=49), Case("b", 54, 2, 5, 4, seed=2), Case("c", 31, 3, 5, 4, seed=98)]


def narrowest(problem: Problem, hidden: frozenset[str]) -> int:
    ranges = feasible_ranges(problem, hidden)
    return min((hi - lo for k, (lo, hi) in ranges.items() if (lo, hi) != (0, 0)), default=problem.threshold)


@pytest.mark.parametrize("case", BROKEN, ids=lambda c: c.name)
def test_the_attacker_who_joins_the_tables_learns_nothing_after_the_joined_audit(case: Case) -> None:
    problem = build(case)
    first = protect(problem)
    result = joint.protect(problem, first)
    assert first.hidden <= result.hidden
    assert_protected(problem, result)


def test_the_attack_works_on_the_per_question_result_alone() -> None:
    # The attack is real: on each of these councils the per-question result leaves a hidden
    # cell the joined LP narrows below 5 (without this, the test above would prove nothing).
    assert all(narrowest(build(case), protect(build(case)).hidden) < 5 for case in BROKEN)


def test_tables_that_share_no_unknown_are_not_audited_again() -> None:
    problem = two_questions()
    everything_shown = protect(Problem(problem.values, problem.sums, problem.published, systems=problem.systems,
                                       threshold=1))
    assert joint.protect(Problem(problem.values, problem.sums, problem.published, systems=problem.systems,
                                 threshold=1), everything_shown) is everything_shown


def test_the_joined_audit_is_deterministic() -> None:
    problem = build(BROKEN[0])
    first = protect(problem)
    assert joint.protect(problem, first).hidden == joint.protect(problem, protect(problem)).hidden
