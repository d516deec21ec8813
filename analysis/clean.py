"""Clean step: normalise text and redact personal data before any model sees it.

Redaction runs first, on the raw text, so nothing downstream (embeddings, the
cache, keywords, quotes in the report) ever holds an email address, a phone
number, a case number or a person's name.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from importlib import resources

from sklearn.base import BaseEstimator, TransformerMixin

REDACTION_KINDS = ("email", "phone", "case_number", "name")

_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
# UK numbers: mobiles, landlines, +44 and (0161)-style area codes, with or without spaces.
_PHONE = re.compile(
    r"(?<![\w/])(?:\+44\s?\(?0?\)?\s?|\(?0)\d{2,4}\)?[\s-]?\d{3,4}[\s-]?\d{3,4}(?![\w/])"
)
# A reference word followed by an identifier with a digit in it ("case no. 123/45", "LCS ref: AB12345").
_CASE_WITH_PREFIX = re.compile(
    r"\b(?:case|ref|reference|id|lcs|mosaic|eclipse|client|child|person|nhs|ni|file)"
    r"(?:\s+(?:no\.?|number|ref|id))?\s*[:#]?\s*(?=[A-Z0-9/-]*\d)[A-Z0-9][A-Z0-9/-]{2,}\b",
    re.IGNORECASE,
)
# Bare identifiers: five or more digits, or letters and digits mixed (NI numbers, "CP-2023-0012").
_CASE_BARE = re.compile(
    r"\b(?:\d[\d/-]{3,}\d|[A-Z]{1,3}[-/]?(?=(?:[\d/-]*\d){4})\d[\d/-]*\d[A-Z]?)\b"
)
_TITLE = r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?"
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")

# Abbreviations staff use that a general-purpose embedding model does not know.
# Expanded only in the text the models read; quotes keep the author's own words.
ABBREVIATIONS = {
    "tm": "team manager", "tms": "team managers", "sm": "service manager",
    "hos": "head of service", "ad": "assistant director", "dcs": "director of children's services",
    "slt": "senior leadership team", "smt": "senior management team", "toil": "time off in lieu",
    "wfh": "working from home", "cp": "child protection", "cin": "child in need",
    "lac": "looked after children", "cla": "children looked after", "plo": "public law outline",
    "lado": "local authority designated officer", "iro": "independent reviewing officer",
    "asye": "assessed and supported year in employment newly qualified",
    "nqsw": "newly qualified social worker", "cpd": "continuing professional development training",
    "edt": "emergency duty team", "oh": "occupational health", "eap": "employee assistance programme",
    "hr": "human resources", "la": "local authority", "pa": "personal adviser", "pas": "personal advisers",
    "mash": "multi-agency safeguarding hub", "yot": "youth offending team", "sw": "social worker",
    "sws": "social workers", "1:1": "one to one supervision", "1:1s": "one to one supervisions",
    "121": "one to one supervision", "121s": "one to one supervisions", "it": "it",
    "ict": "information technology",
}
_ABBREV = re.compile(
    r"(?<![\w:])(" + "|".join(re.escape(k) for k in sorted(ABBREVIATIONS, key=len, reverse=True)) + r")(?![\w:])",
    re.IGNORECASE,
)


def _word_list(filename: str) -> frozenset[str]:
    text = resources.files("analysis.data").joinpath(filename).read_text(encoding="utf-8")
    lines = (line for line in text.splitlines() if not line.startswith("#"))
    return frozenset(word.lower() for line in lines for word in line.split())


def normalise(text: str) -> str:
    """NFKC, straight quotes, single spaces: so the same comment always hashes the same."""
    text = unicodedata.normalize("NFKC", str(text))
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return re.sub(r"\s+", " ", text).strip()


def expand_abbreviations(text: str) -> str:
    """Spell out staff shorthand ("my TM", "TOIL", "1:1s") for the embedding model."""
    def repl(match: re.Match[str]) -> str:
        word = match.group(1)
        # "IT" is the department only in capitals; "it" is a pronoun.
        if word.lower() == "it":
            return "IT systems" if word == "IT" else word
        if word.lower() in {"ad", "la", "pa", "oh", "sm", "cp", "hr", "sw"} and not word.isupper():
            return word  # lower-case "ad", "oh", "pa" are ordinary words
        return ABBREVIATIONS[word.lower()]
    return _ABBREV.sub(repl, text)


class Redactor(TransformerMixin, BaseEstimator):
    """Replace emails, phone numbers, case numbers and names with placeholders.

    `staff_names` is an optional list of full names ("Jo Bloggs"); each name and each
    part of it is redacted. Common first names are redacted anywhere they are
    capitalised; common surnames only after a first name or a title, because many
    are also words or places. `counts_` holds how many of each kind were redacted
    by the last `transform`.
    """

    def __init__(self, staff_names: Iterable[str] | None = None, use_common_names: bool = True):
        self.staff_names = staff_names
        self.use_common_names = use_common_names

    def fit(self, X: Iterable[str], y: object = None) -> "Redactor":
        first = _word_list("first_names.txt") if self.use_common_names else frozenset()
        self.ambiguous_ = _word_list("ambiguous_names.txt") if self.use_common_names else frozenset()
        self.surnames_ = _word_list("surnames.txt") if self.use_common_names else frozenset()
        staff_parts = {p.lower() for n in (self.staff_names or []) for p in _WORD.findall(str(n))}
        self.staff_parts_ = frozenset(p for p in staff_parts if len(p) > 1)
        self.first_names_ = first | self.staff_parts_
        self.counts_ = dict.fromkeys(REDACTION_KINDS, 0)
        return self

    def transform(self, X: Iterable[str]) -> list[str]:
        if not hasattr(self, "first_names_"):
            self.fit(X)
        counts: Counter[str] = Counter()
        out = [self.redact(normalise(t), counts) for t in X]
        self.counts_ = {kind: counts[kind] for kind in REDACTION_KINDS}
        return out

    def redact(self, text: str, counts: Counter[str]) -> str:
        text, counts["email"] = _sub_count(_EMAIL, "[EMAIL]", text, counts["email"])
        text, counts["phone"] = _sub_count(_PHONE, "[PHONE]", text, counts["phone"])
        text, counts["case_number"] = _sub_count(_CASE_WITH_PREFIX, "[CASE_NUMBER]", text, counts["case_number"])
        text, counts["case_number"] = _sub_count(_CASE_BARE, "[CASE_NUMBER]", text, counts["case_number"])
        return self._redact_names(text, counts)

    def _is_first_name(self, word: str, next_word: str | None, after_title: bool) -> bool:
        low = word.lower()
        if low in self.staff_parts_:
            return True
        if not word[0].isupper() or low not in self.first_names_ | self.ambiguous_:
            return False
        if low in self.ambiguous_:
            return after_title or bool(next_word and next_word[0].isupper() and next_word.lower() in self.surnames_)
        return True

    def _redact_names(self, text: str, counts: Counter[str]) -> str:
        tokens = re.split(r"(\s+)", text)
        words = [i for i, tok in enumerate(tokens) if tok.strip()]
        drop: set[int] = set()
        for n, i in enumerate(words):
            word = tokens[i].strip(".,;:!?()\"'")
            nxt = tokens[words[n + 1]].strip(".,;:!?()\"'") if n + 1 < len(words) else None
            after_title = n > 0 and re.fullmatch(_TITLE, tokens[words[n - 1]]) is not None
            if not word or i in drop:
                continue
            is_name = self._is_first_name(word, nxt, after_title) or (
                after_title and word[0].isupper()
            )
            if not is_name:
                continue
            counts["name"] += 1
            span = [i]
            if nxt and nxt[0].isupper() and (nxt.lower() in self.surnames_ | self.staff_parts_):
                span.append(words[n + 1])
            if after_title:
                span.insert(0, words[n - 1])
            for j in span:
                drop.add(j)
            tokens[span[0]] = _keep_punctuation(tokens[span[-1]], "[NAME]")
            for j in span[1:]:
                tokens[j] = ""
                if j - 1 >= 0 and not tokens[j - 1].strip():
                    tokens[j - 1] = ""
        return "".join(tokens)


def _keep_punctuation(token: str, placeholder: str) -> str:
    """Keep a trailing comma or full stop when a name is swapped for a placeholder."""
    match = re.search(r"[.,;:!?)\"']+$", token)
    return placeholder + (match.group(0) if match else "")


def _sub_count(pattern: re.Pattern[str], placeholder: str, text: str, count: int) -> tuple[str, int]:
    new, n = pattern.subn(placeholder, text)
    return new, count + n


class Normaliser(TransformerMixin, BaseEstimator):
    """Text the models read: normalised, with staff abbreviations spelled out.

    Stateless; `fit` only exists so the step slots into a pipeline.
    """

    def __init__(self, expand: bool = True):
        self.expand = expand

    def fit(self, X: Iterable[str], y: object = None) -> "Normaliser":
        self.fitted_ = True
        return self

    def transform(self, X: Iterable[str]) -> list[str]:
        texts = [normalise(t) for t in X]
        return [expand_abbreviations(t) for t in texts] if self.expand else texts
