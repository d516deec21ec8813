"""Leavers who chose to attach their name to their exit interview, for the principal social worker to follow up.

The exit interview's last question asks each leaver whether to attach their name; only those who said yes
are here, with their answers. The list is for the admin alone: it is never counted in a figure, never in a
release, never in an export (releases hold no names at all: `Response.named_as` is read nowhere else).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..models import Response, SurveyRun, Team
from ..questionnaires import Value, questionnaire_for


@dataclass(frozen=True)
class NamedLeaver:
    name: str
    team: str
    answers: list[tuple[str, str]]  # (question, answer as the leaver would say it)


def named_leavers(db: Session, run: SurveyRun) -> list[NamedLeaver]:
    """The run's leavers who gave their name, by name, with their answers in the questionnaire's order."""
    questionnaire = questionnaire_for(run)
    found = []
    for response in db.scalars(select(Response).where(Response.run_id == run.id, Response.named_as.is_not(None))
                               .options(selectinload(Response.answers)).order_by(Response.named_as)):
        given: dict[str, Value] = {}
        for answer in sorted(response.answers, key=lambda a: a.ordinal):
            value: Value = answer.text if answer.text is not None else (
                str(answer.number) if answer.number is not None else answer.option or "")
            question = questionnaire.question(answer.question_id)
            if question is not None and question.type == "multiple_choice":
                given.setdefault(answer.question_id, [])
                given[answer.question_id].append(value)  # type: ignore[union-attr, arg-type]
            else:
                given[answer.question_id] = value
        team = db.get(Team, response.team_id) if response.team_id is not None else None
        answers = [(q.text, q.display(given[q.id])) for q in questionnaire.questions()
                   if q.id in given and q.type != "attach_name"]
        found.append(NamedLeaver(response.named_as or "", team.name if team else "No team given", answers))
    return found
