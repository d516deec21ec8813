"""A demo council with realistic answers, for `make run` and the browser tests.

Deterministic (seeded) and idempotent: loading twice changes nothing. Demo link
tokens are derived from a fixed seed so that `make run` can print a working
link every time; real invitations use random tokens and are never derivable.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import security
from ..auth import create_user
from ..manage import runs
from ..models import Council, Invitation, Role, RunStatus, ServiceArea, SurveyRun, Team, UsedLink, UserScope
from ..questionnaires import Question, Questionnaire, Value
from ..respond import journey
from ..questionnaires import questionnaire_for

SLUG = "demo"
ADMIN_EMAIL = "psw@demo.example"
ADMIN_PASSWORD = "demo-password-2026"
SEED = b"surveyapp demo council: not secret"
STAFF = 120
HEALTH_CHECK_RESPONSES = 74
PREVIOUS_RESPONSES = 61
LEAVERS = 12
EXIT_RESPONSES = 10

MANAGER_EMAIL = "manager@demo.example"
VIEWER_EMAIL = "viewer@demo.example"
SCOPED_USERS = ((MANAGER_EMAIL, "Head of Service, Referral and Assessment", Role.MANAGER, "Referral and Assessment"),
                (VIEWER_EMAIL, "Team Manager, Looked After Children", Role.VIEWER, "Looked After Children"))
SERVICE_AREAS: dict[str, list[str]] = {
    "Referral and Assessment": ["Front Door (MASH)", "Assessment Team North", "Assessment Team South"],
    "Complex Child in Need": ["Child in Need East", "Child in Need West"],
    "Safeguarding and Care Planning": ["Safeguarding Team 1", "Safeguarding Team 2", "Court and Proceedings"],
    "Looked After Children": ["Children in Care", "Care Leavers"],
    "Fostering": ["Fostering Assessment", "Fostering Support"],
    "Emergency Duty": ["Emergency Duty Team"],
}
FIRST = ["Aisha", "Ben", "Chloe", "Daniel", "Emma", "Farah", "George", "Hannah", "Imran", "Jess", "Kwame", "Laura",
         "Mohammed", "Nadia", "Owen", "Priya", "Rachel", "Sam", "Tom", "Zoe", "Grace", "Liam", "Megan", "Ravi"]
LAST = ["Ahmed", "Brown", "Clarke", "Davies", "Evans", "Hughes", "Jones", "Khan", "Lewis", "Patel", "Roberts",
        "Smith", "Taylor", "Walker", "Wilson", "Wright", "Thompson", "Begum", "Green", "Hall"]


@dataclass(frozen=True)
class DemoLinks:
    respondent: str | None
    leaver: str | None
    sign_in: str
    email: str = ADMIN_EMAIL
    password: str = ADMIN_PASSWORD


def demo_token(kind: str, index: int) -> str:
    return hmac.new(SEED, f"{kind}:{index}".encode(), hashlib.sha256).hexdigest()


def load(db: Session, today: dt.date | None = None) -> Council:
    existing = db.scalar(select(Council).where(Council.slug == SLUG))
    if existing is not None:
        return existing
    today = today or dt.date.today()
    rng = random.Random(2026)
    council = Council(name="Demo Borough Council", slug=SLUG)
    db.add(council)
    teams = _teams(db, council)
    create_user(db, council_id=council.id, email=ADMIN_EMAIL, name="Principal Social Worker",
                password=ADMIN_PASSWORD, role=Role.ADMIN)
    for email, name, role, area_name in SCOPED_USERS:
        user = create_user(db, council_id=council.id, email=email, name=name, password=ADMIN_PASSWORD, role=role)
        area = next(a for a in council.service_areas if a.name == area_name)
        user.scopes.append(UserScope(service_area_id=area.id))
    # Gateshead's policy was 18 to 20 children; Nottingham protected ASYE caseloads at 15.
    council.caseload_policy, council.asye_caseload_limit = 18, 15
    stored = {q.key: q for q in runs.sync_questionnaires(db)}
    comments = yaml.safe_load((Path(__file__).parent / "comments.yaml").read_text(encoding="utf-8"))
    window = (today - dt.timedelta(days=30), today + dt.timedelta(days=30))
    health = runs.create_run(db, council_id=council.id, questionnaire=stored["health-check"],
                             title=f"Social work health check {today.year}", year=today.year,
                             opens_on=window[0], closes_on=window[1])
    exits = runs.create_run(db, council_id=council.id, questionnaire=stored["exit-interview"],
                            title=f"Exit interviews {today.year}", year=today.year,
                            opens_on=dt.date(today.year, 1, 1), closes_on=dt.date(today.year, 12, 31))
    year_ago = dt.timedelta(days=365)
    previous = runs.create_run(db, council_id=council.id, questionnaire=stored["health-check"],
                               title=f"Social work health check {today.year - 1}", year=today.year - 1,
                               opens_on=window[0] - year_ago, closes_on=window[1] - year_ago)
    previous.status = RunStatus.CLOSED.value
    _invite(db, previous, teams, "health-previous", STAFF - 8, PREVIOUS_RESPONSES, rng)
    # Teams keep their character from year to year; last year differed by section, some better and
    # some worse, so this year's comparison has real changes and unchanged sections to show.
    climate = {t.id: rng.uniform(-1.0, 1.0) for t in teams}
    _answers(db, previous, teams, PREVIOUS_RESPONSES, comments["health_check"], rng, climate, LAST_YEAR)
    from .plan import last_years_plan

    health.follow_up = last_years_plan(db, previous, today)  # this year's run asks about last year's commitments
    _invite(db, health, teams, "health", STAFF, HEALTH_CHECK_RESPONSES, rng)
    _invite(db, exits, teams, "exit", LEAVERS, EXIT_RESPONSES, rng)
    _answers(db, health, teams, HEALTH_CHECK_RESPONSES, comments["health_check"], rng, climate)
    _answers(db, exits, teams, EXIT_RESPONSES, comments["exit_interview"], rng, climate)
    db.commit()
    return council


def _weights(teams: list[Team]) -> list[float]:
    # Front door and assessment teams are the biggest; Emergency Duty the smallest.
    return [3.0, 2.0, 2.0, 1.6, 1.6, 2.0, 2.0, 1.4, 1.6, 1.2, 1.0, 1.0, 0.7][:len(teams)]


def _teams(db: Session, council: Council) -> list[Team]:
    teams = []
    for area_name, team_names in SERVICE_AREAS.items():
        area = ServiceArea(council=council, name=area_name)
        db.add(area)
        teams += [Team(service_area=area, name=name) for name in team_names]
    db.add_all(teams)
    db.flush()
    return teams


def _invite(db: Session, run: SurveyRun, teams: list[Team], kind: str, count: int, submitted: int,
            rng: random.Random) -> None:
    # Links from the end of the list are marked used, so the first links stay
    # unused for the demo; responses below are not tied to them.
    for i in range(count):
        name = f"{FIRST[i % len(FIRST)]} {LAST[(i * 7 + len(kind)) % len(LAST)]}"
        team_id = rng.choices(teams, weights=_weights(teams))[0].id
        db.add(Invitation(run_id=run.id, team_id=team_id, name=name, email=f"{kind}.{i}@demo.example",
                          token_hash=security.invitation_hash(demo_token(kind, i))))
        if i >= count - submitted:
            db.add(UsedLink(key=security.used_link_key(demo_token(kind, i)), run_id=run.id, team_id=team_id))
    db.flush()


def _answers(db: Session, run: SurveyRun, teams: list[Team], count: int, bank: dict[str, Any],
             rng: random.Random, climate: dict[int, float], shift: dict[str, float] | None = None) -> None:
    questionnaire = questionnaire_for(run)
    for _ in range(count):
        team = rng.choices(teams, weights=_weights(teams))[0]
        answers = _respondent(questionnaire, climate[team.id], bank, rng, shift or {})
        named_as = f"{rng.choice(FIRST)} {rng.choice(LAST)}" if answers.get("attach_name") == "yes" else None
        response = journey.build_response(run, questionnaire, answers, named_as)
        response.team_id = team.id  # chosen above: the demo's answers carry no team
        db.add(response)


def _respondent(questionnaire: Questionnaire, mood: float, bank: dict[str, Any], rng: random.Random,
                shift: dict[str, float]) -> dict[str, Value]:
    answers: dict[str, Value] = {}
    for section in questionnaire.sections:
        if not section.shown(answers):
            continue
        for question in section.visible_questions(answers):
            value = _value(question, mood + shift.get(section.id, 0.0), bank, rng)
            if value is not None:
                answers[question.id] = value
    return answers


AGREEMENT_ORDER = ["strongly_disagree", "disagree", "neither", "agree", "strongly_agree"]
# How last year's answers differed, section by section (negative: worse last year, so better now).
LAST_YEAR = {"workload": 0.3, "supervision": -0.6, "management": -0.3, "wellbeing": 0.15, "systems": -0.45,
             "communication": -0.3, "safeguarding": -0.15, "staying": 0.2}


def _value(question: Question, mood: float, bank: dict[str, Any], rng: random.Random) -> Value | None:
    if question.type == "agreement":
        if rng.random() < 0.05:
            return "dont_know"
        score = min(4, max(0, round(rng.gauss(2.2 + mood, 1.1))))
        return AGREEMENT_ORDER[score]
    if question.type == "number":
        centre = 17 if question.id == "children_allocated" else 7
        return min(question.max or 0, max(question.min or 0, round(rng.gauss(centre - 2 * mood, centre / 3))))
    if question.type == "free_text":
        texts = bank.get(question.id)
        chance = {"biggest_difference": 0.75, "do_well": 0.5, "would_have_kept_you": 0.9}.get(question.id, 0.25)
        return rng.choice(texts)["text"] if texts and rng.random() < chance else None
    if question.type == "multiple_choice":
        return sorted(rng.sample([v for v, _ in question.options], k=rng.randint(1, question.max_choices or 3)))
    if question.type == "month":
        return f"{dt.date.today().year}-{rng.randint(1, 12):02d}"
    if question.type == "team":
        return None
    return rng.choice(question.choices())[0]


def links(db: Session, base_url: str) -> DemoLinks:
    return DemoLinks(_unused_link(db, "health", STAFF, base_url), _unused_link(db, "exit", LEAVERS, base_url),
                     f"{base_url}/manage/sign-in")


def _unused_link(db: Session, kind: str, count: int, base_url: str) -> str | None:
    for i in range(count):
        token = demo_token(kind, i)
        if journey.find_invitation(db, token) is not None and not journey.link_used(db, token):
            return f"{base_url}/invite/{token}"
    return None
