"""Where a comment came from, as finely as is safe to say: its team, when at least 5 people of the team
responded to the run; otherwise its service area, when that is big enough; otherwise the council."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..disclosure import release
from ..models import Response, SurveyRun


class Places:
    def __init__(self, db: Session, run: SurveyRun, threshold: int) -> None:
        self.structure = release.structure(db, run)
        self.threshold = threshold
        self.teams_shown = release.with_teams(run)  # exit interviews are counted by service area only
        self.by_team: dict[int | None, int] = dict(db.execute(
            select(Response.team_id, func.count()).where(Response.run_id == run.id).group_by(Response.team_id)).all())

    def _area(self, team_id: int | None) -> int | None:
        found = self.structure.teams.get(team_id) if team_id is not None else None
        return found[1] if found else None

    def of(self, team_id: int | None) -> str:
        s = self.structure
        area = self._area(team_id)
        if self.teams_shown and team_id in s.teams and self.by_team.get(team_id, 0) >= self.threshold:
            return f"{s.areas[area]}: {s.teams[team_id][0]}"  # type: ignore[index]
        in_area = sum(n for t, n in self.by_team.items() if area is not None and self._area(t) == area)
        if area is not None and in_area >= self.threshold:
            return s.areas[area]
        return s.council
