"""Accounts, as plain functions of a database session (no Flask): the web pages and the tests call these.

An invited account has no password until its person sets one from the emailed link (or signs in
through single sign-on). A link's token is 256 random bits; only its SHA-256 is stored, it works
once, and not after `expires_at`. Setting a password ends every other session of the account, and
deactivating an account ends them all at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from .. import security
from ..models import ManagerSession, PasswordLink, Role, ServiceArea, Team, User, UserScope

INVITATION = "invitation"
RESET = "reset"
LIFETIMES = {INVITATION: dt.timedelta(days=7), RESET: dt.timedelta(hours=1)}
NO_PASSWORD = ""  # an invited account's password hash until its person sets one: nothing verifies against it
MIN_PASSWORD = 12


class AccountError(ValueError):
    """Something the admin asked cannot be done; the message says why, in plain words."""


@dataclass(frozen=True)
class Scope:
    area_ids: frozenset[int]
    team_ids: frozenset[int]


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def link_hash(token: str) -> str:
    return hashlib.sha256(f"password-link:{token}".encode()).hexdigest()


def council_users(db: Session, council_id: int) -> list[User]:
    return list(db.scalars(select(User).where(User.council_id == council_id).order_by(User.name, User.email)))


def by_email(db: Session, email: str) -> User | None:
    return db.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def has_password(user: User) -> bool:
    return user.password_hash != NO_PASSWORD


def invite(db: Session, *, council_id: int, email: str, name: str, role: Role, scope: Scope) -> tuple[User, str]:
    """A new account with no password, and the token of its invitation link (the caller emails it)."""
    if by_email(db, email) is not None:
        raise AccountError("An account already uses this email address")
    user = User(council_id=council_id, email=email.strip().lower(), name=name.strip(), password_hash=NO_PASSWORD,
                role=role.value, active=True)
    db.add(user)
    db.flush()
    set_scope(db, user, role, scope)
    return user, new_link(db, user, INVITATION)


def set_scope(db: Session, user: User, role: Role, scope: Scope) -> None:
    """The role, and the service areas and teams of the council it covers (admins see everything: no rows)."""
    areas = set(db.scalars(select(ServiceArea.id).where(ServiceArea.council_id == user.council_id,
                                                        ServiceArea.id.in_(scope.area_ids))))
    teams = set(db.scalars(select(Team.id).join(ServiceArea).where(ServiceArea.council_id == user.council_id,
                                                                   Team.id.in_(scope.team_ids))))
    if areas != scope.area_ids or teams != scope.team_ids:
        raise AccountError("Choose service areas and teams of your own council")
    user.role = role.value
    user.scopes.clear()
    if role is not Role.ADMIN:
        user.scopes.extend([UserScope(service_area_id=a) for a in sorted(areas)]
                           + [UserScope(team_id=t) for t in sorted(teams)])
    db.flush()


def current_scope(user: User) -> Scope:
    return Scope(frozenset(s.service_area_id for s in user.scopes if s.service_area_id is not None),
                 frozenset(s.team_id for s in user.scopes if s.team_id is not None))


def end_sessions(db: Session, user: User) -> int:
    """Every session of this account ends now, on the server: copies of its cookies stop working too."""
    return db.execute(delete(ManagerSession).where(ManagerSession.user_id == user.id)).rowcount or 0


def set_active(db: Session, user: User, active: bool) -> None:
    user.active = active
    if not active:
        end_sessions(db, user)
        db.execute(delete(PasswordLink).where(PasswordLink.user_id == user.id))
    db.flush()


def new_link(db: Session, user: User, purpose: str) -> str:
    """A fresh single-use link for this account; earlier unused links of the account stop working."""
    db.execute(delete(PasswordLink).where(PasswordLink.user_id == user.id))
    token = secrets.token_urlsafe(32)
    db.add(PasswordLink(token_hash=link_hash(token), user_id=user.id, purpose=purpose,
                        expires_at=now() + LIFETIMES[purpose]))
    db.flush()
    return token


def link_user(db: Session, token: str) -> User | None:
    """The active account a live link belongs to, or None (unknown, used, expired or deactivated)."""
    found = db.get(PasswordLink, link_hash(token))
    if found is None or found.expires_at <= now():
        return None
    user = db.get(User, found.user_id)
    return user if user is not None and user.active else None


def use_link(db: Session, token: str, password: str) -> User | None:
    """Set the password through a link, once: the link is deleted and every session of the account ends.

    The DELETE decides who used it, so two tabs posting at the same moment cannot both succeed.
    """
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"Your password must be at least {MIN_PASSWORD} characters")
    user = link_user(db, token)
    if user is None:
        return None
    taken = db.execute(delete(PasswordLink).where(PasswordLink.token_hash == link_hash(token),
                                                  PasswordLink.expires_at > now())).rowcount
    if taken != 1:
        return None
    user.password_hash = security.hash_password(password)
    end_sessions(db, user)
    db.flush()
    return user


def _true(value: object) -> bool:
    return value is True or value == "true"


def email_verified(claims: dict[str, object]) -> bool:
    """The provider vouches for the address: `email_verified`, or Entra ID's `xms_edov` (the email's domain
    owner is verified) where the council adds that optional claim."""
    return _true(claims.get("email_verified")) or _true(claims.get("xms_edov"))


def match_sign_in(db: Session, claims: dict[str, object], *, issuer: str,
                  council_id: int) -> tuple[User | None, str]:
    """The invited account of `council_id` a single sign-on belongs to, or None and why (in words for the person).

    An account already linked to a subject of `issuer` matches only that issuer and subject together (a subject
    is unique only within its issuer). Otherwise the verified email address matches an account of the council
    not yet linked to `issuer`, and the issuer and subject are stored so later sign-ins match on them (an
    account linked to a provider the council no longer uses is linked again). Nobody is ever created here: an
    unknown person is refused.
    """
    sub = str(claims.get("sub") or "")
    email = str(claims.get("email") or "").strip().lower()
    if not sub:
        return None, "Your council's sign-in service did not say who you are."
    user = db.scalar(select(User).where(User.council_id == council_id, User.oidc_issuer == issuer,
                                        User.oidc_sub == sub))
    if user is None:
        if not email or not email_verified(claims):
            return None, "Your council's sign-in service did not give a verified email address for you."
        user = by_email(db, email)
        if user is None or user.council_id != council_id:
            return None, f"Nobody has invited {email} to this service."
        if user.oidc_sub is not None and user.oidc_issuer == issuer:
            return None, f"The account for {email} is linked to a different council account."
        user.oidc_issuer, user.oidc_sub = issuer, sub
    if not user.active:
        return None, "Your account has been deactivated."
    db.flush()
    return user, ""
