"""membership_conflicts: no two shown groups, now or in an earlier release, differ by 1 to 4 people."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from surveyapp.disclosure.audit import membership_conflicts

FEW = settings(max_examples=25, deadline=None)


# --- membership_conflicts --------------------------------------------------------------------


def people(*ranges: range) -> frozenset[str]:
    return frozenset(f"p{i}" for r in ranges for i in r)


@pytest.mark.parametrize("missing", [1, 2, 3, 4])
def test_nested_groups_a_few_apart_hide_the_less_important(missing: int) -> None:
    groups = {"council": people(range(20)), "team:1": people(range(20 - missing))}
    assert membership_conflicts(groups, rank={"council": 0, "team:1": 2}) == {"team:1"}


def test_groups_five_apart_or_equal_do_not_conflict() -> None:
    groups = {"council": people(range(20)), "team:1": people(range(15)), "area:1": people(range(20))}
    assert membership_conflicts(groups) == set()


def test_overlapping_groups_with_three_between_them_hide_the_smaller() -> None:
    groups = {"a": people(range(10)), "b": people(range(8), range(10, 11))}
    assert membership_conflicts(groups) == {"b"}
    assert membership_conflicts({"a": people(range(10)), "b": people(range(1, 11))}) == {"b"}  # same size: larger key


def test_rank_comes_before_size() -> None:
    groups = {"team:1": people(range(20)), "area:1": people(range(18))}
    assert membership_conflicts(groups, rank={"area:1": 1, "team:1": 2}) == {"team:1"}


def test_a_hidden_group_no_longer_conflicts() -> None:
    groups = {"a": people(range(20)), "b": people(range(17)), "c": people(range(14))}  # a-b 3, b-c 3, a-c 6
    assert membership_conflicts(groups) == {"b"}


def test_small_groups_take_no_part() -> None:
    assert membership_conflicts({"a": people(range(6)), "b": people(range(4))}) == set()


def test_groups_against_earlier_releases() -> None:
    earlier = [{"team:1": people(range(10))}]
    assert membership_conflicts({"team:1": people(range(12))}, earlier) == {"team:1"}
    assert membership_conflicts({"team:1": people(range(15))}, earlier) == set()
    assert membership_conflicts({"team:1": people(range(10))}, earlier) == set()  # the same people again
    assert membership_conflicts({"team:2": people(range(3, 11))}, earlier) == {"team:2"}  # any earlier group


@FEW
@given(
    st.dictionaries(st.sampled_from("abcdefghij"), st.frozensets(st.integers(0, 14), max_size=15), max_size=10),
    st.lists(st.frozensets(st.integers(0, 14), max_size=15), max_size=3),
    st.dictionaries(st.sampled_from("abcdefghij"), st.integers(0, 3)),
)
def test_no_two_shown_groups_differ_by_a_few(
    raw: dict[str, frozenset[int]], raw_earlier: list[frozenset[int]], rank: dict[str, int]
) -> None:
    groups = {k: frozenset(map(str, g)) for k, g in raw.items()}
    earlier = [{f"old{i}": frozenset(map(str, g)) for i, g in enumerate(raw_earlier)}]
    hidden = membership_conflicts(groups, earlier, rank=rank)
    shown = [g for k, g in groups.items() if k not in hidden and len(g) >= 5]

    def close(a: frozenset[str], b: frozenset[str]) -> bool:
        return 0 < len(a ^ b) < 5

    assert hidden <= {k for k, g in groups.items() if len(g) >= 5}
    assert not any(close(a, b) for i, a in enumerate(shown) for b in shown[i + 1 :])
    assert not any(close(a, b) for a in shown for b in earlier[0].values())
    # ... and nothing is hidden for no reason.
    for k in hidden:
        assert any(close(groups[k], g) for g in [*shown, *earlier[0].values()]), k


def test_two_thousand_groups_over_fifty_thousand_ids() -> None:
    """The size of a large council's release (its time is benchmarks/results.py's, not a test's: a timed
    test fails on a busy machine)."""
    rng = random.Random(3)
    ids = [f"r{i}" for i in range(50_000)]
    groups: dict[str, frozenset[str]] = {}
    for g in range(2_000):
        size = rng.choice([rng.randint(5, 40), rng.randint(5, 400), rng.randint(5, 20_000)])
        first = rng.randrange(50_000 - size)
        groups[f"g{g}"] = frozenset(ids[first : first + size])
    groups["g-near"] = groups["g0"] | {"extra"}
    hidden = membership_conflicts(groups)
    assert "g-near" in hidden or "g0" in hidden
