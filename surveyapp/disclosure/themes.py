"""Themes of a run's comments in a release: counts by unit, sentiment, and the words shown beside them.

The latest finished analysis of each free-text question is frozen into the
release. Its counts are cells like any other: themes add up to the comments of
a unit, units to the council, and a team's comments are at most its people.
Every team is listed, small ones hidden (leaving them out would let the council
minus the shown teams give them away). Words taken from comments (keywords, a
discovered theme's label, quotes) are shown only for a theme with at least 10
comments, and quotes only where the shown unit has that many.

Over time: the people who commented in a unit, and the members of each theme,
are compared with the same groups in every earlier release of the run; a group
that changed by 1 to 4 people is hidden, so re-running an analysis after one
more comment does not tell which theme it went to.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from . import cells as c
from .build import Builder

SENTIMENTS = ("positive", "negative", "mixed")
NO_SENTIMENT = "none"
OTHER = "other"

# question id -> the analysis's stored result
Analyses = dict[str, dict[str, Any]]


def theme_ids(result: dict[str, Any]) -> list[str]:
    listed = [t["id"] for t in result.get("themes", [])]
    seen = sorted({row["theme"] for row in result.get("rows", [])} - set(listed))
    return listed + seen


def measure(question_id: str, value: str) -> str:
    return f"th:{question_id}:{value}"


def _row_units(builder: Builder, team_id: int | None) -> list[str]:
    area = builder.area_of(team_id)
    team = c.team(team_id if area != c.NO_AREA else None)
    return [c.ALL, area] + ([team] if builder.with_teams else [])


def add(builder: Builder, analyses: Analyses) -> None:
    """Cells and sums for every analysed question; called by `build` once the answers are in."""
    for question_id, result in sorted(analyses.items()):
        system = f"themes:{question_id}"
        themes = theme_ids(result)
        counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        sentiment: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for row, team_id in zip(result.get("rows", []), result.get("row_teams", [])):
            for unit in _row_units(builder, team_id):
                counts[unit][row["theme"]] += 1
            sentiment[row["theme"]][row.get("sentiment") or NO_SENTIMENT] += 1
        units = builder.unit_groups()
        fits = all(sum(counts[u].values()) <= builder.count(c.RESPONDENTS, u) for u in units)
        for unit in units:
            parts = [builder.put(measure(question_id, t), unit, counts[unit][t]) for t in themes]
            total = builder.put(measure(question_id, c.ANSWERED), unit, sum(counts[unit].values()))
            builder.add_sum(system, total, parts)
            if fits:  # an analysis never has more comments than the release has people; if it did, it is stale
                rest = builder.put(measure(question_id, c.NOT_GIVEN), unit,
                                   builder.count(c.RESPONDENTS, unit) - sum(counts[unit].values()), shown=False)
                builder.add_sum(system, c.cell(c.RESPONDENTS, unit), [total, rest])
        for value in [*themes, c.ANSWERED] + ([c.NOT_GIVEN] if fits else []):
            builder.hierarchy(system, measure(question_id, value), None, units_only=True)
        for t in themes:
            parts = [builder.put(measure(question_id, f"{t}:{s}"), c.ALL, sentiment[t][s]) for s in SENTIMENTS]
            parts.append(builder.put(measure(question_id, f"{t}:{NO_SENTIMENT}"), c.ALL,
                                     sentiment[t][NO_SENTIMENT], shown=False))
            builder.add_sum(system, c.cell(measure(question_id, t), c.ALL), parts)


def members(analyses: Analyses) -> dict[str, dict[str, list[str]]]:
    """Who is in each theme, by response id, for the next release's audit (analyses without ids give none)."""
    found: dict[str, dict[str, list[str]]] = {}
    for question_id, result in analyses.items():
        ids = result.get("row_responses")
        if not ids:
            continue
        themes: dict[str, list[str]] = defaultdict(list)
        for row, response_id in zip(result.get("rows", []), ids):
            themes[row["theme"]].append(response_id)
        found[question_id] = {t: sorted(m) for t, m in themes.items()}
    return found


def changed_since(now: dict[str, dict[str, list[str]]], earlier: list[dict[str, dict[str, list[str]]]],
                  unit_members: dict[str, frozenset[str]], threshold: int) -> set[tuple[str, str, str]]:
    """(question, theme or "", unit) groups that changed by 1 to threshold-1 people since an earlier release:
    the commenters of a unit (theme ""), or a theme's members across the council."""
    closed: set[tuple[str, str, str]] = set()
    for question_id, themes in now.items():
        commenters = frozenset(m for ids in themes.values() for m in ids)
        for before in earlier:
            then = before.get(question_id)
            if then is None:
                continue
            commented_then = frozenset(m for ids in then.values() for m in ids)
            for unit, people in unit_members.items():
                if 0 < len((commenters & people) ^ (commented_then & people)) < threshold:
                    closed.add((question_id, "", unit))
            for theme in set(themes) | set(then):
                if 0 < len(frozenset(themes.get(theme, [])) ^ frozenset(then.get(theme, []))) < threshold:
                    closed.add((question_id, theme, c.ALL))
    return closed


def forced_cells(closed: set[tuple[str, str, str]], published: set[str]) -> set[str]:
    """Cells hidden because their group changed by a handful since an earlier release."""
    forced = set()
    for key in published:
        m, group = c.split(key)
        if not m.startswith("th:"):
            continue
        _, question_id, value = m.split(":", 2)
        theme = value.split(":")[0]
        if (question_id, "", group) in closed or (question_id, theme, c.ALL) in closed:
            forced.add(key)
    return forced


def texts(analyses: Analyses, cells: dict[str, int | None], rule_comments: int,
          unit_of: Callable[[int | None], str]) -> dict[str, Any]:
    """What may be shown in words: labels, descriptions, keywords and quotes, where enough comments stand behind them."""
    shown: dict[str, Any] = {}
    for question_id, result in analyses.items():
        discovered = result.get("mode") == "discovery"
        themes: list[dict[str, Any]] = []
        # A comment flagged as a possible safeguarding concern is never quoted.
        flagged = {row["row"] for row in result.get("rows", []) if row.get("flag")}
        for theme in result.get("themes", []):
            size = cells.get(c.cell(measure(question_id, theme["id"]), c.ALL))
            enough = size is not None and size >= rule_comments
            themes.append({
                "id": theme["id"],
                "label": theme["label"] if enough or not discovered else f"Theme {len(themes) + 1}",
                "description": theme.get("description"),
                "keywords": theme.get("keywords", [])[:8] if enough else [],
                "quotes": [{"text": q["text"], "unit": unit_of(_team(result, q["row"]))}
                           for q in theme.get("quotes", []) if q["row"] not in flagged] if enough else [],
            })
        shown[question_id] = {"mode": result.get("mode"), "themes": themes, "notes": result.get("notes", [])}
    return shown


def _team(result: dict[str, Any], row: int) -> int | None:
    teams = result.get("row_teams", [])
    return teams[row] if 0 <= row < len(teams) else None
