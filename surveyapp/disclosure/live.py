"""Live response rates: the one figure managers see while a run is open and before its first release.

They count links used, by the invitation's team, never answers: they say who
has taken part in a team, not what anyone said. Small counts are hidden, with
enough others that they cannot be worked out from the total. Once a run has a
release, its pages show the release's respondents instead, so the two never
disagree on one page.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import func, select, true
from sqlalchemy.orm import Session

from ..models import Invitation, ServiceArea, SurveyRun, Team, UsedLink
from .thresholds import Thresholds

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class LiveRate:
    service_area: str
    team: str
    invited: int
    used: int | None  # None: hidden

    @property
    def rate(self) -> float | None:
        return self.used / self.invited if self.used is not None and self.invited else None


@dataclass(frozen=True)
class LiveRates:
    invited: int
    used: int | None  # links used in the user's scope; None when fewer than the threshold
    teams: list[LiveRate]


def suppress(counts: Mapping[K, int], rule: Thresholds) -> dict[K, int | None]:
    """One table's counts with small ones hidden, and the next smallest until the hidden add up to the threshold."""
    total = sum(counts.values())
    if total < rule.figures:
        return dict.fromkeys(counts)
    hidden = {key for key, n in counts.items() if 0 < n < rule.figures}
    order = sorted((key for key, n in counts.items() if n and key not in hidden), key=lambda k: counts[k])
    while hidden and (len(hidden) < 2 or sum(counts[k] for k in hidden) < rule.figures) and order:
        hidden.add(order.pop(0))
    return {key: None if key in hidden else n for key, n in counts.items()}


def rates(db: Session, run: SurveyRun, teams: set[int] | None, rule: Thresholds) -> LiveRates:
    def by_team(team_id: Any, *where: Any) -> dict[int | None, int]:
        in_scope = team_id.in_(teams) if teams is not None else true()
        return dict(db.execute(select(team_id, func.count()).where(*where, in_scope).group_by(team_id)).all())

    invited = by_team(Invitation.team_id, Invitation.run_id == run.id)
    used = by_team(UsedLink.team_id, UsedLink.run_id == run.id)
    names = {t: (a, n) for t, a, n in db.execute(select(Team.id, ServiceArea.name, Team.name).join(ServiceArea)
                                                 .where(ServiceArea.council_id == run.council_id))}
    listed = sorted((t for t in invited if t in names), key=lambda t: names[t])
    shown = suppress({t: used.get(t, 0) for t in listed}, rule)
    total_used = sum(used.values())
    return LiveRates(sum(invited.values()), total_used if total_used >= rule.figures or total_used == 0 else None,
                     [LiveRate(*names[t], invited[t], shown[t]) for t in listed])
