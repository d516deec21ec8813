"""The demo council that `make run` loads."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from surveyapp.demo import loader
from surveyapp.disclosure import live
from surveyapp.disclosure.thresholds import Thresholds
from surveyapp.models import Answer, Council, Invitation, Response, ServiceArea, SurveyRun, Team, User
from surveyapp.respond import journey

from . import factories


def counts(session):
    return {model.__name__: session.scalar(select(func.count()).select_from(model))
            for model in (Council, ServiceArea, Team, User, SurveyRun, Invitation, Response, Answer)}


def test_demo_loads_once_and_is_realistic(session):
    loader.load(session)
    first = counts(session)
    loader.load(session)
    assert counts(session) == first, "loading twice must change nothing"

    areas = set(session.scalars(select(ServiceArea.name)))
    assert areas == {"Referral and Assessment", "Complex Child in Need", "Safeguarding and Care Planning",
                     "Looked After Children", "Fostering", "Emergency Duty"}
    assert first["Invitation"] == loader.STAFF + loader.LEAVERS + loader.STAFF - 8
    assert first["SurveyRun"] == 3, "two years of health checks, and exit interviews"
    health = session.scalar(select(SurveyRun).where(SurveyRun.title.like("Social work health check%"),
                                                    SurveyRun.year == dt.date.today().year))
    assert health.accepting_answers(dt.date.today())
    rates = live.rates(session, health, Thresholds())
    assert rates.invited == loader.STAFF and rates.used == loader.HEALTH_CHECK_RESPONSES
    comments = session.scalar(select(func.count()).select_from(Answer).where(Answer.text.is_not(None)))
    assert comments >= 60


def test_demo_links_work_and_skip_used_ones(client, session):
    loader.load(session)
    links = loader.links(session, "http://localhost")
    assert links.respondent and links.leaver and links.sign_in.endswith("/manage/sign-in")
    opened = client.get(links.respondent.replace("http://localhost", ""))
    assert opened.response.headers["Location"] == "/survey"
    for i in range(loader.STAFF):  # every health check link used up
        token = loader.demo_token("health", i)
        invitation = journey.find_invitation(session, token)
        if not journey.link_used(session, token):
            factories.use_link(session, invitation.run, token, invitation.team)
    assert loader.links(session, "http://localhost").respondent is None
