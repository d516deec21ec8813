"""Pages for managers and admins: sign in, runs, staff lists (invitations by email), reminders, response rates."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from .. import audit_log, auth, background, db, heartbeat, limits, mail, scope
from ..auth import authenticate, role_required
from ..disclosure import access, jobs, live, release
from ..disclosure.thresholds import Thresholds
from ..mail import tracking
from ..models import Questionnaire, ReleaseKind, Role, RunStatus, SurveyRun
from . import runs, staff
from ..org import structure
from .forms import CancelUploadForm, ConfirmForm, CreateTeamsForm, RunForm, SettingsForm, SignInForm, StaffListForm

bp = Blueprint("manage", __name__, url_prefix="/manage")
ANY_ROLE = (Role.ADMIN, Role.MANAGER, Role.VIEWER)


@bp.route("/sign-in", methods=["GET", "POST"])
@limits.sign_in_per_account
@limits.sign_in_per_address
def sign_in() -> Any:
    form = SignInForm()
    if form.validate_on_submit():
        user = authenticate(db.session(), form.email.data or "", form.password.data or "")
        audit_log.sign_in(db.session(), user, form.email.data or "")
        if user is not None:
            auth.sign_in(user)  # a fresh session, recorded on the server
            limits.remember_device(user.email)  # this browser is not locked out by others' guesses
            return redirect(url_for("manage.dashboard"))
        form.password.errors.append("Enter a correct email address and password")
    return render_template("manage/sign_in.html", form=form)


@bp.post("/sign-out")
@role_required(*ANY_ROLE)
def sign_out() -> Any:
    auth.sign_out()  # ends the session on the server too
    flash("You have signed out")
    return redirect(url_for("manage.sign_in"))


def council_run(run_id: int) -> SurveyRun:
    run = db.session().get(SurveyRun, run_id)
    if run is None or run.council_id != current_user.council_id:
        abort(404)  # another council's run does not exist, as far as this user knows
    return run


@bp.get("/")
@role_required(*ANY_ROLE)
def dashboard() -> Any:
    all_runs = db.session().scalars(select(SurveyRun).where(SurveyRun.council_id == current_user.council_id)
                                    .order_by(SurveyRun.year.desc(), SurveyRun.id.desc())).all()
    return render_template("manage/dashboard.html", runs=all_runs, confirm=ConfirmForm(), today=dt.date.today())


@bp.route("/settings", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def settings() -> Any:
    council = current_user.council
    form = SettingsForm(obj=council)
    if form.validate_on_submit():
        council.caseload_policy = form.caseload_policy.data
        council.asye_caseload_limit = form.asye_caseload_limit.data
        audit_log.record(db.session(), current_user, audit_log.SETTINGS_CHANGED,
                         detail={"caseload_policy": council.caseload_policy, "asye_limit": council.asye_caseload_limit})
        db.session().commit()
        flash("Settings saved")
        return redirect(url_for("manage.dashboard"))
    return render_template("manage/settings.html", form=form)


@bp.route("/runs/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new_run() -> Any:
    questionnaires = runs.sync_questionnaires(db.session())
    form = RunForm(choices=[(q.id, f"{q.title} (version {q.version})") for q in questionnaires])
    if form.validate_on_submit():
        chosen = db.session().get(Questionnaire, form.questionnaire.data)
        assert chosen
        run = runs.create_run(db.session(), council_id=current_user.council_id, questionnaire=chosen,
                              title=form.title.data or "", year=form.year.data or 0,
                              opens_on=form.opens_on.data, closes_on=form.closes_on.data)
        audit_log.record(db.session(), current_user, audit_log.RUN_CREATED, run=run, commit=True)
        flash(f"{run.title} created")
        return redirect(url_for("manage.run", run_id=run.id))
    return render_template("manage/new_run.html", form=form)


def _rule() -> Thresholds:
    return Thresholds.from_config(current_app.config)


def _limits() -> heartbeat.Limits:
    return heartbeat.Limits.from_config(current_app.config)


def start_release(survey_run: SurveyRun, kind: ReleaseKind) -> bool:
    """Queue a release; False, with a message to the admin, when too few have responded since the last one."""
    task = background.queue().make_release
    try:
        jobs.start(db.session(), survey_run, kind, _rule(), lambda release_id: background.submit(task, release_id),
                   _limits())
    except jobs.TooSoon as exc:
        audit_log.record(db.session(), current_user, audit_log.RELEASE_REQUESTED, run=survey_run,
                         detail={"kind": kind.value, "refused": f"only {exc.new} new responses"}, commit=True)
        flash(f"Only {exc.new} {'person has' if exc.new == 1 else 'people have'} responded since the last release. "
              f"Results can be released again once at least {exc.needed} have, so that nobody’s answers can be "
              "picked out by comparing the two releases.", "important")
        return False
    except jobs.NotQueued:
        flash("The release could not be started: the background queue cannot be reached. Try again in a few "
              "minutes; if it still fails, tell your IT team.")
        return False
    audit_log.record(db.session(), current_user, audit_log.RELEASE_REQUESTED, run=survey_run,
                     detail={"kind": kind.value}, commit=True)
    return True


def run_status_page(survey_run: SurveyRun, notice: str | None = None) -> Any:
    """The run's page: its latest release's response rates, or live ones before the first release."""
    team_ids = scope.team_ids(db.session(), current_user)
    try:
        reading = access.reading(db.session(), survey_run, team_ids, request.args.get("unit"))
    except access.NotInScope:
        reading = None
    rates = None if reading is not None else live.rates(db.session(), survey_run, _rule())  # the same for everyone
    heartbeat.reap(db.session(), _limits(), survey_run)  # a release whose worker died says so, not "running"
    return render_template("manage/run.html", run=survey_run, reading=reading, live=rates, notice=notice,
                           pending=release.pending(db.session(), survey_run), confirm=ConfirmForm(),
                           failed=jobs.failed(db.session(), survey_run), can_email=mail.can_send(current_app.config),
                           ended=survey_run.ended_on(dt.date.today()),
                           emails=tracking.summary(db.session(), survey_run) if current_user.role == Role.ADMIN
                           else None)


@bp.get("/runs/<int:run_id>")
@role_required(*ANY_ROLE)
def run(run_id: int) -> Any:
    return run_status_page(council_run(run_id))


@bp.post("/runs/<int:run_id>/releases")
@role_required(Role.ADMIN)
def new_release(run_id: int) -> Any:
    """An interim release of an open health check, or the exit interviews of a period."""
    survey_run = council_run(run_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if survey_run.data_deleted_on is not None:
        flash("Its answers were deleted at the end of the retention period, so it cannot be released again.")
        return redirect(url_for("manage.run", run_id=run_id))
    kind = ReleaseKind.PERIOD if survey_run.kind == "exit_interview" else (
        ReleaseKind.INTERIM if survey_run.status == RunStatus.OPEN.value else ReleaseKind.FINAL)
    if start_release(survey_run, kind):
        flash("The release is being made. Managers will see it here when it is ready.")
    return redirect(url_for("manage.run", run_id=run_id))


@bp.route("/runs/<int:run_id>/staff", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def import_staff(run_id: int) -> Any:
    survey_run = council_run(run_id)
    if survey_run.ended_on(dt.date.today()) is not None:
        flash(f"{survey_run.title} is closed, so nobody new can be invited to it", "important")
        return redirect(url_for("manage.run", run_id=run_id))
    if not mail.can_send(current_app.config):
        flash(NO_EMAIL)
        return redirect(url_for("manage.run", run_id=run_id))
    try:
        runs.check_staff_list_allowed(db.session(), survey_run)
    except runs.Refused as refused:
        flash(str(refused), "important")
        return redirect(url_for("manage.run", run_id=run_id))
    form = StaffListForm()
    problems: list[str] = []
    if form.validate_on_submit():
        data = form.staff_list.data.read()
        try:
            rows = staff.parse(data, staff.council_teams(db.session(), survey_run.council_id))
        except staff.MissingTeams as exc:  # the list waits on the server, not in the page (a 413 above 190 KB)
            upload_id = staff.hold(db.session(), survey_run, current_user.id, data)
            return _confirm_new_teams(survey_run, CreateTeamsForm(formdata=None, upload=upload_id), exc)
        except staff.StaffListError as exc:
            problems = exc.problems
            form.staff_list.errors = [(f"The file has {len(problems)} problem{'s' if len(problems) > 1 else ''}: "
                                       "nothing has been imported. Fix the file and upload it again.")]
        else:
            return _invite(survey_run, rows)
    return render_template("manage/import_staff.html", run=survey_run, form=form, problems=problems)


def _invite(survey_run: SurveyRun, rows: list[staff.StaffRow]) -> Any:
    """Invite the list's people and queue each their own email; nothing is kept if the queue cannot take them.
    Those whose earlier invitation email failed get a new link (`staff.invite`)."""
    imported = staff.invite(db.session(), survey_run, rows)
    try:
        send_invitations(survey_run, imported.emails)
    except background.QueueUnavailable:
        staff.uninvite(db.session(), survey_run, imported.invited)
        flash("The invitations could not be sent: the background queue cannot be reached. Nothing has been "
              "imported. Try again in a few minutes.")
        return redirect(url_for("manage.import_staff", run_id=survey_run.id))
    detail: dict[str, Any] = {"invited": len(imported.invited), "already_invited": imported.skipped}
    if imported.resent:
        detail["sent_again"] = [p.invitation_id for p in imported.resent]
    audit_log.record(db.session(), current_user, audit_log.STAFF_IMPORTED, run=survey_run, detail=detail,
                     commit=True)
    return render_template("manage/invited.html", run=survey_run, invited=imported.invited,
                           resent=imported.resent, skipped=imported.skipped)


def send_invitations(survey_run: SurveyRun, invited: list[staff.Invited]) -> None:
    """Queue each person's invitation email (QueueUnavailable if the queue cannot be reached)."""
    task = background.queue().send_email
    staff.send_invitations(db.session(), lambda message: background.submit(task, message), survey_run, invited,
                           current_app.config["BASE_URL"], current_app.config["EMAIL_FROM"])


def _confirm_new_teams(survey_run: SurveyRun, form: CreateTeamsForm, missing: staff.MissingTeams) -> Any:
    return render_template("manage/create_teams.html", run=survey_run, form=form, names=missing.names,
                           areas=[a.name for a in structure.areas(db.session(), survey_run.council_id)])


@bp.post("/runs/<int:run_id>/staff/new-teams")
@role_required(Role.ADMIN)
def create_teams(run_id: int) -> Any:
    """After the admin confirms: create the teams a staff list named, in one service area, then import it."""
    survey_run = council_run(run_id)
    form = CreateTeamsForm()
    upload_id = form.upload.data or ""
    data = staff.held(db.session(), survey_run, current_user.id, upload_id)
    if data is None or survey_run.status != "open":
        flash("That staff list is no longer waiting to be imported: upload it again.", "important")
        return redirect(url_for("manage.import_staff", run_id=run_id))
    try:
        staff.parse(data, staff.council_teams(db.session(), survey_run.council_id))
    except staff.MissingTeams as exc:
        missing = exc
    except staff.StaffListError:
        missing = None
    if missing is None:  # nothing to confirm any more (the teams were made meanwhile): start again
        staff.drop(db.session(), survey_run, current_user.id, upload_id)
        db.session().commit()
        return redirect(url_for("manage.import_staff", run_id=run_id))
    if not form.validate_on_submit():
        return _confirm_new_teams(survey_run, form, missing)
    council = current_user.council
    area = next((a for a in structure.areas(db.session(), council.id)
                 if a.name.lower() == (form.service_area.data or "").strip().lower()), None)
    try:
        area = area or structure.add_area(db.session(), council, form.service_area.data or "")
        for name in missing.names:
            structure.add_team(db.session(), area, name)
    except structure.OrganisationError as exc:
        db.session().rollback()
        form.service_area.errors = [str(exc)]
        return _confirm_new_teams(survey_run, form, missing)
    audit_log.record(db.session(), current_user, audit_log.ORGANISATION_CHANGED,
                     detail={"created_teams": ", ".join(missing.names), "service_area": area.name,
                             "from": "a staff list"})
    staff.drop(db.session(), survey_run, current_user.id, upload_id)
    db.session().commit()
    return _invite(survey_run, staff.parse(data, staff.council_teams(db.session(), survey_run.council_id)))


@bp.post("/runs/<int:run_id>/staff/new-teams/cancel")
@role_required(Role.ADMIN)
def cancel_new_teams(run_id: int) -> Any:
    """The admin will fix the file instead: the list waiting on the server is deleted now."""
    survey_run = council_run(run_id)
    form = CancelUploadForm()
    if not form.validate_on_submit():
        abort(400)
    staff.drop(db.session(), survey_run, current_user.id, form.upload.data or "")
    db.session().commit()
    flash("Nothing has been imported, and the list is not kept. Fix the file and upload it again.")
    return redirect(url_for("manage.import_staff", run_id=run_id))


@bp.route("/runs/<int:run_id>/reminders", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def reminders(run_id: int) -> Any:
    """A reminder to everyone invited, worded for those who have taken part already: nobody knows who has."""
    survey_run = council_run(run_id)
    closed = survey_run.ended_on(dt.date.today()) is not None
    if closed or not mail.can_send(current_app.config):
        flash(f"{survey_run.title} is closed" if closed else NO_EMAIL)
        return redirect(url_for("manage.run", run_id=run_id))
    form = ConfirmForm()
    invited = staff.invited_count(db.session(), survey_run)
    if request.method == "POST" and form.validate_on_submit():
        task = background.queue().send_email
        # Logged before any is queued (no entry, no reminder), and kept even if the queue fails part way.
        audit_log.record(db.session(), current_user, audit_log.REMINDERS_SENT, run=survey_run,
                         detail={"people": invited})
        try:
            sent = staff.send_reminders(db.session(), lambda message: background.submit(task, message), survey_run,
                                        current_app.config["EMAIL_FROM"])
        except background.QueueUnavailable:
            flash("The reminders could not be sent: the background queue cannot be reached. Some people may get "
                  "one; try again in a few minutes.")
        else:
            flash(f"A reminder is being emailed to {sent} {'person' if sent == 1 else 'people'}.")
        db.session().commit()
        return redirect(url_for("manage.run", run_id=run_id))
    return render_template("manage/reminders.html", run=survey_run, form=form, invited=invited)


NO_EMAIL = ("This service is set up without email, so it cannot send anyone their own link. Create an open link "
            "instead and share it with your staff: each person chooses their own team.")


@bp.post("/runs/<int:run_id>/open-link")
@role_required(Role.ADMIN)
def open_link(run_id: int) -> Any:
    survey_run = council_run(run_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        token = runs.create_open_link(db.session(), survey_run, current_user)
    except runs.Refused as refused:
        flash(str(refused), "important")
        return redirect(url_for("manage.run", run_id=run_id))
    link = f"{current_app.config['BASE_URL']}{url_for('respond.open_link', token=token)}"
    return render_template("manage/open_link.html", run=survey_run, link=link)


@bp.route("/runs/<int:run_id>/close", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def close(run_id: int) -> Any:
    survey_run = council_run(run_id)
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        removed = runs.close_run(db.session(), survey_run)
        audit_log.record(db.session(), current_user, audit_log.RUN_CLOSED, run=survey_run, commit=True)
        flash(f"{survey_run.title} is closed. {removed} unfinished set{'s' if removed != 1 else ''} of answers "
              "that were never submitted have been deleted.")
        if survey_run.kind == "health_check" and start_release(survey_run, ReleaseKind.FINAL):
            flash("Its results are being released: managers will see them here when they are ready.")
        return redirect(url_for("manage.run", run_id=run_id))
    return render_template("manage/close.html", run=survey_run, form=form)
