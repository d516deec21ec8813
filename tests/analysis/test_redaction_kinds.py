"""Each kind of identifier the redactor knows, and the look-alikes it must leave alone."""

import pytest

from analysis.clean import REDACTION_KINDS, Redactor

STAFF = ["Sarah Okonkwo-Hale", "Deborah Lindqvist", "Zoë Baptiste", "Siân Pritchard", "Kate Mary Bryce",
         "William Ashworth", "Jonathan Hope", "Bartholomew Young", "Elizabeth Ward", "Anna-Maria Kowalczyk",
         "Siobhan McAllister", "Claire Price", "Ellen Marsh", "Karen Fairbrother", "Agnieszka Wiśniewska"]


@pytest.fixture(scope="module")
def redactor():
    return Redactor(staff_names=STAFF).fit([])


def redacted(redactor, text):
    return redactor.transform([text])[0]


def gone(redactor, text, secret):
    out = redacted(redactor, text)
    return secret not in out, out


@pytest.mark.parametrize(("text", "secret"), [
    ("Saz covers my duty days.", "Saz"),  # British -z form, not in the nicknames package
    ("Sal is the glue in this team.", "Sal"),
    ("Debs never cancels supervision.", "Debs"),
    ("Debbie L listens.", "Debbie"),
    ("I told Bill Ashworth twice.", "Bill"),
    ("will ashworth never replies.", "will"),
    ("Lizzie in the hub knows.", "Lizzie"),
    ("Kaz does the rota.", "Kaz"),
])
def test_short_forms_of_staff_names_are_redacted(redactor, text, secret):
    ok, out = gone(redactor, text, secret)
    assert ok, out


@pytest.mark.parametrize(("text", "secret"), [
    ("Zoe sorted my TOIL.", "Zoe"),
    ("Sian is worn out.", "Sian"),
    ("Ms Wisniewska has no DBS yet.", "Wisniewska"),
    ("Zoë Baptiste sorted it.", "Zoë"),
])
def test_names_match_with_or_without_accents(redactor, text, secret):
    ok, out = gone(redactor, text, secret)
    assert ok, out


@pytest.mark.parametrize(("text", "secret"), [
    ("Siobahn has too many students.", "Siobahn"),  # two letters swapped
    ("McAlister is brilliant.", "McAlister"),  # one dropped
    ("Fairbrothers team is short.", "Fairbrothers"),  # one added
])
def test_one_letter_typos_of_long_staff_names_are_redacted(redactor, text, secret):
    ok, out = gone(redactor, text, secret)
    assert ok, out


def test_typo_tolerance_does_not_touch_ordinary_words(redactor):
    texts = ["Since March the rota changed.", "The marsh near the office floods.", "Our manager is fair.",
             "Prices went up.", "The younger workers left."]
    assert redactor.transform(texts) == texts


@pytest.mark.parametrize(("text", "secret"), [
    ("KMB said nobody gets TOIL.", "KMB"),
    ("I raised it with K.F. twice.", "K.F."),
    ("Since AMK took over it works.", "AMK"),
])
def test_staff_initials_are_redacted(redactor, text, secret):
    out = redacted(redactor, text)
    assert secret not in out and "[INITIALS]" in out, out


def test_initials_that_are_acronyms_are_kept(redactor):
    # Claire Price is "CP", but CP is child protection; HR and IT are never initials here.
    texts = ["CP conferences are rushed.", "HR and IT take weeks.", "My TM is fair."]
    assert redactor.transform(texts) == texts


@pytest.mark.parametrize(("text", "secret"), [
    ("Annamaria is the best TM.", "Annamaria"),
    ("AnnaMaria is the best TM.", "AnnaMaria"),
    ("Anna-Maria is the best TM.", "Anna-Maria"),
])
def test_two_first_names_together_are_redacted(redactor, text, secret):
    ok, out = gone(redactor, text, secret)
    assert ok, out


@pytest.mark.parametrize(("text", "expected"), [
    ("Jonathan Hope turned the team round.", "[NAME] turned the team round."),
    ("Ward said caseloads would fall.", "[NAME] said caseloads would fall."),
    ("Thornbury's team, and Young's.", "Thornbury's team, and [NAME]'s."),
    ("Bill A signs everything off.", "[NAME] A signs everything off."),
])
def test_staff_names_that_are_words_are_redacted_where_they_read_as_names(redactor, expected, text):
    assert redacted(redactor, text) == expected


@pytest.mark.parametrize("text", [
    "I hope things get better by May.", "Will anyone read this?", "Young people deserve better.",
    "Grace periods would help.", "The ward staff were helpful.", "Hope Street children's centre closed.",
    "Bill the overtime properly.", "Mark my words.",
])
def test_staff_names_that_are_words_are_kept_where_they_are_words(redactor, text):
    assert redacted(redactor, text) == text


@pytest.mark.parametrize(("text", "kind"), [
    ("Follow @sazzle_sw for the truth.", "handle"),
    ("Email jo.bloggs@kent.gov.uk now.", "email"),
    ("Write to jo dot bloggs at kent dot gov dot uk please.", "email"),
    ("My DOB is 14/02/1986 and I'm still here.", "date_of_birth"),
    ("D.O.B. 21.07.2011, waiting eight months.", "date_of_birth"),
    ("She was born on the 3rd of March 2019.", "date_of_birth"),
    ("He was born 9 Sept 2015 and is in care.", "date_of_birth"),
    ("Date of birth: August 12, 1993.", "date_of_birth"),
    ("The family at 14 Carnforth Road want a new worker.", "address"),
    ("Flat 3, 27 Meadowbank Crescent was visited.", "address"),
    ("she lives at 8 orchard close with her nan.", "address"),
    ("Visits to CT11 9PL should be in pairs.", "postcode"),
    ("my postcode me15 6rt was on the printer", "postcode"),
])
def test_shaped_identifiers_are_redacted(redactor, text, kind):
    out = redactor.transform([text])[0]
    assert f"[{kind.upper()}]" in out, out
    assert redactor.counts_[kind] == 1


@pytest.mark.parametrize("number", [
    "07700 900123", "07700900123", "07700 900 123", "07700-900-123", "07700.900.123", "+44 7700 900123",
    "+447700900123", "+44 (0)7700 900123", "0044 7700 900123", "+44-7700-900-123", "(01632) 960 123",
    "01632 960123", "020 7946 0000", "(020) 7946 0000", "0800 123 4567", "0800 123456", "0300 041 1111",
    "0161-496-0000",
])
def test_every_uk_phone_format_is_redacted(redactor, number):
    out = redacted(redactor, f"Ring {number} after 5.")
    assert out == "Ring [PHONE] after 5.", out


@pytest.mark.parametrize("number", ["JT 48 21 93 C", "jt482193c", "JT-48-21-93-C", "J T 4 8 2 1 9 3 C", "AB 123456 C"])
def test_ni_numbers_in_any_spacing_are_redacted(redactor, number):
    out = redacted(redactor, f"My NI is {number} and payroll lost it.")
    assert out == "My NI is [CASE_NUMBER] and payroll lost it.", out


@pytest.mark.parametrize("ref", ["CP/2024/0183", "Mosaic ID 4471093", "ZW24C00512", "485 777 3456",
                                 "case no. 4471", "LCS ref: KT/24/01177"])
def test_case_and_reference_numbers_are_redacted(redactor, ref):
    out = redacted(redactor, f"See {ref} again.")
    assert "[CASE_NUMBER]" in out and not any(c.isdigit() for c in out), out


@pytest.mark.parametrize("text", [
    "I have 28 cases, 35 children and 4 in proceedings.",
    "Since 12/03/2024 the rota changed three times.",  # a date, not a birthday
    "The conference on 14 March 2025 was cancelled.",
    "The 2023/24 pay award is late.",
    "The office on Station Road has no parking.",  # a road without a house number is a place
    "The Family Court moved 2 hearings.",
    "It's a 40 minute drive between visits.",
    "We had 1,200 contacts in January.",
    "Band 10 after 6 years, 37 hours on paper and 50 in reality.",
    "The A21 and the M20 add an hour to visits.",
    "My birthday fell on a court day.",
])
def test_numbers_dates_and_places_that_identify_nobody_are_kept(redactor, text):
    assert redacted(redactor, text) == text


def test_counts_cover_every_kind(redactor):
    redactor.transform(["Saz, KMB, @x_y, DOB 1/2/1990, 3 Elm Grove, CT11 9PL, 07700 900123."])
    assert set(redactor.counts_) == set(REDACTION_KINDS)
    assert all(redactor.counts_[k] == 1 for k in ("name", "initials", "handle", "date_of_birth", "address",
                                                  "postcode", "phone"))
