"""Reading an uploaded CSV file: its text, cleaned, and its header row, checked. No Flask.

Every import (staff and leaver lists, the organisation, workforce figures) reads its file here,
so each refuses the same things with the same words rather than a 500 in one of them:
- a file that is not text we can tell (a spreadsheet, UTF-16, bytes of another code page) is
  refused with the first line that is not UTF-8; Windows-1252 is accepted only when it plainly is;
- control characters (a NUL in a name was a 500 on PostgreSQL) are dropped (`cleaning.clean_text`);
- a header row that names a column twice is refused: `csv.DictReader` keeps only the last of
  the two, so a file with two `email` columns imported one of them without a word.
"""

from __future__ import annotations

import csv
import io
import unicodedata

from .cleaning import clean_text

NOT_TEXT = "The file is not a CSV file saved as text"
SAVE_AS = "Save it as ‘CSV UTF-8’ and try again."
# Characters a Windows-1252 file of names, emails and team names may honestly hold outside letters.
CP1252_PUNCTUATION = set("’‘“”–—\u00a0")


class UnreadableFile(ValueError):
    """The file cannot be read as the CSV it should be; `problems` say why, in words for the admin."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def decode(data: bytes) -> str:
    """The file's text: UTF-8 (a byte order mark is dropped), or Windows-1252 only when it plainly is.

    Any byte string decodes as Windows-1252, so that fallback is taken only when every character
    outside ASCII it gives is a letter within a word, or typographic punctuation (Excel on Windows
    saves "CSV" so: Zoë, Siân O’Neill). Anything else (Latin-2's ł read as ³, UTF-16, a
    spreadsheet) is refused with the first line that is not UTF-8, rather than imported garbled.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or data.count(b"\x00") > len(data) // 4:
        raise UnreadableFile([f"{NOT_TEXT}: it is saved as ‘Unicode text’ (UTF-16). {SAVE_AS}"])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        refusal = UnreadableFile([f"{NOT_TEXT} we can read: line {line} has characters that are not UTF-8. {SAVE_AS}"])
        bad = exc
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise refusal from bad
    if not all(_plainly_cp1252(text, i) for i, char in enumerate(text) if ord(char) > 127):
        raise refusal from bad
    return text


def _plainly_cp1252(text: str, i: int) -> bool:
    char = text[i]
    if char in CP1252_PUNCTUATION:
        return True
    beside = text[i - 1:i] + text[i + 1:i + 2]
    return char.isalpha() and unicodedata.name(char, "").startswith("LATIN") and any(c.isalpha() for c in beside)


def text_of(data: bytes) -> str:
    """The file's text, decoded (`decode`) and without control characters."""
    return clean_text(decode(data))


def reader(text: str) -> tuple[csv.DictReader[str], list[str]]:
    """A reader of the rows, and the header row's column names (trimmed, lower case), each named once.

    `newline=""` lets the csv module handle every line ending, including old Mac files' bare \\r.
    """
    rows = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in (rows.fieldnames or [])]
    except csv.Error as exc:
        raise UnreadableFile([f"Line 1: the header row cannot be read ({exc})"])
    twice = sorted({name for name in header if name and header.count(name) > 1})
    if twice:
        raise UnreadableFile([f"The first row names the column ‘{name}’ twice: a column can be named only once"
                              for name in twice])
    rows.fieldnames = header
    return rows, header
