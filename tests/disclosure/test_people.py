"""The group audit: no combination of shown groups, now and before, counts 1 to 4 people.

Checked against an oracle that works the other way round: a set S of people types is singled out by
some combination exactly when removing S's columns lowers the rank of the membership matrix.
"""

from __future__ import annotations

import random
from itertools import combinations

import numpy as np
import pytest

from surveyapp.disclosure import people


def members(prefix: str, n: int) -> frozenset[str]:
    return frozenset(f"{prefix}{i}" for i in range(n))


def singled_out(groups: list[frozenset[str]], threshold: int = 5) -> list[frozenset[str]]:
    """Every set of people (as types) of 1 to threshold-1 in all that some combination counts alone."""
    everyone = sorted(set().union(*groups))
    signature: dict[tuple[int, ...], list[str]] = {}
    for p in everyone:
        signature.setdefault(tuple(i for i, g in enumerate(groups) if p in g), []).append(p)
    keys = list(signature)
    matrix = np.array([[1.0 if i in k else 0.0 for k in keys] for i in range(len(groups))])
    full = np.linalg.matrix_rank(matrix)
    found = []
    small = [j for j, k in enumerate(keys) if len(signature[k]) < threshold]
    for size in range(1, threshold):
        for chosen in combinations(small, size):
            weight = sum(len(signature[keys[j]]) for j in chosen)
            rest = [j for j in range(len(keys)) if j not in chosen]
            if weight < threshold and np.linalg.matrix_rank(matrix[:, rest]) < full:
                found.append(frozenset(p for j in chosen for p in signature[keys[j]]))
    return found


RANK = {"all": 0}


def rank_of(name: str) -> int:
    return 0 if name == "all" else 1 if name.startswith("area") else 2


def test_an_area_less_its_teams_hides_one_team_not_the_area():
    north, south, tiny = members("n", 8), members("s", 7), members("t", 1)
    groups = {"all": north | south | tiny, "area:1": north | south | tiny, "team:1": north, "team:2": south}
    assert people.small_set(groups) is not None
    closed = people.close(groups, {g: rank_of(g) for g in groups}, keep=frozenset({"all"}))
    assert closed in ({"team:2"}, {"team:1"}), closed
    assert singled_out([m for g, m in groups.items() if g not in closed]) == []


def test_a_one_team_area_of_three_hides_an_area_and_a_team_not_every_small_team():
    """Six areas; the sixth is one team of 3. The council less the other five is those 3. An area here is
    the sum of its shown teams, so one area and one of its teams end it; the smallest team of each area
    does not."""
    groups: dict[str, frozenset[str]] = {}
    everyone: set[str] = set()
    for a in range(5):
        area: set[str] = set()
        for t, size in enumerate((9, 6, 5)):
            team = members(f"a{a}t{t}-", size)
            groups[f"team:{a}{t}"] = team
            area |= team
        groups[f"area:{a}"] = frozenset(area)
        everyone |= area
    everyone |= members("duty", 3)
    groups["all"] = frozenset(everyone)
    closed = people.close(groups, {g: rank_of(g) for g in groups}, keep=frozenset({"all"}))
    assert len(closed) == 2 and {g.split(":")[0] for g in closed} == {"area", "team"}, closed
    assert singled_out([m for g, m in groups.items() if g not in closed]) == []


def test_a_team_that_grew_by_two_since_the_last_release_is_hidden():
    north, south = members("n", 8), members("s", 9)
    then = [north, south, north | south]
    grown = north | members("new", 2)
    now = {"all": grown | south | members("late", 3), "team:1": grown, "team:2": south | members("late", 3)}
    closed = people.close(now, {g: rank_of(g) for g in now}, then, keep=frozenset({"all"}))
    assert singled_out([m for g, m in now.items() if g not in closed] + then) == []
    assert "team:1" in closed


def test_what_earlier_releases_alone_give_is_not_this_releases_to_mend():
    north, south = members("n", 8), members("s", 9)
    then = [north, north | members("x", 1)]  # published before: one person between them
    now = {"all": north | south, "team:2": south}
    assert people.close(now, {g: rank_of(g) for g in now}, then, keep=frozenset({"all"})) == set()


def test_when_only_a_kept_group_could_be_hidden_the_release_is_refused():
    then = [members("n", 8)]
    now = {"all": members("n", 8) | members("new", 2)}
    with pytest.raises(ValueError):
        people.close(now, {"all": 0}, then, keep=frozenset({"all"}))


@pytest.mark.parametrize("seed", range(12))
def test_random_councils_over_two_releases_leave_no_handful(seed):
    rng = random.Random(seed)
    groups: dict[str, frozenset[str]] = {}
    then: dict[str, frozenset[str]] = {}
    everyone: set[str] = set()
    before: set[str] = set()
    for a in range(rng.randint(2, 4)):
        area: set[str] = set()
        area_then: set[str] = set()
        for t in range(rng.randint(1, 4)):
            team = members(f"a{a}t{t}-", rng.randint(1, 14))
            earlier = frozenset(p for p in team if rng.random() < 0.8)
            if len(team) >= 5:
                groups[f"team:{a}{t}"] = team
            if len(earlier) >= 5:
                then[f"team:{a}{t}"] = earlier
            area |= team
            area_then |= earlier
        if len(area) >= 5:
            groups[f"area:{a}"] = frozenset(area)
        if len(area_then) >= 5:
            then[f"area:{a}"] = frozenset(area_then)
        everyone |= area
        before |= area_then
    groups["all"] = frozenset(everyone)
    fixed = [] if seed % 2 else [frozenset(before), *then.values()]
    try:
        closed = people.close(groups, {g: rank_of(g) for g in groups}, fixed, keep=frozenset({"all"}))
    except ValueError:
        assert any(0 < len(groups["all"] ^ f) < 5 for f in fixed) or singled_out([groups["all"], *fixed]), \
            "refused only when the council itself singles people out"
        return
    shown = [m for g, m in groups.items() if g not in closed]
    before_sets = set(map(frozenset, singled_out(list(fixed)))) if fixed else set()
    assert [s for s in singled_out(shown + list(fixed)) if s not in before_sets] == []
