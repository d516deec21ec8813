"""Live response rates: the one figure managers see while a run is open and before its first release.

They count links used, never answers: they say how many have taken part, not what anyone said. There is
one set of them, the council's, and every reader is shown the same: how many invitation links have been
used of how many sent, the count hidden while it is 1 to 4.

Nothing finer is live. Tables by team, each suppressed for its reader's scope, differed from reader to
reader, and two readers comparing notes worked out a small team's count (the admin's total less a team a
manager of other teams saw). A team's count, even suppressed once for everyone, is a figure the first
release has not audited and may hide; so until then there is the council's figure only, and afterwards
the pages show the release's respondents, by team where the release shows the team.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Invitation, SurveyRun, UsedLink
from .thresholds import Thresholds


@dataclass(frozen=True)
class LiveRates:
    invited: int
    used: int | None  # links used in the whole run; None (hidden) while 1 to 4

    @property
    def rate(self) -> float | None:
        return self.used / self.invited if self.used is not None and self.invited else None


def rates(db: Session, run: SurveyRun, rule: Thresholds) -> LiveRates:
    """The run's live response rate, the same for every reader whatever their role or scope."""
    invited = db.scalar(select(func.count()).select_from(Invitation).where(Invitation.run_id == run.id)) or 0
    used = db.scalar(select(func.count()).select_from(UsedLink).where(UsedLink.run_id == run.id)) or 0
    return LiveRates(invited, used if used == 0 or used >= rule.figures else None)
