"""Issue 22: a comment that describes its writer by a rare characteristic is found, with the phrase marked, so the
principal social worker can hold it; ordinary comments that only look alike are not."""

import pytest

from analysis.selfdesc import find_self_descriptions


def marked(text: str) -> list[str]:
    return [text[s.start:s.end] for s in find_self_descriptions(text)]


@pytest.mark.parametrize(("text", "phrase"), [
    # the four leaks
    ("As the only male social worker in the Ashford team I get every violent dad.", "only male social worker"),
    ("Being the only Polish worker in CIN East means I translate for everyone.", "only Polish worker"),
    ("Since I came back from maternity leave in June nobody has asked how I am.", "came back from maternity leave"),
    ("My sister works in the fostering team so I hear how they treat people.", "My sister works"),
    # the same kinds in other words
    ("I'm the only agency worker left on the team and it shows.", "only agency worker"),
    ("There are only two of us in the LADO team, so we cover everything.", "only two of us"),
    ("We are a team of two in Leaving Care South.", "team of two"),
    ("Since returning from paternity leave in March I have had no supervision.", "returning from paternity leave"),
    ("After my return from sick leave in January I was given the hardest cases.", "return from sick leave"),
    ("My husband is a team manager here, so I keep my head down.", "My husband is a team manager here"),
    ("As the only black woman in the service I notice who gets promoted.", "only black woman"),
    ("I am the oldest social worker in the team by twenty years.", "oldest social worker"),
    ("As the only part-time worker in Duty West I never get a say.", "only part-time worker"),
])
def test_self_descriptions_are_marked(text, phrase):
    found = marked(text)
    assert any(phrase.lower() in f.lower() for f in found), found


@pytest.mark.parametrize("text", [
    "The only thing that would help is smaller caseloads.",
    "The only way to get a desk is to arrive at 8.",
    "Only two of the laptops work.",
    "My manager is great and listens.",
    "My sister thinks I should leave social work.",
    "Staff coming back from maternity leave need a proper return plan.",
    "We need more male social workers in the service.",
    "The team of social workers in the hub is excellent.",
    "It is the only council I have worked for that pays mileage on time.",
])
def test_look_alikes_are_not_marked(text):
    assert marked(text) == []
