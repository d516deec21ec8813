"""The admin's accounts pages (invite, change role and scope, deactivate) and everyone's password links."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from .. import audit_log, background, db, limits, mail, scope
from ..auth import role_required
from ..models import Role, User
from ..org import structure
from . import accounts, invitations
from .accounts import AccountError, Scope
from .forms import ActiveForm, ForgotForm, InviteForm, ScopeForm, SetPasswordForm

bp = Blueprint("users", __name__, url_prefix="/manage")
NOT_SENT = "The email could not be sent: the background queue cannot be reached. Try again in a few minutes."


def _user(user_id: int) -> User:
    found = db.session().get(User, user_id)
    if found is None or found.council_id != current_user.council_id:
        abort(404)
    return found


def _choices(form: ScopeForm) -> None:
    council_id = current_user.council_id
    form.choose_from([(a.id, a.name) for a in structure.areas(db.session(), council_id)],
                     [(t.id, f"{t.service_area.name}: {t.name}") for t in structure.current(db.session(), council_id)])


def _scope(form: ScopeForm) -> Scope:
    return Scope(frozenset(form.areas.data or ()), frozenset(form.teams.data or ()))


def _email(message: mail.Message) -> bool:
    try:
        background.submit(background.queue().send_email, message)
    except background.QueueUnavailable:
        return False
    return True


def _link(token: str) -> str:
    return invitations.password_link(current_app._get_current_object(), token)  # type: ignore[attr-defined]


@bp.get("/users")
@role_required(Role.ADMIN)
def users() -> Any:
    people = accounts.council_users(db.session(), current_user.council_id)
    return render_template("users/users.html", people=people, has_password=accounts.has_password,
                           scope_of=lambda u: scope.describe(db.session(), u))


@bp.route("/users/invite", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def invite() -> Any:
    form = InviteForm()
    _choices(form)
    if form.validate_on_submit():
        try:
            user = invitations.invite(db.session(), current_app._get_current_object(),  # type: ignore[attr-defined]
                                      council_id=current_user.council_id, council_name=current_user.council.name,
                                      email=form.email.data or "", name=form.name.data or "",
                                      role=Role(form.role.data), scope_of=_scope(form), invited_by=current_user.name,
                                      actor=current_user)
        except AccountError as error:
            form.email.errors.append(str(error))
        except background.QueueUnavailable:
            flash(NOT_SENT)
            return redirect(url_for("users.invite"))
        else:
            flash(f"Invitation sent to {user.email}")
            return redirect(url_for("users.users"))
    return render_template("users/invite.html", form=form)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def change(user_id: int) -> Any:
    person = _user(user_id)
    form = ScopeForm(data={"role": person.role, "areas": sorted(accounts.current_scope(person).area_ids),
                           "teams": sorted(accounts.current_scope(person).team_ids)})
    _choices(form)
    if form.validate_on_submit():
        session = db.session()
        before = {"role": person.role, "scope": scope.describe(session, person)}
        if person.id == current_user.id and form.role.data != Role.ADMIN.value:
            form.role.errors.append("You cannot take away your own admin role: ask another admin")
        else:
            try:
                accounts.set_scope(session, person, Role(form.role.data), _scope(form))
            except AccountError as error:
                form.areas.errors.append(str(error))
            else:
                after = {"role": person.role, "scope": scope.describe(session, person)}
                audit_log.record(session, current_user, audit_log.SCOPE_CHANGED, scope=after["scope"],
                                 detail={"email": person.email, "before": before, "after": after})
                session.commit()
                flash(f"{person.name} can now see {after['scope']}")
                return redirect(url_for("users.users"))
    return render_template("users/change.html", form=form, person=person, confirm=ActiveForm(),
                           has_password=accounts.has_password(person))


@bp.post("/users/<int:user_id>/<any(deactivate, reactivate):what>")
@role_required(Role.ADMIN)
def set_active(user_id: int, what: str) -> Any:
    person = _user(user_id)
    if not ActiveForm().validate_on_submit():
        abort(400)
    if person.id == current_user.id:
        flash("You cannot deactivate your own account")
        return redirect(url_for("users.change", user_id=person.id))
    session = db.session()
    accounts.set_active(session, person, what == "reactivate")
    audit_log.record(session, current_user, audit_log.USER_DEACTIVATED if what == "deactivate"
                     else audit_log.USER_REACTIVATED, detail={"email": person.email})
    session.commit()
    flash(f"{person.name}'s account is {what}d" + (": they are signed out everywhere" if what == "deactivate" else ""))
    return redirect(url_for("users.users"))


@bp.post("/users/<int:user_id>/invite-again")
@role_required(Role.ADMIN)
def invite_again(user_id: int) -> Any:
    person = _user(user_id)
    if not ActiveForm().validate_on_submit() or not person.active:
        abort(400)
    session = db.session()
    token = accounts.new_link(session, person, accounts.INVITATION)
    audit_log.record(session, current_user, audit_log.USER_INVITED, detail={"email": person.email, "again": True})
    message = mail.account_invitation(current_user.council.name, person.name, person.email, _link(token),
                                      current_user.name, int(accounts.LIFETIMES[accounts.INVITATION]
                                                             .total_seconds() // 3600))
    if not _email(message):
        session.rollback()
        flash(NOT_SENT)
    else:
        session.commit()
        flash(f"A new link was sent to {person.email}; the one before no longer works")
    return redirect(url_for("users.change", user_id=person.id))


# Anyone with an account ------------------------------------------------------------------------

@bp.route("/forgot-password", methods=["GET", "POST"])
@limits.reset_per_account
@limits.reset_per_address
def forgot_password() -> Any:
    """The same answer, after the same work, whether or not the address has an account (users.resets): the page
    queues one job with what was typed, so neither its words nor its timing tell anybody who has an account."""
    form = ForgotForm()
    if form.validate_on_submit():
        try:
            background.submit(background.queue().password_reset, form.email.data or "")
        except background.QueueUnavailable:
            flash(NOT_SENT)
            return redirect(url_for("users.forgot_password"))
        return render_template("users/reset_sent.html", email=form.email.data)
    return render_template("users/forgot.html", form=form)


@bp.route("/password/<token>", methods=["GET", "POST"])
def set_password(token: str) -> Any:
    session = db.session()
    person = accounts.link_user(session, token)
    if person is None:
        return render_template("users/link_expired.html"), 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        done = accounts.use_link(session, token, form.password.data or "")
        if done is None:
            return render_template("users/link_expired.html"), 404
        audit_log.record(session, done, audit_log.PASSWORD_SET)
        session.commit()
        flash("Your password is set, and you are signed out everywhere else. Sign in with it now.")
        return redirect(url_for("manage.sign_in"))
    return render_template("users/set_password.html", form=form, token=token, person=person)
