"""Results read from the answer tally equal a plain count of the answers, for random runs.

The tally, the grouped queries and the folding into breakdowns are each tested
on their own; this checks them together against the simplest count there is:
every response's answers, grouped in Python. Both sides then go through the
same anonymity rule, so any difference is a counting error.
"""

from __future__ import annotations

import random
from collections import Counter

import pytest

from surveyapp.models import Answer, Response, Team
from surveyapp.results import queries
from surveyapp.results.anonymity import DifferencingGuard, Thresholds, suppress

from . import factories

TEAMS = {"Referral and Assessment": ["Assessment North", "Assessment South", "MASH"],
         "Looked After Children": ["Children in Care", "Care Leavers"]}
ROLES = ("nqsw_asye", "social_worker", "senior_practitioner")
CONTRACTS = ("permanent", "agency_locum")
AGREEMENT = ("strongly_agree", "agree", "neither", "disagree", "strongly_disagree", "dont_know")


def band(question, number: int) -> str:
    for label, low, high in queries.BANDS.get(question.id, queries.DEFAULT_BANDS):
        if number >= low and (high is None or number <= high):
            return label
    raise AssertionError(f"{number} is in no band")


def naive(responses: list[Response], question, dimension: str, area_of: dict[int, int]) -> dict[str, Counter[str]]:
    """Each group's answers to `question`, counted response by response; the group's size under ''."""
    groups: dict[str, Counter[str]] = {}
    for response in responses:
        answers = {a.question_id: a for a in response.answers}
        if dimension == "team":
            key = None if response.team_id is None else str(response.team_id)
        elif dimension == "service_area":
            key = None if response.team_id is None else str(area_of[response.team_id])
        else:
            key = answers[dimension].option if dimension in answers else None
        if key is None:
            continue
        counted = groups.setdefault(key, Counter())
        counted[""] += 1
        answer = answers.get(question.id)
        if answer is not None:
            counted[answer.option if answer.option is not None else band(question, answer.number)] += 1
    return groups


@pytest.mark.parametrize("seed", [11, 12])
def test_breakdowns_equal_a_plain_count_of_the_answers(session, seed):
    made = factories.council(session, teams=TEAMS)
    run = factories.run(session, made)
    teams = [t for a in made.service_areas for t in a.teams]
    rng = random.Random(seed)
    for _ in range(rng.randint(60, 120)):
        response = Response(run_id=run.id, team_id=rng.choice(teams).id if rng.random() > 0.05 else None)
        if rng.random() < 0.9:
            response.answers.append(Answer(question_id="role", option=rng.choice(ROLES)))
        if rng.random() < 0.7:
            response.answers.append(Answer(question_id="contract", option=rng.choice(CONTRACTS)))
        if rng.random() < 0.95:
            response.answers.append(Answer(question_id="caseload_manageable", option=rng.choice(AGREEMENT)))
        if rng.random() < 0.8:
            response.answers.append(Answer(question_id="children_allocated", number=rng.randint(0, 40)))
        session.add(response)
    session.commit()

    stored = session.query(Response).filter_by(run_id=run.id).all()
    area_of = {t.id: t.service_area_id for t in session.query(Team)}
    questionnaire = queries.questionnaire_of(run)
    rule = Thresholds()
    scopes = [None, {teams[0].id, teams[1].id}]  # the whole council, and a manager's two teams
    for scope in scopes:
        population = queries.Population(run, scope)
        seen = [r for r in stored if scope is None or r.team_id in scope]
        assert queries.respondents(session, population) == len(seen)
        for question_id in ("caseload_manageable", "children_allocated"):
            question = questionnaire.question(question_id)
            options = [value for value, _ in queries.options_of(question)]
            everyone = queries.distribution(session, population, question, rule, DifferencingGuard(rule))
            plain = Counter(a.option if a.option is not None else band(question, a.number)
                            for r in seen for a in r.answers if a.question_id == question_id)
            assert everyone.counts == suppress({o: plain.get(o, 0) for o in options}, rule)
            for dimension, _ in queries.DIMENSIONS:
                shown = queries.breakdown(session, population, question, dimension, rule, DifferencingGuard(rule),
                                          questionnaire)
                expected = naive(seen, question, dimension, area_of)
                assert {r.key for r in shown.rows} == set(expected), (scope, question_id, dimension)
                sizes = suppress({k: c[""] for k, c in expected.items()}, rule)
                for row in shown.rows:
                    assert row.size == (sizes[row.key] if (sizes[row.key] or 0) >= rule.figures else None)
                    if row.size is not None:
                        assert row.counts == suppress({o: expected[row.key].get(o, 0) for o in options}, rule)
