"""The service's front door: what it is, the way in for managers and staff, and the accessibility statement."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> Any:
    return render_template("home/index.html")


@bp.get("/accessibility")
def accessibility() -> Any:
    return render_template("home/accessibility.html")
