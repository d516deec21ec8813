"""What each signed-in user may see: their council, and within it their scope.

Admins (the principal social worker) see the whole council. Managers and
viewers see only the service areas and teams in their `UserScope` rows; with
none, they see no results. Pages show the units of a release that `team_ids()`
covers (`disclosure.reader.Released.visible_units`).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Role, ServiceArea, Team, User


def team_ids(db: Session, user: User) -> set[int] | None:
    """The teams whose results this user may see; None means the whole council."""
    if user.role == Role.ADMIN.value:
        return None
    teams = {s.team_id for s in user.scopes if s.team_id is not None}
    areas = {s.service_area_id for s in user.scopes if s.service_area_id is not None}
    if areas:
        teams |= set(db.scalars(select(Team.id).join(ServiceArea).where(
            ServiceArea.id.in_(areas), ServiceArea.council_id == user.council_id)))
    return teams


def describe(db: Session, user: User) -> str:
    """The user's scope in words, shown on results pages so nobody mistakes a part for the whole."""
    if user.role == Role.ADMIN.value:
        return "the whole council"
    names = [db.get(ServiceArea, s.service_area_id).name for s in user.scopes if s.service_area_id]
    names += [db.get(Team, s.team_id).name for s in user.scopes if s.team_id]
    return ", ".join(sorted(names)) if names else "nothing yet: ask your principal social worker to give you access"


def may_analyse(user: User) -> bool:
    """Starting a theme analysis changes stored results; viewers only read."""
    return user.role in (Role.ADMIN.value, Role.MANAGER.value)
