"""Cell suppression with a linear-programming audit, for linked tables of counts.

Results are published as many linked count tables: teams add up to service
areas, areas to the council, breakdown rows to the "Everyone" row, and every
question's answers to its group's size. The product promises that no hidden
count can be worked out from everything published. `protect` chooses which
published cells to hide (the small ones, the forced ones, and complementary
cells) and proves, with linear programming, that every hidden cell's feasible
range is at least `threshold` wide: the "cell suppression + audit" of tau-ARGUS
(Hundepool et al., Statistical Disclosure Control, 2012, chapter 4).

The attacker's model is the LP relaxation: every cell is a real number in
[0, upper], every Sum holds exactly, and visible cells are known. Ranges are
rounded inwards (lo up, hi down) with a small tolerance for the solver.

Known limits:
- Integers: the audit is of the LP relaxation. An attacker who also uses that
  counts are whole numbers can sometimes narrow a range further.
- Systems: with Problem.systems, each system is audited on its own and a cell's
  range is the intersection over its systems. An attacker who joins every
  system can do better, because each question's table narrows the shared group
  sizes for all the others (tests/disclosure/test_joint.py has councils where
  the joined LP narrows a hidden cell to a width of 3). joint.protect takes
  this result and makes it hold over every system joined; releases use both.
- Cells known to be zero because a shown total they add up to is zero are not
  audited (nor solved for): they count nobody, and the shown zero already says so.

`membership_conflicts` is the other half of the promise, for groups of
respondents rather than counts: two shown groups that differ by a few people
give those people's answers away by subtraction.
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import highspy
import numpy as np
from scipy.optimize import OptimizeResult, linprog
from scipy.sparse import csr_matrix, hstack

Key = str

_TOL = 1e-6  # HiGHS solutions are feasible to about 1e-7: round ranges with this slack
_RANDOM_LPS = 20  # at most this many random ±1 objectives per component and round, while each proves 2+ cells
_REACH = 3  # a repair LP first covers the sums this many steps from the cell, then twice as many, ...
_SEED = 2012  # random objectives are seeded, so the same Problem gives the same Result
_UP, _DOWN = 1, -1  # which end of a range an LP pushes


@dataclass(frozen=True)
class Sum:
    """An exact relation everyone knows: value[total] == sum(value[p] for p in parts)."""

    total: Key
    parts: tuple[Key, ...]

    def cells(self) -> tuple[Key, ...]:
        return (self.total, *self.parts)


@dataclass
class Problem:
    """Every cell, the relations between them, and what is published.

    Cells not in `published` are structural (e.g. "did not answer"): never shown,
    LP variables, not audited. `systems` lists indexes into `sums`; each list is
    audited on its own (None: one system of every sum).
    """

    values: dict[Key, int]
    sums: list[Sum]
    published: frozenset[Key]
    systems: list[list[int]] | None = None
    forced: frozenset[Key] = frozenset()
    threshold: int = 5
    upper: int | None = None
    keep: frozenset[Key] = frozenset()  # shown cells never chosen as complements (the council's total, say)


@dataclass
class Result:
    """What to hide, and the proof.

    `ranges` holds, for every hidden cell, an interval (lo, hi) with
    hi - lo >= threshold that the cell is proven able to take: its ends are
    values the cell takes in LP solutions seen while auditing ("witnesses"), so
    it may be a sub-interval of the exact feasible range, never wider.
    """

    hidden: frozenset[Key]
    ranges: dict[Key, tuple[int, int]]
    rounds: int
    lps: int
    how: str = ""  # how the caller ran the audit, in words, for the record


class UnprotectableError(ValueError):
    """Some hidden cells cannot be given a wide enough range: the caller must not publish."""

    def __init__(self, keys: Iterable[Key]) -> None:
        self.keys = tuple(sorted(keys))
        super().__init__(f"cannot protect {len(self.keys)} hidden cells: {', '.join(self.keys[:20])}")


@dataclass
class _Index:
    """The problem checked, with sums in a canonical order (so input order cannot change the answer)."""

    problem: Problem
    sums: list[Sum]
    of_cell: dict[Key, list[int]]  # cell -> indexes of the sums it is in
    systems: list[list[int]]
    upper: int


def _index(problem: Problem) -> _Index:
    _check(problem)
    order = sorted(range(len(problem.sums)), key=lambda i: _sum_order(problem.sums[i]))
    moved = {old: new for new, old in enumerate(order)}
    sums = [problem.sums[i] for i in order]
    of_cell: dict[Key, list[int]] = defaultdict(list)
    for i, s in enumerate(sums):
        for k in s.cells():
            of_cell[k].append(i)
    if problem.systems is None:
        systems = [list(range(len(sums)))]
    else:
        systems = sorted(sorted({moved[i] for i in system}) for system in problem.systems)
    upper = max(problem.values.values(), default=0) if problem.upper is None else problem.upper
    return _Index(problem, sums, dict(of_cell), systems, upper)


def _known_zero(ix: _Index, hidden: set[Key]) -> set[Key]:
    """Hidden and structural cells that must be 0 because a shown total they add up to is 0."""
    p = ix.problem
    totals: dict[Key, list[int]] = defaultdict(list)
    for i, s in enumerate(ix.sums):
        totals[s.total].append(i)
    queue = [i for i, s in enumerate(ix.sums)
             if s.total in p.published and s.total not in hidden and p.values[s.total] == 0]
    zero: set[Key] = set()
    while queue:
        for k in ix.sums[queue.pop()].parts:
            if k not in zero:
                zero.add(k)  # visible ones too: hiding them later would hide nothing
                queue.extend(totals.get(k, ()))
    return zero


def _sum_order(s: Sum) -> tuple[Key, tuple[Key, ...]]:
    return (s.total, tuple(sorted(s.parts)))


def _check(p: Problem) -> None:
    """Reject inputs that would make the proof meaningless: a bug in the caller must show up here."""
    bad = [k for k, v in p.values.items() if not isinstance(v, int) or v < 0]
    if bad:
        raise ValueError(f"values must be non-negative ints: {sorted(bad)[:10]}")
    if not p.published <= p.values.keys() or not p.forced <= p.published:
        raise ValueError("published cells must have values, and forced cells must be published")
    if p.threshold < 1 or (p.upper is not None and p.upper < max(p.values.values(), default=0)):
        raise ValueError("threshold must be >= 1 and upper at least every value")
    for s in p.sums:
        cells = s.cells()
        if len(set(cells)) != len(cells) or not set(cells) <= p.values.keys():
            raise ValueError(f"a sum's cells must be distinct known cells: {s}")
        if p.values[s.total] != sum(p.values[k] for k in s.parts):
            raise ValueError(f"the values do not satisfy {s}")
    if p.systems is not None and any(not 0 <= i < len(p.sums) for sy in p.systems for i in sy):
        raise ValueError("systems must index into sums")


def protect(problem: Problem) -> Result:
    """Choose the published cells to hide, and prove every hidden cell's range is >= threshold wide.

    Hides the forced cells and the primary ones (0 < value < threshold), then
    complements: first where a sum gives one hidden cell away as a difference,
    then, round after round, wherever the LP audit finds a range too narrow (see _Repair).
    Raises UnprotectableError if a round finds narrow ranges and can hide nothing more.
    """
    ix = _index(problem)
    p = problem
    hidden = set(p.forced) | {k for k in p.published if 0 < p.values[k] < p.threshold}
    _quick_secondary(ix, hidden, range(len(ix.sums)))
    audit = _Audit(ix)
    rounds = 0
    while True:
        rounds += 1
        failing = audit.run(hidden)
        if not failing:
            return Result(frozenset(hidden), audit.ranges(hidden), rounds, audit.lps)
        added, stuck = audit.repair(hidden, failing)
        if not added:
            raise UnprotectableError(stuck)
        _quick_secondary(ix, hidden, (i for k in added for i in ix.of_cell[k]))


def _quick_secondary(ix: _Index, hidden: set[Key], todo: Iterable[int]) -> None:
    zero = _known_zero(ix, hidden)
    _quick_rounds(ix, hidden, todo, zero)


def _quick_rounds(ix: _Index, hidden: set[Key], todo: Iterable[int], zero: set[Key]) -> None:
    """Hide more cells where a sum of published cells gives hidden ones away, before any LP:
    one hidden cell is the difference of the others; hidden parts (total visible) add up
    to their known difference, so if that is under threshold none can range wider. Cheap,
    and it settles most cases that the audit would otherwise find one round at a time."""
    queue = sorted(set(todo))  # a heap of sum indexes: sums are looked at in canonical order
    queued = set(queue)
    while queue:
        i = heapq.heappop(queue)
        queued.discard(i)
        pick = _quick_pick(ix.problem, ix.sums[i], hidden, zero)
        if pick is None:
            continue
        hidden.add(pick)
        for j in ix.of_cell[pick]:
            if j not in queued:
                queued.add(j)
                heapq.heappush(queue, j)


def _quick_pick(p: Problem, s: Sum, hidden: set[Key], zero: set[Key]) -> Key | None:
    """The cell a sum needs hidden (the smallest visible non-zero part, else a visible zero
    part, else the total), or None if it gives nothing away on its own. Cells a shown zero
    total pins at zero are never picked, nor counted as secrets: hiding them hides nothing."""
    if not all(k in p.published for k in s.cells()):
        return None  # a structural unknown in the sum: it hides the difference
    secret = [k for k in s.cells() if k in hidden and k not in zero]
    visible = [k for k in s.parts if k not in hidden and k not in zero and k not in p.keep]
    nonzero = [k for k in visible if p.values[k] > 0]
    if len(secret) == 1:
        zeros = sorted(set(visible) - set(nonzero))
    elif secret and s.total not in hidden and sum(p.values[k] for k in secret) < p.threshold:
        zeros = []  # hiding a zero would not add to the difference
    else:
        return None
    if nonzero:
        return min(nonzero, key=lambda k: (p.values[k], k))
    if zeros:
        return zeros[0]
    return s.total if s.total not in hidden and s.total not in zero and s.total not in p.keep else None


class _Component:
    """One connected block of an LP system: its variables, equality rows and solver."""

    def __init__(self, ix: _Index, rows: list[int], keys: list[Key], is_var: Callable[[Key], bool]) -> None:
        values = ix.problem.values
        self.keys = tuple(keys)
        self.audited: list[Key] = []  # the hidden published cells among keys, set by _Audit.run
        self.pos = {k: j for j, k in enumerate(keys)}
        self.upper = ix.upper
        data: list[float] = []
        row_of: list[int] = []
        col_of: list[int] = []
        rhs: list[float] = []
        for r, i in enumerate(rows):
            s = ix.sums[i]
            b = 0  # total - parts == 0, with the known cells moved to the right-hand side
            for k, sign in ((s.total, 1), *((k, -1) for k in s.parts)):
                if is_var(k):
                    data.append(sign)
                    row_of.append(r)
                    col_of.append(self.pos[k])
                else:
                    b -= sign * values[k]
            rhs.append(b)
        self.a = csr_matrix((data, (row_of, col_of)), shape=(len(rows), len(keys)))
        self.b = np.array(rhs, dtype=float)
        self._highs: highspy.Highs | None = None

    def solve(self, c: np.ndarray) -> np.ndarray:
        """min c @ x over the component. One HiGHS model per component, kept between solves: only the
        objective changes, so each solve starts from the last basis (about ten times faster than
        building the LP afresh, as scipy's linprog does, on the audit's many small objectives)."""
        if self._highs is None:
            self._highs = _model(self.a, self.b, float(self.upper))
        highs = self._highs
        highs.changeColsCost(len(c), np.arange(len(c), dtype=np.int32), np.asarray(c, dtype=float))
        highs.run()
        if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            # the true values are feasible and the box is bounded: this should not happen
            raise RuntimeError(f"LP failed ({highs.modelStatusToString(highs.getModelStatus())}) "
                               f"on a component of {len(self.keys)} cells")
        return np.asarray(highs.getSolution().col_value)


def _model(a: csr_matrix, b: np.ndarray, upper: float) -> highspy.Highs:
    """A HiGHS model of a @ x == b, 0 <= x <= upper, to be solved for many objectives."""
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = a.shape[1], a.shape[0]
    lp.col_cost_ = np.zeros(a.shape[1])
    lp.col_lower_ = np.zeros(a.shape[1])
    lp.col_upper_ = np.full(a.shape[1], upper)
    lp.row_lower_ = lp.row_upper_ = b
    csc = a.tocsc()
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = csc.indptr
    lp.a_matrix_.index_ = csc.indices
    lp.a_matrix_.value_ = csc.data.astype(float)
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("presolve", "off")  # the same model is solved again and again from the last basis
    # Only the objective changes between solves, so the last basis stays primal feasible: primal simplex
    # goes on from it (about ten times faster than dual simplex on the demo's joined LP of 12,649 cells).
    highs.setOptionValue("simplex_strategy", 4)
    highs.passModel(lp)
    return highs


def _lp(c: np.ndarray, a: csr_matrix, b: np.ndarray, bounds: tuple[float, float] | np.ndarray) -> OptimizeResult:
    """min c @ x with a @ x == b. HiGHS's presolve costs more than it saves on these small,
    already tight LPs (about a quarter of the time in benchmarks/audit.py)."""
    return _linprog(c, A_eq=a, b_eq=b, bounds=bounds, method="highs", options={"presolve": False})


_linprog: Callable[..., OptimizeResult] = linprog  # scipy-stubs know no sparse A_eq nor array bounds


def _components(ix: _Index, sum_ids: Iterable[int], is_var: Callable[[Key], bool]) -> list[_Component]:
    """Split a system into blocks that share no variable: smaller LPs, solved separately."""
    parent: dict[Key, Key] = {}

    def find(k: Key) -> Key:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    rows: list[tuple[int, Key]] = []
    for i in sum_ids:
        unknown = [k for k in ix.sums[i].cells() if is_var(k)]
        if not unknown:
            continue  # every cell known: _check has verified the values satisfy it
        for k in unknown:
            parent.setdefault(k, k)
        root = find(unknown[0])
        for k in unknown[1:]:
            other = find(k)
            if other != root:
                parent[other] = root
        rows.append((i, unknown[0]))
    keys: dict[Key, list[Key]] = defaultdict(list)
    for k in sorted(parent):
        keys[find(k)].append(k)
    block_rows: dict[Key, list[int]] = defaultdict(list)
    for i, k in rows:
        block_rows[find(k)].append(i)
    return [_Component(ix, block_rows[root], ks, is_var) for root, ks in keys.items()]


def _inward(lo: float, hi: float) -> tuple[int, int]:
    return math.ceil(lo - _TOL), math.floor(hi + _TOL)


class _Audit:
    """Ranges of hidden cells per system, kept as witnesses across rounds.

    A witness is the least and greatest value a cell took in any LP solution of
    a system (starting from the true value). Hiding more only enlarges the
    feasible set, so witnesses stay valid from one round to the next, and a cell
    once proven wide is never solved for again.
    """

    def __init__(self, ix: _Index) -> None:
        self.ix = ix
        self.threshold = ix.problem.threshold
        self.seen: list[dict[Key, list[float]]] = [{} for _ in ix.systems]  # per system: key -> [lo, hi]
        self.lps = 0
        self.rng = np.random.default_rng(_SEED)
        # (system, key, side) -> the component's cells when that end was solved for exactly
        self.exact: dict[tuple[int, Key, int], tuple[Key, ...]] = {}
        self.where: dict[Key, list[tuple[int, _Component]]] = {}
        self.repairer = _Repair(ix)
        self.zero: set[Key] = set()

    def run(self, hidden: set[Key]) -> list[Key]:
        """One round: witness every hidden cell in every system; return those proven too narrow."""
        p = self.ix.problem
        self.where = defaultdict(list)
        self.zero = zero = _known_zero(self.ix, hidden)
        for s, system in enumerate(self.ix.systems):
            for comp in _components(self.ix, system, lambda k: (k in hidden or k not in p.published) and k not in zero):
                audited = [k for k in comp.keys if k in hidden]
                comp.audited = audited
                for k in audited:
                    self.where[k].append((s, comp))
                    self.seen[s].setdefault(k, [float(p.values[k])] * 2)
                self._witness(s, comp)
        return [k for k in sorted(hidden) if k not in zero and not self._settle(k)]

    def ranges(self, hidden: set[Key]) -> dict[Key, tuple[int, int]]:
        """Every hidden cell's proven range; (0, 0) for a cell a shown zero total pins (see above)."""
        return {k: (0, 0) if k in self.zero else self._range(k) for k in sorted(hidden)}

    def _range(self, key: Key) -> tuple[int, int]:
        """The intersection over the key's systems: each system alone is a relaxation."""
        if not self.where.get(key):
            return 0, self.ix.upper  # in no sum of any system: only the bounds hold it
        ends = [_inward(*self.seen[s][key]) for s, _ in self.where[key]]
        return max(lo for lo, _ in ends), min(hi for _, hi in ends)

    def _wide(self, s: int, key: Key) -> bool:
        lo, hi = _inward(*self.seen[s][key])
        return hi - lo >= self.threshold

    def _witness(self, s: int, comp: _Component) -> None:
        """Widen witnesses cheaply, before _settle solves for single ends: min and max of the sum of
        unproven cells; then, while each LP proves several cells, push up (or down) a set of unproven
        cells no two of which share a sum, so they do not compete for the same people (a hidden
        team's row, say, one cell per question: a handful of LPs prove a whole row)."""
        todo = [k for k in comp.audited if not self._wide(s, k)]
        tries = 0
        while todo and tries < _RANDOM_LPS + 2:
            c = np.zeros(len(comp.keys))
            if tries < 2:
                c[[comp.pos[k] for k in todo]] = (1.0, -1.0)[tries]
            else:
                up = tries % 2 == 0
                for k in self._apart(todo, self.rng.permutation(len(todo)), up, s):
                    c[comp.pos[k]] = -1.0 if up else 1.0
            self._solve(s, comp, c)
            left = [k for k in todo if not self._wide(s, k)]
            if tries >= 3 and len(todo) - len(left) < 2:
                return  # from here, one LP per end of a cell proves as much
            todo, tries = left, tries + 1

    def _apart(self, todo: list[Key], order: np.ndarray, up: bool, s: int) -> list[Key]:
        """Unproven cells, in the given order, that share no sum with one already taken: pushed the
        same way together, none takes the room another needs. Up for cells still near their lowest
        witness, down for those near their highest."""
        taken: list[Key] = []
        used: set[int] = set()
        for j in order:
            k = todo[j]
            lo, hi = self.seen[s][k]
            value = self.ix.problem.values[k]
            if (up and hi - value >= self.threshold) or (not up and value - lo >= self.threshold):
                continue  # this end already reaches far enough
            sums = self.ix.of_cell.get(k, ())
            if any(i in used for i in sums):
                continue
            used.update(sums)
            taken.append(k)
        return taken

    def _solve(self, s: int, comp: _Component, c: np.ndarray) -> None:
        x = comp.solve(c)
        self.lps += 1
        self._saw(s, {k: float(x[comp.pos[k]]) for k in comp.audited})

    def _saw(self, s: int, point: Mapping[Key, float]) -> None:
        """Widen system s's witnesses with a feasible point of it."""
        seen = self.seen[s]
        for k, v in point.items():
            ends = seen[k]
            if v < ends[0]:
                ends[0] = v
            elif v > ends[1]:
                ends[1] = v

    def _exact(self, s: int, comp: _Component, key: Key, side: int) -> None:
        """Push one end of one cell's range as far as it goes in system s (updating every witness)."""
        c = np.zeros(len(comp.keys))
        c[comp.pos[key]] = -side  # linprog minimises
        self._solve(s, comp, c)
        self.exact[(s, key, side)] = comp.keys

    def repair(self, hidden: set[Key], failing: list[Key]) -> tuple[set[Key], list[Key]]:
        """Hide the cheapest cells that let each failing cell reach threshold beyond one end
        of its range (see _Repair); cells hidden for one may already free the next."""
        added: set[Key] = set()
        stuck: list[Key] = []
        p = self.ix.problem
        self.repairer.zero = self.zero
        for k in failing:
            found = self._plan(hidden, k)
            if found is None:
                stuck.append(k)
                continue
            plan, points = found
            hidden |= plan
            added |= plan
            for s, point in points:  # each is a feasible point of system s now that plan is hidden
                for c in point:
                    self.seen[s].setdefault(c, [float(p.values[c])] * 2)
                self._saw(s, point)
        self.lps += self.repairer.lps
        self.repairer.lps = 0
        return added, stuck

    def _plan(self, hidden: set[Key], key: Key) -> tuple[set[Key], list[tuple[int, dict[Key, float]]]] | None:
        """Cells to hide so the key can reach threshold above its lowest value, else below its
        highest, else both ways from a value in between (when hiding more lowers the bottom
        too), in every system; with the points that show it. None if nothing can."""
        ends = {s: _inward(*self.seen[s][key]) for s, _ in self.where.get(key, [])}
        if not ends:
            return None  # in no sum: only the bounds hold it, and they are too close
        t = self.threshold
        lo, hi = max(e[0] for e in ends.values()), min(e[1] for e in ends.values())
        tries = [[(lo + t, True)], [(hi - t, False)]]
        tries += [[(low, False), (low + t, True)] for low in range(min(lo - 1, self.ix.upper - t), max(hi - t, -1), -1)]
        for targets in tries:
            found = self._reach(hidden, key, ends, targets)
            if found is not None:
                return found
        return None

    def _reach(
        self, hidden: set[Key], key: Key, ends: dict[int, tuple[int, int]], targets: list[tuple[int, bool]]
    ) -> tuple[set[Key], list[tuple[int, dict[Key, float]]]] | None:
        plan: set[Key] = set()
        points: list[tuple[int, dict[Key, float]]] = []
        for target, up in targets:
            if not 0 <= target <= self.ix.upper:
                return None
            for s, (low, high) in sorted(ends.items()):
                if high < target if up else low > target:
                    found = self.repairer.cells_to_hide(s, hidden | plan, key, target, up)
                    if found is None:
                        return None
                    plan |= found[0]
                    points.append((s, {c: v for c, v in found[1].items() if c in hidden or c in plan}))
        return plan, points

    def _is_exact(self, s: int, comp: _Component, key: Key, side: int) -> bool:
        """Solved for exactly on this very component (the same cells make the same LP:
        hiding more in a later round only grows the component, so a match is still exact)."""
        return self.exact.get((s, key, side)) == comp.keys

    def _settle(self, key: Key) -> bool:
        """Is the intersection of the key's per-system ranges wide enough? Push the binding
        ends to their exact values until it is, or until both are exact and it is not."""
        places = self.where.get(key, [])
        if not places:
            return self.ix.upper >= self.threshold
        while True:
            ends = [(_inward(*self.seen[s][key]), s, comp) for s, comp in places]
            lo, hi = max(e[0][0] for e in ends), min(e[0][1] for e in ends)
            if hi - lo >= self.threshold:
                return True
            binding = [(s, comp, _UP) for (_, h), s, comp in ends if h == hi]
            binding += [(s, comp, _DOWN) for (low, _), s, comp in ends if low == lo]
            open_ends = [b for b in binding if not self._is_exact(b[0], b[1], key, b[2])]
            if not open_ends:
                return False
            s, comp, side = open_ends[0]
            self._exact(s, comp, key, side)


class _Repair:
    """The cheapest visible cells to hide so that a hidden cell can reach a target value.

    The attacker's LP turned round (the single-cell subproblem of Fischetti and Salazar
    that tau-ARGUS solves): every cell may move off its true value as long as every sum
    still holds; hidden and structural cells move freely, visible ones at 1 + value per
    unit (small cells are cheap to hide, big totals dear). Once the visible cells that
    moved are hidden, the moved point is feasible, so the cell's range reaches the target.
    The LP covers the sums within a few steps of the cell (cells on the edge stay put),
    growing until it is feasible or covers the whole system.
    """

    def __init__(self, ix: _Index) -> None:
        self.ix = ix
        self.members = [set(system) for system in ix.systems]
        self.lps = 0
        self.zero: set[Key] = set()  # cells pinned at 0 by a shown zero total: they cannot move

    def cells_to_hide(
        self, s: int, hidden: set[Key], key: Key, target: int, up: bool
    ) -> tuple[set[Key], dict[Key, float]] | None:
        """The cells, and the point they let system s reach (cell -> value, for cells that moved
        or may move), or None if the key cannot reach the target however much is hidden."""
        rows: set[int] = set()
        seen = frontier = {key}
        step = _REACH
        while True:
            for _ in range(step):
                ring = {i for c in frontier for i in self.ix.of_cell.get(c, ()) if i in self.members[s]} - rows
                rows |= ring
                frontier = {c for i in ring for c in self.ix.sums[i].cells()} - seen
                seen = seen | frontier
            found = self._solve(s, sorted(rows), hidden, key, target, up)
            if found is not None or not frontier:
                return found
            step *= 2

    def _solve(
        self, s: int, rows: list[int], hidden: set[Key], key: Key, target: int, up: bool
    ) -> tuple[set[Key], dict[Key, float]] | None:
        p, ix = self.ix.problem, self.ix
        cells = sorted({c for i in rows for c in ix.sums[i].cells()})
        pos = {c: j for j, c in enumerate(cells)}
        inside = set(rows)
        at = [(r, pos[c], sign) for r, i in enumerate(rows) for c, sign in _signed(ix.sums[i])]
        r_, c_, v_ = zip(*at, strict=True)
        m = csr_matrix((v_, (r_, c_)), shape=(len(rows), len(cells))).tocsc()
        a = np.array([p.values[c] for c in cells], dtype=float)
        edge = np.array([any(i in self.members[s] and i not in inside for i in ix.of_cell[c])
                         or (c in p.keep and c not in hidden) for c in cells])
        free = np.array([(c in hidden or c not in p.published) and c not in self.zero for c in cells]) & ~edge
        shown = np.flatnonzero(~free & ~edge)
        low, high = np.where(free, -a, 0.0), np.where(free, ix.upper - a, 0.0)
        if up:
            low[pos[key]] = target - a[pos[key]]
        else:
            high[pos[key]] = target - a[pos[key]]
        cost = np.concatenate([np.zeros(len(cells)), 1 + a[shown], 1 + a[shown]])
        bounds = np.concatenate(
            [
                np.stack([low, high], 1),
                np.stack([0 * a[shown], ix.upper - a[shown]], 1),
                np.stack([0 * a[shown], a[shown]], 1),
            ]
        )
        matrix = hstack([m, m[:, shown], -m[:, shown]], format="csc")
        res = _lp(cost, matrix, np.zeros(len(rows)), bounds)
        self.lps += 1
        if res.status == 2:
            return None  # not even hiding every cell near it would let it move that far
        if res.status != 0:
            raise RuntimeError(f"repair LP failed: {res.message}")
        n = len(cells)
        x = a + res.x[:n]
        x[shown] += res.x[n : n + len(shown)] - res.x[n + len(shown) :]
        moved = {cells[j] for j in shown if abs(x[j] - a[j]) > _TOL}
        return moved, {cells[j]: float(x[j]) for j in np.flatnonzero(free)} | {c: float(x[pos[c]]) for c in moved}


def _signed(s: Sum) -> Iterable[tuple[Key, int]]:
    """A sum as an equality row: total - parts == 0."""
    yield s.total, 1
    for k in s.parts:
        yield k, -1


def feasible_ranges(
    problem: Problem, hidden: Iterable[Key], keys: Iterable[Key] | None = None
) -> dict[Key, tuple[int, int]]:
    """EXACT (lo, hi) for each key (default: every hidden published cell): the smallest and
    largest value consistent with every published (non-hidden) cell and every Sum, over all
    systems at once (ONE LP over all sums, not per system: this is the attacker's view, used
    by tests). Values are reals >= 0 and <= upper; lo rounded up, hi rounded down (with a
    1e-6 tolerance)."""
    ix = _index(problem)
    p = problem
    secret = set(hidden)
    if not secret <= p.values.keys():
        raise ValueError(f"unknown hidden cells: {sorted(secret - p.values.keys())[:10]}")
    targets = sorted(secret & p.published) if keys is None else list(keys)

    zero = _known_zero(ix, secret)

    def is_var(k: Key) -> bool:
        return (k in secret or k not in p.published) and k not in zero

    block = {k: comp for comp in _components(ix, range(len(ix.sums)), is_var) for k in comp.keys}
    out: dict[Key, tuple[int, int]] = {}
    for k in targets:
        if k in zero:
            out[k] = (0, 0)
        elif not is_var(k):
            out[k] = (p.values[k], p.values[k])
        elif k not in block:
            out[k] = (0, ix.upper)
        else:
            comp = block[k]
            c = np.zeros(len(comp.keys))
            c[comp.pos[k]] = 1.0
            lo = float(comp.solve(c)[comp.pos[k]])
            hi = float(comp.solve(-c)[comp.pos[k]])
            out[k] = _inward(lo, hi)
    return out


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
