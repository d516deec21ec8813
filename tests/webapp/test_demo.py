"""The demo council that `make run` loads."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from surveyapp.demo import loader
from surveyapp.disclosure import cells as c
from surveyapp.disclosure import live
from surveyapp.disclosure.thresholds import Thresholds
from surveyapp.models import Answer, Council, Invitation, Response, ServiceArea, SurveyRun, Team, UsedLink, User
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
    assert first["Invitation"] == loader.STAFF + loader.LEAVERS + loader.PREVIOUS_STAFF
    assert first["SurveyRun"] == 3, "two years of health checks, and exit interviews"
    health = session.scalar(select(SurveyRun).where(SurveyRun.title.like("Social work health check%"),
                                                    SurveyRun.year == dt.date.today().year))
    assert health.accepting_answers(dt.date.today())
    rates = live.rates(session, health, Thresholds())
    assert rates.invited == loader.STAFF and rates.used == loader.HEALTH_CHECK_RESPONSES
    comments = session.scalar(select(func.count()).select_from(Answer).where(Answer.text.is_not(None)))
    assert comments >= 60


def by_team(session, run, model) -> dict[str, int]:
    """Rows of `model` (invitations, used links, responses) of the run, counted by team."""
    return dict(session.execute(select(Team.name, func.count()).select_from(model)
                                .join(Team, Team.id == model.team_id)
                                .where(model.run_id == run.id).group_by(Team.name)).all())


def by_area(session, run) -> dict[str, int]:
    return dict(session.execute(select(ServiceArea.name, func.count()).select_from(Response)
                                .join(Team, Team.id == Response.team_id).join(ServiceArea)
                                .where(Response.run_id == run.id).group_by(ServiceArea.name)).all())


def demo_runs(session) -> tuple[SurveyRun, SurveyRun, SurveyRun]:
    this_year = dt.date.today().year
    found = {(r.kind, r.year): r for r in session.scalars(select(SurveyRun))}
    return found[("health_check", this_year)], found[("health_check", this_year - 1)], \
        found[("exit_interview", this_year)]


def test_the_demo_has_teams_and_response_rates_as_a_council_does(session):
    """About 150 invited in teams of 4 to 14 (two small), two thirds responding, each team at its own rate;
    last year much the same; a leaver's run where some service areas reach 5 respondents."""
    loader.load(session)
    health, previous, exits = demo_runs(session)
    invited, responded = by_team(session, health, Invitation), by_team(session, health, Response)
    assert len(invited) == 13 and min(invited.values()) == 4 and max(invited.values()) == 14
    assert sorted(invited.values())[:2] == [4, 5] and min(sorted(invited.values())[2:]) >= 10, invited
    assert 145 <= sum(invited.values()) <= 155
    assert 0.62 <= sum(responded.values()) / sum(invited.values()) <= 0.72, responded
    rates = [responded.get(t, 0) / n for t, n in invited.items()]
    assert min(rates) >= 0.45 and max(rates) <= 0.9 and max(rates) - min(rates) >= 0.2, rates
    # the links used are the responses' teams: live rates and the release count the same people
    assert by_team(session, health, UsedLink) == responded
    assert 1 <= sum(1 for n in responded.values() if n < 5) <= 3, "a few teams under 5 respondents"

    last_invited, last_responded = by_team(session, previous, Invitation), by_team(session, previous, Response)
    assert 130 <= sum(last_invited.values()) <= 150 and 80 <= sum(last_responded.values()) <= 100
    assert all(last_responded.get(t, 0) <= n for t, n in last_invited.items())

    leavers = by_area(session, exits)
    assert 20 <= session.scalar(select(func.count()).select_from(Invitation).where(Invitation.run_id == exits.id)) <= 28
    assert 15 <= sum(leavers.values()) <= 20
    assert sum(1 for n in leavers.values() if n >= 5) >= 2 and min(leavers.values()) < 5, leavers


def test_a_release_of_the_demo_shows_the_council_and_the_leavers_areas_of_5(session):
    """What a newcomer reads first: every council section score; exit interviews show the council and the
    service areas with 5 or more leavers responding, and hide the others."""
    loader.load(session)
    health, _, exits = demo_runs(session)
    cells = factories.release(session, health).content["cells"]
    scores = [k for k in cells if k.startswith("sec:") and k.endswith("@" + c.ALL)]
    assert scores and all(cells[k] is not None for k in scores)
    leavers = factories.release(session, exits).content["cells"]
    areas = [k for k in leavers if k.startswith(c.RESPONDENTS + "@area:") and k != c.cell(c.RESPONDENTS, c.NO_AREA)]
    assert leavers[c.cell(c.RESPONDENTS, c.ALL)] is not None
    assert 2 <= sum(1 for k in areas if leavers[k] is not None) < len(areas)


def test_a_release_of_the_demo_shows_most_teams_and_hides_a_few(session):
    """Ten of the thirteen teams have 5 or more respondents and no handful of people between them: a release
    shows most teams and hides a few, as a council will see."""
    loader.load(session)
    health, _, _ = demo_runs(session)
    cells = factories.release(session, health).content["cells"]
    teams = [g for g in (c.split(k)[1] for k in cells if k.startswith(c.RESPONDENTS + "@team:")) if g != c.NO_TEAM]
    shown = [t for t in teams if cells[c.cell(c.RESPONDENTS, t)] is not None]
    assert len(teams) == 13 and 10 <= len(shown) <= 12, f"{len(shown)} of {len(teams)} teams shown"


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
