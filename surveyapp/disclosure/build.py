"""A run's counts as one audit problem: every cell any user could be shown, and every sum that ties them.

Pure functions of plain data (no database), so the shape of a release can be
tested on its own. `gather` in `release.py` reads the data from the answer tally.

Units are the council, its service areas and (for health checks) its teams.
Breakdowns by role, contract and years in role are made for the council and
each service area, never within a team: a team of eight split by role is a set
of named people. What ties the tables together, and what an attacker knows:
- teams add up to their area and areas to the council, for every count;
- a breakdown's groups (with the people who did not answer it) add up to the unit;
- a question's answers add up to the people who answered it, who with those who
  did not make up the group;
- a section's agreement counts are the sums of its questions';
- number bands, and the counts above and within the caseload policy, are sums of
  the same numbers (cut at both the band edges and the policy);
- the answers to the role question are the sizes of the role groups.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ..questionnaires import Question, Questionnaire
from . import cells as c
from .audit import Sum

CHARTED = ("agreement", "single_choice", "multiple_choice", "number", "month")
AGREE = ("strongly_agree", "agree")
DONT_KNOW = "dont_know"
BY_QUESTIONS: tuple[str, ...] = ("role", "contract", "years_in_role")
# Bands for number questions: (label, lowest, highest or None for open-ended).
BANDS: dict[str, tuple[tuple[str, int, int | None], ...]] = {
    "children_allocated": (("0 to 10", 0, 10), ("11 to 15", 11, 15), ("16 to 20", 16, 20),
                           ("21 to 25", 21, 25), ("26 to 30", 26, 30), ("31 or more", 31, None)),
    "hours_beyond_contract": (("None", 0, 0), ("1 to 5", 1, 5), ("6 to 10", 6, 10),
                              ("11 to 15", 11, 15), ("16 or more", 16, None)),
}
DEFAULT_BANDS = (("0 to 4", 0, 4), ("5 to 9", 5, 9), ("10 to 19", 10, 19), ("20 or more", 20, None))
CASELOAD = "children_allocated"
# A service area is broken down by role, contract and years in role only from this many respondents:
# split 16 ways, a smaller area's breakdowns would be almost all hidden, and each hidden row costs the audit.
MIN_AREA_FOR_BREAKDOWNS = 50
ASYE_ROLE = "nqsw_asye"


@dataclass(frozen=True)
class Structure:
    """The council as it stood when the release was made."""

    council: str
    areas: dict[int, str]  # id -> name
    teams: dict[int, tuple[str, int]]  # id -> (name, area id)


@dataclass(frozen=True)
class Policy:
    caseload: int | None = None
    asye: int | None = None


# (by question, by option, question id, team id or None, value, count): the answer tally's rows.
TallyRow = tuple[str, str, str, int | None, str, int]


@dataclass
class Built:
    values: dict[str, int] = field(default_factory=dict)
    sums: list[Sum] = field(default_factory=list)
    published: set[str] = field(default_factory=set)
    systems: dict[str, list[int]] = field(default_factory=dict)  # name -> indexes into sums
    groups: dict[str, str] = field(default_factory=dict)  # key -> label
    units: list[str] = field(default_factory=list)
    parents: dict[str, str] = field(default_factory=dict)  # team -> its area


def bands_of(question: Question) -> tuple[tuple[str, int, int | None], ...]:
    return BANDS.get(question.id, DEFAULT_BANDS)


def quarter(month: str) -> str:
    year, number = month.split("-")
    return f"{year} Q{(int(number) - 1) // 3 + 1}"


def charted(questionnaire: Questionnaire) -> list[Question]:
    return [q for q in questionnaire.questions() if q.type in CHARTED]


def dimensions(questionnaire: Questionnaire) -> list[Question]:
    return [q for q in (questionnaire.question(d) for d in BY_QUESTIONS) if q is not None]


class Builder:
    """Collects cells and sums; `build` below drives it."""

    def __init__(self, structure: Structure, questionnaire: Questionnaire, policy: Policy, with_teams: bool,
                 min_breakdown: int = 0) -> None:
        self.structure, self.questionnaire, self.policy = structure, questionnaire, policy
        self.with_teams, self.min_breakdown = with_teams, min_breakdown
        self.out = Built()
        self.counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))  # group -> measure -> n
        self.dims = dimensions(questionnaire)
        self._areas_in_use: set[str] = set()
        self._memo: dict[object, Any] = {}  # layouts asked for thousands of times once counting is done

    # Groups --------------------------------------------------------------------

    def units_of(self, team_id: int | None) -> list[str]:
        """The council, area and (with teams) team a response from this team counts in."""
        return c.units_of(team_id, self.structure.teams, self.with_teams)

    def _remembered(self, key: object, make: Callable[[], Any]) -> Any:
        if key not in self._memo:
            self._memo[key] = make()
        return self._memo[key]

    def unit_groups(self) -> list[str]:
        return list(self._remembered("units", self._unit_groups))

    def _unit_groups(self) -> list[str]:
        areas = [c.area(a) for a in sorted(self.structure.areas, key=lambda a: self.structure.areas[a])]
        if c.NO_AREA in self._areas_in_use:
            areas.append(c.NO_AREA)
        teams: list[str] = []
        if self.with_teams:
            for area in areas:
                teams += self.teams_in(area)
        return [c.ALL, *areas, *teams]

    def teams_in(self, area: str) -> list[str]:
        return list(self._remembered(("teams", area), lambda: self._teams_in(area)))

    def _teams_in(self, area: str) -> list[str]:
        if not self.with_teams:
            return []
        if area == c.NO_AREA:
            return [c.NO_TEAM]
        area_id = int(area.split(":")[1])
        ids = [t for t, (_, a) in self.structure.teams.items() if a == area_id]
        return [c.team(t) for t in sorted(ids, key=lambda t: self.structure.teams[t][0])]

    def breakdown_units(self) -> list[str]:
        """The council, and the areas big enough for a breakdown to show more than "Hidden"."""
        return list(self._remembered("breakdown units", lambda: [g for g in self.unit_groups() if g == c.ALL or (
            g.startswith("area:") and self.count(c.RESPONDENTS, g) >= self.min_breakdown)]))

    def options(self, dimension: Question) -> list[str]:
        return [value for value, _ in dimension.choices()] + [c.NOT_GIVEN]

    def all_groups(self) -> list[str]:
        groups = self.unit_groups()
        for unit in self.breakdown_units():
            groups += [c.breakdown(unit, d.id, o) for d in self.dims for o in self.options(d)]
        return groups

    def labels(self) -> dict[str, str]:
        s = self.structure
        labels = {c.ALL: s.council, c.NO_AREA: "Team not given", c.NO_TEAM: "Team not given"}
        labels |= {c.area(a): name for a, name in s.areas.items()}
        labels |= {c.team(t): name for t, (name, _) in s.teams.items()}
        for unit in self.breakdown_units():
            for d in self.dims:
                labels |= {c.breakdown(unit, d.id, o): label for o, label in d.choices()}
        return labels

    # Counting ------------------------------------------------------------------

    def add_rows(self, rows: Iterable[TallyRow]) -> None:
        """Each tally row counted into its team, area and council, or its area's and council's breakdown group."""
        questions = {q.id: q for q in charted(self.questionnaire)}
        for by_question, by_option, question_id, team_id, value, count in rows:
            if question_id == "":
                measures = [c.RESPONDENTS]
            elif question_id in questions:
                measures = self.measures_of(questions[question_id], value)
            else:
                continue
            units = self.units_of(team_id)
            area = units[1]
            self._areas_in_use.add(area)
            self._memo.clear()
            if by_question == "":
                groups = units
            elif by_question in {d.id for d in self.dims}:
                groups = [c.breakdown(c.ALL, by_question, by_option), c.breakdown(area, by_question, by_option)]
            else:
                continue
            for group in groups:
                for measure in measures:
                    self.counts[group][measure] += count

    def fill_not_given(self) -> None:
        """Count the people who did not answer a breakdown question: the unit less those who did."""
        for unit in self.breakdown_units():
            for d in self.dims:
                given = [self.counts[c.breakdown(unit, d.id, o)] for o in self.options(d) if o != c.NOT_GIVEN]
                rest = self.counts[c.breakdown(unit, d.id, c.NOT_GIVEN)]
                for m, n in self.counts[unit].items():
                    rest[m] = n - sum(g.get(m, 0) for g in given)

    def measures_of(self, question: Question, value: str) -> list[str]:
        if question.type == "number":
            number = int(value)
            return [c.measure(question.id, self.segment(question, number))]
        if question.type == "month":
            return [c.measure(question.id, quarter(value))]
        return [c.measure(question.id, value)]

    def cuts(self, question: Question) -> list[int]:
        """Where a number question's values are cut: its band edges and, for caseloads, the policy limits."""
        edges = {low for _, low, _ in bands_of(question)}
        if question.id == CASELOAD:
            edges |= {limit + 1 for limit in (self.policy.caseload, self.policy.asye) if limit is not None}
        return sorted(edges)

    def segment(self, question: Question, number: int) -> str:
        cuts = self.cuts(question)
        low = max([cut for cut in cuts if cut <= number], default=cuts[0])
        higher = [cut for cut in cuts if cut > low]
        return f"#{low}-{higher[0] - 1 if higher else ''}"

    def segments(self, question: Question) -> list[tuple[str, int, int | None]]:
        cuts = self.cuts(question)
        return [(f"#{low}-{'' if i + 1 == len(cuts) else cuts[i + 1] - 1}", low,
                 None if i + 1 == len(cuts) else cuts[i + 1] - 1) for i, low in enumerate(cuts)]

    # Cells and sums --------------------------------------------------------------

    def count(self, measure: str, group: str) -> int:
        return self.counts[group].get(measure, 0)

    def put(self, measure: str, group: str, value: int | None = None, shown: bool = True) -> str:
        key = c.cell(measure, group)
        if key not in self.out.values:
            self.out.values[key] = self.count(measure, group) if value is None else value
            if shown and not c.structural(group):
                self.out.published.add(key)
        return key

    def add_sum(self, system: str, total: str, parts: list[str]) -> None:
        self.out.systems.setdefault(system, []).append(len(self.out.sums))
        self.out.sums.append(Sum(total, tuple(parts)))

    def groups_for(self, question: Question | None) -> list[str]:
        """Every group a measure is counted in; a question is not broken down by its own answers."""
        return [g for g in self.all_groups()
                if question is None or (found := c.dimension_of(g)) is None or found[0] != question.id]

    def hierarchy(self, system: str, measure: str, question: Question | None, units_only: bool = False) -> None:
        """The sums that hold for any count: teams to areas, areas to the council, breakdowns to their unit."""
        areas = [g for g in self.unit_groups() if g.startswith("area:")]
        if self.with_teams:
            for area in areas:
                self.add_sum(system, c.cell(measure, area), [c.cell(measure, t) for t in self.teams_in(area)])
        self.add_sum(system, c.cell(measure, c.ALL), [c.cell(measure, a) for a in areas])
        for d in [] if units_only else self.dims:
            if question is not None and d.id == question.id:
                continue
            for unit in self.breakdown_units():
                self.add_sum(system, c.cell(measure, unit),
                             [c.cell(measure, c.breakdown(unit, d.id, o)) for o in self.options(d)])
            broken_down = [a for a in areas if a in self.breakdown_units()]
            if not broken_down:
                continue
            for o in self.options(d):
                total = c.cell(measure, c.breakdown(c.ALL, d.id, o))
                parts = [c.cell(measure, c.breakdown(a, d.id, o)) for a in broken_down]
                if len(broken_down) < len(areas):  # the smaller areas, not broken down, as one unknown
                    rest = self.out.values[total] - sum(self.out.values[k] for k in parts)
                    parts.append(self.put(measure, c.breakdown("area:smaller", d.id, o), rest, shown=False))
                self.add_sum(system, total, parts)

    def respondents(self) -> None:
        for group in self.groups_for(None):
            self.put(c.RESPONDENTS, group)
        self.hierarchy("n", c.RESPONDENTS, None)

    def values_of(self, question: Question) -> list[str]:
        if question.type == "number":
            return [label for label, _, _ in bands_of(question)]
        seen = self._remembered(("seen", question.id), lambda: {
            value for q, value in self._measures_seen() if q == question.id})
        if question.type == "month":
            return sorted(v for v in seen if v not in (c.ANSWERED, c.NOT_GIVEN))
        listed = [value for value, _ in question.choices()]
        return listed + sorted(seen - set(listed))

    def _measures_seen(self) -> set[tuple[str, str]]:
        """(question, value) of every measure counted in any group, found once."""
        return self._remembered("measures", lambda: {
            (q, value) for g in self.counts for m in self.counts[g] for q, _, value in [m.partition(":")] if value})

    def question(self, question: Question, system: str) -> None:
        groups = self.groups_for(question)
        values = self.values_of(question)
        if question.type == "multiple_choice":
            self.multiple_choice(question, system, groups, values)
            return
        # When everyone answered (a required question), anyone can tell that the answers of every group
        # add up to its size; otherwise some skipped, and who is left unknown.
        everyone = self.count(c.RESPONDENTS, c.ALL) == sum(self.count(c.measure(question.id, v), c.ALL) for v in values) \
            if question.type != "number" else False
        for group in groups:
            n = self.count(c.RESPONDENTS, group)
            if question.type == "number":
                answered = self.number_row(question, system, group)
            else:
                answered = sum(self.count(c.measure(question.id, v), group) for v in values)
                parts = [self.put(c.measure(question.id, v), group) for v in values]
                self.add_sum(system, self.put(c.measure(question.id, c.ANSWERED), group, answered), parts)
            rest = [] if everyone else [self.put(c.measure(question.id, c.NOT_GIVEN), group, n - answered, shown=False)]
            self.add_sum(system, c.cell(c.RESPONDENTS, group), [c.cell(c.measure(question.id, c.ANSWERED), group), *rest])
        for measure in [c.measure(question.id, v) for v in values] + [c.measure(question.id, c.ANSWERED)]:
            self.hierarchy(system, measure, question)
        if not everyone:
            self.hierarchy(system, c.measure(question.id, c.NOT_GIVEN), question)
        if question.id in {d.id for d in self.dims}:
            for unit in self.breakdown_units():
                for v in values:
                    self.add_sum(system, c.cell(c.measure(question.id, v), unit),
                                 [c.cell(c.RESPONDENTS, c.breakdown(unit, question.id, v))])
        if question.id == CASELOAD:
            self.policy_cells(question, system)

    def number_row(self, question: Question, system: str, group: str) -> int:
        segments = self.segments(question)
        answered = 0
        bands = []
        for label, low, high in bands_of(question):
            inside = [s for s, s_low, _ in segments if s_low >= low and (high is None or s_low <= high)]
            value = sum(self.count(c.measure(question.id, s), group) for s in inside)
            answered += value
            bands.append(self.put(c.measure(question.id, label), group, value))
            self.add_sum(system, bands[-1], [self.put(c.measure(question.id, s), group, shown=False) for s in inside])
        self.add_sum(system, self.put(c.measure(question.id, c.ANSWERED), group, answered), bands)
        return answered

    def multiple_choice(self, question: Question, system: str, groups: list[str], values: list[str]) -> None:
        """Each option is its own yes/no table: ticked, and not ticked, out of the group."""
        for group in groups:
            n = self.count(c.RESPONDENTS, group)
            for v in values:
                ticked = self.put(c.measure(question.id, v), group)
                not_ticked = self.put(c.measure(question.id, v + "!"), group, n - self.count(c.measure(question.id, v), group))
                self.add_sum(system, c.cell(c.RESPONDENTS, group), [ticked, not_ticked])
        for v in values:
            self.hierarchy(system, c.measure(question.id, v), question)
            self.hierarchy(system, c.measure(question.id, v + "!"), question)

    def policy_cells(self, question: Question, system: str) -> None:
        """People above and within the council's caseload policy, and ASYE workers against their limit."""
        targets: list[tuple[str, int | None, list[str]]] = [
            ("caseload", self.policy.caseload, list(self.unit_groups())),
            ("asye", self.policy.asye, [c.breakdown(u, "role", ASYE_ROLE) for u in self.breakdown_units()]
             if any(d.id == "role" for d in self.dims) else [])]
        for name, limit, groups in targets:
            if limit is None:
                continue
            for group in groups:
                for side in ("above", "within"):
                    inside = [s for s, low, _ in self.segments(question) if (low > limit) == (side == "above")]
                    value = sum(self.count(c.measure(question.id, s), group) for s in inside)
                    self.add_sum(system, self.put(f"pol:{name}:{side}", group, value),
                                 [c.cell(c.measure(question.id, s), group) for s in inside])

    def section(self, section_id: str, questions: list[Question]) -> None:
        """Agreement answers in a section, for each unit: the overview's scores and the teams × sections grid."""
        system = f"section:{section_id}"
        for q in questions:
            self.question(q, system)
        for group in self.unit_groups():
            agree = [c.cell(c.measure(q.id, v), group) for q in questions for v in AGREE]
            answered = [c.cell(c.measure(q.id, v), group) for q in questions
                        for v, _ in q.choices() if v != DONT_KNOW]
            self.add_sum(system, self.put(f"sec:{section_id}:agree", group, sum(self.out.values[k] for k in agree)), agree)
            self.add_sum(system, self.put(f"sec:{section_id}:answered", group,
                                          sum(self.out.values[k] for k in answered)), answered)


def build(structure: Structure, questionnaire: Questionnaire, policy: Policy, rows: Iterable[TallyRow],
          with_teams: bool = True, extra: Callable[[Builder], None] | None = None,
          min_breakdown: int = MIN_AREA_FOR_BREAKDOWNS) -> Built:
    """Every cell of a run any user could be shown, with the sums that tie them, in audit systems:
    one for the group sizes, and one per section of agreement questions or per other question, each
    with the group sizes' sums (a cell's range is the narrowest any of its systems allows)."""
    builder = Builder(structure, questionnaire, policy, with_teams, min_breakdown)
    builder.add_rows(rows)
    builder.fill_not_given()
    builder.respondents()
    for section in questionnaire.sections:
        agreement = [q for q in section.questions if q.type == "agreement"]
        if agreement:
            builder.section(section.id, agreement)
        for q in section.questions:
            if q.type in CHARTED and q.type != "agreement":
                builder.question(q, f"question:{q.id}")
    if extra is not None:
        extra(builder)
    out = builder.out
    base = out.systems.pop("n")
    out.systems = {"n": base, **{name: base + indexes for name, indexes in out.systems.items()}}
    out.groups = builder.labels()
    out.units = builder.unit_groups()
    out.parents = {t: a for a in out.units if a.startswith("area:") for t in builder.teams_in(a)}
    return out
