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
    """People who could be counted on their own: their number, and the groups whose combination does it."""

    people: int
    groups: tuple[str, ...]


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
            involved = _involved(matrix, list(chosen), len(names), names)
            if involved:  # a set that earlier releases alone give is not this release's to mend
                return Finding(int(weights[list(chosen)].sum()), involved)
    return None


def _involved(matrix: np.ndarray, chosen: list[int], current: int, names: list[str]) -> tuple[str, ...]:
    """The current groups with a non-zero coefficient in a combination supported on the chosen types."""
    others = [j for j in range(matrix.shape[1]) if j not in chosen]
    # combinations c with c @ matrix zero outside the chosen types and not zero on them
    cancel = null_space(matrix[:, others].T) if others else np.eye(matrix.shape[0])
    found: set[str] = set()
    for c in cancel.T:
        if np.abs(c @ matrix[:, chosen]).max() > 1e-7:
            found.update(names[i] for i in range(current) if abs(c[i]) > 1e-7)
    return tuple(sorted(found))


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
        choices = [g for g in found.groups if g not in keep]
        if not choices:
            raise ValueError(f"{found.people} people could be counted by combining {', '.join(found.groups) or 'earlier releases'}")

        def cost(g: str) -> tuple[int, int, int, str]:
            rest = {k: m for k, m in showing.items() if k != g}
            return (1 + len(_plain(rest, rank, fixed, threshold, keep)), -rank.get(g, 0), len(showing[g]), g)

        chosen = min(choices, key=cost)
        closed.add(chosen)
        del showing[chosen]
    return closed


def _plain(showing: dict[str, frozenset[str]], rank: Mapping[str, int], fixed: Sequence[frozenset[str]],
           threshold: int, keep: frozenset[str]) -> set[str]:
    """What hiding the least needed group of each combination found would hide, without looking ahead
    (the look-ahead's estimate); a combination only kept groups take part in counts as one more."""
    showing = dict(showing)
    closed: set[str] = set()
    while (found := small_set(showing, fixed, threshold)) is not None:
        choices = [g for g in found.groups if g not in keep]
        if not choices:
            return closed | {"(cannot)"} | set(showing)  # the worst: nothing could mend it this way
        worst = max(choices, key=lambda g: (rank.get(g, 0), -len(showing[g]), g))
        closed.add(worst)
        del showing[worst]
    return closed
