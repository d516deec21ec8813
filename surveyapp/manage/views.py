"""Pages for managers and admins: sign in, runs, staff lists, response rates."""

from __future__ import annotations

import base64
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from .. import db, scope
from ..auth import authenticate, role_required
from ..disclosure import access, jobs, live, release
from ..disclosure.thresholds import Thresholds
from ..models import Questionnaire, ReleaseKind, Role, RunStatus, SurveyRun
from . import runs, staff
from .forms import ConfirmForm, RunForm, SettingsForm, SignInForm, StaffListForm

bp = Blueprint("manage", __name__, url_prefix="/manage")
ANY_ROLE = (Role.ADMIN, Role.MANAGER, Role.VIEWER)


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> Any:
    form = SignInForm()
    if form.validate_on_submit():
        user = authenticate(db.session(), form.email.data or "", form.password.data or "")
        if user is not None:
            login_user(user)
            return redirect(url_for("manage.dashboard"))
        form.password.errors.append("Enter a correct email address and password")
    return render_template("manage/sign_in.html", form=form)


@bp.post("/sign-out")
@role_required(*ANY_ROLE)
def sign_out() -> Any:
    logout_user()
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
    return render_template("manage/dashboard.html", runs=all_runs, confirm=ConfirmForm())


@bp.route("/settings", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def settings() -> Any:
    council = current_user.council
    form = SettingsForm(obj=council)
    if form.validate_on_submit():
        council.caseload_policy = form.caseload_policy.data
        council.asye_caseload_limit = form.asye_caseload_limit.data
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
        flash(f"{run.title} created")
        return redirect(url_for("manage.run", run_id=run.id))
    return render_template("manage/new_run.html", form=form)


def _rule() -> Thresholds:
    return Thresholds.from_config(current_app.config)


def start_release(survey_run: SurveyRun, kind: ReleaseKind) -> bool:
    """Queue a release; False, with a message to the admin, when too few have responded since the last one."""
    try:
        jobs.start(db.session(), current_app.extensions["surveyapp.sessionmaker"], survey_run, kind, _rule(),
                   inline=current_app.config.get("RELEASES_INLINE", False))
    except jobs.TooSoon as exc:
        flash(f"Only {exc.new} {'person has' if exc.new == 1 else 'people have'} responded since the last release. "
              f"Results can be released again once at least {exc.needed} have, so that nobody’s answers can be "
              "picked out by comparing the two releases.", "important")
        return False
    return True


def run_status_page(survey_run: SurveyRun, notice: str | None = None) -> Any:
    """The run's page: its latest release's response rates, or live ones before the first release."""
    team_ids = scope.team_ids(db.session(), current_user)
    try:
        reading = access.reading(db.session(), survey_run, team_ids, request.args.get("unit"))
    except access.NotInScope:
        reading = None
    rates = None if reading is not None else live.rates(db.session(), survey_run, team_ids, _rule())
    return render_template("manage/run.html", run=survey_run, reading=reading, live=rates, notice=notice,
                           pending=release.pending(db.session(), survey_run), confirm=ConfirmForm())


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
    kind = ReleaseKind.PERIOD if survey_run.kind == "exit_interview" else (
        ReleaseKind.INTERIM if survey_run.status == RunStatus.OPEN.value else ReleaseKind.FINAL)
    if start_release(survey_run, kind):
        flash("The release is being made. Managers will see it here when it is ready.")
    return redirect(url_for("manage.run", run_id=run_id))


@bp.route("/runs/<int:run_id>/staff", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def import_staff(run_id: int) -> Any:
    survey_run = council_run(run_id)
    if survey_run.status != "open":
        flash(f"{survey_run.title} is closed, so nobody new can be invited to it", "important")
        return redirect(url_for("manage.run", run_id=run_id))
    form = StaffListForm()
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            rows = staff.parse(form.staff_list.data.read(), staff.council_teams(db.session(), survey_run.council_id))
        except staff.StaffListError as exc:
            problems = exc.problems
            form.staff_list.errors = [f"The file has {len(problems)} problem{'s' if len(problems) > 1 else ''}: "
                                      "nothing has been imported. Fix the file and upload it again."]
        else:
            invited, skipped = staff.invite(db.session(), survey_run, rows)
            csv_text = staff.links_csv(invited, current_app.config["BASE_URL"])
            download = "data:text/csv;base64," + base64.b64encode(csv_text.encode("utf-8-sig")).decode()  # BOM: Excel reads accents right
            return render_template("manage/links.html", run=survey_run, invited=invited, skipped=skipped,
                                   download=download, base_url=current_app.config["BASE_URL"])
    return render_template("manage/import_staff.html", run=survey_run, form=form, problems=problems)


@bp.post("/runs/<int:run_id>/open-link")
@role_required(Role.ADMIN)
def open_link(run_id: int) -> Any:
    survey_run = council_run(run_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    token = runs.create_open_link(db.session(), survey_run)
    link = f"{current_app.config['BASE_URL']}{url_for('respond.open_link', token=token)}"
    return render_template("manage/open_link.html", run=survey_run, link=link)


@bp.route("/runs/<int:run_id>/close", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def close(run_id: int) -> Any:
    survey_run = council_run(run_id)
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        removed = runs.close_run(db.session(), survey_run)
        flash(f"{survey_run.title} is closed. {removed} unfinished set{'s' if removed != 1 else ''} of answers "
              "that were never submitted have been deleted.")
        if survey_run.kind == "health_check" and start_release(survey_run, ReleaseKind.FINAL):
            flash("Its results are being released: managers will see them here when they are ready.")
        return redirect(url_for("manage.run", run_id=run_id))
    return render_template("manage/close.html", run=survey_run, form=form)
