"""What one user may read of a run: its latest release, the units of their scope, and last year's release."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from ..models import Release, SurveyRun
from ..questionnaires import questionnaire_for
from . import cells as c
from . import reader, release
from .compare import previous_run


class NotInScope(LookupError):
    """The unit asked for is not one this user may see."""


@dataclass(frozen=True)
class Reading:
    run: SurveyRun
    release: Release
    data: reader.Released
    unit: str
    units: list[str]
    previous: reader.Released | None

    @property
    def unit_label(self) -> str:
        return self.data.label(self.unit)


def released(db: Session, run: SurveyRun) -> tuple[Release, reader.Released] | None:
    found = release.latest(db, run)
    return None if found is None else (found, reader.load(found, questionnaire_for(run)))


def reading(db: Session, run: SurveyRun, team_ids: set[int] | None, unit: str | None) -> Reading | None:
    """The run's latest release as this user may read it; None before the first release."""
    found = released(db, run)
    if found is None:
        return None
    made, data = found
    units = data.visible_units(team_ids)
    if not units:
        raise NotInScope("no units")
    if unit is None:
        unit = units[0]
    if unit not in units:
        raise NotInScope(unit)
    earlier = previous_run(db, run)
    before = released(db, earlier) if earlier is not None else None
    return Reading(run, made, data, unit, units, before[1] if before else None)


def unit_kind(unit: str) -> str:
    return "council" if unit == c.ALL else ("team" if unit.startswith("team:") else "area")
