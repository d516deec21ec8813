"""The moderation queue, for the principal social worker (admins) only: approve, edit or withhold each quote
the next release would show; read and mark the comments flagged as safeguarding concerns; follow up the
leavers who gave their name. Managers and viewers are refused every page here (403)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import db
from ..auth import role_required
from ..disclosure.thresholds import Thresholds
from ..manage.forms import ConfirmForm
from ..manage.views import council_run
from ..models import QuoteStatus, Role, SurveyRun
from ..themes.jobs import free_text_questions
from . import concerns, named, quotes
from .forms import EditQuoteForm, ReviewForm

bp = Blueprint("moderation", __name__, url_prefix="/manage/runs/<int:run_id>/moderation")
DECISIONS = {"approve": QuoteStatus.APPROVED, "withhold": QuoteStatus.WITHHELD}


def _rule() -> Thresholds:
    return Thresholds.from_config(current_app.config)


def _quote(run: SurveyRun, key: str) -> quotes.Candidate:
    try:
        return quotes.find(db.session(), run, key, _rule())
    except quotes.UnknownQuote:
        abort(404)


def _concern(run: SurveyRun, key: str) -> concerns.Concern:
    try:
        return concerns.find(db.session(), run, key, _rule())
    except concerns.UnknownConcern:
        abort(404)


@bp.get("/")
@role_required(Role.ADMIN)
def queue(run_id: int) -> Any:
    run = council_run(run_id)
    found = quotes.candidates(db.session(), run, _rule())
    flagged = concerns.flagged(db.session(), run, _rule())
    return render_template("moderation/queue.html", run=run, quotes=found, summary=quotes.summary(found),
                           concerns=flagged, questions=free_text_questions(run))


@bp.post("/quotes/<key>")
@role_required(Role.ADMIN)
def decide(run_id: int, key: str) -> Any:
    run = council_run(run_id)
    quote = _quote(run, key)
    status = DECISIONS.get(request.form.get("decision", ""))
    if not ConfirmForm().validate_on_submit() or status is None:
        abort(400)
    try:
        quotes.decide(db.session(), run, quote, current_user, status)
    except quotes.Held as exc:
        flash(str(exc), "important")
        return redirect(url_for("moderation.queue", run_id=run_id) + f"#quote-{key[:12]}")
    flash(f"Quote {'approved' if status is QuoteStatus.APPROVED else 'withheld'}: "
          "the next release will " + ("show it." if status is QuoteStatus.APPROVED else "not show it."))
    return redirect(url_for("moderation.queue", run_id=run_id) + f"#quote-{key[:12]}")


@bp.route("/quotes/<key>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit(run_id: int, key: str) -> Any:
    run = council_run(run_id)
    quote = _quote(run, key)
    form = EditQuoteForm()
    if request.method == "GET":
        form.text.data = quote.released or quote.text
    if form.validate_on_submit():
        try:
            quotes.decide(db.session(), run, quote, current_user, QuoteStatus.EDITED, form.text.data)
        except ValueError as exc:  # nothing left once redacted
            form.text.errors = [str(exc)]
        else:
            flash("Edit saved: the next release will show your text instead of the comment.")
            return redirect(url_for("moderation.queue", run_id=run_id) + f"#quote-{key[:12]}")
    return render_template("moderation/edit.html", run=run, quote=quote, form=form)


@bp.route("/concerns/<key>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def concern(run_id: int, key: str) -> Any:
    run = council_run(run_id)
    found = _concern(run, key)
    form = ReviewForm()
    if form.validate_on_submit():
        concerns.review(db.session(), run, found, current_user, form.note.data or "")
        flash("Marked as seen, with your note.")
        return redirect(url_for("moderation.queue", run_id=run_id) + "#concerns")
    return render_template("moderation/concern.html", run=run, concern=found, form=form)


@bp.get("/named-leavers")
@role_required(Role.ADMIN)
def named_leavers(run_id: int) -> Any:
    run = council_run(run_id)
    if run.kind != "exit_interview":
        abort(404)
    return render_template("moderation/named_leavers.html", run=run,
                           leavers=named.named_leavers(db.session(), run))
