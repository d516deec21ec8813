"""The service's front door: what it is, the way in for managers and staff, and the accessibility statement."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from sqlalchemy import select

from .. import db
from ..models import Council

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> Any:
    """With each council's current published action plan, for staff (no sign-in)."""
    councils = list(db.session().scalars(select(Council).order_by(Council.name)))
    return render_template("home/index.html", councils=councils)


@bp.get("/accessibility")
def accessibility() -> Any:
    return render_template("home/accessibility.html")
