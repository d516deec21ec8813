"""The cell key method: a small, consistent noise on every count of answers.

Used by the ONS for Census 2021 and by the ABS TableBuilder against differencing; here also against
the one disclosure a group of five or more can still make on its own: when everyone in it gave the same
answer ("5 of 5 likely to stay" tells each of the five), or everyone but the reader.

Each count of answers is moved by -2 to +2 (mostly 0: see P_TABLE), never below 0 and never above the
number of people who answered. The move is drawn from a *cell key*: a hash of a secret kept with the
run's releases (the salt), the figure's measure, and the exact set of people in its group. So:
- the same people, asked the same thing, get the same move on every page, export and report, and in
  every release: asking again, or through another table, averages nothing away;
- a group of other people (a newcomer, one person fewer) gets a move that says nothing of the first's;
- nobody can replay it: the salt is random and never leaves the database.

A shown "5 of 5" may be four, a shown 0 may be one or two: no count proves that everyone, or nobody,
gave an answer, even to a reader who knows their own answer (the move reaches 2 either way). Group
sizes and the numbers who answered a question are exact (they count people, not answers).

What noise does not do, the group audit does (`people.py`, `audit.membership_conflicts`): no set of 1 to
4 people is left to subtraction, whatever the noise.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterable, Mapping

# (offset, cumulative probability) by true value: 0 and 1 cannot move below 0.
P_TABLE: dict[int, tuple[tuple[int, float], ...]] = {
    0: ((0, 0.70), (1, 0.95), (2, 1.0)),
    1: ((-1, 0.20), (0, 0.75), (1, 0.95), (2, 1.0)),
}
P_TABLE_REST: tuple[tuple[int, float], ...] = ((-2, 0.05), (-1, 0.25), (0, 0.75), (1, 0.95), (2, 1.0))
MOST = 2  # the largest move either way


def new_salt() -> str:
    return secrets.token_hex(32)


def group_digest(members: Iterable[str]) -> bytes:
    return hashlib.blake2b("\n".join(sorted(members)).encode(), digest_size=16).digest()


def uniform(salt: str, group: bytes, measure: str) -> float:
    digest = hashlib.blake2b(key=bytes.fromhex(salt)[:64], digest_size=8, person=b"cellkey1")
    digest.update(measure.encode() + b"\0" + group)
    return int.from_bytes(digest.digest(), "big") / 2**64


def move(value: int, u: float) -> int:
    for offset, upto in P_TABLE.get(value, P_TABLE_REST):
        if u < upto:
            return offset
    return 0  # pragma: no cover - the last cumulative probability is 1.0


def perturb(values: Mapping[str, int], keys: Iterable[str], salt: str, members_of: Callable[[str], bytes],
            upper: Callable[[str], int | None], measure_of: Callable[[str], str] | None = None) -> dict[str, int]:
    """The shown value of each key: value + move, kept within 0 and the key's upper bound.

    `members_of(key)` is the digest of the set of people the figure counts in (its group), and its
    measure is `measure_of(key)` (by default the part of the key before "@")."""
    shown: dict[str, int] = {}
    for key in keys:
        measure = measure_of(key) if measure_of else key.partition("@")[0]
        value = values[key]
        moved = value + move(value, uniform(salt, members_of(key), measure))
        top = upper(key)
        shown[key] = max(0, moved if top is None else min(moved, top))
    return shown
