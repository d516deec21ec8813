"""Issue 22: a quote that describes its writer ("the only male social worker in the Ashford team") is held for the
principal social worker with the phrase marked: it can be edited (without the phrase) or withheld, never approved
as it is, and an approval recorded before it was held releases nothing."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from surveyapp.disclosure.themes import quote_key
from surveyapp.models import QuoteDecision, Role, User

from . import factories
from .test_moderation import CASELOAD, PAY, Q, decide, everything_a_manager_reads, manager, moderated_council, quote_section, sign_in

SELF = "As the only male social worker in the Ashford team I get every violent dad."


def plan() -> dict[str, list[str]]:
    return {"pay": [SELF] + PAY + [f"Pay comment {i}." for i in range(8)],
            "caseload": CASELOAD + [f"Caseload comment {i}." for i in range(9)]}


def test_a_self_description_is_held_with_the_phrase_marked(client, session):
    made, run, teams, _ = moderated_council(session, plan())
    sign_in(client, factories.user(session, made, Role.ADMIN))
    queue = client.get(f"/manage/runs/{run.id}/moderation/")
    section = quote_section(queue, "I get every violent dad")
    assert [m.get_text() for m in section.select("blockquote mark")] == ["As the only male social worker"]
    assert "Held: it describes its writer" in section.get_text(" ", strip=True)
    assert section.select_one("button[value=approve]") is None  # no approve button

    # Approving anyway (a stale page, a crafted post) records nothing and says why.
    other = quote_section(queue, PAY[0])
    refused = client.post(other.select_one("form")["action"].replace(quote_key(Q, PAY[0]), quote_key(Q, SELF)),
                          {"csrf_token": factories.csrf_token(queue), "decision": "approve"})
    assert refused.status == 302
    assert "describes its writer" in client.follow(refused).text()
    assert session.scalars(select(QuoteDecision)).all() == []

    edit_url = section.select_one("a[href$='/edit']")["href"]
    kept = client.submit(edit_url, {"text": "As the only male social worker here I get every violent dad."})
    assert kept.status == 200
    assert kept.errors() == ["Remove the words that describe the writer: “As the only male social worker”"]
    assert "As the only male social worker here" in kept.soup.select_one("textarea").get_text()  # kept as typed
    assert client.submit(edit_url, {"text": "Men in the team get every violent dad."}).status == 302
    assert decide(client, run, client.get(f"/manage/runs/{run.id}/moderation/"), PAY[0], "approve").status == 302

    factories.release(session, run)
    other_reader = client.another()
    sign_in(other_reader, manager(session, made, teams[0]))
    seen = everything_a_manager_reads(other_reader, run)
    assert "Men in the team get every violent dad." in seen and "only male social worker" not in seen


def test_an_approval_recorded_before_the_hold_releases_nothing(client, session):
    made, run, _, _ = moderated_council(session, plan())
    email = factories.user(session, made, Role.ADMIN)
    admin = session.scalar(select(User).where(User.email == email))
    session.add(QuoteDecision(run_id=run.id, question_id=Q, key=quote_key(Q, SELF), status="approved",
                              original=SELF, decided_by_id=admin.id, decided_at=dt.datetime(2026, 1, 1)))
    session.commit()
    factories.release(session, run)
    sign_in(client, email)
    assert "only male social worker" not in everything_a_manager_reads(client, run)
