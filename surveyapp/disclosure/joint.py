"""The joined audit: every hidden cell's range over every system at once, at any size.

`audit.protect` with systems audits each section's tables on its own, with the
group sizes they share. An attacker joins them all: each table narrows the shared
hidden sizes a little, and together they can pin a size, and then the cells that
hang on it. The exact check is one LP per end of every hidden cell over every
table: for a small council that hides 10,000 cells, too slow. This module proves
the same thing with far fewer large LPs, by decomposition:

1. *Linking cells* are the unknowns shared by two systems or more (the hidden
   group sizes). Each hidden one gets its exact range from the joined LP
   (two solves); every solution is a feasible point of everything published.
2. Every other unknown belongs to one system. Any convex combination of joined
   feasible points is feasible, so a system's cells may take any value its own
   sums allow with the linking cells at sum(lambda_i * point_i), lambda in the
   simplex, while every other system takes the same combination of the points'
   values. That small LP per system (its own cells plus one column per point)
   is an inner approximation of the attacker's: a range it witnesses is a
   range the attacker cannot narrow.
3. A cell still too narrow there is solved exactly over every table; a cell
   narrow even then is a true disclosure, and `protect` hides more (the
   repair of `audit`, on the joined system) and checks again.

Witnesses stay valid as more is hidden (the feasible set only grows), so each
round re-checks only what is not yet proven wide.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import replace

import highspy
import numpy as np
from scipy.sparse import csr_matrix

from . import audit
from .audit import Key, Problem, Result, UnprotectableError

log = logging.getLogger(__name__)
_RANDOM_LPS = 20  # as audit: random pushes per system and round, while each proves 2+ cells


class _Joined:
    def __init__(self, problem: Problem) -> None:
        if problem.systems is None:
            raise ValueError("the joined audit is for a problem of several systems")
        self.p = problem
        self.ix = audit._index(problem)
        self.t = problem.threshold
        self.lps = 0
        self.rng = np.random.default_rng(audit._SEED)
        self.seen: dict[Key, list[float]] = {}  # hidden cell -> [lowest, highest] seen in joined-feasible points
        self.exact: dict[tuple[Key, int], int] = {}  # (cell, side) -> number of hidden cells when solved exactly
        self.points: list[dict[Key, float]] = []  # joined-feasible values of the linking cells
        systems_of: dict[Key, set[int]] = defaultdict(set)
        for s, system in enumerate(self.ix.systems):
            for i in system:
                for k in self.ix.sums[i].cells():
                    systems_of[k].add(s)
        self.linking = {k for k, ss in systems_of.items() if len(ss) > 1}

    # -- one round -------------------------------------------------------------------------------

    def run(self, hidden: set[Key]) -> list[Key]:
        """Witness every hidden cell over everything published; return those proven too narrow."""
        p = self.p
        zero = audit._known_zero(self.ix, hidden)
        self.zero = zero

        def is_var(k: Key) -> bool:
            return (k in hidden or k not in p.published) and k not in zero

        audited = sorted(k for k in hidden if k in p.published and k not in zero)
        for k in audited:
            self.seen.setdefault(k, [float(p.values[k])] * 2)
        joined = audit._components(self.ix, range(len(self.ix.sums)), is_var)
        self.block = {k: comp for comp in joined for k in comp.keys}
        self.hidden_count = len(hidden)
        truth = {k: float(p.values[k]) for k in self.linking}
        if not self.points:
            self.points = [truth]  # points stay feasible as more is hidden: kept from round to round
        for k in audited:
            if k in self.linking and k in self.block:
                for side in (audit._UP, audit._DOWN):
                    if not self._wide(k):
                        self._joined_end(k, side, truth)
        narrow_links = [k for k in audited if k in self.linking and k in self.block and not self._wide(k)]
        if narrow_links:
            # A shared size the attacker can pin: widen it first (hiding more), as every cell hangs on it.
            log.info("joined audit: %s linking cells narrow, %s LPs", len(narrow_links), self.lps)
            return narrow_links
        log.info("joined audit: round: %s audited, %s points, %s LPs", len(audited), len(self.points), self.lps)
        for system in self.ix.systems:
            self._system(system, is_var, [k for k in audited if k not in self.linking])
        narrow = [k for k in audited if k in self.block and not self._wide(k)]
        log.info("joined audit: systems done: %s narrow, %s LPs", len(narrow), self.lps)
        by_comp: dict[int, list[Key]] = defaultdict(list)
        for k in narrow:
            by_comp[id(self.block[k])].append(k)
        failing = []
        for group in by_comp.values():
            for k in self._pushes(self.block[group[0]], group):
                for side in (audit._UP, audit._DOWN):
                    if not self._wide(k):
                        self._joined_end(k, side, truth)
                if not self._wide(k):
                    failing.append(k)
        log.info("joined audit: exact done: %s failing, %s LPs", len(failing), self.lps)
        return failing

    def ranges(self, hidden: set[Key]) -> dict[Key, tuple[int, int]]:
        out = {}
        for k in sorted(hidden):
            if k in self.zero:
                out[k] = (0, 0)
            elif k not in self.block:
                out[k] = (0, self.ix.upper)
            elif k in self.seen:
                out[k] = audit._inward(*self.seen[k])
        return out

    def _wide(self, k: Key) -> bool:
        lo, hi = audit._inward(*self.seen[k])
        return hi - lo >= self.t

    def _saw(self, k: Key, v: float) -> None:
        ends = self.seen[k]
        if v < ends[0]:
            ends[0] = v
        elif v > ends[1]:
            ends[1] = v

    def _joined_end(self, k: Key, side: int, truth: dict[Key, float]) -> None:
        """Push one end of k as far as everything published allows; keep the point it reaches."""
        if self.exact.get((k, side)) == self.hidden_count:
            return
        comp = self.block[k]
        c = np.zeros(len(comp.keys))
        c[comp.pos[k]] = -side
        x = comp.solve(c)
        self.lps += 1
        self.exact[(k, side)] = self.hidden_count
        for j, key in enumerate(comp.keys):
            if key in self.seen:
                self._saw(key, float(x[j]))
        self.points.append(truth | {key: float(x[comp.pos[key]]) for key in comp.keys if key in self.linking})

    def _pushes(self, comp: audit._Component, todo: list[Key]) -> list[Key]:
        """Over everything joined, push sets of narrow cells that share no sum up (or down) together,
        while each LP widens two or more of them; return those still narrow."""
        for tries in range(_RANDOM_LPS):
            up = tries % 2 == 0
            c = np.zeros(len(comp.keys))
            for k in self._apart(todo, up):
                c[comp.pos[k]] = -1.0 if up else 1.0
            if not c.any():
                break
            x = comp.solve(c)
            self.lps += 1
            for j, key in enumerate(comp.keys):
                if key in self.seen:
                    self._saw(key, float(x[j]))
            left = [k for k in todo if not self._wide(k)]
            done, todo = len(todo) - len(left), left
            if tries >= 1 and done < 2:
                break
        return todo

    # -- a system against the hull of the joined points -------------------------------------------

    def _system(self, system: list[int], is_var: Callable[[Key], bool], audited: list[Key]) -> None:
        own = [i for i in system if any(is_var(k) and k not in self.linking for k in self.ix.sums[i].cells())]
        keys = sorted({k for i in own for k in self.ix.sums[i].cells() if is_var(k) and k not in self.linking})
        mine = set(keys)
        todo = [k for k in audited if k in mine and not self._wide(k)]
        if not todo:
            return
        pos = {k: j for j, k in enumerate(keys)}
        n, m = len(keys), len(self.points)
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        rhs: list[float] = []
        values = self.p.values
        for r, i in enumerate(own):
            b = 0.0
            for k, sign in audit._signed(self.ix.sums[i]):
                if k in mine:
                    rows.append(r)
                    cols.append(pos[k])
                    vals.append(float(sign))
                elif is_var(k):  # a linking unknown: the combination of the points
                    for j, point in enumerate(self.points):
                        rows.append(r)
                        cols.append(n + j)
                        vals.append(sign * point[k])
                else:
                    b -= sign * values[k]
            rhs.append(b)
        r = len(own)
        for j in range(m):
            rows.append(r)
            cols.append(n + j)
            vals.append(1.0)
        rhs.append(1.0)
        a = csr_matrix((vals, (rows, cols)), shape=(r + 1, n + m))
        highs = audit._model(a, np.array(rhs), float(self.ix.upper))

        def solve(c: np.ndarray) -> None:
            highs.changeColsCost(len(c), np.arange(len(c), dtype=np.int32), c)
            highs.run()
            self.lps += 1
            if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                raise RuntimeError("LP failed on a system joined to the hull of feasible points")
            x = highs.getSolution().col_value
            for k in todo_all:
                self._saw(k, float(x[pos[k]]))

        todo_all = list(todo)
        tries = 0
        while todo and tries < _RANDOM_LPS + 2:
            c = np.zeros(n + m)
            if tries < 2:
                c[[pos[k] for k in todo]] = (1.0, -1.0)[tries]
            else:
                up = tries % 2 == 0
                for k in self._apart(todo, up):
                    c[pos[k]] = -1.0 if up else 1.0
            solve(c)
            left = [k for k in todo if not self._wide(k)]
            if tries >= 3 and len(todo) - len(left) < 2:
                todo = left
                break
            todo, tries = left, tries + 1
        for k in todo:
            for side in (audit._UP, audit._DOWN):
                if not self._wide(k):
                    c = np.zeros(n + m)
                    c[pos[k]] = -side
                    solve(c)

    def _apart(self, todo: list[Key], up: bool) -> list[Key]:
        """Unproven cells sharing no sum, each with room to go on the side pushed (as audit._Audit)."""
        taken: list[Key] = []
        used: set[int] = set()
        for j in self.rng.permutation(len(todo)):
            k = todo[j]
            lo, hi = self.seen[k]
            value = self.p.values[k]
            if (up and hi - value >= self.t) or (not up and value - lo >= self.t):
                continue
            sums = self.ix.of_cell.get(k, ())
            if any(i in used for i in sums):
                continue
            used.update(sums)
            taken.append(k)
        return taken


def protect(problem: Problem, first: Result) -> Result:
    """Take a per-system result and make it hold over every system joined: audit it as above,
    hide more where a cell is narrow (audit's repair over the joined sums), until none is.
    Raises UnprotectableError if a narrow cell cannot be widened."""
    joined = _Joined(problem)
    hidden = set(first.hidden)
    zero = audit._known_zero(joined.ix, hidden)
    if not any((k in hidden or k not in problem.published) and k not in zero for k in joined.linking):
        first.how = "per question; exact, as the questions' tables share no unknown"
        return first
    # The same index, as one system of every sum: the repair widens a cell over everything joined.
    flat = replace(joined.ix, systems=[list(range(len(joined.ix.sums)))])
    repairer = audit._Repair(flat)
    rounds = 0
    while True:
        rounds += 1
        failing = joined.run(hidden)
        if joined.ix.upper < problem.threshold:  # then a cell in no sum, held only by its bounds, is too narrow
            unbounded = [k for k in hidden if k in problem.published and k not in joined.zero and k not in joined.block]
            if unbounded:
                raise UnprotectableError(unbounded)
        if not failing:
            return Result(frozenset(hidden), joined.ranges(hidden), first.rounds + rounds,
                          first.lps + joined.lps + repairer.lps, how="per question, then over every table joined")
        repairer.zero = joined.zero
        added = _repair(repairer, joined, hidden, failing)
        if not added:
            raise UnprotectableError(failing)
        audit._quick_secondary(flat, hidden, (i for k in added for i in flat.of_cell[k]))


def _repair(repairer: audit._Repair, joined: _Joined, hidden: set[Key], failing: Iterable[Key]) -> set[Key]:
    """For each narrow cell, the cheapest cells to hide so it can reach threshold beyond one end
    of its range over the joined sums (the points found are kept as witnesses)."""
    added: set[Key] = set()
    t = joined.t
    for k in failing:
        lo, hi = audit._inward(*joined.seen[k])
        for target, up in ((lo + t, True), (hi - t, False)):
            if not 0 <= target <= joined.ix.upper:
                continue
            found = repairer.cells_to_hide(0, hidden, k, target, up)
            if found is not None:
                plan, point = found
                hidden |= plan
                added |= plan
                for c, v in point.items():
                    if c in joined.seen:
                        joined._saw(c, v)
                    elif c in plan:
                        joined.seen[c] = sorted([float(joined.p.values[c]), v])
                break
    return added
