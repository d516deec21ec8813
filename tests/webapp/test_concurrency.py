"""Many submissions of one invitation at once store exactly one response."""

from __future__ import annotations

import threading

import pytest

from sqlalchemy import func, select

from surveyapp.models import Draft, Response, UsedLink
from surveyapp.questionnaires import builtin
from surveyapp.respond import journey

from . import factories

HEALTH_CHECK = next(q for q in builtin() if q.key == "health-check")
THREADS = 12


def test_concurrent_submissions_of_one_invitation_store_one_response(app, client, session):
    made = factories.council(session)
    run = factories.run(session, made)
    token = factories.invitation(session, run, factories.team(session, made, "Assessment North"))
    client.get(f"/invite/{token}")
    assert factories.walk(client, HEALTH_CHECK) == "/survey/check"
    draft = factories.respondent_token(client)  # the invitation's token and this browser's secret

    maker = app.extensions["surveyapp.sessionmaker"]
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def submit() -> None:
        with maker() as db_session:
            survey_run = db_session.get(type(run), run.id)
            barrier.wait()
            try:
                journey.submit(db_session, survey_run, draft, invitation_token=token)
                outcome = "stored"
            except journey.AlreadySubmitted:
                outcome = "refused"
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=submit) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["refused"] * (THREADS - 1) + ["stored"]
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Response)) == 1
    assert session.scalar(select(func.count()).select_from(Draft)) == 0
    assert session.scalar(select(func.count()).select_from(UsedLink)) == 1


def test_the_same_browser_pressing_submit_twice_gets_a_clear_page(client, session):
    made = factories.council(session)
    run = factories.run(session, made)
    client.get(f"/invite/{factories.invitation(session, run, None)}")
    factories.walk(client, HEALTH_CHECK)
    form = client.get("/survey/check").form_data()
    first = client.post("/survey/check", form)
    assert first.response.headers["Location"] == "/survey/done"
    second = client.post("/survey/check", form)
    assert second.h1 == "You have already submitted your answers"
    assert session.scalar(select(func.count()).select_from(Response)) == 1


def test_a_link_used_before_used_links_existed_or_unknown_stores_nothing_and_keeps_the_draft(client, session):
    """The used link is written by one INSERT ... SELECT: not for a link marked used by its old key, nor an unknown one."""
    from surveyapp import security

    made = factories.council(session)
    run = factories.run(session, made)
    north = factories.team(session, made, "Assessment North")
    token = factories.invitation(session, run, north)
    client.get(f"/invite/{token}")
    assert factories.walk(client, HEALTH_CHECK) == "/survey/check"
    draft = factories.respondent_token(client)
    session.add(UsedLink(key=security.invitation_hash(token), run_id=run.id, team_id=north.id))  # as migration 0007
    session.commit()
    with pytest.raises(journey.AlreadySubmitted):
        journey.submit(session, run, draft, invitation_token=token)
    with pytest.raises(journey.AlreadySubmitted):
        journey.submit(session, run, draft, invitation_token=security.new_token())  # no such invitation
    assert session.scalar(select(func.count()).select_from(Response)) == 0
    assert session.scalar(select(func.count()).select_from(Draft)) == 1, "rolled back: the answers are kept"

    session.delete(session.get(UsedLink, security.invitation_hash(token)))
    session.commit()
    journey.submit(session, run, draft, invitation_token=token)
    assert session.scalar(select(func.count()).select_from(Response)) == 1
    assert session.scalar(select(UsedLink.key)) == security.used_link_key(token)
    assert session.scalar(select(func.count()).select_from(Draft)) == 0
