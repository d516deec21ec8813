"""Staff names in the forms people actually type: short forms, no accents, typos, initials.

A staff list says "Deborah Lindqvist"; comments say "Debs", "Debbie L", "DL", "Lindqvst".
`StaffForms` turns the list into every form worth matching, and `words` says which tokens
are ordinary English words, so that matching a name never redacts "hope", "young" or "manager".
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

# A token: letters (any script, accents included) with inner apostrophes or hyphens (O'Neill, Pryce-Jones).
TOKEN = re.compile(r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*")
# Letters NFKD does not split into a base letter and an accent.
_UNSPLIT = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ß": "ss", "æ": "ae", "œ": "oe"})
# Seen this often in the spell checker's English frequency list, a token is an ordinary word.
WORD_MIN_COUNT = 200
# A staff name part seen this often is also a word ("marsh", "ward"), redacted only where it reads as a name.
WORD_LIKE_COUNT = 1000
# A name that common as a token ("will", "nick", "kit") is used as a word too.
WORD_LIKE_NAME_COUNT = 5000
TYPO_MIN_LENGTH = 5  # shorter names are one letter away from too many other names and words
_VOWELS = "aeiouy"


def fold(text: str) -> str:
    """Lower case without accents: "Siân" and "Sian", "Wiśniewska" and "Wisniewska" compare equal."""
    if text.isascii():  # nothing to translate, decompose or replace: the common case, kept quick
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.translate(_UNSPLIT))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().replace("\u2019", "'")


@lru_cache(maxsize=1)
def _word_counts() -> dict[str, int]:
    # pyspellchecker's English list (MIT): 160,000 words with counts, shipped inside the wheel.
    from spellchecker import SpellChecker

    return dict(SpellChecker(language="en", distance=1).word_frequency.dictionary)


def word_count(token: str) -> int:
    return _word_counts().get(token.lower(), 0)


def is_word(token: str) -> bool:
    """An ordinary English word (names included when they are also common tokens)."""
    return word_count(token) >= WORD_MIN_COUNT


@lru_cache(maxsize=1)
def nickname_table() -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    """Two maps: name -> its short forms, and short form -> the names it stands for.

    From the `nicknames` package (carltonnorthern/nicknames, Apache-2.0, a hand-curated US list)
    plus `data/uk_nicknames.csv` for the British forms it lacks (Saz, Debs, Bex, Mags).
    """
    from nicknames import name_triplets

    pairs = [(t.name1, t.name2) for t in name_triplets() if t.relationship == "has_nickname"]
    text = resources.files("analysis.data").joinpath("uk_nicknames.csv").read_text(encoding="utf-8")
    rows = csv.reader(line for line in text.splitlines() if line and not line.startswith("#"))
    pairs += [(a.strip(), b.strip()) for a, b in list(rows)[1:]]
    shorts: dict[str, set[str]] = {}
    fulls: dict[str, set[str]] = {}
    for name, short in pairs:
        shorts.setdefault(fold(name), set()).add(fold(short))
        fulls.setdefault(fold(short), set()).add(fold(name))
    return ({k: frozenset(v) for k, v in shorts.items()}, {k: frozenset(v) for k, v in fulls.items()})


def short_forms(first: str) -> set[str]:
    """Every form of a first name: its short forms, or, for a short form, its full forms and theirs.

    Deborah -> deb, debbie, debs...; Debbie -> deborah, debra, deb, debs...; Sarah -> sally, sal, saz.
    Only one hop from a full name: Sarah -> Sal -> Salvador would redact other people's names.
    """
    shorts, fulls = nickname_table()
    first = fold(first)
    forms = {first} | shorts.get(first, frozenset()) | _z_form(first)
    if first not in shorts:  # a short form: add the names it stands for and their short forms
        for full in fulls.get(first, frozenset()):
            forms |= {full} | shorts.get(full, frozenset())
    forms |= {f + "s" for f in forms if 3 <= len(f) <= 4 and f[-1] not in _VOWELS + "sxz"}
    forms |= {f[:-1] + "z" for f in forms if len(f) == 4 and f.endswith("s")}  # Debs typed Debz
    forms |= {f + "za" for f in forms if len(f) == 3 and f.endswith("z")}  # Saz -> Sazza, Loz -> Lozza
    return {f for f in forms if len(f) >= 2}


def _z_form(name: str) -> set[str]:
    """British "-z" short forms: the first syllable up to an r, plus z (Sarah -> Saz, Terry -> Tez)."""
    match = re.match(r"([^aeiou]*[aeiou]+)r", name)
    return {match.group(1) + "z"} if len(name) >= 4 and match and len(match.group(1)) >= 2 else set()


def within_one_edit(a: str, b: str) -> bool:
    """Optimal string alignment distance <= 1: one letter added, dropped, changed or two swapped."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diffs = [i for i in range(la) if a[i] != b[i]]
        if len(diffs) == 1:
            return True
        return len(diffs) == 2 and diffs[1] == diffs[0] + 1 and a[diffs[0]] == b[diffs[1]] and a[diffs[1]] == b[diffs[0]]
    if la > lb:
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1:]


@dataclass
class StaffForms:
    """The forms of a staff list worth matching, all folded (lower case, no accents).

    `parts`: every word of every name and the hyphenated and joined wholes ("pryce-jones",
    "annamaria"); `first_forms`: first names with their short forms; `initials`: "KMB", "KB".
    """

    parts: set[str] = field(default_factory=set)
    first_forms: set[str] = field(default_factory=set)
    initials: set[str] = field(default_factory=set)

    @classmethod
    def from_names(cls, names: Iterable[str], acronyms: frozenset[str] = frozenset()) -> StaffForms:
        forms = cls()
        for name in names:
            words = [fold(w) for w in TOKEN.findall(str(name))]
            words = [w for w in words if len(w) > 1]
            if not words:
                continue
            for word in words:
                pieces = [p for p in re.split(r"['-]", word) if len(p) > 1]
                forms.parts.update([word, *pieces])
                if len(pieces) > 1:
                    forms.parts.add("".join(pieces))  # Anna-Maria typed as Annamaria
            first_pieces = [p for p in words[0].split("-") if len(p) > 1]
            for piece in first_pieces:
                forms.first_forms |= short_forms(piece)
            forms.initials |= {i for i in _initials(words) - acronyms if not is_word(i)}
        forms.first_forms |= {p for p in forms.parts if p in forms.first_forms}
        return forms

    def all_forms(self) -> set[str]:
        return self.parts | self.first_forms


def _initials(words: list[str]) -> set[str]:
    """KMB and KB for Kate Mary Bryce; GPJ, GP and GJ for Gareth Pryce-Jones."""
    pieces = [[p for p in re.split(r"['-]", w) if p] for w in words]
    every = "".join(p[0] for w in pieces for p in w)
    found = {every, words[0][0] + words[-1][0], pieces[0][0][0] + pieces[-1][-1][0]}
    return {i.upper() for i in found if 2 <= len(i) <= 3}
