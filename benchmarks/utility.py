"""Utility of a release, by reader: the share of what a plain 5-person rule would show that a release shows.

Issue 20 item 4. The plain 5-person rule shows every figure of every group with at least 5 respondents,
with no other protection. A release (surveyapp.disclosure.release) shows a group's figures when it has at
least 5 respondents and no set of 1 to 4 people can be had by combining it with the other shown groups
(`people.close`, `audit.membership_conflicts`), each count of answers with a small noise (`noise.py`).

Three councils, each built in a fresh SQLite database with the demo's answer generator
(`surveyapp/demo/loader.py`), analysed for themes (the app's engine on `biggest_difference`) and released
as the app releases them (`release.request` + `run_release`):
- "18 of 20": 4 teams in 2 service areas, 6, 5, 4 and 5 invited, 18 answering;
- "demo": this year's health check of the demo council, as `make run` loads it (and, for the record,
  its exit interviews, counted by service area only);
- "300 in 25 teams": 5 service areas of 5 teams, 6 to 20 respondents a team (seeded).

For each reader the figures counted are those their scope shows (`reader.Released.visible_units`, the rule
the pages use): an admin every unit and breakdown; an area manager their area, its breakdowns and its
teams; a team manager their team. Cells that no page shows (`release.never_shown`) are not counted.
The plain rule shows a figure when its group has at least 5 respondents (counted exactly); the release
shows it when its cell is not None. For area and team managers the worst and the median share are over
the areas and teams where the plain rule shows anything (a team of 1 to 4 respondents shows nothing
under either rule).

Mechanisms compared (the trade-off): (a) the plain 5-person rule; (b) groups only, what the release's
group audit leaves (groups under 5, groups within 1 to 4 people of another, `people.close`), no noise;
(b') the same audit choosing what to hide by looking ahead (of the groups whose combination gives people
away, the one whose hiding leaves the fewest others to hide), a variant computed here, not in the app;
(c) the full release: (b) with the cell key noise. Noise hides nothing, so (c) shows what (b) shows, each
count moved by -2 to +2; the noise is measured against an exact recount (`release.tally_rows` + `build`).

Run from the repository root with the app's venv (about 2 minutes on 2 cores, most of it the theme
engine's model loading once):

    .venv/bin/python benchmarks/utility.py               # markdown on stdout, progress on stderr
    .venv/bin/python benchmarks/utility.py --no-themes   # without the theme analyses (about 30 s)
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from surveyapp import create_app, db  # noqa: E402
from surveyapp.cli import upgrade  # noqa: E402
from surveyapp.demo import loader  # noqa: E402
from surveyapp.disclosure import audit, people, reader  # noqa: E402
from surveyapp.disclosure import cells as c  # noqa: E402
from surveyapp.disclosure import release as releases  # noqa: E402
from surveyapp.disclosure import themes as theme_cells  # noqa: E402
from surveyapp.disclosure.build import Built, build  # noqa: E402
from surveyapp.disclosure.thresholds import Thresholds  # noqa: E402
from surveyapp.manage import runs  # noqa: E402
from surveyapp.models import (Council, ReleaseKind, RunStatus, ServiceArea, SurveyRun, Team,  # noqa: E402
                              ThemeJob)
from surveyapp.questionnaires import questionnaire_for  # noqa: E402
from surveyapp.themes import jobs as theme_jobs  # noqa: E402

RULE = Thresholds()
THEMED = {"health_check": "biggest_difference", "exit_interview": "would_have_kept_you"}  # themes found in
SECRET = "benchmark secret key, not for production, 32+ chars"


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# Councils ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Plan:
    """A council to build: service area -> [(team, invited, responding)]."""

    name: str
    areas: dict[str, list[tuple[str, int, int]]]


EIGHTEEN = Plan("18 of 20", {"North": [("North 1", 6, 5), ("North 2", 5, 5)],
                             "South": [("South 1", 4, 4), ("South 2", 5, 4)]})


def three_hundred(seed: int = 300) -> Plan:
    """25 teams of 6 to 20 respondents, 300 in all, in 5 service areas."""
    rng = random.Random(seed)
    sizes = [rng.randint(6, 20) for _ in range(25)]
    while (gap := 300 - sum(sizes)) != 0:
        i = rng.randrange(25)
        sizes[i] = min(20, max(6, sizes[i] + (1 if gap > 0 else -1)))
    return Plan("300 in 25 teams", {
        f"Area {a + 1}": [(f"Team {a + 1}.{t + 1}", round(sizes[5 * a + t] / 0.7), sizes[5 * a + t]) for t in range(5)]
        for a in range(5)})


def build_council(session: Session, plan: Plan) -> SurveyRun:
    """A council with one closed health check, answered by the demo's generator."""
    rng = random.Random(plan.name)
    council = Council(name=f"{plan.name} council", slug="bench", caseload_policy=18, asye_caseload_limit=15)
    session.add(council)
    people: list[Team] = []
    for area_name, teams in plan.areas.items():
        area = ServiceArea(council=council, name=area_name)
        session.add(area)
        for team_name, _, responding in teams:
            team = Team(service_area=area, name=team_name)
            session.add(team)
            people += [team] * responding
    session.flush()
    stored = {q.key: q for q in runs.sync_questionnaires(session)}
    today = dt.date.today()
    run = runs.create_run(session, council_id=council.id, questionnaire=stored["health-check"],
                          title=f"Social work health check {today.year}", year=today.year,
                          opens_on=today - dt.timedelta(days=40), closes_on=today - dt.timedelta(days=10))
    run.status = RunStatus.CLOSED.value
    bank = yaml.safe_load((ROOT / "surveyapp/demo/comments.yaml").read_text(encoding="utf-8"))["health_check"]
    climate = {t.id: rng.uniform(-1.0, 1.0) for t in set(people)}
    loader._answers(session, run, people, bank, rng, climate)
    session.commit()
    return run


def demo_council(title: str) -> Callable[[Session], SurveyRun]:
    """This year's run of the demo council (its health check, or its exit interviews)."""
    def make(session: Session) -> SurveyRun:
        loader.load(session)
        return session.scalars(select(SurveyRun).join(Council).where(
            Council.slug == loader.SLUG, SurveyRun.year == dt.date.today().year,
            SurveyRun.title.like(f"{title}%"))).one()
    return make


# Measuring ---------------------------------------------------------------------------------------

@dataclass
class Reader:
    """One kind of reader: each reader's (plain, shown) counts, by their area or team."""

    kind: str
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def plain(self) -> int:
        return sum(p for p, _ in self.counts.values())

    @property
    def shown(self) -> int:
        return sum(s for _, s in self.counts.values())

    def shares(self) -> list[float]:
        return [s / p for p, s in self.counts.values() if p]


@dataclass
class Measured:
    council: str
    respondents: int
    teams: int
    areas: int
    comments: int
    release_seconds: float
    readers: dict[str, dict[str, Reader]]  # mechanism -> reader kind -> counts
    hidden_units: dict[str, list[str]]  # mechanism -> units hidden though they have 5 or more
    council_missing: list[str]
    council_figures: int
    noisy: int
    moved: int
    mean_noise: float
    largest_noise: int
    themes: int
    themes_shown: int


def visible(data: reader.Released, team_ids: set[int] | None) -> set[str]:
    """The groups a reader's pages show: their units and those units' breakdowns."""
    units = set(data.visible_units(team_ids))
    groups = set(units)
    for key in data.cells:
        group = c.split(key)[1]
        if not c.is_unit(group) and group.split("|", 1)[0] in units:
            groups.add(group)
    return groups


def figures(built: Built) -> list[str]:
    """Every figure a page can show: published cells but those no page shows."""
    return sorted(k for k in built.published if not releases.never_shown(k) and not c.structural(c.split(k)[1]))


def readers_of(data: reader.Released, keys: list[str], plain: Callable[[str], bool], shown: Callable[[str], bool],
               area_teams: Mapping[str, set[int]], teams: Iterable[int]) -> dict[str, Reader]:
    by_group: dict[str, list[str]] = {}
    for key in keys:
        by_group.setdefault(c.split(key)[1], []).append(key)

    def count(groups: set[str]) -> tuple[int, int]:
        inside = [k for g in groups for k in by_group.get(g, []) if plain(k)]
        return len(inside), sum(1 for k in inside if shown(k))

    found = {"admin": Reader("admin"), "area manager": Reader("area manager"), "team manager": Reader("team manager")}
    found["admin"].counts["council"] = count(visible(data, None))
    for area, team_ids in area_teams.items():
        found["area manager"].counts[area] = count(visible(data, team_ids))
    for team in teams:
        found["team manager"].counts[c.team(team)] = count(visible(data, {team}))
    return found


def close_looking_ahead(groups: Mapping[str, frozenset[str]], threshold: int, keep: frozenset[str]) -> set[str]:
    """`people.close`, choosing among the groups of each finding the one whose hiding leaves the fewest
    others to hide (then the lowest-ranked): the same guarantee (no combination of the rest counts 1 to 4
    people), since it stops only when `people.small_set` finds nothing."""
    rank = {g: c.rank(g) for g in groups}
    showing = {g: m for g, m in groups.items() if len(m) >= threshold}
    closed: set[str] = set()

    def then(without: str) -> int:
        rest = {g: m for g, m in showing.items() if g != without}
        try:
            return len(people.close(rest, rank, (), threshold, keep))
        except ValueError:
            return len(rest)

    while (found := people.small_set(showing, (), threshold)) is not None:
        choices = [g for g in found.groups if g not in keep]
        if not choices:
            raise ValueError("only a kept group could be hidden")
        best = min(choices, key=lambda g: (then(g), -rank[g], len(showing[g]), g))
        closed.add(best)
        del showing[best]
    return closed


def analyse_themes(app: object, session: Session, run: SurveyRun) -> None:
    job = ThemeJob(run_id=run.id, question_id=THEMED[run.kind], status="queued")
    session.add(job)
    session.commit()
    theme_jobs.run_job(app, job.id)  # type: ignore[arg-type]
    session.refresh(job)
    if job.status != "done":
        raise RuntimeError(f"the theme analysis of {run.title} ended {job.status}")


def measure(name: str, make: Callable[[Session], SurveyRun], folder: Path, themes: bool) -> Measured:
    url = f"sqlite:///{folder / (name.replace(' ', '-') + '.db')}"
    upgrade(url)
    app = create_app({"ENV_NAME": "testing", "DATABASE_URL": url, "SECRET_KEY": SECRET,
                      "QUEUE_BACKEND": "immediate", "THEMES_CACHE_DIR": str(folder / "theme-cache")})
    with app.app_context():
        session = db.session()
        progress(f"{name}: building the council")
        run = make(session)
        if themes:
            progress(f"{name}: finding themes in '{THEMED[run.kind]}'")
            analyse_themes(app, session, run)
        progress(f"{name}: releasing")
        started = time.perf_counter()
        made = releases.request(session, run, ReleaseKind.FINAL)
        releases.run_release(session, made.id, RULE)
        seconds = time.perf_counter() - started
        session.refresh(made)
        return compare(name, session, run, made.content or {}, seconds)


def compare(name: str, session: Session, run: SurveyRun, content: dict[str, Any], seconds: float) -> Measured:
    """The release's cells beside an exact recount of the same run, reader by reader."""
    s = releases.structure(session, run)
    teams = releases.with_teams(run)
    analyses = releases.analyses_of(session, run)
    built = build(s, questionnaire_for(run), releases.policy_for(run, []), releases.tally_rows(session, run), teams,
                  extra=lambda b: theme_cells.add(b, analyses, RULE.figures))
    members = releases.memberships(session, run, s, built, teams)
    truth, cells = built.values, content["cells"]
    keys = figures(built)
    assert set(keys) <= set(cells), "the recount has figures the release has not"

    def size(group: str) -> int:
        return truth.get(c.cell(c.RESPONDENTS, group), 0)

    def plain(key: str) -> bool:
        return size(c.split(key)[1]) >= RULE.figures

    # (b) the release's own group audit, recomputed: it must hide exactly what the release hides
    closed = releases.close_groups(built, members, [], RULE)
    mismatch = [k for k in keys if (cells[k] is None) != (c.split(k)[1] in closed)]
    if mismatch:
        progress(f"{name}: {len(mismatch)} figures hidden otherwise than by their group, e.g. {mismatch[:3]}")
    small = {g for g in members if size(g) < RULE.figures}
    shown_groups = {g: m for g, m in members.items() if not c.structural(g) and g not in small}
    conflicts = audit.membership_conflicts(shown_groups, [], RULE.figures, {g: c.rank(g) for g in shown_groups})
    units = {g: m for g, m in shown_groups.items() if c.is_unit(g) and g not in conflicts}
    ahead = small | conflicts | close_looking_ahead(units, RULE.figures, frozenset({c.ALL}))
    # (b'') the units' audit first (a pair of units 1 to 4 apart is one of its findings), then the pairwise
    # check of everything left: a team and its area 4 apart are settled with the rest of the units
    first = {g: m for g, m in shown_groups.items() if c.is_unit(g)}
    units_closed = close_looking_ahead(first, RULE.figures, frozenset({c.ALL}))
    left = {g: m for g, m in shown_groups.items() if g not in units_closed}
    units_first = small | units_closed | audit.membership_conflicts(left, [], RULE.figures,
                                                                    {g: c.rank(g) for g in left})

    for gone in (ahead, units_first):  # the variants keep the promise: nothing left counts 1 to 4 people
        kept = {g: m for g, m in shown_groups.items() if g not in gone}
        assert people.small_set({g: m for g, m in kept.items() if c.is_unit(g)}, (), RULE.figures) is None
        assert not audit.membership_conflicts(kept, [], RULE.figures)
    data = reader.Released(content, questionnaire_for(run))
    area_teams = {c.area(a): {t for t, (_, area) in s.teams.items() if area == a} for a in s.areas}
    team_ids = sorted(s.teams) if teams else []
    mechanisms = {
        "(a) plain 5-person rule": lambda k: True,
        "(b) groups only": lambda k: c.split(k)[1] not in closed,
        "(b') groups, looking ahead": lambda k: c.split(k)[1] not in ahead,
        "(b'') groups, looking ahead, units first": lambda k: c.split(k)[1] not in units_first,
        "(c) groups and noise (the release)": lambda k: cells[k] is not None,
    }
    readers = {m: readers_of(data, keys, plain, shown, area_teams, team_ids) for m, shown in mechanisms.items()}
    hidden_by = {"(a) plain 5-person rule": set(), "(b) groups only": closed, "(b') groups, looking ahead": ahead,
                 "(b'') groups, looking ahead, units first": units_first,
                 "(c) groups and noise (the release)": closed}
    hidden_units = {m: sorted(data.label(u) for u in data.units
                              if u not in (c.NO_AREA, c.NO_TEAM) and size(u) >= RULE.figures and u in gone)
                    for m, gone in hidden_by.items()}

    council = [k for k in keys if c.split(k)[1] == c.ALL and not _small_theme(k, truth)]
    missing = [k for k in council if cells[k] is None] if size(c.ALL) >= RULE.figures else []
    noisy = [k for k in keys if cells[k] is not None and not releases.exact(k)]
    moves = [abs(cells[k] - truth[k]) for k in noisy]
    themes = [k for k in keys if _is_theme_size(k) and c.split(k)[1] == c.ALL]
    return Measured(name, size(c.ALL), len(s.teams), len(s.areas), truth.get(c.cell(f"th:{THEMED[run.kind]}:=", c.ALL), 0),
                    seconds, readers, hidden_units, missing, len(council), len(noisy), sum(1 for m in moves if m),
                    statistics.fmean(moves) if moves else 0.0, max(moves, default=0), len(themes),
                    sum(1 for k in themes if cells[k] is not None))


def _is_theme_size(key: str) -> bool:
    """A theme's size (th:question:theme), not its comments (=), sentiment or mentions."""
    measure = c.split(key)[0]
    parts = measure.split(":")
    return measure.startswith("th:") and len(parts) == 3 and parts[2] not in (c.ANSWERED, c.NOT_GIVEN)


def _small_theme(key: str, truth: Mapping[str, int]) -> bool:
    """A council figure about a theme of fewer than 10 comments (its size, sentiment or mentions)."""
    measure, group = c.split(key)
    if not measure.startswith("th:"):
        return False
    _, question, value = measure.split(":", 2)
    theme = value.split(":")[0]
    if theme in (c.ANSWERED, c.NOT_GIVEN):
        return False
    return truth.get(c.cell(f"th:{question}:{theme}", group), 0) < RULE.comments


# Report ------------------------------------------------------------------------------------------

def percent(shown: int, plain: int) -> str:
    return f"{100 * shown / plain:.1f}%" if plain else "n/a"


def spread(reader_: Reader) -> str:
    shares = reader_.shares()
    if not shares:
        return "n/a"
    return f"{100 * min(shares):.0f}% / {100 * statistics.median(shares):.0f}%"


def report(results: list[Measured], themes: bool) -> str:
    release = "(c) groups and noise (the release)"
    lines = [
        "## Utility of a release: what a plain 5-person rule would show, shown",
        "",
        (f"`benchmarks/utility.py`, {dt.date.today().isoformat()}, Python {platform.python_version()}, "
        f"SQLite{'' if themes else ', no theme analyses'}. A share is the figures the release shows out of "
        "those the plain 5-person rule (every figure of every group of 5 or more respondents) would show, "
        "for what each reader's pages show. Worst / median: over the areas or teams where the plain rule "
        "shows anything."),
        "",
        "| Council | Respondents | Teams in areas | Release | Council figures shown | Themes shown (council) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(f"| {r.council} | {r.respondents} | {r.teams} in {r.areas} | {r.release_seconds:.1f} s | "
                     f"{r.council_figures - len(r.council_missing)} of {r.council_figures} | "
                     f"{r.themes_shown} of {r.themes} ({r.comments} comments) |")
    lines += ["", "| Council | Reader | Plain-rule figures | Shown | Share | Worst / median |",
              "|---|---|---:|---:|---:|---:|"]
    for r in results:
        for kind, found in r.readers[release].items():
            lines.append(f"| {r.council} | {kind} | {found.plain:,} | {found.shown:,} | "
                         f"{percent(found.shown, found.plain)} | {spread(found) if kind != 'admin' else ''} |")
    lines += ["", ("**The trade-off of each mechanism** (each reader's share, all readers of a kind together, and "
              "worst / median; the units of 5 or more respondents each hides):"), "",
              "| Council | Mechanism | Admin | Area managers | Team managers | Units of 5+ hidden |",
              "|---|---|---:|---:|---:|---|"]
    for r in results:
        for mechanism, kinds in r.readers.items():
            admin, area, team = kinds["admin"], kinds["area manager"], kinds["team manager"]
            lines.append(f"| {r.council} | {mechanism} | {percent(admin.shown, admin.plain)} | "
                         f"{percent(area.shown, area.plain)} ({spread(area)}) | "
                         f"{percent(team.shown, team.plain)} ({spread(team)}) | "
                         f"{', '.join(r.hidden_units[mechanism]) or 'none'} |")
    lines += ["", ("**Noise** (the release's counts of answers against an exact recount; group sizes and the "
              "numbers answering are exact):"), "",
              "| Council | Shown counts of answers | Moved | Mean absolute noise | Largest |",
              "|---|---:|---:|---:|---:|"]
    for r in results:
        lines.append(f"| {r.council} | {r.noisy:,} | {r.moved:,} ({percent(r.moved, r.noisy)}) | "
                     f"{r.mean_noise:.2f} | {r.largest_noise} |")
    for r in results:
        if r.council_missing:
            lines += ["", (f"{r.council}: council figures hidden: {', '.join(r.council_missing[:12])}"
                      f"{' …' if len(r.council_missing) > 12 else ''}")]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-themes", action="store_true", help="skip the theme analyses (no model to load)")
    args = parser.parse_args()
    councils: list[tuple[str, Callable[[Session], SurveyRun]]] = [
        (EIGHTEEN.name, lambda s: build_council(s, EIGHTEEN)),
        ("demo", demo_council("Social work health check")),
        ("demo exit interviews", demo_council("Exit interviews")),
        ("300 in 25 teams", lambda s: build_council(s, three_hundred())),
    ]
    with tempfile.TemporaryDirectory(prefix="utility-") as folder:
        results = [measure(name, make, Path(folder), not args.no_themes) for name, make in councils]
    print(report(results, not args.no_themes))


if __name__ == "__main__":
    main()
