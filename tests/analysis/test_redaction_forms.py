"""Issue 22: the forms of names and numbers that leaked after moderation, each written as the comment
that leaked it. Every secret must be gone from the redacted text; look-alikes must stay."""

import pytest

from analysis.clean import Redactor

STAFF = ["Sarah Whitfield", "Grace Okafor", "William Turner", "José Álvarez", "Ellen Marsh", "Kate Mary Bryce"]


@pytest.fixture(scope="module")
def redactor():
    return Redactor(staff_names=STAFF).fit([])


@pytest.fixture(scope="module")
def no_list():
    return Redactor().fit([])


def redacted(redactor, text):
    return redactor.transform([text])[0]


@pytest.mark.parametrize(("text", "secrets"), [
    ("My manager Sarah Whitfield never does supervision.", ["Sarah", "Whitfield"]),
    ("Sarah Whitfield knows.", ["Sarah", "Whitfield"]),
    ("Whitfield knows what she did.", ["Whitfield"]),
    ("Whitfield's team gets the easy cases.", ["Whitfield"]),
    ("ask sarah about the rota, she never answers", ["sarah"]),
    ("Sarah\nWhitfield said no.", ["Sarah", "Whitfield"]),
    ("Jose Alvarez moved the goalposts.", ["Jose", "Alvarez"]),
    ("Grace and Will run the duty rota.", ["Grace", "Will"]),
    ("Sarah W said it was fine.", ["Sarah", " W "]),
])
def test_staff_names_in_the_forms_people_type_are_redacted(redactor, text, secrets):
    out = redacted(redactor, text)
    for secret in secrets:
        assert secret not in out, out


@pytest.mark.parametrize(("text", "secrets"), [
    # A name nobody put on a list: a known first name and a surname that is not an English word.
    ("My manager Sarah Whitfield never does supervision.", ["Whitfield"]),
    ("Talk to Priya Raghunathan in HR.", ["Raghunathan"]),
    ("Grace and Will run the duty rota.", ["Grace", "Will"]),
])
def test_names_on_no_list_are_redacted_whole(no_list, text, secrets):
    out = redacted(no_list, text)
    for secret in secrets:
        assert secret not in out, out


@pytest.mark.parametrize("text", [
    "My NI number is AB - 12 - 34 - 56 - C.",
    "NI AB/12/34/56/C please",
    "it's AB 12 34 56 - C",
    "AB_12_34_56_C is mine",
    "AB\u201312\u201334\u201356\u2013C on the form",
    "ab 12 34 56 / c",
])
def test_ni_numbers_in_any_spacing_are_redacted(redactor, text):
    out = redacted(redactor, text)
    assert "34" not in out and "[CASE_NUMBER]" in out, out


@pytest.mark.parametrize("text", [
    "Grace and courage is what this job needs.",
    "Will and determination get you through duty.",
    "Sarah's idea of a rota is fine by me, I'm Mr Nobody.",  # a first name is still a name: only checks no crash
])
def test_look_alikes_stay(redactor, text):
    out = redacted(redactor, text)
    if text.startswith("Sarah"):
        assert "Sarah" not in out
    else:
        assert out == text
