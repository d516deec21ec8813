"""Building the situations the attack tests need: responses with given answers, and a release's cell names.

The attacker itself is the reader's integer program, `ip_attacker.py`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from surveyapp.disclosure import cells as c
from surveyapp.models import Answer, Response, SurveyRun, Team


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
