"""Reading a stored release: the tables pages, exports and reports show, for one unit at a time.

A release is immutable, so its parsed form is cached per process. Nothing here
counts: every figure is a cell the audit let through, or None where it is hidden.
A user sees the units of their scope: the council (admins), whole service areas
in their scope, and teams in their scope.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..questionnaires import Question, Questionnaire
from . import cells as c
from .build import bands_of, dimensions

HIDDEN = "Hidden"  # how every hidden figure is written, on pages and in exports
_DIMENSION_TITLES = {"role": "Role", "contract": "Contract", "years_in_role": "Years in role"}


@dataclass(frozen=True)
class Row:
    """One group's answers to one question; None wherever a figure is hidden."""

    key: str
    label: str
    size: int | None
    counts: dict[str, int | None] = field(default_factory=dict)
    total: int | None = None  # people answering (for multiple choice: the group's respondents)

    def share(self, option: str) -> float | None:
        count = self.counts.get(option)
        return count / self.total if count is not None and self.total else None


@dataclass(frozen=True)
class Breakdown:
    dimension: str
    title: str
    options: list[tuple[str, str]]
    rows: list[Row]


@dataclass(frozen=True)
class SectionScore:
    section_id: str
    title: str
    agree: int | None
    answered: int | None

    @property
    def share(self) -> float | None:
        return self.agree / self.answered if self.agree is not None and self.answered else None


@dataclass(frozen=True)
class HeatRow:
    key: str
    label: str
    size: int | None
    scores: dict[str, SectionScore]


@dataclass(frozen=True)
class PolicyFigure:
    label: str
    above: int | None
    answered: int | None

    @property
    def share(self) -> float | None:
        return self.above / self.answered if self.above is not None and self.answered else None


@dataclass(frozen=True)
class TeamRate:
    key: str
    service_area: str
    team: str
    invited: int | None  # hidden with the team's respondents (see `Released.rates`)
    responded: int | None

    @property
    def rate(self) -> float | None:
        return self.responded / self.invited if self.responded is not None and self.invited else None


class Released:
    """A release's cells, with the layout of its units."""

    def __init__(self, content: dict[str, Any], questionnaire: Questionnaire) -> None:
        self.content, self.questionnaire = content, questionnaire
        self.cells: dict[str, int | None] = content["cells"]
        self.labels: dict[str, str] = content["groups"]
        self.units: list[str] = content["units"]
        self.parents: dict[str, str] = content.get("parents", {})
        self.threshold: int = content["threshold"]
        self.teams = [u for u in self.units if u.startswith("team:")]  # empty for exit interviews

    def value(self, measure: str, group: str) -> int | None:
        return self.cells.get(c.cell(measure, group))

    def has(self, measure: str, group: str) -> bool:
        """Whether the release has the cell at all (shown or hidden)."""
        return c.cell(measure, group) in self.cells

    def label(self, group: str) -> str:
        return self.labels.get(group, group)

    def why_hidden(self, group: str) -> str | None:
        """A sentence for a manager on why a group's figures are hidden; None when they are shown."""
        why = self.content.get("hidden_groups", {}).get(group)
        if why is None:
            return None
        name = self.label(group)
        if why == "small":
            return (f"Fewer than {self.threshold} people in {name} responded, so its figures are not shown: "
                    "with so few, anyone could tell who said what.")
        return (f"The figures of {name} are not shown: together with the figures of other groups, on this page, "
                f"other pages or earlier releases, they would single out fewer than {self.threshold} people.")

    @property
    def noisy(self) -> bool:
        """Whether the release's counts of answers carry the cell key noise (every release since it began)."""
        return bool(self.content.get("stats", {}).get("perturbed"))

    # Units and scope ---------------------------------------------------------------

    def visible_units(self, team_ids: set[int] | frozenset[int] | None) -> list[str]:
        """The council for admins; otherwise the areas wholly in scope and the teams in scope."""
        if team_ids is None:
            return list(self.units)
        teams = {c.team(t) for t in team_ids}
        area_teams: dict[str, list[str]] = self.content.get("area_teams", {})
        areas = [a for a in self.units if a.startswith("area:") and a != c.NO_AREA
                 and (inside := area_teams.get(a)) and set(inside) <= teams]
        return areas + [t for t in self.units if t in teams]

    def children(self, unit: str) -> list[str]:
        if unit == c.ALL:
            return [u for u in self.units if u.startswith("area:")]
        return [t for t in self.units if self.parents.get(t) == unit]

    def area_of(self, team: str) -> str:
        return self.parents.get(team, "")

    # Tables -----------------------------------------------------------------------

    def respondents(self, unit: str) -> int | None:
        return self.value(c.RESPONDENTS, unit)

    def options(self, question: Question) -> list[tuple[str, str]]:
        """A question's columns; for a month question, the quarters the release has."""
        if question.type != "month":
            return options_of(question)
        prefix = f"{question.id}:"
        found = {c.split(k)[0][len(prefix):] for k in self.cells if k.startswith(prefix) and k.endswith("@" + c.ALL)}
        return [(q, q) for q in sorted(found - {c.ANSWERED, c.NOT_GIVEN})]

    def row(self, question: Question, group: str, label: str | None = None) -> Row:
        options = self.options(question)
        counts = {v: self.value(c.measure(question.id, v), group) for v, _ in options}
        total = (self.value(c.RESPONDENTS, group) if question.type == "multiple_choice"
                 else self.value(c.measure(question.id, c.ANSWERED), group))
        return Row(group, label or self.label(group), self.value(c.RESPONDENTS, group), counts, total)

    def breakdowns(self, question: Question, unit: str) -> list[Breakdown]:
        options = options_of(question)
        found = []
        if unit == c.ALL:
            found.append(Breakdown("service_area", "Service area", options,
                                   [self.row(question, a) for a in self.children(c.ALL)]))
            teams = self.teams
            if teams:
                found.append(Breakdown("team", "Team", options, [
                    self.row(question, t, f"{self.label(self.area_of(t))}: {self.label(t)}") for t in teams]))
        elif unit.startswith("area:") and self.children(unit):
            found.append(Breakdown("team", "Team", options, [self.row(question, t) for t in self.children(unit)]))
        if not unit.startswith("team:"):
            for d in dimensions(self.questionnaire):
                if d.id != question.id:
                    found.append(Breakdown(d.id, _DIMENSION_TITLES.get(d.id, d.text), options,
                                           [self.row(question, c.breakdown(unit, d.id, o)) for o, _ in d.choices()]))
        return found

    def sections(self, group: str) -> list[SectionScore]:
        return [SectionScore(s.id, s.title, self.value(f"sec:{s.id}:agree", group),
                             self.value(f"sec:{s.id}:answered", group))
                for s in self.questionnaire.sections if any(q.type == "agreement" for q in s.questions)]

    def heat_units(self, unit: str) -> list[str]:
        """The units a unit's by-team tables list: every team (exit interviews: every area), or the unit itself."""
        if unit == c.ALL:
            return self.teams or self.children(c.ALL)
        return self.children(unit) if unit.startswith("area:") else [unit]

    def heatmap(self, unit: str) -> list[HeatRow]:
        """Each team under the unit (or the unit itself, for a team) with its section scores."""
        teams = self.heat_units(unit)
        return [HeatRow(t, self.label(t), self.respondents(t), {s.section_id: s for s in self.sections(t)})
                for t in teams]

    def policy(self, unit: str) -> list[PolicyFigure]:
        policy = self.content.get("policy", {})
        figures = []
        if policy.get("caseload") is not None:
            figures.append(self._above("caseload", unit,
                                       f"Above the council’s caseload policy of {policy['caseload']} children"))
        if policy.get("asye") is not None and not unit.startswith("team:"):
            figures.append(self._above("asye", c.breakdown(unit, "role", "nqsw_asye"),
                                       f"ASYE social workers above their protected limit of {policy['asye']}"))
        return figures

    def _above(self, name: str, group: str, label: str) -> PolicyFigure:
        above, within = self.value(f"pol:{name}:above", group), self.value(f"pol:{name}:within", group)
        return PolicyFigure(label, above, None if above is None or within is None else above + within)

    def rates(self, unit: str) -> list[TeamRate]:
        """Each invited team's respondents beside how many were invited. A team whose respondents are hidden
        has its Invited hidden too: where nearly everyone responded, a team's invited count is its
        respondents, so it would give away what the audit hid. Hidden exactly where the respondents are,
        invited counts tie up (teams to areas to the council) as respondents do, and no sum of shown
        ones leaves less than the audit lets respondents leave."""
        invited: dict[str, int] = self.content.get("invited", {})
        rows = []
        for t in self._teams_under(unit):
            if invited.get(t):
                responded = self.respondents(t)
                rows.append(TeamRate(t, self.label(self.area_of(t)), self.label(t),
                                     None if responded is None else invited[t], responded))
        return rows

    def invited(self, unit: str) -> int | None:
        """How many were invited in the unit; None (hidden) where the unit's respondents are."""
        if self.respondents(unit) is None:
            return None
        invited: dict[str, int] = self.content.get("invited", {})
        return sum(invited.get(t, 0) for t in self._teams_under(unit))

    def _teams_under(self, unit: str) -> list[str]:
        return [t for t in self.heat_units(unit) if t.startswith("team:")]


def options_of(question: Question) -> list[tuple[str, str]]:
    """The columns of a question's tables: its answers, or for a number question its bands."""
    if question.type == "number":
        return [(label, label) for label, _, _ in bands_of(question)]
    return list(question.choices())


_cache: dict[tuple[Any, ...], Released] = {}


def load(release: Any, questionnaire: Questionnaire) -> Released:
    """A release as pages read it. Its content never changes once done (but for retention's removal of
    quotes), so it is parsed once per process (keyed by when it finished as well as its id: a test
    database reuses ids)."""
    # When retention deleted the run's comments, the release lost its quotes: parse it again (every worker).
    key = (release.id, release.run_id, release.finished_at, release.run.data_deleted_on)
    if key not in _cache:
        if len(_cache) >= 32:
            _cache.clear()
        _cache[key] = Released(release.content, questionnaire)
    return _cache[key]


# Themes ---------------------------------------------------------------------------

@dataclass(frozen=True)
class ThemeRow:
    id: str
    label: str
    description: str | None
    keywords: list[str]
    size: int | None
    share: float | None
    change: float | None  # percentage points against last year's release, same question and unit
    notable: bool
    sentiment: dict[str, int | None]
    quotes: list[str]
    # Comments raising the theme at all (main or second theme; a comment counts in each of its themes):
    # as released, None when hidden; the size itself when the analysis found no second themes.
    mentions: int | None = None


@dataclass(frozen=True)
class TeamThemes:
    label: str
    comments: int | None
    counts: dict[str, int | None]


@dataclass(frozen=True)
class ThemeSummary:
    comments: int | None
    themes: list[ThemeRow]
    teams: list[TeamThemes]
    notes: list[str]
    has_mentions: bool = False  # the analysis found comments about more than one theme: mentions are released


def _theme(released: Released, question_id: str, value: str, group: str) -> int | None:
    return released.value(f"th:{question_id}:{value}", group)


def theme_summary(released: Released, question_id: str, unit: str,
                  previous: Released | None = None) -> ThemeSummary | None:
    """A question's themes for one unit, as released; None when the release has no analysis of it."""
    from .compare import notable_change
    from .themes import SENTIMENTS

    words = released.content.get("themes", {}).get(question_id)
    if words is None:
        return None
    comments = _theme(released, question_id, c.ANSWERED, unit)
    earlier = previous.content.get("themes", {}).get(question_id) if previous else None
    before_total = _theme(previous, question_id, c.ANSWERED, unit) if previous and earlier else None
    rows = []
    for t in words["themes"]:
        size = _theme(released, question_id, t["id"], unit)
        share = size / comments if size is not None and comments else None
        change, notable = None, False
        before = _theme(previous, question_id, t["id"], unit) if previous and earlier else None
        if share is not None and before is not None and before_total:
            change = round(100 * (share - before / before_total), 1)
            notable = notable_change(share, comments or 0, before / before_total, before_total)
        sentiment = {s: released.value(f"th:{question_id}:{t['id']}:{s}", c.ALL)
                     if unit == c.ALL and size is not None else None for s in SENTIMENTS}
        quotes = [q["text"] for q in t["quotes"] if _inside(released, q["unit"], unit)] if (
            size is not None and size >= released.content.get("comments", 10)) else []
        key = f"th:{question_id}:{t['id']}:mentions"
        mentions = released.value(key, unit) if released.has(key, unit) else size
        rows.append(ThemeRow(t["id"], t["label"], t.get("description"), t["keywords"], size, share, change,
                             notable, sentiment, quotes, mentions))
    teams = released.heat_units(unit) if not unit.startswith("team:") else []
    by_team = [TeamThemes(released.label(t), _theme(released, question_id, c.ANSWERED, t),
                          {r.id: _theme(released, question_id, r.id, t) for r in rows}) for t in teams]
    multi = any(released.has(f"th:{question_id}:{r.id}:mentions", unit) for r in rows)
    return ThemeSummary(comments, rows, by_team, list(words.get("notes", [])), multi)


def _inside(released: Released, finest: str, unit: str) -> bool:
    return unit == c.ALL or finest == unit or released.parents.get(finest) == unit
