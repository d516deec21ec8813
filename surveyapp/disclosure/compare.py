"""Year on year: the same questions (by id) in the council's previous run of the same questionnaire."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Questionnaire, SurveyRun

Z_95 = 1.96


@dataclass(frozen=True)
class Change:
    points: float  # percentage points, this year minus last
    notable: bool  # bigger than chance would explain for these group sizes


def previous_run(db: Session, run: SurveyRun) -> SurveyRun | None:
    """The council's latest earlier run of the same questionnaire (the key stays the same across years)."""
    return db.scalars(
        select(SurveyRun).join(Questionnaire, SurveyRun.questionnaire_id == Questionnaire.id)
        .where(SurveyRun.council_id == run.council_id, SurveyRun.year < run.year,
               Questionnaire.key == run.questionnaire.key)
        .order_by(SurveyRun.year.desc(), SurveyRun.id.desc())
    ).first()


def notable_change(p_now: float, n_now: int, p_before: float, n_before: int) -> bool:
    """A two-proportion z-test at 95%: small groups need big changes before a change is marked."""
    if not n_now or not n_before:
        return False
    pooled = (p_now * n_now + p_before * n_before) / (n_now + n_before)
    noise = math.sqrt(pooled * (1 - pooled) * (1 / n_now + 1 / n_before))
    return noise > 0 and abs(p_now - p_before) > Z_95 * noise


def change(now: tuple[int | None, int | None] | None, before: tuple[int | None, int | None] | None) -> Change | None:
    """From (count, out of) this year and last; None when either side has nothing (or something hidden) to compare."""
    if not now or not before or now[0] is None or before[0] is None or not now[1] or not before[1]:
        return None
    p_now, p_before = now[0] / now[1], before[0] / before[1]
    return Change(round(100 * (p_now - p_before), 1), notable_change(p_now, now[1], p_before, before[1]))
