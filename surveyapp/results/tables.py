"""The one anonymity rule applied to two-way tables (rows × columns of counts).

A two-way table shows row totals and column totals, so a hidden cell could be
worked out from either. Rows follow the one-way rule on their totals (a row
whose total is hidden is hidden whole) and cells follow it within each row.
Then every row and column is checked against its total until none gives a
cell away: where the hidden cells of a line add up to 1-4 people, or only one
is hidden, the smallest visible cell of that line is hidden too, and where
nothing is left to hide the line's total is hidden instead.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import TypeVar

from .anonymity import Thresholds, suppress

R = TypeVar("R", bound=Hashable)
C = TypeVar("C", bound=Hashable)
MAX_ROUNDS = 100


def suppress_table(counts: Mapping[R, Mapping[C, int]], rule: Thresholds) -> tuple[
        dict[R, dict[C, int | None]], dict[R, int | None], dict[C, int | None]]:
    """Cells, row totals and column totals of a table, with None wherever a figure must not show."""
    columns = list(dict.fromkeys(c for row in counts.values() for c in row))
    value = {(r, c): counts[r].get(c, 0) for r in counts for c in columns}
    row_totals = suppress({r: sum(counts[r].values()) for r in counts}, rule)
    hidden = {(r, c) for r in counts for c in columns if row_totals[r] is None}
    for r in counts:
        if row_totals[r] is not None:
            hidden |= {(r, c) for c, shown in suppress({c: value[r, c] for c in columns}, rule).items()
                       if shown is None}
    column_totals: dict[C, int | None] = {c: sum(value[r, c] for r in counts) for c in columns}
    lines = [(row_totals, r, [(r, c) for c in columns]) for r in counts]
    lines += [(column_totals, c, [(r, c) for r in counts]) for c in columns]
    for _ in range(MAX_ROUNDS):
        changed = False
        for totals, key, cells in lines:
            if totals[key] is None or _safe(cells, hidden, value, rule):
                continue
            changed = True
            visible = sorted((value[cell], i, cell) for i, cell in enumerate(cells)
                             if cell not in hidden and value[cell] > 0)
            if visible:
                hidden.add(visible[0][2])
            else:
                totals[key] = None
        if not changed:
            break
    shown = {r: {c: None if (r, c) in hidden else value[r, c] for c in columns} for r in counts}
    return shown, row_totals, column_totals


def _safe(cells: list[tuple[R, C]], hidden: set[tuple[R, C]], value: dict[tuple[R, C], int],
          rule: Thresholds) -> bool:
    people = [value[cell] for cell in cells if cell in hidden and value[cell]]
    # Nothing hidden, or hidden cells that add up to nobody, give nobody away.
    return not people or (len(people) >= 2 and sum(people) >= rule.figures)
