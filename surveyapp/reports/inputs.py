"""Everything a report reads, gathered once: releases (through the disclosure layer), the plan, the workforce.

The report is the admin's: it reads the whole council's figures of the latest
release of each run, as the results pages show them to the principal social worker.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..action_plans import followup, plans, view
from ..disclosure import access
from ..disclosure import cells as c
from ..disclosure.compare import previous_run
from ..disclosure.reader import Released
from ..models import Questionnaire, Release, SurveyRun
from . import workforce

MAX_YEARS = 10


class NotReleased(LookupError):
    """The run has no release yet: there is nothing a report may show."""


@dataclass(frozen=True)
class Year:
    run: SurveyRun
    data: Released


@dataclass(frozen=True)
class Inputs:
    run: SurveyRun
    release: Release
    now: Released
    previous: Released | None  # last year's release of the same questionnaire
    history: list[Year]  # every released year, oldest first, this one last
    exit_run: SurveyRun | None
    leavers: Released | None  # the exit interviews of the same year, as released
    plan: view.PlanPage | None
    last_plan: followup.Outcome | None  # last year's plan, followed up in this run
    staff: list[workforce.Totals]  # this year's workforce figures by service area
    staff_before: list[workforce.Totals]

    @property
    def council(self) -> str:
        return self.run.council.name


def gather(db: Session, run: SurveyRun) -> Inputs:
    reading = access.reading(db, run, None, c.ALL)
    if reading is None:
        raise NotReleased(run.title)
    exit_run = exit_interviews(db, run)
    leavers = access.released(db, exit_run) if exit_run is not None else None
    plan = plans.for_run(db, run)
    page = view.build(db, plan) if plan is not None else None
    earlier = followup.previous_plan(db, run)
    last_plan = page.last_year if page is not None else (followup.we_did(db, earlier) if earlier else None)
    return Inputs(run, reading.release, reading.data, reading.previous, history(db, run, reading.data), exit_run,
                  leavers[1] if leavers else None, page, last_plan,
                  [workforce.totals(r) for r in workforce.figures(db, run.council_id, run.year)],
                  [workforce.totals(r) for r in workforce.figures(db, run.council_id, run.year - 1)])


def history(db: Session, run: SurveyRun, now: Released) -> list[Year]:
    """The council's released years of this questionnaire, oldest first (at most ten)."""
    years = [Year(run, now)]
    earlier = previous_run(db, run)
    while earlier is not None and len(years) < MAX_YEARS:
        found = access.released(db, earlier)
        if found is not None:
            years.insert(0, Year(earlier, found[1]))
        earlier = previous_run(db, earlier)
    return years


def exit_interviews(db: Session, run: SurveyRun) -> SurveyRun | None:
    """The council's exit interviews of the health check's year (the latest period with a release)."""
    found = db.scalars(select(SurveyRun).join(Questionnaire, SurveyRun.questionnaire_id == Questionnaire.id)
                       .where(SurveyRun.council_id == run.council_id, SurveyRun.year == run.year,
                              Questionnaire.kind == "exit_interview")
                       .order_by(SurveyRun.id.desc()))
    return next((r for r in found if access.released(db, r) is not None), None)


def latest_released(db: Session) -> SurveyRun | None:
    """The latest health check with a release, for the command without --run."""
    found = db.scalars(select(SurveyRun).join(Questionnaire, SurveyRun.questionnaire_id == Questionnaire.id)
                       .where(Questionnaire.kind == "health_check")
                       .order_by(SurveyRun.year.desc(), SurveyRun.id.desc()))
    return next((r for r in found if access.released(db, r) is not None), None)
