"""Identifiers with a shape: emails, @handles, UK phone numbers, NI numbers, postcodes,
street addresses, dates of birth, case and reference numbers.

Each finder returns spans on the text; `find_identifiers` runs them in order and drops a span
that overlaps one already found, so "07700 900123" is one phone number, never a phone number
and a case number.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import NamedTuple


class Span(NamedTuple):
    start: int
    end: int
    kind: str


EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
# An address spelled out to dodge filters: "jo dot bloggs at kent dot gov dot uk".
EMAIL_SPELLED = re.compile(
    r"\b[\w.+-]+(?:\s+dot\s+[\w-]+)*\s+(?:at|\(at\)|\[at\])\s+[\w-]+(?:\s*(?:\.|\bdot\b)\s*[\w-]+)*"
    r"\s*(?:\.|\bdot\b)\s*(?:uk|com|org|net)\b", re.IGNORECASE)
# "debs[at]kent.gov.uk", "jo (at) kent.gov.uk".
EMAIL_BRACKETED = re.compile(r"\b[\w.+-]+\s?[\[(]\s?at\s?[\])]\s?[\w-]+(?:\.[\w-]+)+\b", re.IGNORECASE)
HANDLE = re.compile(r"(?<![\w@.])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?\b")

# NI numbers: two letters, six digits, a letter A-D, with any spacing, dots, dashes (any dash),
# slashes, underscores or middle dots between them, spaced or not (AB 12 34 56 C, ab123456c,
# A B 1 2 3 4 5 6 C, AB - 12 - 34 - 56 - C, AB/12/34/56/C). The first letter is never D, F, I, Q,
# U or V; the second never D, F, I, O, Q, U or V (HMRC's rules), which keeps out most words.
_SEP = r"(?:\s*[./_\u00b7\u2010-\u2015-]\s*|\s+)?"
NI_NUMBER = re.compile(
    rf"\b[A-CEGHJ-PR-TW-Z]{_SEP}[A-CEGHJ-NPR-TW-Z](?:{_SEP}\d){{6}}{_SEP}[A-D]\b", re.IGNORECASE)
# After "NI" or "national insurance" the final letter may be left off.
NI_CUE = re.compile(
    rf"\b(?:NI|N\.I\.|NINO|national insurance)(?:\s+(?:no\.?|number))?\s*(?:is\s+)?[:#]?\s*"
    rf"(?P<id>[A-CEGHJ-PR-TW-Z]{_SEP}[A-CEGHJ-NPR-TW-Z](?:{_SEP}\d){{6}}(?:{_SEP}[A-D])?)\b", re.IGNORECASE)

# UK postcodes: the shape of the government's published pattern, any case, with or without the space.
POSTCODE = re.compile(
    r"\b(?:GIR\s?0AA|(?:[A-PR-UWYZ](?:\d{1,2}|[A-HK-Y]\d{1,2}|\d[A-HJKPS-UW]|[A-HK-Y]\d[ABEHMNPRV-Y]))"
    r"\s?\d[ABD-HJLNP-UW-Z]{2})\b", re.IGNORECASE)

_STREET = (r"(?:Road|Rd|Street|St|Avenue|Ave|Close|Lane|Ln|Drive|Dr|Way|Crescent|Cres|Court|Ct|Gardens|Gdns"
           r"|Place|Pl|Terrace|Tce|Grove|Walk|Hill|Rise|Row|Square|Sq|Mews|View|Park|Green|Parade|Vale"
           r"|Meadows?|Fields|Wharf|Yard|Gate|Heights|Approach|Boulevard|Crest|Glade|Chase|Wynd|Croft)")
_FLAT = r"(?:(?:Flat|Apartment|Apt|Unit|Room)\s+\d{1,4}[A-Za-z]?,?\s+)?"
# A house number, one to three capitalised words and a street word: "14 Carnforth Road",
# "Flat 3, 27 Meadowbank Crescent", "112b Station Road". Without a number ("Hall Lane", "the
# office on Station Road") it is a place, not an address.
_BUILDING = r"(?:House|Lodge|Mansions|Cottages?|Tower|Buildings|Flats|Farm|Barn)"
ADDRESS = re.compile(
    rf"\b{_FLAT}\d{{1,4}}[A-Za-z]?,?\s+(?!(?:Family|Crown|County|Magistrates|Youth|High|Civil|Supreme)\s)"
    rf"(?:[A-Z][\w'-]*\s+){{1,3}}(?:{_STREET}|{_BUILDING}(?:,?\s+(?:[A-Z][\w'-]*\s+){{1,3}}{_STREET})?)\b\.?")
# In lower case only after "at", "address" or "lives": "she lives at 14 carnforth road".
ADDRESS_LOWER = re.compile(
    rf"(?:\b(?:at|address:?|lives|living|moved to)\s+)(?P<id>{_FLAT}\d{{1,4}}[a-z]?,?\s+(?:[a-z][\w'-]*\s+){{1,3}}"
    rf"(?:road|rd|street|st|avenue|ave|close|lane|drive|way|crescent|court|gardens|place|terrace|grove))\b",
    re.IGNORECASE)

_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
          r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
DATE = (rf"(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-](?:\d{{4}}|\d{{2}})"
        rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH},?\s+\d{{2,4}}"
        rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})")
# Dates are kept ("the conference on 14/03/2025") unless something says they are a birth date;
# after "birthday" a day and month are enough, after "born in" a month and year.
DAY_MONTH = rf"\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?\b"
BIRTHDAY = re.compile(rf"\bbirthday\s+(?:is|was|on)\s+(?:the\s+)?(?P<id>{DAY_MONTH})", re.IGNORECASE)
BORN_IN = re.compile(rf"\bborn\s+in\s+(?P<id>{_MONTH}\s+\d{{4}})", re.IGNORECASE)
DATE_OF_BIRTH = re.compile(
    rf"(?:\b(?:d\.?\s?o\.?\s?b\.?|date\s+of\s+birth|birth\s?date|born(?:\s+on)?|birthday(?:\s+is)?|b\.)"
    rf"(?:\s+(?:is|was))?\s*[:\-]?\s*(?:the\s+)?)(?P<id>{DATE})", re.IGNORECASE)

# UK numbers: a run of digits, spaces, dashes, dots and brackets starting +44, 0044 or 0; valid
# when it holds 10 or 11 digits from the 0 (or 9-10 after 44). Runs that continue into other
# numbers are trimmed group by group ("07700 900123 12 times").
PHONE = re.compile(r"(?<![\w/+])(?:(?:\+|00)\s?44[\s-]?(?:\(0\)\s?)?|\(?0)\d[\d\s().-]{6,}\d(?![\w/])")
# A reference word then an identifier with a digit in it ("case no. 123/45", "LCS ref: AB12345",
# "Mosaic ID 4471093", "court reference ZC25P00931").
CASE_WITH_PREFIX = re.compile(
    r"\b(?:case|ref|reference|id|lcs|mosaic|eclipse|liquidlogic|client|child|person|nhs|ni|file|crn|upn"
    r"|claim|crime|incident|log|ticket|payroll|employee|staff|court|police)"
    r"(?:\s+(?:no\.?|number|ref\.?|reference|id))?\.?\s*[:#]?\s*(?=[A-Z0-9/-]*\d)[A-Z0-9][A-Z0-9/-]{2,}\b",
    re.IGNORECASE,
)
# NHS numbers are ten digits written 3-3-4.
NHS_NUMBER = re.compile(r"\b[1-9]\d{2}[\s-]\d{3}[\s-]\d{4}\b")
# Bare identifiers: five or more digits, or capitals and digits mixed (CP-2023-0012, ZW24C00512).
CASE_BARE = re.compile(
    r"\b(?:\d[\d/-]{3,}\d|[A-Z]{1,3}[-/]?(?=(?:[\d/-]*\d){4})\d[\d/-]*\d[A-Z]?"
    r"|(?=[A-Z0-9]*[A-Z])(?=(?:[A-Z]*\d){4})[A-Z0-9]{6,})\b"
)
# Not case numbers: a date (12/03/2024, 5-6-23) or a year range (2023/24, 2019-2021).
_NOT_A_CASE = re.compile(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|(?:19|20)\d\d[/-](?:(?:19|20)?\d\d)|\d{1,3}[/-]\d{1,3}")


def _matches(pattern: re.Pattern[str], kind: str, group: str | int = 0) -> Callable[[str], Iterator[Span]]:
    def find(text: str) -> Iterator[Span]:
        for match in pattern.finditer(text):
            yield Span(match.start(group), match.end(group), kind)
    return find


def _phones(text: str) -> Iterator[Span]:
    for match in PHONE.finditer(text):
        start, chunk = match.start(), match.group(0)
        while chunk:
            digits = re.sub(r"\D", "", chunk)
            digits = digits[2:] if digits.startswith("0044") else digits
            national = digits[2:].removeprefix("0") if digits.startswith("44") else digits
            if (digits.startswith("44") and len(national) in (9, 10)) or (digits.startswith("0") and len(digits) in (10, 11)):
                # A trailing bracket or dot belongs to the sentence, not the number.
                yield Span(start, start + len(chunk.rstrip(").-")), "phone")
                break
            trimmed = re.sub(r"[\s().-]+\d+[\s().-]*$", "", chunk)
            if trimmed == chunk:
                break
            chunk = trimmed


def _bare_cases(text: str) -> Iterator[Span]:
    for match in CASE_BARE.finditer(text):
        if not _NOT_A_CASE.fullmatch(match.group(0)):
            yield Span(match.start(), match.end(), "case_number")


# What a finder cannot match without: an "@", a digit, or nothing to check (None). Most comments
# have neither, and skipping a finder that cannot match changes nothing but the time.
_AT, _DIGIT = "@", "digit"
_ANY_DIGIT = re.compile(r"\d")  # the regexes' \d: any Unicode decimal digit, not only 0-9

# Order matters: a span that overlaps an earlier one is dropped. Each finder beside what it needs.
FINDERS: tuple[tuple[str | None, Callable[[str], Iterator[Span]]], ...] = (
    (_AT, _matches(EMAIL, "email")),
    (None, _matches(EMAIL_SPELLED, "email")),
    (None, _matches(EMAIL_BRACKETED, "email")),
    (_AT, _matches(HANDLE, "handle")),
    (_DIGIT, _matches(DATE_OF_BIRTH, "date_of_birth", "id")),
    (_DIGIT, _matches(BIRTHDAY, "date_of_birth", "id")),
    (_DIGIT, _matches(BORN_IN, "date_of_birth", "id")),
    (_DIGIT, _matches(NI_CUE, "case_number", "id")),
    (_DIGIT, _matches(NI_NUMBER, "case_number")),
    (_DIGIT, _phones),
    (_DIGIT, _matches(POSTCODE, "postcode")),
    (_DIGIT, _matches(ADDRESS, "address")),
    (_DIGIT, _matches(ADDRESS_LOWER, "address", "id")),
    (_DIGIT, _matches(NHS_NUMBER, "case_number")),
    (_DIGIT, _matches(CASE_WITH_PREFIX, "case_number")),
    (_DIGIT, _bare_cases),
)


def find_identifiers(text: str) -> list[Span]:
    """Spans of every shaped identifier in `text`, in text order, none overlapping."""
    found: list[Span] = []
    present = {None, _AT if "@" in text else None, _DIGIT if _ANY_DIGIT.search(text) else None}
    for needs, finder in FINDERS:
        if needs not in present:
            continue
        for span in finder(text):
            if span.end > span.start and not any(span.start < s.end and s.start < span.end for s in found):
                found.append(span)
    return sorted(found)
