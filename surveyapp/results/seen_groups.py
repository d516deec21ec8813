"""Storage for the differencing guard: the groups each user has been shown, on the server."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import SeenGroup


def load(db: Session, user_id: int) -> list[list[Any]]:
    rows = db.execute(select(SeenGroup.scope, SeenGroup.filters, SeenGroup.size)
                      .where(SeenGroup.user_id == user_id).order_by(SeenGroup.id)).all()
    return [[scope, json.loads(filters), size] for scope, filters, size in rows]


def save(db: Session, user_id: int, dumped: list[list[Any]]) -> None:
    """Add the groups not stored yet; the guard only ever adds, so nothing is updated."""
    known = {(scope, json.dumps(filters), size) for scope, filters, size in load(db, user_id)}
    for scope, filters, size in dumped:
        key = (scope, json.dumps(filters), size)
        if key not in known:
            db.add(SeenGroup(user_id=user_id, scope=scope, filters=key[1], size=size))
            known.add(key)
    db.commit()
