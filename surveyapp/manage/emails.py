"""A run's emails for the admin: what became of each invitation and reminder, and sending the failed
invitations again, each with a new link, where the earlier link cannot have arrived."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from .. import audit_log, background, db, mail
from ..auth import role_required
from ..mail import tracking
from ..models import Role
from . import staff
from .forms import ConfirmForm
from .views import NO_EMAIL, council_run, send_invitations

bp = Blueprint("emails", __name__, url_prefix="/manage/runs/<int:run_id>/emails")


@bp.get("")
@role_required(Role.ADMIN)
def show(run_id: int) -> Any:
    run = council_run(run_id)
    return render_template("manage/emails.html", run=run, emails=tracking.summary(db.session(), run),
                           open=run.ended_on(dt.date.today()) is None, form=ConfirmForm())


@bp.post("/resend")
@role_required(Role.ADMIN)
def resend(run_id: int) -> Any:
    run = council_run(run_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    here = url_for("emails.show", run_id=run_id)
    if run.ended_on(dt.date.today()) is not None or not mail.can_send(current_app.config):
        flash(f"{run.title} is closed, so nothing can be sent" if mail.can_send(current_app.config) else NO_EMAIL)
        return redirect(here)
    resent, replaced = staff.resend_failed(db.session(), run)
    if not resent:
        db.session().rollback()
        flash("No failed invitations could be sent again: there are none, or they were sent again already, or "
              "they may have arrived.")
        return redirect(here)
    audit_log.record(db.session(), current_user, audit_log.INVITATIONS_RESENT, run=run,
                     detail={"invitations": [p.invitation_id for p in resent], "failed_emails": replaced},
                     commit=True)
    try:
        send_invitations(run, resent)
    except background.QueueUnavailable:
        flash("The invitations could not be sent again: the background queue cannot be reached. Try again in a "
              "few minutes.")
        return redirect(here)
    flash(f"{len(resent)} invitation{'s are' if len(resent) != 1 else ' is'} being sent again, each with a new "
          "link. Their earlier links never arrived, and no longer work.")
    return redirect(here)
