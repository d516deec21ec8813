"""Where a comment came from, said no more finely than the latest release shows it.

The moderation queue and the safeguarding list show the principal social worker each quote and each flagged
comment with a "From" label. A label is a disclosure like any figure: "Small Team" on a flagged comment,
where two people of Small Team commented, tells who may have written it. So a label names the smallest unit
(the comment's team, then its service area) that the run's latest release shows, with at least the comments
threshold (10) of comments on that question counted there by the release; otherwise the council. Before the
first release, and for a question the release has no count of comments for, it is the council.

Nothing here counts responses: every number is a cell of the release, as on every other page.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..models import SurveyRun
from ..questionnaires import questionnaire_for
from . import cells as c
from . import reader, release
from .themes import measure
from .thresholds import Thresholds


class Places:
    """Labels for the comments of one run, read from its latest release."""

    def __init__(self, db: Session, run: SurveyRun, rule: Thresholds) -> None:
        self.council = run.council.name
        found = release.latest(db, run)
        self.data = None if found is None else reader.load(found, questionnaire_for(run))
        self.needed = rule.comments
        self.area_of_team: dict[str, str] = {}
        if self.data is not None:
            self.needed = max(self.needed, int(self.data.content.get("comments", rule.comments)))
            self.area_of_team = {t: a for a, teams in self.data.content.get("area_teams", {}).items() for t in teams}

    def _units(self, team_id: int | None) -> list[str]:
        """The units the comment's writer is counted in, smallest first, as the release names them."""
        if team_id is None or self.data is None:
            return []
        team = c.team(team_id)
        area = self.area_of_team.get(team)
        return ([team] if team in self.data.units else []) + ([area] if area and area in self.data.units else [])

    def _enough(self, question_id: str, unit: str) -> bool:
        assert self.data is not None
        comments = self.data.value(measure(question_id, c.ANSWERED), unit)
        return self.data.respondents(unit) is not None and comments is not None and comments >= self.needed

    def of(self, question_id: str, team_id: int | None) -> str:
        """The label for a comment on `question_id` by someone of `team_id` (None: no team given)."""
        for unit in self._units(team_id):
            if self._enough(question_id, unit):
                assert self.data is not None
                label = self.data.label(unit)
                return f"{self.data.label(self.data.area_of(unit))}: {label}" if unit.startswith("team:") else label
        return self.council
