"""Issue 22: text typed by the council's own staff reaches readers as comments do: redacted with the same code and
the run's staff list (and the council's users) before anyone other than its writer sees it. One test per kind of
text: an action-plan row and its asks, a commitment, a progress update, a theme's name, a quote's edit."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from surveyapp.models import ActionPlan, QuoteDecision, Role, User

from . import factories
from .test_action_plans import released  # noqa: F401  (the fixture)
from .test_moderation import PAY, moderated_council, quote_section, sign_in

SECRETS = ("Whitfield", "07700", "Venkataraman", "AB 12 34 56 C")


def staff_and_users(session, made, run, team) -> None:
    """Sarah Whitfield is on the run's staff list; Priyanka Venkataraman is a manager, on no staff list."""
    factories.invitation(session, run, team, name="Sarah Whitfield")
    factories.user(session, made, Role.MANAGER, email="pv@plans.example")
    session.scalar(select(User).where(User.email == "pv@plans.example")).name = "Priyanka Venkataraman"
    session.commit()


@pytest.fixture
def drafted(client, session, released):  # noqa: F811
    made, team, _, this, admin = released
    staff_and_users(session, made, this, team)
    assert factories.sign_in(client, admin).status == 302
    page = client.get(f"/manage/runs/{this.id}/plan")
    client.follow(client.post(f"/manage/runs/{this.id}/plan", page.form_data()))
    plan = session.scalar(select(ActionPlan).where(ActionPlan.run_id == this.id))
    return made, this, plan


def published_text(client, session, made, this, plan) -> str:
    page = client.get(f"/manage/runs/{this.id}/plan")
    client.follow(client.post(f"/manage/runs/{this.id}/plan/approve", page.form_data()))
    client.follow(client.post(f"/manage/runs/{this.id}/plan/publish", page.form_data()))
    public = client.another().get(f"/plans/{made.slug}/{plan.id}")
    assert public.status == 200
    csv = client.get(f"/plans/{made.slug}/{plan.id}/download/csv").response.data.decode("utf-8-sig")
    return public.text() + csv


def assert_redacted(seen: str) -> None:
    for secret in SECRETS:
        assert secret not in seen, secret


def test_an_action_plan_row_and_its_asks_are_redacted(client, session, drafted):
    made, this, plan = drafted
    row = plan.rows[0]
    done = client.submit(f"/manage/runs/{this.id}/plan/rows/{row.id}",
                         {"you_said": "Ring Sarah Whitfield on 07700 900123 about caseloads.",
                          "asks": "Tell Venkataraman early\nQuote NI AB 12 34 56 C", "standards": ["3"]})
    assert done.status == 302
    session.expire_all()
    assert_redacted(row.you_said + " ".join(row.asks))
    assert "[NAME]" in row.you_said and "[PHONE]" in row.you_said
    added = client.submit(f"/manage/runs/{this.id}/plan/rows/new",
                          {"you_said": "Whitfield's team said so.", "asks": "", "standards": ["3"]})
    assert added.status == 302
    seen = published_text(client, session, made, this, plan)
    assert_redacted(seen)
    assert "[NAME]'s team said so." in seen


def test_a_commitment_is_redacted(client, session, drafted):
    made, this, plan = drafted
    commitment = plan.rows[0].commitments[0]
    assert client.submit(f"/manage/runs/{this.id}/plan/commitments/{commitment.id}",
                         {"text": "Sarah Whitfield will call everyone on 07700 900123.", "owner": "Head of Service",
                          "due_on": ["31", "3", "2030"]}).status == 302
    session.expire_all()
    assert_redacted(commitment.text)
    assert_redacted(published_text(client, session, made, this, plan))


def test_a_progress_update_is_redacted(client, session, drafted):
    made, this, plan = drafted
    commitment = plan.rows[0].commitments[0]
    url = f"/manage/runs/{this.id}/plan/commitments/{commitment.id}/progress"
    assert client.submit(url, {"status": "at_risk", "note": "Venkataraman is off; ask Sarah on 07700 900123."}).status == 302
    seen = published_text(client, session, made, this, plan)
    assert_redacted(seen)
    assert "[NAME] is off" in seen


def test_a_quote_edit_is_redacted_of_a_manager_on_no_staff_list(client, session):
    made, run, teams, _ = moderated_council(session)
    staff_and_users(session, made, run, teams[0])
    sign_in(client, factories.user(session, made, Role.ADMIN))
    queue = client.get(f"/manage/runs/{run.id}/moderation/")
    edit_url = quote_section(queue, PAY[1]).select_one("a[href$='/edit']")["href"]
    assert client.submit(edit_url, {"text": "Sarah Whitfield knows, and so does Venkataraman."}).status == 302
    edited = session.scalar(select(QuoteDecision).where(QuoteDecision.status == "edited"))
    assert_redacted(edited.text)
    assert edited.text == "[NAME] knows, and so does [NAME]."
