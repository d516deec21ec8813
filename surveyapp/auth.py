"""Sign-in for managers, viewers and admins (local accounts, argon2id).

Signing in starts a fresh session (nothing from before survives, so a session planted before
sign-in is worth nothing) and records it on the server (`ManagerSession`); the signed cookie
carries only a random id. Every request checks that record, so signing out, or the session
going unused for MANAGER_IDLE_MINUTES, or outliving PERMANENT_SESSION_LIFETIME, ends it, even
for a copy of the cookie.

The cookie is a browser-session cookie (not `permanent`): closing the browser ends it, and
Flask-Login's "strong" session protection then does what it says. It hashes the client's address
and user agent at sign-in, and a request whose hash differs (a copied cookie used from another
browser or address) loses its sign-in. On a *permanent* session Flask-Login only marks the session
"not fresh", which nothing here checks, so with `permanent = True` the setting did nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, abort, current_app
from flask import session as cookie
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from . import db, security
from .models import ManagerSession, Role, User

login_manager = LoginManager()
login_manager.login_view = "manage.sign_in"
login_manager.login_message = "Sign in to see this page"
login_manager.login_message_category = "important"  # not a success: a neutral banner
login_manager.session_protection = "strong"  # works only on a session that is not permanent (sign_in)

F = TypeVar("F", bound=Callable[..., Any])


def init_app(app: Flask) -> None:
    login_manager.init_app(app)


SESSION_KEY = "manager_session"
TOUCH_EVERY = dt.timedelta(minutes=1)  # how often a request writes that the session is still in use


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _hash(session_id: str) -> str:
    return hashlib.sha256(f"manager-session:{session_id}".encode()).hexdigest()


def _limits() -> tuple[dt.timedelta, dt.timedelta]:
    """How long a session may go unused, and how long it may last at all."""
    config = current_app.config
    return (dt.timedelta(minutes=int(config["MANAGER_IDLE_MINUTES"])),
            dt.timedelta(seconds=int(config["PERMANENT_SESSION_LIFETIME"])))


def sign_in(user: User) -> None:
    """A fresh session for this user, recorded on the server."""
    cookie.clear()
    session_id = secrets.token_urlsafe(32)
    db_session = db.session()
    idle, lifetime = _limits()
    moment = now()
    db_session.execute(delete(ManagerSession).where(or_(ManagerSession.last_seen_at < moment - idle,
                                                        ManagerSession.created_at < moment - lifetime)))
    db_session.add(ManagerSession(id_hash=_hash(session_id), user_id=user.id, created_at=moment, last_seen_at=moment))
    db_session.commit()
    cookie.permanent = False  # "strong" protection is skipped for permanent sessions; the server limits its life
    cookie[SESSION_KEY] = session_id
    login_user(user)


def sign_out() -> None:
    """End this session on the server too: a copy of the cookie no longer works."""
    session_id = cookie.get(SESSION_KEY)
    if isinstance(session_id, str):
        db.session().execute(delete(ManagerSession).where(ManagerSession.id_hash == _hash(session_id)))
        db.session().commit()
    logout_user()
    cookie.clear()


def _live_session(user_id: int) -> ManagerSession | None:
    session_id = cookie.get(SESSION_KEY)
    if not isinstance(session_id, str):
        return None
    db_session = db.session()
    record = db_session.get(ManagerSession, _hash(session_id))
    if record is None or record.user_id != user_id:
        return None
    idle, lifetime = _limits()
    moment = now()
    if moment - record.last_seen_at > idle or moment - record.created_at > lifetime:
        db_session.delete(record)
        db_session.commit()
        return None
    if moment - record.last_seen_at > TOUCH_EVERY:
        record.last_seen_at = moment
        db_session.commit()
    return record


@login_manager.user_loader
def _load(user_id: str) -> User | None:
    if not (user_id.isascii() and user_id.isdigit()) or _live_session(int(user_id)) is None:
        return None
    user = db.session().get(User, int(user_id))
    return user if user is not None and user.active else None


def authenticate(session: Session, email: str, password: str) -> User | None:
    user = session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        security.verify_password(security.DUMMY_PASSWORD_HASH, password)
        return None
    if not user.password_hash:  # invited, no password set yet: spend the same time, and refuse
        security.verify_password(security.DUMMY_PASSWORD_HASH, password)
        return None
    if not user.active or not security.verify_password(user.password_hash, password):
        return None
    return user


EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
MIN_PASSWORD = 12


def check_new_account(session: Session, *, email: str, name: str, password: str | None, who: str = "person") -> None:
    """Everything that would stop `create_user` (or an invitation), found before anything is written:
    ValueError with the words for the person at the keyboard."""
    email = email.strip().lower()
    if not EMAIL.match(email) or len(email) > 320:
        raise ValueError(f"‘{email}’ is not a valid email address")
    if not name.strip():
        raise ValueError(f"Enter the {who}'s name")
    if len(name.strip()) > 200:
        raise ValueError("The name must be 200 characters or fewer")
    if password is not None and len(password) < MIN_PASSWORD:
        raise ValueError(f"Passwords must be at least {MIN_PASSWORD} characters")
    if session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
        raise ValueError(f"There is already an account for {email}")


def create_user(session: Session, *, council_id: int, email: str, name: str, password: str, role: Role) -> User:
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"Passwords must be at least {MIN_PASSWORD} characters")
    user = User(council_id=council_id, email=email.strip().lower(), name=name,
                password_hash=security.hash_password(password), role=role.value)
    session.add(user)
    session.commit()
    return user


def role_required(*roles: Role) -> Callable[[F], F]:
    """Signed in, and with one of these roles; checked on the server for every request."""
    allowed = {r.value for r in roles}

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)
        return wrapped  # type: ignore[return-value]
    return decorator
