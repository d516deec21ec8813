"""Action plans: drafted from a release, edited, approved, published to staff, exported and followed up.

Every figure a plan shows comes from a release; these tests build small councils whose every count is
known, release them, check the release's figures against those counts (within the noise on counts of
answers), and the plan's words, pages and files against the release's figures.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from docx import Document
from pypdf import PdfReader
from sqlalchemy import select

from surveyapp.action_plans import draft, evidence, followup, library
from surveyapp.disclosure import cells as c
from surveyapp.disclosure import release as releases
from surveyapp.disclosure.compare import notable_change
from surveyapp.disclosure.reader import Released
from surveyapp.models import (
    ActionPlan,
    Commitment,
    PlanEvent,
    PlanVersion,
    Role,
    SurveyRun,
)
from surveyapp.questionnaires import questionnaire_for

from . import factories
from .attacker import respond
from .figures import near, percent, points

TODAY = dt.date.today()
SCALE = ("strongly_agree", "agree", "neither", "disagree", "strongly_disagree")  # "don't know" is no view


def counted(session, run, question: str, options: tuple[str, ...], truth: dict[str, int] | None = None) -> tuple[int, int]:
    """(people giving one of `options`, people on the scale) for the council, from the run's latest release;
    each figure first checked against the `truth` it counts (within the noise)."""
    made = releases.latest(session, run)
    values = {v: made.content["cells"][c.cell(c.measure(question, v), c.ALL)] for v in SCALE}
    for v, n in (truth or {}).items():
        near(made, c.cell(c.measure(question, v), c.ALL), n)
    return sum(values[v] for v in options), sum(values.values())


def whole_points(now: tuple[int, int], before: tuple[int, int]) -> int:
    """The change in percentage points, as plans round it (to one place, then whole)."""
    return round(points(now, before))


def since(now: tuple[int, int], before: tuple[int, int], chance: bool = True) -> str:
    """The change as the evidence line words it."""
    moved = whole_points(now, before)
    if moved == 0:
        return "no change since last year"
    said = f"{abs(moved)} {'point' if abs(moved) == 1 else 'points'} {'more' if moved > 0 else 'fewer'} than last year"
    beyond = notable_change(now[0] / now[1], now[1], before[0] / before[1], before[1])
    return said + (" (more than chance)" if chance and beyond else "")


def caseload_row(plan):
    return next(r for r in plan.rows if "caseload_manageable" in r.evidence.get("questions", []))


def answer(session, run, team, people: int, disagree: int, **more) -> None:
    for i in range(people):
        respond(session, run, team, caseload_manageable="disagree" if i < disagree else "agree",
                pay_fair="agree" if i % 2 else "disagree", **{k: v(i) for k, v in more.items()})


@pytest.fixture
def released(session):
    """Last year 6 of 20 said their caseload was not manageable; this year 12 of 20 (60%, 30 points more)."""
    made = factories.council(session, "plans", {"Referral and Assessment": ["Assessment North"]})
    team = factories.team(session, made, "Assessment North")
    last = factories.run(session, made, today=TODAY - dt.timedelta(days=365), status="closed")
    answer(session, last, team, 20, 6)
    factories.release(session, last)
    this = factories.run(session, made, status="closed")
    answer(session, this, team, 20, 12)
    factories.release(session, this)
    admin = factories.user(session, made, Role.ADMIN)
    return made, team, last, this, admin


def test_a_hidden_figure_stays_hidden():
    questionnaire = next(q for q in __import__("surveyapp.questionnaires", fromlist=["builtin"]).builtin()
                         if q.key == "health-check")
    cells = {c.cell(c.measure("caseload_manageable", v), c.ALL): n
             for v, n in (("strongly_agree", 0), ("agree", 8), ("neither", None), ("disagree", 12),
                          ("strongly_disagree", 0))}
    data = Released({"cells": cells, "groups": {}, "units": [c.ALL], "threshold": 5}, questionnaire)
    found = evidence.question(data, None, "caseload_manageable", "disagree")
    assert found.shown == "Hidden" and found.text().endswith(": Hidden")
    cells[c.cell(c.measure("caseload_manageable", "neither"), c.ALL)] = 0
    data = Released({"cells": cells, "groups": {}, "units": [c.ALL], "threshold": 5}, questionnaire)
    assert evidence.question(data, None, "caseload_manageable", "disagree").shown == "60% disagree"


def test_in_words_is_true_to_the_figure():
    assert draft.in_words(54) == "Over half of you"
    assert draft.in_words(50) == "Half of you"
    assert draft.in_words(48) == "Almost half of you"
    assert draft.in_words(12) == "Some of you"


def test_the_library_names_real_questions_and_sections():
    from surveyapp.questionnaires import builtin

    health = next(q for q in builtin() if q.key == "health-check")
    ids, sections = {q.id for q in health.questions()}, {s.id for s in health.sections}
    for entry in library.load():
        assert set(entry.questions) <= ids, entry.id
        assert set(entry.sections) <= sections, entry.id
        assert entry.we_will and entry.we_expect_you, entry.id
    with pytest.raises(library.LibraryError, match=r"themes\[0\]\.standards"):
        library.parse("themes: [{id: a, title: A, said: b, standards: [9]}]", "mine.yaml")


def test_the_admin_drafts_edits_approves_and_publishes(client, session, released):
    made, _, _, this, admin = released
    staff = client.another()
    assert factories.sign_in(client, admin).status == 302
    page = client.get(f"/manage/runs/{this.id}/plan")
    assert "Draft a plan from the results" in page.text()
    client.follow(client.post(f"/manage/runs/{this.id}/plan", page.form_data()))
    plan = session.scalar(select(ActionPlan).where(ActionPlan.run_id == this.id))
    first = caseload_row(plan)
    # Deterministic words from the released figures (12 of 20 disagreed, last year 6 of 20, each within the noise).
    _, _, last, _, _ = released
    now = counted(session, this, "caseload_manageable", ("disagree", "strongly_disagree"), {"disagree": 12, "agree": 8})
    before = counted(session, last, "caseload_manageable", ("disagree", "strongly_disagree"), {"disagree": 6, "agree": 14})
    moved = whole_points(now, before)
    change = "" if moved == 0 else f", {since(now, before, chance=False)}"
    assert first.you_said.startswith(f"{draft.in_words(percent(*now))} ({percent(*now)}%) told us your caseload is "
                                     f"not manageable{change}.")
    page = client.get(f"/manage/runs/{this.id}/plan")
    agree_now = counted(session, this, "caseload_manageable", ("strongly_agree", "agree"))
    agree_before = counted(session, last, "caseload_manageable", ("strongly_agree", "agree"))
    assert (f"My caseload is manageable: {percent(*agree_now)}% agree , {since(agree_now, agree_before)}"
            in page.text())
    assert "Work is shared fairly" not in page.text()  # nobody was asked it: left out, not "Hidden"
    assert f"/plans/{made.slug}" not in page.html  # not published: no public address yet
    assert staff.get(f"/plans/{made.slug}/{plan.id}").status == 404

    edited = "Most of you told us caseloads are too high."
    done = client.submit(f"/manage/runs/{this.id}/plan/rows/{first.id}",
                         {"you_said": edited, "asks": "Close cases when the work ends\nTell us early",
                          "standards": ["3", "4"]})
    assert done.status == 302
    commitment = first.commitments[0]
    bad = client.submit(f"/manage/runs/{this.id}/plan/commitments/{commitment.id}",
                        {"owner": "", "due_on": ["31", "2", "2027"]})
    assert bad.status == 200 and "Enter who owns this: a named person or a role" in bad.errors()
    assert "Due date must be a real date, like 31 10 2026" in bad.errors()
    assert [i.get("value") for i in bad.soup.select("input[name=due_on]")] == ["31", "2", "2027"]  # kept as typed
    assert client.submit(f"/manage/runs/{this.id}/plan/commitments/{commitment.id}",
                         {"owner": "Head of Service", "due_on": ["31", "3", str(TODAY.year + 1)]}).status == 302

    assert "The principal social worker must approve" in client.follow(
        client.post(f"/manage/runs/{this.id}/plan/publish", page.form_data())).text()
    client.follow(client.post(f"/manage/runs/{this.id}/plan/approve", page.form_data()))
    client.follow(client.post(f"/manage/runs/{this.id}/plan/publish", page.form_data()))

    public = staff.get(f"/plans/{made.slug}")
    assert public.status == 200 and public.h1 == plan.title
    # The home page leads staff to it, with no sign-in.
    home = staff.get("/").soup.find(id="action-plan").find_next("ul")
    assert [a["href"] for a in home.select("a")] == [f"/plans/{made.slug}/{plan.id}"]
    assert edited in public.text() and "Close cases when the work ends" in public.text()
    assert "Owner: Head of Service." in public.text() and f"Due 31 March {TODAY.year + 1}." in public.text()
    assert "Standard 3: safe workloads and case allocation" in public.text()
    assert "Not started" in public.text()

    # A change of status needs a reason; the typed status is kept.
    url = f"/manage/runs/{this.id}/plan/commitments/{commitment.id}/progress"
    refused = client.submit(url, {"status": "at_risk", "note": ""})
    assert refused.errors() == ["Enter the reason for the change of status"]
    assert refused.soup.select_one("input[value=at_risk]").has_attr("checked")
    assert client.submit(url, {"status": "at_risk", "note": "Two vacancies in the team."}).status == 302
    public = staff.get(f"/plans/{made.slug}/{plan.id}")
    assert "At risk" in public.text() and "Two vacancies in the team." in public.text()

    session.expire_all()
    versions = session.scalars(select(PlanVersion).where(PlanVersion.plan_id == plan.id)).all()
    assert [v.number for v in versions] == [1, 2]  # published, then the progress update
    assert versions[1].content["rows"][0]["commitments"][0]["status"] == "at_risk"
    events = [e.what for e in session.scalars(select(PlanEvent).where(PlanEvent.plan_id == plan.id))]
    assert events[0].startswith("Drafted from final release") and "Approved" in events and "Published to staff" in events
    assert any("Not started to At risk" in e for e in events)
    history = client.get(f"/manage/runs/{this.id}/plan/history")
    assert "Version 2" in history.text() and "Admin User" in history.text()


def _published(session, this, author="PSW"):
    from surveyapp.action_plans import plans

    plan = plans.create_draft(session, this, author)
    plans.approve(session, plan, author)
    plans.publish(session, plan, author)
    return plan


def test_word_pdf_and_csv_have_the_rows_and_the_same_figures(client, session, released):
    made, _, _, this, _ = released
    plan = _published(session, this)
    plan.rows[0].you_said = "=HYPERLINK(\"http://evil.example\")"
    session.commit()
    base = f"/plans/{made.slug}/{plan.id}/download"

    word = client.get(f"{base}/docx")
    assert word.status == 200
    table = Document(io.BytesIO(word.response.data)).tables[0]
    assert [cell.text for cell in table.rows[0].cells] == ["You said...", "We will...", "We expect you..."]
    assert len(table.rows) == len(plan.rows) + 1
    assert plan.rows[1].you_said in table.rows[2].cells[0].text
    assert plan.rows[1].commitments[0].text in table.rows[2].cells[1].text
    assert plan.rows[1].asks[0] in table.rows[2].cells[2].text

    pdf = client.get(f"{base}/pdf")
    assert pdf.status == 200 and pdf.response.data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf.response.data))
    text = " ".join(p.extract_text() for p in reader.pages)
    flat = " ".join(text.split())
    assert "You said... We will... We expect you..." in flat
    assert " ".join(plan.rows[1].you_said.split()) in flat
    assert "/StructTreeRoot" in reader.trailer["/Root"]  # tagged (PDF/UA-1), so read as a table aloud
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"

    lines = list(csv.reader(io.StringIO(client.get(f"{base}/csv").response.data.decode("utf-8-sig"))))
    assert lines[0][:3] == ["Row", "You said", "Evidence"]
    assert lines[1][1].startswith("'=")  # made safe from spreadsheet formulas
    _, _, last, _, _ = released
    agree_now = counted(session, this, "caseload_manageable", ("strongly_agree", "agree"))
    agree_before = counted(session, last, "caseload_manageable", ("strongly_agree", "agree"))
    said = f"My caseload is manageable: {percent(*agree_now)}% agree, {since(agree_now, agree_before)}"
    row = plan.rows.index(caseload_row(plan)) + 1
    assert said in lines[row][2], (said, lines[row][2])
    assert {line[4] for line in lines[1:]} >= {m.text for r in plan.rows for m in r.commitments}


def test_next_years_run_asks_the_follow_up_and_you_said_we_did_shows_it(client, session, released):
    made, team, _, this, admin = released
    plan = _published(session, this)
    commitment = plan.rows[0].commitments[0]
    commitment.status = "done"
    session.commit()
    later = factories.run(session, made)  # open now, as next year's health check
    later.year = TODAY.year + 1
    session.commit()
    assert factories.sign_in(client, admin).status == 302
    page = client.get(f"/manage/runs/{later.id}/plan/follow-up")
    assert commitment.text in page.text()
    assert client.submit(f"/manage/runs/{later.id}/plan/follow-up", {"commitments": [commitment.key]}).status == 302
    session.expire_all()
    later = session.get(SurveyRun, later.id)
    asked = questionnaire_for(later)
    question = asked.question(followup.question_id(commitment))
    assert question is not None and question.type == "agreement"
    assert question.text.startswith("I have seen action on: ")
    # Respondents walk through it like any other page.
    token = factories.invitation(session, later, team)
    respondent = client.another()
    respondent.get(f"/invite/{token}")
    assert factories.walk(respondent, asked, {question.id: "strongly_agree"}) == "/survey/check"

    for i in range(20):
        respond(session, later, team, caseload_manageable="agree", **{question.id: "agree" if i < 15 else "disagree"})
    later.status = "closed"
    session.commit()
    factories.release(session, later)
    public = client.another().get(f"/plans/{made.slug}/{plan.id}")
    text = public.text()
    assert "You said, we did" in text
    assert "Done" in text
    seen = counted(session, later, question.id, ("strongly_agree", "agree"), {"agree": 15, "disagree": 5})
    assert f"{percent(*seen)}% agree that they have seen action on it" in text  # 15 of 20 (the walker did not submit)
    agree_now = counted(session, later, "caseload_manageable", ("strongly_agree", "agree"), {"agree": 20})
    agree_before = counted(session, this, "caseload_manageable", ("strongly_agree", "agree"))
    assert f"My caseload is manageable: {percent(*agree_now)}% agree, {since(agree_now, agree_before)}" in text
    assert "Not asked" in text  # the commitments not followed up
    # Once people have answered, the follow-up questions cannot change.
    assert "cannot change" in client.get(f"/manage/runs/{later.id}/plan/follow-up").text()
    assert session.scalar(select(Commitment).where(Commitment.key == commitment.key)) is not None
