"""The respondent journey, walked end to end through the test client."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from surveyapp.models import Answer, Draft, Response, UsedLink
from surveyapp.questionnaires import builtin

from . import factories
from .conftest import path_of

HEALTH_CHECK = next(q for q in builtin() if q.key == "health-check")
EXIT = next(q for q in builtin() if q.key == "exit-interview")


def test_health_check_from_invitation_to_confirmation(client, session):
    made = factories.council(session)
    run = factories.run(session, made)
    token = factories.invitation(session, run, factories.team(session, made, "Assessment North"))

    opened = client.get(f"/invite/{token}")
    assert opened.status == 302 and opened.response.headers["Location"] == "/survey"
    start = client.get("/survey")
    assert "anonymous" in start.text() and "15 minutes" in start.text()

    end = factories.walk(client, HEALTH_CHECK, {"children_allocated": "23", "role": "social_worker",
                                                "biggest_difference": "Smaller caseloads please."})
    assert end == "/survey/check"
    check = client.get("/survey/check")
    assert check.h1 == "Check your answers before you submit them"
    assert "23 children" in check.text() and "Smaller caseloads please." in check.text()
    assert "Assessment North" in check.text()

    done = client.follow(client.submit("/survey/check"))
    assert "your answers have been submitted" in done.h1.lower() or "submitted" in done.text()

    response = session.scalar(select(Response))
    assert response.team_id == factories.team(session, made, "Assessment North").id
    numbers = {a.question_id: a.number for a in response.answers if a.number is not None}
    assert numbers["children_allocated"] == 23
    assert session.scalar(select(func.count()).select_from(UsedLink)) == 1  # the link is used up
    assert session.scalar(select(func.count()).select_from(Draft)) == 0
    assert "asye_caseload_protected" not in {a.question_id for a in response.answers}


def test_a_used_link_gets_a_clear_page_not_an_error(client, session):
    made = factories.council(session)
    run = factories.run(session, made)
    token = factories.invitation(session, run, None)
    client.get(f"/invite/{token}")
    factories.walk(client, HEALTH_CHECK)
    client.submit("/survey/check")

    again = client.get(f"/invite/{token}")
    assert again.status == 200 and again.h1 == "You have already submitted your answers"
    assert session.scalar(select(func.count()).select_from(Response)) == 1


def test_unknown_closed_and_not_yet_open_links(client, session):
    made = factories.council(session)
    assert client.get("/invite/not-a-real-token").h1 == "We do not recognise this link"
    closed = factories.run(session, made, status="closed")
    token = factories.invitation(session, closed, None)
    assert client.get(f"/invite/{token}").h1 == "This survey has closed"
    later = factories.run(session, made)
    later.opens_on = dt.date.today() + dt.timedelta(days=3)
    session.commit()
    token = factories.invitation(session, later, None)
    assert client.get(f"/invite/{token}").h1 == "This survey is not open yet"


def test_survey_pages_without_a_session_explain_what_to_do(client):
    page = client.get("/survey/workload")
    assert page.status == 403 and page.h1 == "Your session has ended"


def test_bad_input_gets_plain_english_and_keeps_everything_typed(client, session):
    made = factories.council(session)
    run = factories.run(session, made)
    client.get(f"/invite/{factories.invitation(session, run, None)}")
    factories.walk(client, HEALTH_CHECK)  # answer everything once, then change the workload page
    page = client.submit("/survey/workload", {"children_allocated": "twenty", "hours_beyond_contract": "400",
                                              "caseload_manageable": ""})
    assert page.status == 200
    assert page.title.startswith("Error: ")
    errors = page.errors()
    assert "Enter a whole number, like 12" in errors
    assert "Enter a number between 0 and 60" in errors
    assert any(e.startswith("Select how much you agree with") for e in errors)
    assert page.soup.select_one("input[name=children_allocated]")["value"] == "twenty"
    assert page.soup.select_one("input[name=hours_beyond_contract]")["value"] == "400"


def test_free_text_over_the_limit_is_refused_and_kept(client, session):
    made = factories.council(session)
    run = factories.run(session, made)
    client.get(f"/invite/{factories.invitation(session, run, None)}")
    factories.walk(client, HEALTH_CHECK)
    long_text = "word " * 400
    page = client.submit("/survey/your_comments", {"biggest_difference": long_text})
    assert "Your answer must be 1,500 characters or fewer" in page.errors()
    assert page.soup.select_one("textarea[name=biggest_difference]").get_text() == long_text


def test_come_back_later_with_the_same_link(app, client, session):
    made = factories.council(session)
    run = factories.run(session, made)
    token = factories.invitation(session, run, None)
    client.get(f"/invite/{token}")
    client.submit("/survey")
    team_id = str(factories.team(session, made, "Children in Care").id)
    first = client.submit("/survey/about_you", {"team": team_id, "role": "nqsw_asye", "years_in_role": "under_1",
                                                "contract": "permanent", "hours": "full_time"})
    assert first.response.headers["Location"] == "/survey/workload"
    saved = client.submit("/survey/workload", {"children_allocated": "11", "later": "1"})
    assert saved.response.headers["Location"] == "/survey/saved"
    saved = client.get("/survey/saved")
    assert "open the link in your invitation email again" in saved.text()
    resume = saved.soup.select_one("main a[href*='/resume/']")["href"]

    # The same browser, the same link: carry on where they left off.
    assert "Continue where you left off" in client.follow(client.get(f"/invite/{token}")).text()
    # A new browser, with the link the saved page gave (the email's link alone shows nothing saved there:
    # test_side_channels).
    other = client.another()
    other.get(path_of(resume))
    start = other.get("/survey")
    assert "Continue where you left off" in start.text()
    resumed = other.submit("/survey")
    assert resumed.response.headers.get("Location") == "/survey/workload", resumed.text()
    workload = other.get("/survey/workload")
    assert workload.soup.select_one("input[name=children_allocated]")["value"] == "11"
    # ASYE staff are asked whether their caseload is protected; others are not.
    assert workload.soup.select_one("[name=asye_caseload_protected]") is not None


def test_drafts_are_unreadable_without_the_link(client, session):
    made = factories.council(session)
    run = factories.run(session, made)
    token = factories.invitation(session, run, None)
    client.get(f"/invite/{token}")
    client.submit("/survey")
    client.submit("/survey/about_you", {"role": "social_worker", "later": "1"})
    draft = session.scalar(select(Draft))
    assert b"social_worker" not in draft.payload
    assert token not in draft.key


def test_a_hidden_answer_is_dropped_when_the_condition_changes(client, session):
    made = factories.council(session)
    run = factories.run(session, made)
    client.get(f"/invite/{factories.invitation(session, run, None)}")
    factories.walk(client, HEALTH_CHECK, {"role": "nqsw_asye"})
    client.submit("/survey/about_you?return=check", {**{"team": str(factories.team(session, made, "Assessment North").id)},
                                                    "role": "senior_practitioner", "years_in_role": "under_1",
                                                    "contract": "permanent", "hours": "full_time"})
    client.submit("/survey/check")
    stored = set(session.scalars(select(Answer.question_id)))
    assert "asye_caseload_protected" not in stored and "role" in stored


def test_open_link_with_team_choice_and_resume_link(app, client, session):
    from surveyapp.manage.runs import create_open_link

    made = factories.council(session)
    run = factories.run(session, made)
    token = create_open_link(session, run)
    assert client.get(f"/open/{token}").response.headers["Location"] == "/survey"
    client.submit("/survey")
    chosen = str(factories.team(session, made, "Assessment South").id)
    client.submit("/survey/about_you", {"team": chosen, "later": "1"})
    resume = client.get("/survey/saved").soup.select_one("main a[href*='/resume/']")["href"]

    other = client.another()
    assert other.get(path_of(resume)).response.headers["Location"] == "/survey"
    assert factories.walk(other, HEALTH_CHECK, {"team": chosen}) == "/survey/check"
    other.submit("/survey/check")
    assert session.scalar(select(Response.team_id)) == int(chosen)


def test_exit_interview_leaver_chooses_to_attach_their_name(client, session):
    made = factories.council(session)
    run = factories.run(session, made, "exit-interview")
    token = factories.invitation(session, run, factories.team(session, made, "Children in Care"), name="Sam Leaver")
    client.get(f"/invite/{token}")
    end = factories.walk(client, EXIT, {"attach_name": "yes", "main_reasons": ["caseload_workload", "pay"],
                                        "would_have_kept_you": "A protected caseload."})
    assert end == "/survey/check"
    check = client.get("/survey/check")
    assert "Your name (Sam Leaver) will be attached" in check.text()
    client.submit("/survey/check")
    response = session.scalar(select(Response))
    assert response.named_as == "Sam Leaver"
    assert sorted(a.option for a in response.answers if a.question_id == "main_reasons") == ["caseload_workload", "pay"]


def test_exit_interview_without_a_name_stays_confidential(client, session):
    made = factories.council(session)
    run = factories.run(session, made, "exit-interview")
    client.get(f"/invite/{factories.invitation(session, run, None, name='Kim Private')}")
    factories.walk(client, EXIT, {"attach_name": "no"})
    client.submit("/survey/check")
    assert session.scalar(select(Response.named_as)) is None


def test_too_many_reasons_and_a_bad_month(client, session):
    made = factories.council(session)
    run = factories.run(session, made, "exit-interview")
    client.get(f"/invite/{factories.invitation(session, run, None)}")
    client.submit("/survey")
    page = client.submit("/survey/leaving", {"leaving_month": ["13", "2026"]})
    assert "Enter a real month and year, like 9 2026" in page.errors()
    assert page.soup.select_one("#leaving_month-month")["value"] == "13"


def test_choice_fields_rendered_once_per_process_are_the_same_markup(app, monkeypatch):
    """Radios, checkboxes and the team list are kept per process: the kept markup is what the widget renders."""
    from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovRadioInput, GovSelect

    from surveyapp.respond import forms

    plain = {forms.RememberedRadios: GovRadioInput, forms.RememberedCheckboxes: GovCheckboxesInput,
             forms.RememberedSelect: GovSelect}
    monkeypatch.setattr(forms, "_rendered", {})
    ctx = forms.FormContext([("1", "Referral and Assessment: Assessment North"), ("2", "Looked After: Care")])
    questions = [q for q in HEALTH_CHECK.questions() if q.type in ("agreement", "single_choice", "multiple_choice",
                                                                   "team")]
    answered = {"team": "2", "caseload_manageable": "agree"}
    kept = 0
    with app.test_request_context("/survey/workload"):
        for answers, formdata in (({}, None), (answered, None), ({}, {"caseload_manageable": "nonsense"})):
            form = forms.section_form(questions, ctx, answers)
            if formdata:
                form = forms.section_form(questions, ctx, answers, formdata=MultiDict(formdata))
                form.validate()
            for question in questions:
                field = form[question.id]
                assert type(field.widget) in plain, question.type
                first, again = field(), field()
                assert again is first, "the second rendering is the kept one"
                assert str(first) == str(plain[type(field.widget)]()(field, **dict(field.render_kw or {}))), question.id
                kept += 1
        unanswered = forms.section_form(questions, ctx, {})["caseload_manageable"]()
        ticked = forms.section_form(questions, ctx, answered)["caseload_manageable"]()
    assert len(forms._rendered) < kept, "the same field with the same answers is kept once"
    assert "checked" in ticked and "checked" not in unanswered


def test_a_leavers_name_is_not_kept_with_the_rendered_fields(app, monkeypatch):
    from surveyapp.respond import forms

    monkeypatch.setattr(forms, "_rendered", {})
    question = next(q for q in EXIT.questions() if q.type == "attach_name")
    with app.test_request_context("/survey/about"):
        rendered = forms.section_form([question], forms.FormContext([], name="Alex Example"), {})[question.id]()
    assert "Alex Example" in rendered
    assert not any("Alex Example" in str(markup) for markup in forms._rendered.values())
