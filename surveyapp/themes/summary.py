"""What a manager may see of a theme analysis: counts within their scope, through the one anonymity rule.

The engine's report covers every comment of the run. Here it is cut down to
the teams the user may see, every count goes through `results.anonymity`, and
quotes appear only for themes with at least the comments threshold behind them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..results.anonymity import Thresholds, comments_allowed, figure_allowed, suppress
from ..results.compare import notable_change

SENTIMENTS = ("positive", "negative", "mixed")


@dataclass(frozen=True)
class ThemeRow:
    id: str
    label: str
    description: str | None
    keywords: list[str]
    size: int | None  # None: hidden by the anonymity rule
    share: float | None
    change: float | None  # percentage points against last year's run, same question and scope
    notable: bool  # the change is bigger than the noise for these group sizes
    sentiment: dict[str, int | None]
    quotes: list[str]
    emerging: bool = False


@dataclass(frozen=True)
class TeamRow:
    team_id: int
    comments: int
    counts: dict[str, int | None]


@dataclass
class Summary:
    comments: int
    enough: bool
    themes: list[ThemeRow] = field(default_factory=list)
    teams: list[TeamRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _in_scope(result: dict[str, Any], team_ids: set[int] | None) -> list[int]:
    return [i for i, team in enumerate(result["row_teams"]) if team_ids is None or team in team_ids]


def shares(result: dict[str, Any], team_ids: set[int] | None) -> tuple[dict[str, float], int]:
    rows = _in_scope(result, team_ids)
    counts = Counter(result["rows"][i]["theme"] for i in rows)
    return {theme: count / len(rows) for theme, count in counts.items()} if rows else {}, len(rows)


def summarise(result: dict[str, Any], team_ids: set[int] | None, thresholds: Thresholds,
              previous: dict[str, Any] | None = None) -> Summary:
    rows = _in_scope(result, team_ids)
    summary = Summary(comments=len(rows), enough=figure_allowed(len(rows), thresholds))
    if not summary.enough:
        return summary
    counts = Counter(result["rows"][i]["theme"] for i in rows)
    order = [t["id"] for t in result["themes"]]
    sizes = suppress({t: counts.get(t, 0) for t in order}, thresholds)
    before, n_before = shares(previous, team_ids) if previous else ({}, 0)
    in_scope = set(rows)
    for theme in result["themes"]:
        summary.themes.append(_row(theme, sizes[theme["id"]], counts.get(theme["id"], 0), len(rows), rows,
                                   result, in_scope, thresholds, before, n_before))
    if team_ids is None:  # emerging themes have no per-row membership, so only whole-council views get them
        for theme in result.get("emerging_themes", []):
            size = theme["size"] if figure_allowed(theme["size"], thresholds) else None
            quotes = [q["text"] for q in theme["quotes"]] if comments_allowed(theme["size"], thresholds) else []
            summary.themes.append(ThemeRow(theme["id"], theme["label"], None, theme["keywords"], size,
                                           size / len(rows) if size else None, None, False,
                                           {s: None for s in SENTIMENTS}, quotes, emerging=True))
    summary.teams = _teams(result, rows, order, thresholds)
    summary.notes = list(result.get("notes", []))
    return summary


def _row(theme: dict[str, Any], size: int | None, raw_size: int, total: int, rows: list[int],
         result: dict[str, Any], in_scope: set[int], thresholds: Thresholds, before: dict[str, float],
         n_before: int) -> ThemeRow:
    share = size / total if size is not None else None
    change = notable = None
    if share is not None and n_before and figure_allowed(n_before, thresholds):
        previous_share = before.get(theme["id"], 0.0)
        change = round(100 * (share - previous_share), 1)
        notable = notable_change(share, total, previous_share, n_before)
    members = [i for i in rows if result["rows"][i]["theme"] == theme["id"]]
    sentiment_counts = Counter(result["rows"][i]["sentiment"] for i in members)
    sentiment = (suppress({s: sentiment_counts.get(s, 0) for s in SENTIMENTS}, thresholds)
                 if size is not None else {s: None for s in SENTIMENTS})
    quotes = ([q["text"] for q in theme["quotes"] if q["row"] in in_scope]
              if size is not None and comments_allowed(raw_size, thresholds) else [])
    return ThemeRow(theme["id"], theme["label"], theme.get("description"), theme["keywords"], size, share,
                    change, bool(notable), sentiment, quotes)


def _teams(result: dict[str, Any], rows: list[int], order: list[str], thresholds: Thresholds) -> list[TeamRow]:
    """Themes by team, only for teams with enough comments to show figures at all."""
    by_team: dict[int, Counter[str]] = {}
    for i in rows:
        team = result["row_teams"][i]
        if team is not None:
            by_team.setdefault(team, Counter())[result["rows"][i]["theme"]] += 1
    return [TeamRow(team, sum(c.values()), suppress({t: c.get(t, 0) for t in order}, thresholds))
            for team, c in sorted(by_team.items()) if figure_allowed(sum(c.values()), thresholds)]
