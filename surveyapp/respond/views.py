"""Respondent pages: open a link, answer page by page, check, submit.

The link's token is moved into the session cookie and the browser redirected,
so it never appears in later addresses, referrers or access logs. The cookie
carries the token and the leaver's name encrypted (AES-GCM under a key derived
from SECRET_KEY): Flask's own session is signed, but anyone can read it.

Whoever holds an invitation email must not read that person's saved answers. An invitation's draft
is found and sealed by the link's token *and* a secret of the browser that saved it
(`security.draft_token`), which the browser keeps in a cookie of its own (`carry_on`, encrypted like
the session, for as long as a run may be open). Opening the invitation link again in that browser
carries on; in any other browser it starts afresh, with nothing saved shown, and deletes nothing: the
draft saved elsewhere is still there for its owner. To carry on in another browser, the respondent uses
the link the "saved" page gives them, which holds both. Whichever is submitted first is the one stored
(the link's used-link row), as before.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response as HttpResponse

from .. import db, security
from ..models import SurveyRun
from ..questionnaires import Questionnaire, Value
from . import journey
from .forms import FormContext, answers_from, section_form
from .notices import notice

bp = Blueprint("respond", __name__)

RESPONDENT = "respondent"
CARRY_ON = "carry_on"  # this browser's secret for each invitation it saved answers for
CARRY_ON_DAYS = 400  # longer than any run is open; the cookie holds no answer and no token
CARRY_ON_KEPT = 8  # invitations one browser remembers (a shared computer), the newest kept
PROBLEMS = {
    journey.LinkState.UNKNOWN: "unknown",
    journey.LinkState.SUBMITTED: "submitted",
    journey.LinkState.CLOSED: "closed",
    journey.LinkState.NOT_OPEN_YET: "not_open_yet",
}


def _today() -> dt.date:
    return dt.date.today()


def _problem(opened: journey.Opened) -> HttpResponse:
    return notice(PROBLEMS[opened.state], opened.run)


@bp.get("/invite/<token>")
def invitation(token: str) -> Any:
    """An invitation link: this browser's draft of it if it saved one, otherwise a fresh start (never
    another browser's draft: the link alone does not open it)."""
    opened = journey.open_invitation(db.session(), token, _today())
    if opened.state is not journey.LinkState.READY:
        return _problem(opened)
    assert opened.run and opened.invitation
    remembered = _carry_on()
    secret = remembered.get(_carry_on_key(token)) or security.new_token()
    return _begin_invitation(opened, security.draft_token(token, secret), remembered)


def _begin_invitation(opened: journey.Opened, draft_token: str, remembered: dict[str, str]) -> HttpResponse:
    assert opened.run and opened.invitation
    parts = security.split_draft_token(draft_token)
    assert parts is not None
    link, secret = parts
    if journey.load_answers(db.session(), draft_token) is None and opened.invitation.team_id:
        journey.save_answers(db.session(), opened.run, draft_token, {"team": str(opened.invitation.team_id)})
    _begin(opened.run, draft_token, invitation=True, name=opened.invitation.name, link=link)
    response = redirect(url_for("respond.start"))
    remembered.pop(_carry_on_key(link), None)
    remembered[_carry_on_key(link)] = secret  # the newest last
    kept = dict(list(remembered.items())[-CARRY_ON_KEPT:])
    response.set_cookie(CARRY_ON, security.seal_for_cookie(current_app.config["SECRET_KEY"], kept),
                        max_age=CARRY_ON_DAYS * 86400, secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
                        httponly=True, samesite="Lax")
    return response


def _carry_on_key(link: str) -> str:
    return security.draft_key(link)[:24]  # a hash of the link, inside an encrypted cookie


def _carry_on() -> dict[str, str]:
    found = security.unseal_from_cookie(current_app.config["SECRET_KEY"], request.cookies.get(CARRY_ON))
    return {k: v for k, v in (found or {}).items() if isinstance(k, str) and isinstance(v, str)}


@bp.get("/open/<token>")
def open_link(token: str) -> Any:
    opened = journey.open_link(db.session(), token, _today())
    if opened.state is not journey.LinkState.READY:
        return _problem(opened)
    assert opened.run
    _begin(opened.run, security.new_token(), invitation=False)
    return redirect(url_for("respond.start"))


@bp.get("/resume/<token>")
def resume(token: str) -> Any:
    """Carry on with saved answers: an open link's draft, or an invitation's (its link and the secret of
    the browser that saved it, `security.draft_token`), in any browser."""
    draft = db.session().get(journey.Draft, security.draft_key(token))
    if draft is None:
        return _problem(journey.Opened(journey.LinkState.UNKNOWN))
    parts = security.split_draft_token(token)
    if parts is not None:
        opened = journey.open_invitation(db.session(), parts[0], _today())
        if opened.state is not journey.LinkState.READY:
            return _problem(opened)
        return _begin_invitation(opened, token, _carry_on())
    run = db.session().get(SurveyRun, draft.run_id)
    assert run
    state = journey.run_state(run, _today())
    if state is not journey.LinkState.READY:
        return _problem(journey.Opened(state, run))
    _begin(run, token, invitation=False)
    return redirect(url_for("respond.start"))


def _begin(run: SurveyRun, token: str, *, invitation: bool, name: str | None = None, link: str | None = None) -> None:
    """`token` finds and seals the draft; `link` is the invitation's own token, which submitting marks used."""
    session.clear()
    session.permanent = True
    session[RESPONDENT] = security.seal_for_cookie(current_app.config["SECRET_KEY"], {
        "run": run.id, "token": token, "invitation": invitation, "name": name, "link": link})


class Journey:
    """The respondent's run, questionnaire and saved answers for this request."""

    def __init__(self) -> None:
        state = security.unseal_from_cookie(current_app.config["SECRET_KEY"], session.get(RESPONDENT))
        if not state:
            abort(_session_ended())
        # The run's questionnaire row in the same query (its definition is parsed once per process).
        self.run = db.session().get(SurveyRun, state["run"], options=[joinedload(SurveyRun.questionnaire)])
        if self.run is None:
            abort(_session_ended())
        self.token: str = state["token"]  # the draft's
        self.is_invitation: bool = state["invitation"]
        # The invitation's own token (a session begun before drafts were keyed apart: the draft's token).
        self.link: str | None = (state.get("link") or self.token) if self.is_invitation else None
        self.name: str | None = state.get("name")
        self.questionnaire: Questionnaire = journey.asked(self.run, invitation=self.is_invitation)
        self._answers: dict[str, Value] | None = None

    @property
    def answers(self) -> dict[str, Value]:
        """The saved answers, read when first needed (submitting reads them as it deletes the draft)."""
        if self._answers is None:
            self._answers = journey.load_answers(db.session(), self.token) or {}
        return self._answers

    @answers.setter
    def answers(self, answers: dict[str, Value]) -> None:
        self._answers = answers

    def ensure_open(self) -> None:
        state = journey.run_state(self.run, _today())
        if state is not journey.LinkState.READY:
            abort(notice(PROBLEMS[state], self.run))

    def next_section(self, after: str | None) -> str | None:
        ids = [s.id for s in self.questionnaire.visible_sections(self.answers)]
        if after is None:
            return ids[0] if ids else None
        following = ids[ids.index(after) + 1:] if after in ids else []
        return following[0] if following else None


def _session_ended() -> HttpResponse:
    return notice("session_ended")


@bp.route("/survey", methods=["GET", "POST"])
def start() -> Any:
    j = Journey()
    j.ensure_open()
    if request.method == "POST":
        missing = journey.first_incomplete(j.questionnaire, j.answers)
        if missing is None:
            return redirect(url_for("respond.check"))
        return redirect(url_for("respond.section", section_id=missing))
    started = bool(set(j.answers) - {"team"})
    return render_template("respond/start.html", run=j.run, questionnaire=j.questionnaire,
                           started=started, is_invitation=j.is_invitation)


@bp.route("/survey/<section_id>", methods=["GET", "POST"])
def section(section_id: str) -> Any:
    j = Journey()
    j.ensure_open()
    current = j.questionnaire.section(section_id)
    if current is None or not current.shown(j.answers):
        abort(404)
    questions = current.visible_questions(j.answers)
    ctx = FormContext(journey.team_choices(db.session(), j.run), name=j.name)
    returning = request.args.get("return") == "check"
    if request.method == "GET":
        form = section_form(questions, ctx, j.answers)
    else:
        later = "later" in request.form
        # Saving for later keeps whatever is valid; only a wrongly typed answer stops it.
        form = section_form(questions, replace(ctx, lenient=later), j.answers, formdata=request.form)
        if form.validate():
            j.answers = journey.save_answers(db.session(), j.run, j.token, answers_from(form, questions))
            if later:
                return redirect(url_for("respond.saved"))
            following = None if returning else j.next_section(section_id)
            if following:
                return redirect(url_for("respond.section", section_id=following))
            return redirect(url_for("respond.check"))
    sections = j.questionnaire.visible_sections(j.answers)
    position = next((i for i, s in enumerate(sections) if s.id == section_id), 0) + 1
    return render_template("respond/section.html", run=j.run, section=current, form=form,
                           position=position, total=len(sections), returning=returning,
                           back=_previous(j, section_id, returning))


def _previous(j: Journey, section_id: str, returning: bool) -> str:
    if returning:
        return url_for("respond.check")
    ids = [s.id for s in j.questionnaire.visible_sections(j.answers)]
    index = ids.index(section_id) if section_id in ids else 0
    if index == 0:
        return url_for("respond.start")
    return url_for("respond.section", section_id=ids[index - 1])


@bp.get("/survey/saved")
def saved() -> Any:
    j = Journey()
    # An invitation's session begun before its draft was keyed apart from its link has no such link to give.
    elsewhere = not j.is_invitation or security.split_draft_token(j.token) is not None
    resume_url = url_for("respond.resume", token=j.token, _external=True) if elsewhere else None
    return render_template("respond/saved.html", run=j.run, resume_url=resume_url, is_invitation=j.is_invitation)


@bp.route("/survey/check", methods=["GET", "POST"])
def check() -> Any:
    j = Journey()
    j.ensure_open()
    if request.method == "POST":
        try:
            journey.submit(db.session(), j.run, j.token, invitation_token=j.link)
        except journey.Incomplete as exc:
            return redirect(url_for("respond.section", section_id=exc.section_id))
        except journey.AlreadySubmitted:
            session.clear()
            return notice("submitted", j.run)
        session.clear()
        session["done"] = {"title": j.run.title, "kind": j.run.kind, "council": j.run.council_id}
        return redirect(url_for("respond.done"))
    teams = dict(journey.team_choices(db.session(), j.run))
    missing = journey.first_incomplete(j.questionnaire, j.answers)
    return render_template("respond/check.html", run=j.run, questionnaire=j.questionnaire,
                           answers=j.answers, teams=teams, missing=missing, name=j.name,
                           sections=j.questionnaire.visible_sections(j.answers))


@bp.get("/survey/done")
def done() -> Any:
    finished = session.get("done")
    if not finished:
        return _session_ended()
    return render_template("respond/done.html", finished=finished)
