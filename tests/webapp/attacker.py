"""What someone who reads every page of a release can work out: the attacker's side of the attack tests.

The attacker knows everything the product publishes and how it is laid out:
every shown cell of a release, and every sum that ties cells together (teams add
up to areas, breakdowns to units, answers to groups). For a hidden cell they can
narrow its value to the smallest and largest consistent with all of that: one
linear program over every table at once (`audit.feasible_ranges`), not the
per-system audit the release itself runs.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from surveyapp.disclosure import audit
from surveyapp.disclosure import cells as c
from surveyapp.disclosure import release as releases
from surveyapp.disclosure import themes as theme_cells
from surveyapp.disclosure.build import Built, Policy, build
from surveyapp.models import Answer, Release, Response, SurveyRun, Team
from surveyapp.questionnaires import questionnaire_for


def rebuilt(session: Session, run: SurveyRun, made: Release) -> Built:
    """Every cell of the run with its true value, laid out as the release was (same policy, same analyses)."""
    policy = made.content["policy"]
    analyses = {q: r for q, r in releases.analyses_of(session, run).items()
                if r.get("job") == made.content.get("analyses", {}).get(q)}
    return build(releases.structure(session, run), questionnaire_for(run), Policy(policy["caseload"], policy["asye"]),
                 releases.tally_rows(session, run), releases.with_teams(run),
                 extra=lambda builder: theme_cells.add(builder, analyses, made.content["threshold"]))


def hidden(made: Release) -> set[str]:
    return {k for k, v in made.content["cells"].items() if v is None}


def shown(made: Release) -> dict[str, int]:
    return {k: v for k, v in made.content["cells"].items() if v is not None}


def ranges(session: Session, run: SurveyRun, made: Release, keys: list[str]) -> dict[str, tuple[int, int]]:
    """The attacker's best bounds on each key, from everything the release shows."""
    built = rebuilt(session, run, made)
    for key, value in shown(made).items():
        assert built.values[key] == value, f"{key}: the release shows {value}, the answers say {built.values[key]}"
    problem = audit.Problem(values=built.values, sums=built.sums, published=frozenset(built.published))
    return audit.feasible_ranges(problem, hidden(made), keys)


def respond(session: Session, run: SurveyRun, team: Team | None, **answers: Any) -> Response:
    """One response with the given answers: an option, a number, a list of ticked options, or a comment."""
    response = Response(run_id=run.id, team_id=team.id if team else None)
    for question_id, value in answers.items():
        if isinstance(value, list):
            response.answers += [Answer(question_id=question_id, ordinal=i, option=v) for i, v in enumerate(value)]
        elif isinstance(value, int):
            response.answers.append(Answer(question_id=question_id, number=value))
        elif question_id in ("biggest_difference", "do_well", "anything_else", "would_have_kept_you"):
            response.answers.append(Answer(question_id=question_id, text=value))
        else:
            response.answers.append(Answer(question_id=question_id, option=value))
    session.add(response)
    session.commit()
    return response


def key(measure: str, group: str) -> str:
    return c.cell(measure, group)
