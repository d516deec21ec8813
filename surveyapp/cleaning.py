"""Text from outside is cleaned once, on the way in.

A NUL typed into a comment used to be saved in the encrypted draft and then made every
submit of that survey fail, because PostgreSQL refuses NUL in text. Control characters
(other than tab, newline and carriage return), lone surrogates and Unicode non-characters
mean nothing in an answer, a name or an email address, so they are dropped from every
form field and query string (`hardening.CleanRequest`) and from imported CSV files
(`manage.staff.parse`), and answers are cleaned again as they are stored (drafts saved
before this cleaning may hold them). No Flask here: domain code calls it too.
"""

from __future__ import annotations

import re

UNWANTED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")


def clean_text(value: str) -> str:
    """The text without control characters (tab, newline and carriage return are kept)."""
    return UNWANTED.sub("", value)
