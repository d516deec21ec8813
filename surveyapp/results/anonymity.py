"""The one anonymity rule. Every results page, chart, export and API goes through here.

Pure functions and a small class: no Flask, no database, so the rule can be
tested exhaustively (tests/webapp/test_anonymity_rule.py) and reused anywhere.

1. A figure only for a group of at least `figures` respondents (5).
2. Verbatim comments only for a group of at least `comments` (10), and only
   after redaction (the caller's job; this module only answers "may we?").
3. Complementary suppression: when any cell of a table is hidden, more cells
   are hidden, smallest first, until at least two are hidden and they add up
   to at least `figures`, so no hidden cell is the total minus the rest.
4. Differencing: a group whose size differs by 1 to 4 from a group the same
   user has already seen that contains it, or that it contains, is refused,
   so nobody can subtract one from the other to isolate a handful of people.
   Only nesting is checked: two groups that merely overlap (a team and a
   role) give a difference that is not a set of people anyone can name, and
   refusing those too would hide most breakdowns of a small council.

Thresholds can be raised in configuration, never lowered.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

MIN_FIGURES = 5
MIN_COMMENTS = 10

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Thresholds:
    figures: int = MIN_FIGURES
    comments: int = MIN_COMMENTS

    def __post_init__(self) -> None:
        if self.figures < MIN_FIGURES:
            raise ValueError(f"The minimum group for figures cannot be below {MIN_FIGURES}")
        if self.comments < MIN_COMMENTS:
            raise ValueError(f"The minimum group for comments cannot be below {MIN_COMMENTS}")

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Thresholds:
        return cls(int(config.get("MIN_GROUP_FOR_FIGURES", MIN_FIGURES)),
                   int(config.get("MIN_GROUP_FOR_COMMENTS", MIN_COMMENTS)))


def figure_allowed(group_size: int, thresholds: Thresholds) -> bool:
    return group_size >= thresholds.figures


def comments_allowed(group_size: int, thresholds: Thresholds) -> bool:
    """Whether verbatim comments may be shown for this group (after redaction)."""
    return group_size >= thresholds.comments


def suppress(counts: Mapping[K, int], thresholds: Thresholds) -> dict[K, int | None]:
    """The counts of one table, with None for every cell that must not be shown.

    Zero cells stay visible: they describe nobody, and hiding them would hide
    whole tables for no gain. So a hidden cell is known to be at least 1, and
    a set of hidden cells is only safe when there are at least two of them,
    they add up to at least `figures`, and they are not all ones (k hidden cells
    adding up to exactly k would each be 1).

    Known limit: this defeats subtraction (total minus the visible cells), not
    an attacker who also reasons about how this function picks cells; in rare
    tables (6, 6, 4) such reasoning can pin a hidden cell. A full audit, as
    statistical offices do with linear programming, is future work. If the table's total is
    itself below `figures`, every cell is hidden (and the caller hides the
    total: see `visible_total`).
    """
    total = sum(counts.values())
    if total < thresholds.figures:
        return {key: None for key in counts}
    hidden = {key for key, count in counts.items() if 0 < count < thresholds.figures}
    # The next smallest visible cell first; ties in the table's own order, so the result is stable.
    order = {key: i for i, key in enumerate(counts)}
    candidates = sorted((key for key, count in counts.items() if count and key not in hidden),
                        key=lambda key: (counts[key], order[key]))
    hide_zeros = False
    while hidden and not _safe(hidden, counts, thresholds):
        if candidates:
            hidden.add(candidates.pop(0))
        else:
            # Every non-zero cell is hidden and they are all ones: hiding the
            # zeros too means a hidden cell could be 0, so none is pinned at 1.
            hide_zeros = True
            break
    return {key: None if key in hidden or (hide_zeros and not count) else count
            for key, count in counts.items()}


def _safe(hidden: set[K], counts: Mapping[K, int], thresholds: Thresholds) -> bool:
    # Hidden cells are each at least 1 (zeros are shown): k of them adding up
    # to exactly k would all be 1, so the sum must be more than k as well.
    hidden_total = sum(counts[key] for key in hidden)
    return len(hidden) >= 2 and hidden_total >= thresholds.figures and hidden_total > len(hidden)


def visible_total(counts: Mapping[K, int], thresholds: Thresholds) -> int | None:
    """The table's total, unless showing it would give a hidden cell away."""
    total = sum(counts.values())
    if total < thresholds.figures:
        return None
    shown = suppress(counts, thresholds)
    hidden = [key for key, value in shown.items() if value is None]
    # With every cell hidden the total is all an attacker has to go on, and
    # knowing how cells are chosen they could pin them (four cells of 4 add up
    # to 16 only one way if each is below 5). The group size is shown elsewhere.
    if hidden and len(hidden) == len(counts):
        return None
    return total


# Differencing ---------------------------------------------------------------

Filter = frozenset[tuple[str, str]]


@dataclass(frozen=True)
class Group:
    """A set of respondents, named by the filters that pick it out of a run.

    `scope` is the run (or anything else that bounds who can be in it).
    `filters` are (dimension, value) pairs, for example {("team", "12")}.
    """

    scope: str
    filters: Filter
    size: int

    def contains(self, other: Group) -> bool:
        """Every respondent in `other` is in this group: it has all of this group's filters.

        Callers give a team's group its service area too ({team, service_area}),
        so that a service area is seen to contain its teams.
        """
        return self.scope == other.scope and self.filters <= other.filters


def group(scope: str, size: int, **filters: object) -> Group:
    return Group(scope, frozenset((k, str(v)) for k, v in filters.items()), size)


class DifferencingGuard:
    """Remembers the groups one user has been shown, and refuses near-duplicates.

    State is a plain list of (scope, filters, size), so the web layer can keep
    it wherever it likes; `dump`/`load` give a JSON-ready form, which the web
    app keeps per user in the database (`results.seen_groups`), so it outlives
    a sign-out. Groups are remembered when shown, and a refused group is not
    remembered (it was never seen).
    """

    def __init__(self, thresholds: Thresholds, seen: Iterable[Group] = ()) -> None:
        self.thresholds = thresholds
        self.seen: list[Group] = list(seen)
        self.loaded = len(self.seen)  # groups it started with; only later ones are new

    def conflict(self, candidate: Group) -> Group | None:
        """The group already seen that `candidate` could be subtracted from, if any."""
        for earlier in self.seen:
            gap = abs(earlier.size - candidate.size)
            nested = earlier.contains(candidate) or candidate.contains(earlier)
            if 0 < gap < self.thresholds.figures and nested:
                return earlier
        return None

    def allow(self, candidate: Group) -> bool:
        """True, and remembered, if the group may be shown; False if it must be refused."""
        if self.conflict(candidate) is not None:
            return False
        if candidate not in self.seen:
            self.seen.append(candidate)
        return True

    def dump(self, new_only: bool = False) -> list[list[Any]]:
        """The groups seen (with `new_only`, those added since it was made), JSON-ready."""
        return [[g.scope, sorted([k, v] for k, v in g.filters), g.size]
                for g in self.seen[self.loaded if new_only else 0:]]

    @classmethod
    def load(cls, thresholds: Thresholds, data: Iterable[Any]) -> DifferencingGuard:
        seen = []
        for item in data or ():
            try:
                scope, filters, size = item
                seen.append(Group(str(scope), frozenset((str(k), str(v)) for k, v in filters), int(size)))
            except (TypeError, ValueError):
                continue  # a malformed entry from an old cookie: ignore it rather than fail the page
        return cls(thresholds, seen)
