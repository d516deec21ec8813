"""Builders for test data, and a walker that answers a questionnaire as a person would."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from surveyapp import security
from surveyapp.auth import create_user
from surveyapp.manage import runs
from surveyapp.models import Answer, Council, Invitation, Response, Role, ServiceArea, SurveyRun, Team, UsedLink
from surveyapp.questionnaires import Question

PASSWORD = "correct horse battery staple"


def council(session: Session, slug: str = "northshire", teams: dict[str, list[str]] | None = None) -> Council:
    teams = teams or {"Referral and Assessment": ["Assessment North", "Assessment South"],
                      "Looked After Children": ["Children in Care"]}
    made = Council(name=f"{slug.title()} Council", slug=slug)
    session.add(made)
    for area_name, names in teams.items():
        area = ServiceArea(council=made, name=area_name)
        session.add(area)
        session.add_all(Team(service_area=area, name=n) for n in names)
    session.commit()
    return made


def team(session: Session, made: Council, name: str) -> Team:
    return next(t for a in made.service_areas for t in a.teams if t.name == name)


def run(session: Session, made: Council, key: str = "health-check", *, today: dt.date | None = None,
        status: str = "open") -> SurveyRun:
    today = today or dt.date.today()
    questionnaire = next(q for q in runs.sync_questionnaires(session) if q.key == key)
    created = runs.create_run(session, council_id=made.id, questionnaire=questionnaire,
                              title=f"{questionnaire.title} ({made.slug})", year=today.year,
                              opens_on=today - dt.timedelta(days=7), closes_on=today + dt.timedelta(days=21))
    created.status = status
    session.commit()
    return created


def invitation(session: Session, survey_run: SurveyRun, made_team: Team | None,
               name: str = "Alex Morgan", email: str | None = None) -> str:
    token = security.new_token()
    session.add(Invitation(run_id=survey_run.id, team_id=made_team.id if made_team else None, name=name,
                           email=email or f"{token[:8].lower()}@example.org",
                           token_hash=security.invitation_hash(token)))
    session.commit()
    return token


def use_link(session: Session, survey_run: SurveyRun, token: str, made_team: Team | None) -> None:
    """Mark an invitation's link as used, as submitting through it does (without the answers)."""
    session.add(UsedLink(key=security.used_link_key(token), run_id=survey_run.id,
                         team_id=made_team.id if made_team else None))
    session.commit()


def user(session: Session, made: Council, role: Role = Role.ADMIN, email: str | None = None) -> str:
    email = email or f"{role.value}@{made.slug}.example"
    create_user(session, council_id=made.id, email=email, name=f"{role.value.title()} User",
                password=PASSWORD, role=role)
    return email


def value_for(question: Question, overrides: dict[str, Any], team_value: str) -> Any:
    """A valid answer a person might give, unless the test says otherwise."""
    if question.id in overrides:
        return overrides[question.id]
    return {
        "agreement": "agree",
        "single_choice": question.options[0][0] if question.options else "",
        "multiple_choice": [question.options[0][0]] if question.options else [],
        "number": str((question.min or 0) + 3),
        "free_text": f"My answer to {question.id}.",
        "month": ["9", str(dt.date.today().year)],
        "team": team_value,
        "attach_name": "no",
    }[question.type]


def walk(client: Any, questionnaire: Any, overrides: dict[str, Any] | None = None,
         start: str = "/survey") -> str:
    """Answer every page from the start page on; returns where the journey ends up."""
    overrides = overrides or {}
    url = client.submit(start).response.headers["Location"]
    visited = 0
    while url.startswith("/survey/") and url not in ("/survey/check", "/survey/done"):
        page = client.get(url)
        assert page.status == 200, page.text()
        section = questionnaire.section(url.rsplit("/", 1)[1])
        team_select = page.soup.select_one("select[name=team]")
        options = team_select.find_all("option") if team_select else []
        chosen = [o["value"] for o in options if o.has_attr("selected") and o["value"]]
        team_value = (chosen or [o["value"] for o in options if o["value"]] or [""])[0]
        data = {q.id: value_for(q, overrides, team_value) for q in section.questions
                if page.soup.select_one(f"[name={q.id}]")}
        result = client.submit(url, data)
        assert result.status == 302, f"{url}: {page.h1}: {result.errors()}"
        url = result.response.headers["Location"]
        visited += 1
        assert visited < 50, "the journey does not end"
    return url


def sign_in(client: Any, email: str, password: str = PASSWORD) -> Any:
    """Sign in through the form, as a manager would; returns the POST's page (a redirect when it worked)."""
    return client.submit("/manage/sign-in", {"email": email, "password": password})


def csrf_token(page: Any) -> str:
    """The CSRF token a page carries (every signed-in page has one, in the sign-out form)."""
    field = page.soup.select_one("input[name=csrf_token]")
    assert field is not None, "the page has no CSRF token"
    return field["value"]


def agreement_responses(session: Session, survey_run: SurveyRun, made_team: Team, agree: int, disagree: int,
                        question_id: str = "caseload_manageable") -> None:
    """Responses that answer one agreement question: `agree` agreeing, then `disagree` disagreeing."""
    for i in range(agree + disagree):
        response = Response(run_id=survey_run.id, team_id=made_team.id)
        response.answers.append(Answer(question_id=question_id, option="agree" if i < agree else "disagree"))
        session.add(response)
    session.commit()


def release(session: Session, survey_run: SurveyRun, kind: str | None = None, figures: int = 5) -> Any:
    """Make a release of the run now, as closing it (or the admin's button) does; returns the Release."""
    from surveyapp.disclosure import release as releases
    from surveyapp.disclosure.thresholds import Thresholds
    from surveyapp.models import ReleaseKind

    chosen = ReleaseKind(kind) if kind else (ReleaseKind.PERIOD if survey_run.kind == "exit_interview"
                                             else ReleaseKind.FINAL)
    made = releases.request(session, survey_run, chosen)
    releases.run_release(session, made.id, Thresholds(figures=figures))
    session.refresh(made)
    return made


def approve_quotes(session: Session, survey_run: SurveyRun) -> int:
    """The principal social worker approves every quote the next release could show; returns how many."""
    from sqlalchemy import select

    from surveyapp.disclosure.thresholds import Thresholds
    from surveyapp.models import QuoteStatus, User
    from surveyapp.moderation import quotes

    admin = session.scalar(select(User).where(User.council_id == survey_run.council_id, User.role == Role.ADMIN.value))
    if admin is None:
        email = user(session, survey_run.council, Role.ADMIN, email=f"moderator@{survey_run.council.slug}.example")
        admin = session.scalar(select(User).where(User.email == email))
    found = quotes.candidates(session, survey_run, Thresholds())
    for quote in found:
        quotes.decide(session, survey_run, quote, admin, QuoteStatus.APPROVED)
    return len(found)


def respondent_token(client: Any) -> str:
    """The respondent's token, from their (encrypted) cookie, as the app itself reads it."""
    with client.client.session_transaction() as cookie:
        sealed = cookie["respondent"]
    state = security.unseal_from_cookie(client.client.application.config["SECRET_KEY"], sealed)
    assert state is not None
    return str(state["token"])
