"""Groups of respondents compared by who is in them, and the sums that tie a release's tables.

`membership_conflicts` hides groups so that no two shown groups differ by 1 to 4 people: two shown
groups that differ by a few people give those people's answers away by subtraction. Combinations of
more than two groups are `people.py`'s; the counts' noise is `noise.py`'s.

`Sum` records a relation everyone knows between a release's figures (teams add up to their area, a
question's answers to the people who answered it); `build` lays them out with the cells.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

Key = str


@dataclass(frozen=True)
class Sum:
    """An exact relation everyone knows: value[total] == sum(value[p] for p in parts)."""

    total: Key
    parts: tuple[Key, ...]

    def cells(self) -> tuple[Key, ...]:
        return (self.total, *self.parts)



def membership_conflicts(
    groups: Mapping[Key, frozenset[str]],
    earlier: Sequence[Mapping[Key, frozenset[str]]] = (),
    threshold: int = 5,
    rank: Mapping[Key, int] | None = None,
) -> set[Key]:
    """Groups (named sets of respondent ids) to hide so that no two shown groups differ by
    1 to threshold-1 people.

    Only groups with len >= threshold take part (smaller ones are hidden anyway, and are
    not returned). A group that differs from ANY group in `earlier` (shown in earlier
    releases, which cannot be unpublished; all of them count, whatever their size) by
    1..threshold-1 people is hidden first. Then groups are kept most important first:
    lower rank (default 0), then larger, then smaller key; a group that differs from a
    kept group by 1..threshold-1 people is hidden (so a hidden group conflicts with
    nothing). Equal groups are the same people and do not conflict.

    Groups are Python int bitsets over an index of every id, and only groups whose sizes
    differ by less than threshold are compared (|A ^ B| >= ||A| - |B||).
    """
    rank = rank or {}
    taking = sorted(k for k, g in groups.items() if len(g) >= threshold)
    old = [g for release in earlier for g in release.values() if g]
    ids = set().union(*(groups[k] for k in taking), *old)
    where = {i: n for n, i in enumerate(ids)}
    memo: dict[int, int] = {}

    def close(a: frozenset[str], b: frozenset[str]) -> bool:
        for g in (a, b):  # bitsets are built on first use: most groups have none of a similar size
            if id(g) not in memo:
                memo[id(g)] = _bitset(g, where)
        return 0 < (memo[id(a)] ^ memo[id(b)]).bit_count() < threshold

    def near(n: int, sizes: list[int]) -> slice:
        return slice(bisect_left(sizes, n - threshold + 1), bisect_right(sizes, n + threshold - 1))

    old.sort(key=len)
    old_sizes = [len(g) for g in old]
    hide = {k for k in taking if any(close(groups[k], g) for g in old[near(len(groups[k]), old_sizes)])}
    kept_sizes: list[int] = []
    kept: list[frozenset[str]] = []
    for k in sorted(set(taking) - hide, key=lambda k: (rank.get(k, 0), -len(groups[k]), k)):
        n = len(groups[k])
        if any(close(groups[k], g) for g in kept[near(n, kept_sizes)]):
            hide.add(k)
        else:
            at = bisect_left(kept_sizes, n)
            kept_sizes.insert(at, n)
            kept.insert(at, groups[k])
    return hide


def _bitset(members: Iterable[str], where: dict[str, int]) -> int:
    flags = np.zeros(len(where), dtype=bool)
    flags[np.fromiter(map(where.__getitem__, members), dtype=np.intp)] = True
    return int.from_bytes(np.packbits(flags, bitorder="little").tobytes(), "little")
