"""Issue 22: the disclosures the flagger's rules missed and the idioms it flagged, as the issue quotes them."""

import pytest

from analysis.safeguarding import SafeguardingFlagger


@pytest.fixture(scope="module")
def rules():
    return SafeguardingFlagger().fit()


@pytest.mark.parametrize(("text", "kind"), [
    ("I am worried that a child on my caseload is not being seen often enough and I fear something will happen.",
     "child_at_risk"),
    ("A six-year-old was found home alone on a visit.", "child_at_risk"),
    ("The case was closed against my fears and the children are still there.", "child_at_risk"),
    ("The pre-birth assessment has been unallocated for months.", "child_at_risk"),
    ("I wrote a note last month. I'm still here, but only just.", "self_harm"),
    ("I'm being followed home by a dad from one of my cases.", "threat_to_staff"),
])
def test_indirect_disclosures_are_flagged_by_the_rules(rules, text, kind):
    assert rules.flag(text) == kind


@pytest.mark.parametrize("text", [
    "The duty phone at 4pm on a Friday is a suicide mission.",
    "My inbox is a crime scene.",
    "The office on a Monday is a war zone.",
])
def test_idioms_are_not_flagged(rules, text):
    assert rules.flag(text) is None
