"""Benchmark of the disclosure control engine (surveyapp.disclosure.audit.protect). Prints a markdown table.

Builds synthetic councils the way a release will be published, and times
protect() on them:

  small  300 respondents, 4 service areas, 25 teams
  large  50,000 respondents, 5 service areas, 40 teams

Both have role, contract and years-of-service breakdowns at council and area
level, and 75 questions of 6 options (every fifth question optional, so its
"did not answer" cells are structural unknowns). Each question is its own LP
system, sharing the group-size sums. Cell keys follow the app's scheme:
"n|team:12", "n|area:3|role:senior_practitioner", "q7|area:3|agree",
"q7|council|contract:agency|agree", "q7|team:12|none" (structural).

Run from the repository root with the app's venv:

    .venv/bin/python benchmarks/audit.py                  # both cases
    .venv/bin/python benchmarks/audit.py --case small --questions 10
    .venv/bin/python benchmarks/audit.py --profile        # cProfile's top functions too (stderr)

On an idle core the small case takes about 35 seconds (it is the hard one: half
its published cells are under 5), the large one about a second.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from surveyapp.disclosure.audit import Problem, Sum, protect

OPTIONS = ("strongly_agree", "agree", "neutral", "disagree", "strongly_disagree", "dont_know")
DIMENSIONS = {
    "role": (
        ("social_worker", 0.5),
        ("senior_practitioner", 0.2),
        ("team_manager", 0.1),
        ("admin", 0.15),
        ("other", 0.05),
    ),
    "contract": (("permanent", 0.8), ("agency", 0.15), ("fixed_term", 0.05)),
    "years": (("lt1", 0.15), ("1to5", 0.35), ("5to10", 0.25), ("gt10", 0.25)),
}


@dataclass(frozen=True)
class Case:
    name: str
    respondents: int
    areas: int
    teams: int
    questions: int = 75
    seed: int = 1


class Council:
    """Respondents with a team, an area and breakdown values, and their answers."""

    def __init__(self, case: Case) -> None:
        rng = np.random.default_rng(case.seed)
        self.case = case
        self.team_area = np.arange(case.teams) % case.areas
        weights = rng.lognormal(0.0, 0.6, case.teams)  # some teams much smaller than others
        self.team = rng.choice(case.teams, size=case.respondents, p=weights / weights.sum())
        self.area = self.team_area[self.team]
        self.dims = {
            d: rng.choice(len(vals), size=case.respondents, p=[w for _, w in vals]) for d, vals in DIMENSIONS.items()
        }
        self.answers = []  # per question: option index, or len(OPTIONS) for "did not answer"
        for q in range(case.questions):
            p = rng.dirichlet(np.ones(len(OPTIONS)) * 2)
            answer = rng.choice(len(OPTIONS), size=case.respondents, p=p)
            if self.optional(q):
                answer[rng.random(case.respondents) < 0.05] = len(OPTIONS)
            self.answers.append(answer)

    @staticmethod
    def optional(q: int) -> bool:
        return q % 5 == 4

    def groups(self) -> dict[str, np.ndarray]:
        """Every published group, as a mask over respondents."""
        c = self.case
        out = {"council": np.ones(c.respondents, dtype=bool)}
        out |= {f"area:{a}": self.area == a for a in range(c.areas)}
        out |= {f"team:{t}": self.team == t for t in range(c.teams)}
        for d, vals in DIMENSIONS.items():
            for v, (name, _) in enumerate(vals):
                out[f"council|{d}:{name}"] = self.dims[d] == v
                out |= {f"area:{a}|{d}:{name}": (self.area == a) & (self.dims[d] == v) for a in range(c.areas)}
        return out


def build(case: Case) -> Problem:
    council = Council(case)
    groups = council.groups()
    values: dict[str, int] = {f"n|{g}": int(m.sum()) for g, m in groups.items()}
    structural: set[str] = set()
    shared = _hierarchy(case, lambda g: f"n|{g}")
    sums = list(shared)
    systems: list[list[int]] = []
    for q, answer in enumerate(council.answers):
        first = len(sums)
        suffixes = list(OPTIONS) + (["none"] if council.optional(q) else [])
        for g, mask in groups.items():
            counts = np.bincount(answer[mask], minlength=len(OPTIONS) + 1)
            for o, suffix in enumerate(suffixes):
                values[f"q{q + 1}|{g}|{suffix}"] = int(counts[o])
            if council.optional(q):
                structural.add(f"q{q + 1}|{g}|none")
            sums.append(Sum(f"n|{g}", tuple(f"q{q + 1}|{g}|{s}" for s in suffixes)))
        for suffix in suffixes:
            sums += _hierarchy(case, _answers(q + 1, suffix))
        systems.append(list(range(len(shared))) + list(range(first, len(sums))))
    return Problem(values, sums, frozenset(values.keys() - structural), systems=systems)


def _answers(q: int, suffix: str) -> Callable[[str], str]:
    return lambda group: f"q{q}|{group}|{suffix}"


def _hierarchy(case: Case, k: Callable[[str], str]) -> list[Sum]:
    """Teams add up to areas, areas to the council, breakdown rows to their "Everyone" row
    (k names a group's cell: "area:3" -> "q7|area:3|agree")."""
    areas = range(case.areas)
    team_area = np.arange(case.teams) % case.areas
    sums = [Sum(k(f"area:{a}"), tuple(k(f"team:{t}") for t in np.flatnonzero(team_area == a))) for a in areas]
    sums.append(Sum(k("council"), tuple(k(f"area:{a}") for a in areas)))
    for d, vals in DIMENSIONS.items():
        names = [name for name, _ in vals]
        sums += [Sum(k(f"area:{a}"), tuple(k(f"area:{a}|{d}:{v}") for v in names)) for a in areas]
        sums += [Sum(k(f"council|{d}:{v}"), tuple(k(f"area:{a}|{d}:{v}") for a in areas)) for v in names]
        sums.append(Sum(k("council"), tuple(k(f"council|{d}:{v}") for v in names)))
    return sums


CASES = {
    "small": Case("small", respondents=300, areas=4, teams=25),
    "large": Case("large", respondents=50_000, areas=5, teams=40),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=[*CASES, "both"], default="both")
    parser.add_argument("--questions", type=int, default=75)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    names = list(CASES) if args.case == "both" else [args.case]
    print("| case | respondents | cells | published | primary | hidden | LPs | rounds | seconds | CPU seconds |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name in names:
        case = CASES[name]
        case = Case(case.name, case.respondents, case.areas, case.teams, args.questions, case.seed)
        problem = build(case)
        primary = sum(0 < problem.values[k] < problem.threshold for k in problem.published)
        profiler = cProfile.Profile() if args.profile else None
        start, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        result = protect(problem)
        if profiler:
            profiler.disable()
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu  # CPU: the machine may be shared
        print(
            f"| {name} | {case.respondents:,} | {len(problem.values):,} | {len(problem.published):,} | {primary:,} "
            f"| {len(result.hidden):,} | {result.lps:,} | {result.rounds} | {seconds:.1f} | {cpu:.1f} |",
            flush=True,
        )
        if profiler:
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
