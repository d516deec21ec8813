"""How the report writes a figure: as the results pages do, and "Hidden" wherever the release hides one."""

from __future__ import annotations

from ..disclosure.compare import Change
from ..disclosure.reader import HIDDEN

NOTHING = "–"  # no figure to compare with (not a hidden one)


def count(value: int | None) -> str:
    return HIDDEN if value is None else str(value)


def percent(part: float | None, whole: float | None) -> str:
    """A share as the results pages write it ('%.0f'), "Hidden" when either side is hidden."""
    if part is None or whole is None:
        return HIDDEN
    if not whole:
        return NOTHING
    return "%.0f%%" % (100 * part / whole)


def share(value: float | None) -> str:
    return HIDDEN if value is None else "%.0f%%" % (100 * value)


def change(found: Change | None) -> str:
    """Percentage points as the results pages write them, marked when more than chance."""
    if found is None:
        return NOTHING
    text = f"{'+' if found.points > 0 else ''}{found.points}"
    return f"{text} (more than chance)" if found.notable else text


def fte(value: float | None) -> str:
    return NOTHING if value is None else f"{value:.1f}"


def rate(part: float | None, whole: float | None) -> str:
    """A workforce rate to one decimal place, as the Department for Education publishes them."""
    if part is None or not whole:
        return NOTHING
    return f"{100 * part / whole:.1f}%"
