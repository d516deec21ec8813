"""Property tests for the one anonymity rule (surveyapp/results/anonymity.py).

Each property is the promise in the README put as something hypothesis tries
hard to break: no small figure is shown, hidden cells are never few enough to
be worked out, and near-duplicate groups are refused.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from surveyapp.results.anonymity import (
    DifferencingGuard, Thresholds, comments_allowed, figure_allowed, group, suppress, visible_total,
)

RULE = Thresholds()
thresholds = st.builds(Thresholds, figures=st.integers(5, 12), comments=st.integers(10, 30))
tables = st.dictionaries(st.text("abcdefgh", min_size=1, max_size=2), st.integers(0, 60), min_size=1, max_size=8)


def hidden_cells(shown: dict) -> list:
    return [key for key, value in shown.items() if value is None]


@given(tables, thresholds)
def test_no_visible_cell_is_a_small_group(counts, rule):
    for value in suppress(counts, rule).values():
        assert value is None or value == 0 or value >= rule.figures


@given(tables, thresholds)
def test_visible_cells_are_the_true_counts(counts, rule):
    for key, value in suppress(counts, rule).items():
        assert value is None or value == counts[key]


@given(tables, thresholds)
def test_hidden_cells_add_up_to_nothing_or_a_whole_group(counts, rule):
    shown = suppress(counts, rule)
    if visible_total(counts, rule) is None:
        return
    hidden_total = sum(counts[key] for key in hidden_cells(shown))
    assert hidden_total == 0 or hidden_total >= rule.figures


@given(tables, thresholds)
def test_a_single_hidden_cell_never_stands_alone(counts, rule):
    # With the total shown, one hidden cell would be the total minus the rest.
    shown = suppress(counts, rule)
    if visible_total(counts, rule) is not None:
        assert len(hidden_cells(shown)) != 1


@given(tables, thresholds)
def test_a_table_of_fewer_than_the_minimum_shows_nothing(counts, rule):
    if sum(counts.values()) < rule.figures:
        assert hidden_cells(suppress(counts, rule)) == list(counts)
        assert visible_total(counts, rule) is None


small_tables = st.lists(st.integers(0, 9), min_size=2, max_size=5).map(lambda cs: dict(zip("abcde", cs)))


@settings(max_examples=300, deadline=None)
@given(small_tables)
def test_no_hidden_cell_can_be_worked_out_from_the_total_and_the_visible_cells(counts):
    """An attacker sees the visible cells and the total, and knows shown zeros mean hidden cells are not 0.

    They list every way the hidden cells could add up to what is missing (each
    at least 1, at most 9: a bound that only helps them). Each hidden cell must
    take at least two values across those.
    """
    shown = suppress(counts, RULE)
    total = visible_total(counts, RULE)
    hidden = hidden_cells(shown)
    if total is None or not hidden:
        return
    missing = total - sum(v for v in shown.values() if v is not None)
    possible: dict[str, set[int]] = {key: set() for key in hidden}
    for guess in itertools.product(range(1, 10), repeat=len(hidden)):
        if sum(guess) == missing:
            for key, value in zip(hidden, guess):
                possible[key].add(value)
    for key in hidden:
        assert len(possible[key]) >= 2, f"{key} can only be {possible[key]} in {counts}"


def test_worked_examples():
    assert suppress({"agree": 12, "disagree": 3, "neither": 6}, RULE) == {"agree": 12, "disagree": None, "neither": None}
    assert suppress({"agree": 20, "disagree": 0}, RULE) == {"agree": 20, "disagree": 0}
    assert suppress({"a": 4, "b": 4, "c": 30}, RULE) == {"a": None, "b": None, "c": 30}
    assert suppress({"a": 1, "b": 1, "c": 1, "d": 1, "e": 1, "f": 0}, RULE) == dict.fromkeys("abcdef")
    assert visible_total({"a": 1, "b": 1, "c": 1, "d": 1, "e": 1}, RULE) is None
    assert suppress({"a": 3}, RULE) == {"a": None}


@given(st.integers(-10, 4), st.integers(-10, 100))
def test_figures_threshold_cannot_go_below_5(figures, comments):
    with pytest.raises(ValueError):
        Thresholds(figures=figures, comments=comments)


@given(st.integers(5, 100), st.integers(-10, 9))
def test_comments_threshold_cannot_go_below_10(figures, comments):
    with pytest.raises(ValueError):
        Thresholds(figures=figures, comments=comments)


@given(st.integers(5, 100), st.integers(10, 100))
def test_thresholds_can_be_raised_and_are_read_from_config(figures, comments):
    rule = Thresholds.from_config({"MIN_GROUP_FOR_FIGURES": figures, "MIN_GROUP_FOR_COMMENTS": comments})
    assert (rule.figures, rule.comments) == (figures, comments)
    assert Thresholds.from_config({}) == Thresholds(5, 10)


@given(thresholds, st.integers(0, 200))
def test_figures_and_comments_need_their_group_sizes(rule, n):
    assert figure_allowed(n, rule) == (n >= rule.figures)
    assert comments_allowed(n, rule) == (n >= rule.comments)
    assert not comments_allowed(9, rule) and not figure_allowed(4, rule)


@given(st.integers(5, 500), st.integers(0, 60))
def test_differencing_refused_for_1_to_4_allowed_for_0_or_5_and_more(size, gap):
    guard = DifferencingGuard(RULE)
    assert guard.allow(group("run 1", size + gap, team=7))
    nested = group("run 1", size, team=7, contract="permanent")
    assert guard.allow(nested) == (gap == 0 or gap >= 5)


@given(st.integers(5, 500), st.integers(1, 4))
def test_differencing_applies_in_either_order_and_survives_the_session(size, gap):
    guard = DifferencingGuard(RULE)
    assert guard.allow(group("run 1", size, role="social_worker"))
    reloaded = DifferencingGuard.load(RULE, guard.dump())
    assert not reloaded.allow(group("run 1", size + gap))  # the whole run, which contains it
    assert not reloaded.allow(group("run 1", size - gap, role="social_worker", team=3))  # a part of it


@given(st.integers(5, 500), st.integers(1, 4))
def test_groups_that_do_not_contain_one_another_are_not_compared(size, gap):
    guard = DifferencingGuard(RULE)
    assert guard.allow(group("run 1", size, team=1, service_area=4))
    assert guard.allow(group("run 1", size + gap, team=2, service_area=4))  # different teams share nobody
    assert guard.allow(group("run 1", size + gap, role="social_worker"))  # no set of people to subtract
    assert guard.allow(group("run 2", size + gap))  # another year's run
    assert not guard.allow(group("run 1", size + gap, service_area=4))  # the team's own service area


def test_a_refused_group_is_not_remembered_and_bad_session_data_is_ignored():
    guard = DifferencingGuard(RULE)
    assert guard.allow(group("r", 20))
    assert not guard.allow(group("r", 17, team=1))
    assert guard.allow(group("r", 14, team=1, role="x"))  # 17 was never shown, so 14 vs 17 is no issue
    assert len(DifferencingGuard.load(RULE, [["r", [], "many"], "junk", ["r", [["team", 1]], 9]]).seen) == 1
