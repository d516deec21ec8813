"""A release's figure against the truth it counts: the one number every page shows, and how far it may be from the truth.

Pages, exports and reports show a release's cells and nothing else, so a test compares a page with
`cells[key]`; and, separately, checks that the cell is the true count moved by the cell key noise at most
(`noise.MOST`, never below 0), or the true count itself where the release counts people, not answers
(`release.exact`: a unit's size, how many answered).
"""

from __future__ import annotations

from typing import Any

from surveyapp.disclosure import noise
from surveyapp.disclosure import release as releases


def cells_of(made: Any) -> dict[str, int | None]:
    """A release's cells, from the Release or from its cells themselves."""
    return made.content["cells"] if hasattr(made, "content") else made


def near(made: Any, key: str, true: int) -> int:
    """The release's figure for `key`, checked: shown, and the true count within the noise (exact where exact)."""
    value = cells_of(made)[key]
    assert value is not None, f"{key} is hidden"
    if releases.exact(key):
        assert value == true, f"{key}: {value} shown, {true} counted (an exact figure)"
    else:
        assert value >= 0 and abs(value - true) <= noise.MOST, f"{key}: {value} shown, {true} counted"
    return value


def percent(count: int, total: int) -> int:
    """A share as pages round it (the share first, then a hundred times it, to the nearest whole)."""
    return round(100 * (count / total))


def points(now: tuple[int, int], before: tuple[int, int]) -> float:
    """A change of share in percentage points as pages compute it: (count, out of) this year and last."""
    return round(100 * (now[0] / now[1] - before[0] / before[1]), 1)
