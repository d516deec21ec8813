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
# Staff invited this year, by team (in the order above): teams of 11 to 14 social workers, as real
# teams are, and two small ones, so that a newcomer sees what a council will see: most teams shown,
# a few hidden.
INVITED = (14, 14, 14, 14, 13, 13, 13, 12, 12, 12, 11, 5, 4)
# Last year every team but the two small ones had one more vacancy.
INVITED_LAST_YEAR = tuple(n - 1 if n >= 10 else n for n in INVITED)
RESPONSE_RATES = (0.5, 0.85)  # a team's share responding: some teams answer more readily than others
# Leavers this year by service area (invited, responded): exit interviews are counted by service area,
# and the two biggest areas have 5 or more respondents.
LEAVERS_BY_AREA = {"Referral and Assessment": (8, 6), "Complex Child in Need": (4, 3),
                   "Safeguarding and Care Planning": (6, 5), "Looked After Children": (3, 2), "Fostering": (2, 1),
                   "Emergency Duty": (1, 1)}


def responding(invited: tuple[int, ...], seed: int) -> tuple[int, ...]:
    """How many of each team answered: each team's rate drawn (seeded) between RESPONSE_RATES."""
    rng = random.Random(seed)
    return tuple(round(n * rng.uniform(*RESPONSE_RATES)) for n in invited)


RESPONDED = responding(INVITED, 2026)  # 102 of 151
RESPONDED_LAST_YEAR = responding(INVITED_LAST_YEAR, 2025)  # 91 of 140
STAFF = sum(INVITED)
HEALTH_CHECK_RESPONSES = sum(RESPONDED)
PREVIOUS_STAFF = sum(INVITED_LAST_YEAR)
PREVIOUS_RESPONSES = sum(RESPONDED_LAST_YEAR)
LEAVERS = sum(invited for invited, _ in LEAVERS_BY_AREA.values())
EXIT_RESPONSES = sum(responded for _, responded in LEAVERS_BY_AREA.values())
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
    # Teams keep their character from year to year; last year differed by section, some better and
    # some worse, so this year's comparison has real changes and unchanged sections to show.
    climate = {t.id: rng.uniform(-1.0, 1.0) for t in teams}
    last_year = _invite(db, previous, "health-previous",
                        list(zip(teams, INVITED_LAST_YEAR, RESPONDED_LAST_YEAR, strict=True)))
    _answers(db, previous, last_year, comments["health_check"], rng, climate, LAST_YEAR)
    from .plan import last_years_plan

    health.follow_up = last_years_plan(db, previous, today)  # this year's run asks about last year's commitments
    this_year = _invite(db, health, "health", list(zip(teams, INVITED, RESPONDED, strict=True)))
    leavers = _invite(db, exits, "exit", _leavers(teams, rng))
    _answers(db, health, this_year, comments["health_check"], rng, climate)
    _answers(db, exits, leavers, comments["exit_interview"], rng, climate)
    db.commit()
    return council


def _teams(db: Session, council: Council) -> list[Team]:
    teams = []
    for area_name, team_names in SERVICE_AREAS.items():
        area = ServiceArea(council=council, name=area_name)
        db.add(area)
        teams += [Team(service_area=area, name=name) for name in team_names]
    db.add_all(teams)
    db.flush()
    return teams


def _leavers(teams: list[Team], rng: random.Random) -> list[tuple[Team, int, int]]:
    """Each leaver's team, drawn within their service area: (team, invited, responded), one a leaver."""
    found = []
    for area_name, (invited, responded) in LEAVERS_BY_AREA.items():
        inside = [t for t in teams if t.name in SERVICE_AREAS[area_name]]
        found += [(rng.choice(inside), 1, 1 if i < responded else 0) for i in range(invited)]
    return found


def _invite(db: Session, run: SurveyRun, kind: str, teams: list[tuple[Team, int, int]]) -> list[Team]:
    """Invitations by team (team, invited, responded); returns the team of each response to write.

    The last links of each team are marked used, so the first links stay unused for the demo; the
    responses are written in the same teams but are not tied to the links."""
    i = 0
    answered = []
    for team, invited, responded in teams:
        for j in range(invited):
            name = f"{FIRST[i % len(FIRST)]} {LAST[(i * 7 + len(kind)) % len(LAST)]}"
            db.add(Invitation(run_id=run.id, team_id=team.id, name=name, email=f"{kind}.{i}@demo.example",
                              token_hash=security.invitation_hash(demo_token(kind, i))))
            if j >= invited - responded:
                db.add(UsedLink(key=security.used_link_key(demo_token(kind, i)), run_id=run.id, team_id=team.id))
                answered.append(team)
            i += 1
    db.flush()
    return answered


def _answers(db: Session, run: SurveyRun, teams: list[Team], bank: dict[str, Any], rng: random.Random,
             climate: dict[int, float], shift: dict[str, float] | None = None) -> None:
    """One response for each team in `teams` (a team once for each of its respondents)."""
    questionnaire = questionnaire_for(run)
    for team in teams:
        answers = _respondent(questionnaire, climate[team.id], bank, rng, shift or {})
        named_as = f"{rng.choice(FIRST)} {rng.choice(LAST)}" if answers.get("attach_name") == "yes" else None
        response = journey.build_response(run, questionnaire, answers, named_as)
        response.team_id = team.id  # the team of a used link: the demo's answers carry no team
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
