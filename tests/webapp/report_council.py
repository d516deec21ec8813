"""A small council with two years of released health checks, exit interviews, plans and workforce figures.

Built with the test factories (seconds to release, not the demo's minutes), so
the committee report tests know every count behind the figures they read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from surveyapp.action_plans import plans
from surveyapp.models import Council, Role, SurveyRun, ThemeJob
from surveyapp.reports import workforce

from . import factories
from .attacker import respond

TODAY = dt.date.today()
AREAS = {"Referral and Assessment": ["Assessment North", "Assessment South"],
         "Looked After Children": ["Children in Care"], "Fostering": ["Fostering"]}
QUOTE = "Smaller caseloads would let me see the children I work with"


@dataclass
class Made:
    council: Council
    last: SurveyRun
    this: SurveyRun
    exit_run: SurveyRun
    admin: str


def _health(session: Session, run: SurveyRun, people: dict[str, int], disagree_every: int) -> list:
    """People per team; every `disagree_every`-th disagrees that their caseload is manageable."""
    made = []
    for name, n in people.items():
        team = factories.team(session, run.council, name)
        for _ in range(3):
            factories.invitation(session, run, team)  # three invited who did not answer
        for i in range(n):
            factories.invitation(session, run, team)
            made.append(respond(session, run, team, caseload_manageable="disagree" if i % disagree_every == 0 else "agree",
                                pay_fair="strongly_agree" if i % 3 == 0 else "disagree",
                                manager_support="agree" if i % 4 else "neither",
                                biggest_difference=f"Comment {i} in {name}"))
    return made


def _themes(session: Session, run: SurveyRun, responses: list, question_id: str = "biggest_difference") -> None:
    """An analysis of a free-text question: two themes of 10 comments or more, so quotes may be shown."""
    rows = [{"row": i, "theme": "caseload_workload" if i % 2 else "pay_reward", "confidence": 0.9,
             "sentiment": "negative" if i % 3 else "mixed"} for i in range(len(responses))]
    session.add(ThemeJob(run_id=run.id, question_id=question_id, status="done", progress=100, stage="Done",
                         result={"mode": "taxonomy", "rows": rows, "row_teams": [r.team_id for r in responses],
                                 "row_responses": [r.id for r in responses], "notes": [], "emerging_themes": [],
                                 "themes": [{"id": "caseload_workload", "label": "Caseload and workload",
                                             "keywords": ["caseload"], "description": None,
                                             "quotes": [{"row": 1, "text": QUOTE}]},
                                            {"id": "pay_reward", "label": "Pay and reward", "keywords": ["pay"],
                                             "description": None, "quotes": []}]}))
    session.commit()


def _leavers(session: Session, run: SurveyRun) -> list:
    made = []
    for name, n in (("Assessment North", 12), ("Children in Care", 11)):
        team = factories.team(session, run.council, name)
        for i in range(n):
            made.append(respond(session, run, team, leaving_month=f"{TODAY.year}-0{1 + i % 6}",
                                main_reasons=["caseload_workload"] + (["pay"] if i < 5 else []),
                                destination="another_council" if i < 7 else "agency",
                                would_have_kept_you=f"Leaver {i} in {name}"))
    return made


def _workforce(session: Session, made: Council, year: int, leavers: float) -> None:
    for area in made.service_areas:
        entry, problems = workforce.check({"posts_fte": "40", "vacancies_fte": "6", "agency_fte": "4.5",
                                           "starters_fte": "5", "leavers_fte": str(leavers), "asye": "3",
                                           "average_caseload": "17.5" if area.name.startswith("Ref") else "21"})
        assert entry is not None, problems
        workforce.save(session, area, year, entry, "PSW")
    session.commit()


def build(session: Session) -> Made:
    made = factories.council(session, "reporting", AREAS)
    made.caseload_policy = 20
    session.commit()
    last = factories.run(session, made, today=TODAY - dt.timedelta(days=365), status="closed")
    _health(session, last, {"Assessment North": 10, "Assessment South": 8, "Children in Care": 9}, 4)
    factories.release(session, last)
    plan = plans.create_draft(session, last, "PSW")
    plans.approve(session, plan, "PSW")
    plans.publish(session, plan, "PSW")
    first = plan.rows[0].commitments[0]
    plans.record_progress(session, first, note="Two new posts in Assessment North.", status="done", author="PSW")
    this = factories.run(session, made, status="closed")
    responses = _health(session, this, {"Assessment North": 12, "Assessment South": 9, "Children in Care": 10,
                                        "Fostering": 5}, 2)
    _themes(session, this, responses)
    factories.approve_quotes(session, this)  # the PSW approves the quote (moderation) before the release
    factories.release(session, this)
    draft = plans.create_draft(session, this, "PSW")
    plans.record_progress(session, draft.rows[0].commitments[0], note="Caseload review started.",
                          status="on_track", author="PSW")
    exit_run = factories.run(session, made, "exit-interview")
    _themes(session, exit_run, _leavers(session, exit_run), "would_have_kept_you")
    factories.approve_quotes(session, exit_run)
    factories.release(session, exit_run)
    _workforce(session, made, TODAY.year, 7)
    _workforce(session, made, TODAY.year - 1, 9)
    admin = factories.user(session, made, Role.ADMIN)
    return Made(made, last, this, exit_run, admin)
