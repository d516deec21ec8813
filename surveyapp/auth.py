"""Sign-in for managers, viewers and admins (local accounts, argon2id)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, abort
from flask_login import LoginManager, current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import db, security
from .models import Role, User

login_manager = LoginManager()
login_manager.login_view = "manage.sign_in"
login_manager.login_message = "Sign in to see this page"
login_manager.login_message_category = "important"  # not a success: a neutral banner
login_manager.session_protection = "strong"

F = TypeVar("F", bound=Callable[..., Any])


def init_app(app: Flask) -> None:
    login_manager.init_app(app)


@login_manager.user_loader
def _load(user_id: str) -> User | None:
    user = db.session().get(User, int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.active else None


def authenticate(session: Session, email: str, password: str) -> User | None:
    user = session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        security.verify_password(security.DUMMY_PASSWORD_HASH, password)
        return None
    if not user.active or not security.verify_password(user.password_hash, password):
        return None
    return user


def create_user(session: Session, *, council_id: int, email: str, name: str, password: str, role: Role) -> User:
    if len(password) < 12:
        raise ValueError("Passwords must be at least 12 characters")
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
