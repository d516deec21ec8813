"""Which groups may be shown: no set of 1 to 4 respondents can be had by combining shown groups.

A reader who sees figures for several groups can add and subtract them: an area less its shown teams
is the people of its hidden teams; this release's team less the same team in an earlier release is its
newcomers; a team less the council's senior practitioners may be one person. Any such combination, with
any coefficients, counts the answers of the people where it is not zero. So the promise is about the
*row space* of the groups' membership: no vector in it may be non-zero on 1 to 4 people.

People who are in exactly the same shown groups are one *type*: no combination can tell them apart, so
a type is counted by its size (its weight). A set S of types carries a non-zero combination of the
groups and nothing outside S exactly when the kernel of the membership matrix, restricted to S, has
rank below |S| (a vector of the row space is orthogonal to the kernel, and conversely). So the audit
looks at every set of types of 1 to 4 people in all, which is few: only types of fewer than 5 people
can take part, and at most four of them.

When a set is found, the lowest-ranked current group that takes part in a combination giving it away
is hidden (a team before its area, a breakdown before a team, the smaller first), and the audit runs
again. Groups shown by earlier releases are fixed: they cannot be unpublished. The council is never
hidden here: a release whose council total would give people away is refused before (see
`release.refusal`).

Breakdowns (role, contract, years in role) cut across the teams; their figures also carry the cell key
noise (`noise.py`), and they take part here like any group.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
from scipy.linalg import null_space

_TOL = 1e-9


@dataclass(frozen=True)
class Finding:
    """People who could be counted on their own: their number, the current groups each of which the
    combination needs, and every current group that takes part in one."""

    people: int
    groups: tuple[str, ...]
    taking_part: tuple[str, ...] = ()


def small_set(groups: Mapping[str, frozenset[str]], fixed: Sequence[frozenset[str]] = (),
              threshold: int = 5) -> Finding | None:
    """A combination of the groups (and the fixed ones) that counts 1 to threshold-1 people, or None."""
    names = sorted(groups)
    rows = [groups[g] for g in names] + [g for g in fixed if g]
    if not rows:
        return None
    people = sorted(set().union(*rows))
    # types: people in exactly the same rows
    signature: dict[str, list[int]] = {p: [] for p in people}
    for r, members in enumerate(rows):
        for p in members:
            signature[p].append(r)
    types: dict[tuple[int, ...], int] = {}
    for found in signature.values():
        types[tuple(found)] = types.get(tuple(found), 0) + 1
    keys = list(types)
    weights = np.array([types[k] for k in keys])
    matrix = np.zeros((len(rows), len(keys)))
    for j, in_rows in enumerate(keys):
        matrix[list(in_rows), j] = 1.0
    kernel = null_space(matrix) if len(keys) > 1 else np.zeros((len(keys), 0))
    small = [j for j in range(len(keys)) if weights[j] < threshold]
    for size in range(1, threshold):
        for chosen in combinations(small, size):
            if int(weights[list(chosen)].sum()) >= threshold:
                continue
            block = kernel[list(chosen), :]
            if block.shape[1] and np.linalg.matrix_rank(block, tol=1e-7) == size:
                continue
            needed, taking_part = _involved(matrix, list(chosen), len(names), names)
            if taking_part:  # a set that earlier releases alone give is not this release's to mend
                return Finding(int(weights[list(chosen)].sum()), needed, taking_part)
    return None


def _involved(matrix: np.ndarray, chosen: list[int], current: int,
              names: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The current groups (the first `current` rows) whose hiding alone would take away some of what a
    combination says of the chosen types, and every current group taking part in one: both empty when
    the fixed rows (earlier releases) alone say it.

    What the rows R say of the chosen types alone is the space of row-space vectors that are zero
    elsewhere; its dimension is rank(R) - rank(R without the chosen columns)."""
    others = [j for j in range(matrix.shape[1]) if j not in chosen]

    def said(rows: list[int]) -> int:
        if not rows:
            return 0
        part = matrix[rows, :]
        rest = np.linalg.matrix_rank(part[:, others]) if others else 0
        return int(np.linalg.matrix_rank(part)) - int(rest)

    every = list(range(matrix.shape[0]))
    total = said(every)
    if said(every[current:]) == total:
        return (), ()
    needed = tuple(names[i] for i in range(current) if said([r for r in every if r != i]) < total)
    cancel = null_space(matrix[:, others].T) if others else np.eye(matrix.shape[0])
    taking_part = {names[i] for c in cancel.T if np.abs(c @ matrix[:, chosen]).max() > 1e-7
                   for i in range(current) if abs(c[i]) > 1e-7}
    return needed, tuple(sorted(taking_part | set(needed)))


def close(groups: Mapping[str, frozenset[str]], rank: Mapping[str, int], fixed: Sequence[frozenset[str]] = (),
          threshold: int = 5, keep: frozenset[str] = frozenset()) -> set[str]:
    """The groups to hide so that no combination of the rest (and the fixed) counts 1 to threshold-1 people.

    Groups under threshold are not offered (hidden anyway). Each time a combination is found, every
    group taking part is tried: the one after whose hiding the fewest groups in all must be hidden is
    chosen (looking ahead), then the least needed (a breakdown before a team before an area), then the
    smaller. Hiding a group only removes combinations, so the result holds whichever is chosen.
    Raises ValueError when only a kept group could be hidden."""
    showing = {g: m for g, m in groups.items() if len(m) >= threshold}
    closed: set[str] = set()
    while (found := small_set(showing, fixed, threshold)) is not None:
        choices = _choices(found, keep)
        if not choices:
            raise ValueError(f"{found.people} people could be counted by combining {', '.join(found.groups) or 'earlier releases'}")

        def cost(g: str) -> tuple[int, int, int, str]:
            rest = {k: m for k, m in showing.items() if k != g}
            return (1 + _plain(rest, rank, fixed, threshold, keep), -rank.get(g, 0), len(showing[g]), g)

        chosen = min(choices, key=cost)
        closed.add(chosen)
        del showing[chosen]
    return closed


def _plain(showing: dict[str, frozenset[str]], rank: Mapping[str, int], fixed: Sequence[frozenset[str]],
           threshold: int, keep: frozenset[str]) -> int:
    """How many groups hiding the least needed group of each combination found would hide, without
    looking ahead (the look-ahead's estimate). When only kept groups take part in one, every group still
    shown and one more: the worst, since nothing could mend it this way."""
    showing = dict(showing)
    hidden = 0
    while (found := small_set(showing, fixed, threshold)) is not None:
        choices = _choices(found, keep)
        if not choices:
            return hidden + len(showing) + 1
        worst = max(choices, key=lambda g: (rank.get(g, 0), -len(showing[g]), g))
        hidden += 1
        del showing[worst]
    return hidden


def _choices(found: Finding, keep: frozenset[str]) -> list[str]:
    """The groups to try hiding: one the combination cannot do without, else (each of its parts can be
    had more than one way) any group taking part, so that hiding goes on until none is left."""
    needed = [g for g in found.groups if g not in keep]
    return needed or [g for g in found.taking_part if g not in keep]
