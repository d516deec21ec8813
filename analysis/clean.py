"""Clean step: normalise text and redact personal data before any model sees it.

Redaction runs first, on the raw text, so nothing downstream (embeddings, the
cache, keywords, quotes in the report) ever holds an email address, a phone
number, a case number, an address, a date of birth or a person's name. Shaped
identifiers are in identifiers.py, the forms of staff names in names.py.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from importlib import resources
from typing import NamedTuple

from sklearn.base import BaseEstimator, TransformerMixin

from analysis.identifiers import Span, find_identifiers
from analysis.names import (
    TOKEN,
    TYPO_MIN_LENGTH,
    WORD_LIKE_COUNT,
    WORD_LIKE_NAME_COUNT,
    StaffForms,
    fold,
    is_word,
    nickname_table,
    within_one_edit,
    word_count,
)

# The first four are always in `counts_`'s reports; the rest were added with the staff-name forms
# and shaped identifiers. NI and NHS numbers are reference numbers: [CASE_NUMBER], as before.
REDACTION_KINDS = ("email", "phone", "case_number", "name", "initials", "handle", "date_of_birth",
                   "address", "postcode")
PLACEHOLDERS = {kind: f"[{kind.upper()}]" for kind in REDACTION_KINDS}
_TITLE = r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)"
_TITLES = frozenset(["Mr", "Mrs", "Ms", "Miss", "Mx", "Dr", "Prof"])  # the words _TITLE matches, for a set lookup
# What r"['\u2019]s$" matches case-blind: the long s (U+017F) is an s to the regex module too.
_POSSESSIVE = frozenset(a + s for a in "'\u2019" for s in "sS\u017f")
_NOT_WORD = re.compile(r"[^\w]*")
_BEFORE_TOKEN = " \"'(["  # skipped when looking for what a token follows
# Staff initials: two or three capitals, alone or with full stops ("KMB", "K.F.", "K. F.").
_INITIALS = re.compile(r"(?<![\w.])(?:[A-Z]{2,3}|(?:[A-Z]\.\s?){1,2}[A-Z]\.?|(?:[a-z]\.){2,3})(?![\w])")
# Verbs that follow a person far more often than a word: "Ward said", "Marsh told me".
_NAME_VERBS = frozenset(["said", "says", "told", "tells", "asked", "asks", "wants", "wanted", "thinks", "thought", "signed", "signs", "sends", "sent", "runs", "ran", "refused", "refuses", "promised", "promises", "emailed", "rang", "called", "cancels", "cancelled", "shouted", "keeps", "kept", "never", "always", "agreed", "agrees", "decided", "decides", "replied", "replies", "covered", "covers"])
_CALENDAR = frozenset(["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"])

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
    """Replace personal data with placeholders ([NAME], [PHONE], [ADDRESS]...).

    `staff_names` is an optional list of full names ("Jo Bloggs"). Each name, each part of it,
    its short forms both ways (Deborah: Debs, Debbie; Debbie: Deborah), the forms without
    accents, one-letter typos of parts of five letters or more, and the staff's initials (KMB)
    are redacted. A part that is also an ordinary word (Hope, Young, Ward, Will) is redacted only
    where it reads as a name: capitalised mid-sentence, before another name or an initial, after
    a title, with 's, or before a verb such as "said". Common first names are redacted anywhere
    they are capitalised; common surnames only after a first name or a title, because many are
    also words or places. `counts_` holds how many of each kind the last `transform` redacted.
    """

    def __init__(self, staff_names: Iterable[str] | None = None, use_common_names: bool = True):
        self.staff_names = staff_names
        self.use_common_names = use_common_names

    def fit(self, X: Iterable[str], y: object = None) -> Redactor:
        common = self.use_common_names
        self.common_first_ = _word_list("first_names.txt") if common else frozenset()
        self.ambiguous_ = _word_list("ambiguous_names.txt") if common else frozenset()
        self.surnames_ = _word_list("surnames.txt") if common else frozenset()
        acronyms = frozenset(w.upper() for w in _word_list("acronyms.txt") | set(ABBREVIATIONS))
        self.acronyms_ = acronyms
        staff = StaffForms.from_names(self.staff_names or [], acronyms)
        self.staff_parts_ = frozenset(staff.parts)
        self.staff_forms_ = frozenset(staff.all_forms())
        self.staff_first_ = frozenset(staff.first_forms)
        self.initials_ = frozenset(staff.initials)
        self.first_names_ = self.common_first_ | self.staff_forms_
        shorts, fulls = nickname_table()
        self.name_lexicon_ = self.surnames_ | frozenset(shorts) | frozenset(fulls)
        # Typos are looked for only around forms that are not words themselves ("Marsh": "march").
        self.typo_targets_ = tuple(sorted(f for f in self.staff_forms_
                                          if len(f) >= TYPO_MIN_LENGTH and not self._word_like(f)))
        self._lookups()
        self.counts_ = dict.fromkeys(REDACTION_KINDS, 0)
        return self

    def _lookups(self) -> None:
        """Unions of the fitted word sets and the typo targets by length, built once a fit
        rather than once a token (the sets hold thousands of names)."""
        self._surname_or_part = self.surnames_ | self.staff_parts_
        self._name_or_part = self.first_names_ | self.surnames_ | self.staff_parts_
        self._joinable = self.surnames_ | self.staff_forms_ | self.first_names_
        by_length: dict[int, list[str]] = {}
        for target in self.typo_targets_:
            by_length.setdefault(len(target), []).append(target)
        self._typo_by_length = {n: tuple(v) for n, v in by_length.items()}
        self._typo_seen: dict[str, bool] = {}

    def transform(self, X: Iterable[str]) -> list[str]:
        if not hasattr(self, "first_names_"):
            self.fit(X)
        counts: Counter[str] = Counter()
        out = [self.redact(normalise(t), counts) for t in X]
        self.counts_ = {kind: counts[kind] for kind in REDACTION_KINDS}
        return out

    def redact(self, text: str, counts: Counter[str]) -> str:
        spans = self.find(text)
        for start, end, kind in reversed(spans):
            text = text[:start] + PLACEHOLDERS[kind] + text[end:]
            counts[kind] += 1
        return text

    def find(self, text: str) -> list[Span]:
        """Every span of `text` to redact, in order, none overlapping (text already normalised)."""
        if not hasattr(self, "first_names_"):
            self.fit([text])
        spans = find_identifiers(text)
        spans += self._initials(text, spans)
        return sorted(spans + self._names(text, spans))

    # -- names ---------------------------------------------------------------------------------

    def _word_like(self, form: str) -> bool:
        """Would this form, typed as a word, more often be a word than a name?"""
        if form in self.ambiguous_:
            return True
        count = word_count(form)
        # The spell checker's list holds names from film subtitles ("sian", "jose"), so a form
        # is word-like only when common, and a known name only when very common ("will", "nick").
        if count < WORD_LIKE_COUNT or form in self.common_first_:
            return False
        return form not in self.name_lexicon_ or count >= WORD_LIKE_NAME_COUNT

    def _initials(self, text: str, taken: list[Span]) -> list[Span]:
        found = []
        for match in _INITIALS.finditer(text):
            letters = re.sub(r"[.\s]", "", match.group(0)).upper()  # "k.m.b." is KMB
            if letters in self.initials_ and not _overlaps(match.start(), match.end(), taken):
                found.append(Span(match.start(), match.end(), "initials"))
        return found

    def _names(self, text: str, taken: list[Span]) -> list[Span]:
        if not self._may_hold_names(text):
            return []
        tokens = [_Token.read(m, text) for m in TOKEN.finditer(text)]
        if taken:
            tokens = [t for t in tokens if not _overlaps(t.start, t.end, taken)]
        marked = [self._is_name(tokens, i) for i in range(len(tokens))]
        self._coordinated(tokens, marked)
        if not any(marked):  # nothing to pull other tokens or titles in
            return []
        changed = True
        while changed:  # a name pulls in the name parts beside it: "Jonathan Hope", "will ashworth"
            changed = False
            for i in range(len(tokens)):
                if not marked[i] and any(self._joins(tokens, i, j) for j in (i - 1, i + 1) if 0 <= j < len(tokens) and marked[j]):
                    marked[i] = changed = True
        for i, tok in enumerate(tokens):  # a title before a name goes with it: "Mrs Patel"
            if not marked[i] and i + 1 < len(tokens) and marked[i + 1] and tok.title and _adjacent(text, tok, tokens[i + 1]):
                marked[i] = True
        spans: list[Span] = []
        for i, tok in enumerate(tokens):
            if not marked[i]:
                continue
            if spans and i > 0 and marked[i - 1] and _adjacent(text, tokens[i - 1], tok):
                spans[-1] = Span(spans[-1].start, tok.end, "name")
            else:
                spans.append(Span(tok.start, tok.end, "name"))
        return spans

    def _coordinated(self, tokens: list[_Token], marked: list[bool]) -> None:
        """Two first names joined by "and" or "or" are both names: "Grace and Will" (each alone a word)."""
        for i in range(len(tokens) - 2):
            a, conj, b = tokens[i], tokens[i + 1], tokens[i + 2]
            if conj.form not in ("and", "or") or conj.capitalised or not (a.capitalised and b.capitalised):
                continue
            if all(self._first_name_like(t) for t in (a, b)) and a.next_gap == " " and conj.next_gap == " ":
                marked[i] = marked[i + 2] = True

    def _first_name_like(self, tok: _Token) -> bool:
        form = tok.form
        return form not in _CALENDAR and not tok.title and (
            form in self.first_names_ or form in self.ambiguous_ or form in self.staff_forms_)

    def _may_hold_names(self, text: str) -> bool:
        """Without a staff list only a capitalised token starts a name (see _is_name)."""
        return bool(self.staff_forms_) or not text.islower()

    def _is_name(self, tokens: list[_Token], i: int) -> bool:
        tok = tokens[i]
        form, cap = tok.form, tok.capitalised
        after_title = i > 0 and tokens[i - 1].title
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if tok.title:
            return False
        if not cap and not self.staff_forms_:
            return False  # in lower case only staff forms and their typos are names
        if after_title and cap:
            return True
        if form in self.staff_forms_:
            if not cap:  # "ask sarah": a staff first name that is no word ("will", "grace" are)
                return not is_word(form) or (form in self.staff_first_ and form in self.common_first_
                                             and form not in self.ambiguous_)
            return not self._word_like(form) or self._reads_as_name(tok, nxt)
        if cap and form in self.common_first_ and form not in self.ambiguous_:
            return True
        if cap and form in self.ambiguous_:
            return bool(nxt and nxt.capitalised and nxt.form in self._surname_or_part)
        if "-" in form:
            return any(self._is_name([_Token.part(tok, p)], 0) for p in form.split("-") if len(p) > 1)
        if len(form) >= TYPO_MIN_LENGTH and not is_word(form) and form not in self.name_lexicon_:
            if self._typo_of_staff(form):
                return True
            return cap and self._joined_names(form)
        return False

    def _typo_of_staff(self, form: str) -> bool:
        """Within one edit of a typo target; only targets one letter longer or shorter can be."""
        seen = self._typo_seen.get(form)
        if seen is None:
            n = len(form)
            seen = any(within_one_edit(form, target)
                       for length in (n - 1, n, n + 1) for target in self._typo_by_length.get(length, ()))
            self._typo_seen[form] = seen
        return seen

    def _reads_as_name(self, tok: _Token, nxt: _Token | None) -> bool:
        """Context that makes a word-like staff form ("Hope", "Young", "Will") a name."""
        if tok.possessive:
            return True
        if nxt is not None and nxt.capitalised and (nxt.form in self._name_or_part or len(nxt.form) == 1):
            return True  # "Bill Ashworth", "Grace W"
        if nxt is not None and nxt.form in _NAME_VERBS:
            return True  # "Ward said", "Marsh told me"
        if tok.sentence_start:
            return False  # "Young people...", "Hope is...", "Will anyone..."
        if tok.form in _CALENDAR:
            return False  # "by May", capitalised as a month
        return not (nxt is not None and nxt.capitalised and tok.next_gap == " ")  # "Hope Street"

    def _joins(self, tokens: list[_Token], i: int, j: int) -> bool:
        """Whether token i belongs to the name at token j beside it."""
        tok, other = tokens[i], tokens[j]
        if tok.title or not _adjacent_tokens(tok, other, i < j):
            return False
        if len(tok.form) < 2:  # "Sarah W said": the surname's initial, after a first name
            return tok.capitalised and i > j and tok.form not in ("i", "a") and other.form in self.first_names_
        if tok.capitalised:
            if tok.form in self._joinable:
                return True
            # After a first name, a capitalised token that is no English word is the surname:
            # "Sarah Whitfield", "Priya Raghunathan", whether or not the list has them.
            return (i > j and len(tok.form) >= 3 and other.form in self.first_names_
                    and not tok.sentence_start and not is_word(tok.form) and tok.form.upper() not in self.acronyms_)
        # lower case: a staff first name before a staff surname ("will ashworth")
        return tok.form in self.staff_first_ and i < j and other.form in self.staff_parts_

    def _joined_names(self, form: str) -> bool:
        """Two first names run together: "Annamaria", "Marieclaire"."""
        names = self.first_names_
        return any(form[:k] in names and form[k:] in names for k in range(3, len(form) - 2))


class _Token(NamedTuple):
    start: int
    end: int
    form: str  # folded: lower case, no accents, no possessive 's
    capitalised: bool
    possessive: bool
    sentence_start: bool
    title: bool
    next_gap: str  # the characters up to the next token (" ", ", ")

    @classmethod
    def read(cls, match: re.Match[str], text: str) -> _Token:
        word, start = match.group(0), match.start()
        possessive = word[-2:] in _POSSESSIVE
        if possessive:
            word = word[:-2]
        # The last character before the token, skipping spaces, quotes and brackets; walking back
        # from the token costs a few steps where stripping the whole text before it cost its length.
        before = start
        while before and text[before - 1] in _BEFORE_TOKEN:
            before -= 1
        after = _NOT_WORD.match(text, start + len(word) + 2 * possessive).group(0)
        return cls(start, start + len(word), fold(word), word[:1].isupper(), possessive,
                   not before or text[before - 1] in ".!?:;", word in _TITLES, after)

    @classmethod
    def part(cls, tok: _Token, piece: str) -> _Token:
        return tok._replace(form=piece)


def _adjacent(text: str, a: _Token, b: _Token) -> bool:
    """Only spaces between two tokens, or a title's full stop: "Sarah Smith", "Mr. Fenwick"."""
    gap = text[a.end:b.start]
    return not gap.strip() or (a.title and gap.strip() == ".")


def _adjacent_tokens(a: _Token, b: _Token, a_first: bool) -> bool:
    gap = a.next_gap if a_first else b.next_gap
    return bool(gap) and not gap.strip()


def _overlaps(start: int, end: int, spans: list[Span]) -> bool:
    return any(start < s.end and s.start < end for s in spans)


class Normaliser(TransformerMixin, BaseEstimator):
    """Text the models read: normalised, with staff abbreviations spelled out.

    Stateless; `fit` only exists so the step slots into a pipeline.
    """

    def __init__(self, expand: bool = True):
        self.expand = expand

    def fit(self, X: Iterable[str], y: object = None) -> Normaliser:
        self.fitted_ = True
        return self

    def transform(self, X: Iterable[str]) -> list[str]:
        texts = [normalise(t) for t in X]
        return [expand_abbreviations(t) for t in texts] if self.expand else texts
