"""Storage for the differencing guard: the groups each user has been shown, on the server."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import db as database
from ..models import SeenGroup


def load(db: Session, user_id: int) -> list[list[Any]]:
    rows = db.execute(select(SeenGroup.scope, SeenGroup.filters, SeenGroup.size)
                      .where(SeenGroup.user_id == user_id).order_by(SeenGroup.id)).all()
    return [[scope, json.loads(filters), size] for scope, filters, size in rows]


def save(db: Session, user_id: int, new: list[list[Any]]) -> None:
    """Add groups the user has just been shown; one stored already (say by another tab meanwhile) is skipped."""
    if new:
        rows = {(scope, json.dumps(filters), size) for scope, filters, size in new}
        db.execute(database.insert(db, SeenGroup).on_conflict_do_nothing(
                       index_elements=["user_id", "scope", "filters", "size"]),
                   [{"user_id": user_id, "scope": scope, "filters": filters, "size": size}
                    for scope, filters, size in sorted(rows)])
    db.commit()
