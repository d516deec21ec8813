"""Making a release: read a run's counts once, decide what may be shown, store it.

1. `build` lays out every cell any user of the council could be shown.
2. Groups are closed (hidden whole) when under 5 respondents, or when some combination of shown
   groups, in this release and every earlier one of the run, would count 1 to 4 people
   (`close_groups`: `people.close` for the units, `audit.membership_conflicts` for any two groups).
   Who is in a group is counted from the responses, not from the filter that named it.
3. Every other count of answers carries the cell key noise (`protect`, `noise.py`); a unit's size and
   how many of it answered are exact.
4. The release stores the shown cells (hidden ones as null), why each hidden group is hidden, and,
   privately, the respondents and groups it was made from and the noise's secret, for later releases.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Collection
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import tally
from ..models import (Answer, Invitation, Release, ReleaseKind, ReleaseStatus, Response, ServiceArea,
                      SurveyRun, Team, ThemeJob)
from ..questionnaires import questionnaire_for
from . import audit, noise, people
from . import cells as c
from . import corrections
from . import themes as theme_cells
from .build import Built, Policy, Structure, TallyRow, build, dimensions
from .thresholds import Thresholds

FORMAT = 1
Progress = Callable[[int, str], None]


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def with_teams(run: SurveyRun) -> bool:
    """Exit interviews are counted by service area only: a team's leavers in a year are a handful of named people."""
    return run.kind != "exit_interview"


def structure(db: Session, run: SurveyRun) -> Structure:
    areas = dict(db.execute(select(ServiceArea.id, ServiceArea.name)
                            .where(ServiceArea.council_id == run.council_id)).all())
    teams = {t: (name, a) for t, name, a in db.execute(
        select(Team.id, Team.name, Team.service_area_id).where(Team.service_area_id.in_(areas))
        # A team retired before the run opened is not part of it (respondents could not choose it).
        .where(Team.retired_on.is_(None) | (Team.retired_on > run.opens_on))).all()}
    return Structure(run.council.name, areas, teams)


def tally_rows(db: Session, run: SurveyRun) -> list[TallyRow]:
    """The run's counts, taken from its answers as the release is made (nothing is counted at submit)."""
    return [(bq, bo, q, None if team == tally.NO_TEAM else team, value, int(n))
            for (_, q, bq, bo, team, value), n in tally.recount(db, run.id).items()]


def memberships(db: Session, run: SurveyRun, s: Structure, built: Built, teams: bool) -> dict[str, frozenset[str]]:
    """Who is in each group, by the responses' random ids: the same rule as `build`, counted person by person."""
    dims = [d.id for d in dimensions(questionnaire_for(run))]
    answers: dict[str, dict[str, str]] = defaultdict(dict)
    for response_id, question_id, option in db.execute(
            select(Answer.response_id, Answer.question_id, Answer.option).join(Response)
            .where(Response.run_id == run.id, Answer.question_id.in_(dims), Answer.option.is_not(None))):
        answers[response_id][question_id] = option
    groups: dict[str, set[str]] = defaultdict(set)
    for response_id, team_id in db.execute(select(Response.id, Response.team_id).where(Response.run_id == run.id)):
        units = c.units_of(team_id, s.teams, teams)
        for group in units:
            groups[group].add(response_id)
        for unit in units[:2]:
            for d in dims:
                groups[c.breakdown(unit, d, answers[response_id].get(d, c.NOT_GIVEN))].add(response_id)
    return {g: frozenset(m) for g, m in groups.items() if g in built.groups or g in built.units}


def _earlier_releases(db: Session, run: SurveyRun, before: int) -> list[Release]:
    return list(db.scalars(select(Release).where(Release.run_id == run.id, Release.number < before,
                                                 Release.status == ReleaseStatus.DONE.value)))


def policy_for(run: SurveyRun, earlier: list[Release]) -> Policy:
    """The caseload policy a release counts against: the council's, or the one the run's first release used.

    A run keeps one policy: counts above 19 children in one release and above 20
    in the next, of the same people, would give away who has exactly 20.
    """
    if earlier:
        first = min(earlier, key=lambda r: r.number).content or {}
        kept = first.get("policy", {})
        return Policy(kept.get("caseload"), kept.get("asye"))
    return Policy(run.council.caseload_policy, run.council.asye_caseload_limit)


def _shown_then(earlier: Release, members: dict[str, frozenset[str]]) -> dict[str, frozenset[str]]:
    """The groups an earlier release showed, with the members they had then."""
    private = earlier.audit or {}
    then = frozenset(private.get("respondents", []))
    return {g: members.get(g, frozenset()) & then for g in private.get("shown_groups", [])}


def _group_cells(built: Built) -> dict[str, list[str]]:
    by_group: dict[str, list[str]] = defaultdict(list)
    for key in built.published:
        by_group[c.split(key)[1]].append(key)
    return by_group


EXACT_SUFFIXES = (":" + c.ANSWERED, ":answered")  # people who answered: they count people, not answers


def never_shown(key: str) -> bool:
    """Cells the builders publish only so that sums hold (a multiple-choice option's "not ticked", a
    theme's "not raising it" and "second only"): no page shows them."""
    measure = c.split(key)[0]
    return measure.endswith("!") or measure.endswith(":" + theme_cells.SECOND)


def exact(key: str) -> bool:
    """Figures shown as counted: a unit's size, and how many of it answered (its people, not their answers).
    A breakdown's are moved like any count: they cut across the units, whose combinations alone the group
    audit checks (`people.close`), and exact they let a reader prove who did not answer a question."""
    measure, group = c.split(key)
    return c.is_unit(group) and (measure == c.RESPONDENTS or measure.endswith(EXACT_SUFFIXES))


SMALL, COMBINED = "small", "combined"  # why a group is hidden: too few people, or others would single people out


def close_groups(built: Built, members: dict[str, frozenset[str]], earlier: list[dict[str, frozenset[str]]],
                 rule: Thresholds) -> dict[str, str]:
    """Groups hidden whole, with why: those under the threshold (SMALL); those within 1 to 4 people of
    another shown group now or in an earlier release (`audit.membership_conflicts`), and units that some
    combination of the shown units, now and before, would leave 1 to 4 people for (`people.close`) (COMBINED)."""
    by_group = _group_cells(built)
    closed = {g: SMALL for g in by_group if built.values.get(c.cell(c.RESPONDENTS, g), 0) < rule.figures}
    shown = {g: m for g, m in members.items() if not c.structural(g) and g not in closed}
    # Units first: hiding a group only ever removes combinations, so the order changes how much is
    # hidden, never what is promised; the units' audit chooses well, and the pairs check then often
    # finds its conflicts already closed.
    fixed = [m for release in earlier for g, m in release.items() if c.is_unit(g)]
    # A unit with the very people an earlier release showed it with adds nothing a reader did not have, and
    # hiding it now would take nothing back: it stands among the fixed, so the same answers close the same.
    known = set(fixed)
    units = {g: m for g, m in shown.items() if c.is_unit(g) and g not in closed and m not in known}
    closed |= dict.fromkeys(people.close(units, {g: c.rank(g) for g in units}, fixed, rule.figures,
                                         keep=frozenset({c.ALL})), COMBINED)
    shown = {g: m for g, m in shown.items() if g not in closed}
    closed |= dict.fromkeys(audit.membership_conflicts(shown, earlier, rule.figures,
                                                       {g: c.rank(g) for g in shown}), COMBINED)
    return closed


def protect(built: Built, members: dict[str, frozenset[str]], closed: Collection[str], salt: str,
            also: set[str] = frozenset()) -> tuple[dict[str, int | None], int]:
    """What each published cell shows: None where hidden (closed groups, cells never shown, `also`),
    the count itself where `exact`, and the count with its cell key noise (`noise.py`) elsewhere.
    Returns the cells and how many carry noise."""
    closed = set(closed)
    parts = {k: c.split(k) for k in built.published}
    hidden = {k for k, (_, group) in parts.items() if group in closed or never_shown(k)} | set(also)
    digests = {g: noise.group_digest(m) for g, m in members.items()}
    empty = noise.group_digest(())
    dims = {found[0] for _, g in parts.values() if (found := c.dimension_of(g))}
    counted: dict[str, tuple[str, str]] = {}  # key -> the (measure, group) whose people it counts
    for key, (measure, group) in parts.items():
        if key in hidden or exact(key):
            continue
        question, _, option = measure.partition(":")
        # A breakdown's size and its unit's answers to the breakdown question are the same people:
        # they take the same noise and show the same number.
        same = c.breakdown(group, question, option) if question in dims and c.is_unit(group) else None
        counted[key] = (c.RESPONDENTS, same) if same in digests else (measure, group)
    noisy = sorted(counted)
    values = {k: built.values.get(c.cell(*counted[k]), built.values[k]) for k in noisy}
    answered_shown: dict[str, int] = {}

    def upper(key: str) -> int | None:
        """At most the group's people; a count of answers at most the number shown answering (a breakdown's
        is moved too: only a unit's is exact)."""
        measure, group = parts[key]
        answered = None if measure.endswith(EXACT_SUFFIXES) else _answered(measure)
        if answered:
            answered_key = c.cell(answered, group)
            bound = answered_shown.get(answered_key, built.values.get(answered_key))
            if bound is not None:
                return bound
        return built.values.get(c.cell(c.RESPONDENTS, group))

    def perturb(keys: list[str]) -> dict[str, int]:
        return noise.perturb(values, keys, salt, lambda k: digests.get(counted[k][1], empty), upper,
                             measure_of=lambda k: counted[k][0])

    answered_shown.update(perturb([k for k in noisy if parts[k][0].endswith(EXACT_SUFFIXES)]))
    moved = answered_shown | perturb([k for k in noisy if k not in answered_shown])
    shown: dict[str, int | None] = {}
    for key in sorted(built.published):
        shown[key] = None if key in hidden else moved.get(key, built.values[key])
    return shown, len(noisy)


def _answered(measure: str) -> str | None:
    """The measure counting those who answered what `measure` counts answers of, if there is one."""
    if measure.startswith("sec:") and measure.endswith(":agree"):
        return measure[: -len("agree")] + "answered"
    if measure.startswith("th:"):
        return theme_cells.measure(measure.split(":")[1], c.ANSWERED)
    question, _, _ = measure.partition(":")
    return c.measure(question, c.ANSWERED) if question and not measure.startswith(("pol:", "sec:")) else None


def salt_of(earlier: list[Release]) -> str:
    """The run's cell key secret: made with its first release and kept with every later one (privately),
    so the same people get the same noise in every release."""
    for found in sorted(earlier, key=lambda r: r.number):
        kept = (found.audit or {}).get("cell_key")
        if kept:
            return str(kept)
    return noise.new_salt()


def compute(db: Session, release: Release, rule: Thresholds, progress: Progress = lambda p, s: None) -> None:
    """Fill a release: every table of its run, with the groups that may be shown and the noise on their counts."""
    run = release.run
    progress(10, "Counting the answers")
    earlier = _earlier_releases(db, run, release.number)
    policy = policy_for(run, earlier)
    teams = with_teams(run)
    s = structure(db, run)
    analyses = analyses_of(db, run)
    built = build(s, questionnaire_for(run), policy, tally_rows(db, run), teams,
                  extra=lambda builder: theme_cells.add(builder, analyses, rule.figures))
    progress(30, "Checking who is in each group")
    members = memberships(db, run, s, built, teams)
    salt = salt_of(earlier)
    if len(members.get(c.ALL, frozenset())) < rule.figures:
        closed = dict.fromkeys(_group_cells(built), SMALL)  # fewer people than a figure needs: nothing is shown
    else:
        closed = close_groups(built, members, [_shown_then(e, members) for e in earlier], rule)
    theme_members = theme_cells.members(analyses)
    changed = theme_cells.changed_since(theme_members, [(e.audit or {}).get("themes", {}) for e in earlier],
                                        {g: m for g, m in members.items() if c.is_unit(g)}, rule.figures)
    progress(60, "Protecting each person's answers")
    shown_cells, perturbed = protect(built, members, closed, salt, theme_cells.forced_cells(changed, built.published))
    hidden = [k for k, v in shown_cells.items() if v is None]
    invited = dict(db.execute(select(Invitation.team_id, func.count()).where(Invitation.run_id == run.id)
                              .group_by(Invitation.team_id)).all())
    release.content = {
        "format": FORMAT, "kind": run.kind, "threshold": rule.figures, "comments": rule.comments,
        "policy": {"caseload": policy.caseload, "asye": policy.asye},
        "groups": built.groups, "units": built.units, "parents": built.parents,
        "area_teams": {c.area(a): sorted(c.team(t) for t, (_, area) in s.teams.items() if area == a) for a in s.areas},
        "invited": {c.team(t): n for t, n in invited.items()},
        "cells": shown_cells,
        "themes": theme_cells.texts(analyses, shown_cells, rule.comments, lambda team_id: _finest(s, team_id, teams),
                                    theme_cells.decisions(db, run.id)),
        "analyses": (jobs := {q: r.get("job") for q, r in analyses.items()}),
        "hidden_groups": dict(sorted(closed.items())),
        "stats": {"cells": len(built.published), "hidden": len(hidden), "perturbed": perturbed,
                  "closed_groups": len(closed),
                  "audit": "groups of 5 or more; no 1 to 4 people by combining groups; cell key noise"},
    }
    shown = [g for g in members if not c.structural(g) and g not in closed]
    release.audit = {"respondents": sorted(members.get(c.ALL, frozenset())), "shown_groups": sorted(shown),
                     "themes": theme_members, "analyses": jobs, "cell_key": salt}


def _finest(s: Structure, team_id: int | None, teams: bool) -> str:
    """The smallest unit a comment's writer is counted in: their team, or for exit interviews their area."""
    known = team_id in s.teams
    if teams:
        return c.team(team_id if known else None)
    return c.area(s.teams[team_id][1] if known and team_id is not None else None)


def analyses_of(db: Session, run: SurveyRun) -> theme_cells.Analyses:
    """The latest finished analysis of each free-text question, as the release freezes it."""
    found: theme_cells.Analyses = {}
    for question in questionnaire_for(run).questions():
        if question.type != "free_text":
            continue
        job = db.scalar(select(ThemeJob).where(ThemeJob.run_id == run.id, ThemeJob.question_id == question.id,
                                               ThemeJob.status == "done").order_by(ThemeJob.id.desc()).limit(1))
        if job is not None and job.result:
            found[question.id] = {**corrected(db, run, question.id, job.result), "job": job.id}
    return found


def corrected(db: Session, run: SurveyRun, question_id: str, result: dict[str, Any]) -> dict[str, Any]:
    """An analysis with the council's corrections of the question applied (`corrections.apply`)."""
    found = corrections.of(db, run, question_id)
    if not found:
        return result
    return corrections.apply(result, found, corrections.row_keys(db, question_id, result))


def request(db: Session, run: SurveyRun, kind: ReleaseKind) -> Release:
    number = (db.scalar(select(func.max(Release.number)).where(Release.run_id == run.id)) or 0) + 1
    release = Release(run_id=run.id, number=number, kind=kind.value, status=ReleaseStatus.QUEUED.value,
                      progress=0, stage="Waiting to start", requested_at=now())
    db.add(release)
    db.commit()
    return release


def run_release(db: Session, release_id: int, rule: Thresholds) -> None:
    """Compute a queued release, keeping its progress in the database so any web worker can show it."""
    release = db.get(Release, release_id)
    if release is None or release.status != ReleaseStatus.QUEUED.value:
        return

    def progress(percent: int, stage: str) -> None:
        assert release is not None
        release.status, release.progress, release.stage = ReleaseStatus.RUNNING.value, percent, stage
        db.commit()

    try:
        compute(db, release, rule, progress)
        release.status, release.progress, release.stage = ReleaseStatus.DONE.value, 100, "Released"
        release.finished_at = now()
        db.commit()
    except Exception:
        db.rollback()
        failed = db.get(Release, release_id)
        if failed is not None:
            failed.status, failed.stage = ReleaseStatus.FAILED.value, "The release could not be made"
            failed.finished_at = now()
            db.commit()
        raise


def latest(db: Session, run: SurveyRun) -> Release | None:
    """The run's newest finished release: what managers see."""
    return db.scalar(select(Release).where(Release.run_id == run.id, Release.status == ReleaseStatus.DONE.value)
                     .order_by(Release.number.desc()).limit(1))


def pending(db: Session, run: SurveyRun) -> Release | None:
    return db.scalar(select(Release).where(Release.run_id == run.id, Release.status.in_(
        (ReleaseStatus.QUEUED.value, ReleaseStatus.RUNNING.value))).order_by(Release.number.desc()).limit(1))


def new_since_last(db: Session, run: SurveyRun) -> int:
    """Responses since the run's last release (all of them before the first)."""
    total = db.scalar(select(func.count()).select_from(Response).where(Response.run_id == run.id)) or 0
    last = latest(db, run)
    return total - (len((last.audit or {}).get("respondents", [])) if last is not None else 0)


def describe(content: dict[str, Any]) -> str:
    stats = content.get("stats", {})
    return f"{stats.get('cells', 0)} figures, {stats.get('hidden', 0)} hidden"
