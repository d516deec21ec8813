from analysis.clean import Normaliser, Redactor, expand_abbreviations


def redact(texts, **kwargs):
    redactor = Redactor(**kwargs).fit(texts)
    return redactor.transform(texts), redactor.counts_


def test_emails_are_redacted_and_counted():
    out, counts = redact(["Email jo.bloggs@council.gov.uk or duty@example.org for help."])
    assert out == ["Email [EMAIL] or [EMAIL] for help."]
    assert counts["email"] == 2


def test_uk_phone_numbers_are_redacted():
    texts = ["Ring me on 07700 900123.", "Office: 0161 496 0000", "Call +44 7700 900456 today", "(0114) 496-0123 ext"]
    out, counts = redact(texts)
    assert all("[PHONE]" in t for t in out), out
    assert not any(ch.isdigit() for t in out for ch in t)
    assert counts["phone"] == 4


def test_case_and_reference_numbers_are_redacted():
    texts = ["The family on case no. 123456 again.", "LCS ref: AB12345 was closed", "see CP-2023-0012", "NI AB123456C"]
    out, counts = redact(texts)
    assert all("[CASE_NUMBER]" in t for t in out), out
    assert not any(ch.isdigit() for t in out for ch in t)
    assert counts["case_number"] == 4


def test_small_numbers_are_not_case_numbers():
    out, counts = redact(["I have 28 cases and 3 in court since 2023."])
    assert out == ["I have 28 cases and 3 in court since 2023."]
    assert counts["case_number"] == 0


def test_common_first_names_and_full_names_are_redacted():
    out, counts = redact(["Sarah Smith never does supervision.", "I told Michael about it.", "Ask Mrs Patel."])
    assert out == ["[NAME] never does supervision.", "I told [NAME] about it.", "Ask [NAME]."]
    assert counts["name"] == 3


def test_staff_list_names_are_redacted_even_when_unusual():
    out, counts = redact(["Zebedee Quill is a great manager, Quill listens."], staff_names=["Zebedee Quill"])
    assert "Zebedee" not in out[0] and "Quill" not in out[0]
    assert counts["name"] >= 2


def test_words_that_are_also_names_are_left_alone():
    texts = ["I hope things will improve by May.", "The office in Kent is a long way from Hall Lane.", "Grace period for leave."]
    out, counts = redact(texts)
    assert out == texts
    assert counts["name"] == 0


def test_ambiguous_name_before_a_surname_is_redacted():
    out, _ = redact(["Will Jones signed it off."])
    assert out == ["[NAME] signed it off."]


def test_abbreviations_are_expanded_for_the_model_only():
    assert expand_abbreviations("My TM cancels 1:1s") == "My team manager cancels one to one supervisions"
    assert expand_abbreviations("it is fine") == "it is fine"
    assert Normaliser(expand=False).fit_transform(["  TOIL \n lost "]) == ["TOIL lost"]
