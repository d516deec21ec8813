"""Self-descriptions: the phrases in which a comment describes its writer by something few people share.

"As the only male social worker in the Ashford team", "since I came back from maternity leave in June",
"there are only two of us", "my sister works in fostering": no name or number, yet everyone in the team knows
who wrote it. Redaction cannot remove these without losing the comment's point, so they are found and marked,
and a person decides (the web app holds such a quote for the principal social worker: it can be edited or
withheld, not approved as it is).

Rules, not a model: each pattern is one kind of rare characteristic, checked against ordinary comments that
only look alike ("the only thing that would help", "staff coming back from maternity leave need a plan").
"""

from __future__ import annotations

import re

from analysis.identifiers import Span

KIND = "describes_writer"

_PERSON = (r"(?:social\s+workers?|workers?|m[ae]n|wom[ae]n|males?|females?|person|people|members?|managers?"
           r"|practitioners?|SWs?|NQSWs?|ASYEs?|students?|lads?|guys?|blokes?|girls?|mums?|mothers?|dads?|fathers?"
           r"|parents?|carers?|locums?|apprentices?|assistants?|officers?|employees?|colleagues?|TMs?|leads?"
           r"|supervisors?|seniors?|advisers?|advisors?|speakers?|interpreters?|drivers?|users?)")
_RARE = r"(?:only|one|oldest|youngest|newest|longest[- ]serving|most\s+senior|last\s+remaining)"
_ME = r"(?:I'?m|I\s+am|I\s+was|as|being|me|myself)(?:\s+(?:probably|now|still|currently))?"
_WORDS = r"(?:[\w'-]+\s+){0,3}?"
_SMALL = r"(?:two|three|2|3)"
_LEAVE = (r"(?:(?:maternity|mat|paternity|pat|adoption|shared\s+parental|parental|sick|sickness|long[- ]term\s+sick"
          r"(?:ness)?|compassionate)(?:\s+leave)?|leave|career\s+break|secondment|sabbatical)")
_MONTH = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
          r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)")
_WHEN = rf"(?:\s+(?:in|last|this)\s+(?:{_MONTH}|spring|summer|autumn|winter|year|month)\b)?"
_RELATIVE = (r"(?:wife|husband|partner|sister|brother|mum|mother|dad|father|son|daughter|cousin|aunt|auntie|uncle"
             r"|niece|nephew|(?:sister|brother|mother|father|son|daughter)[- ]in[- ]law|fianc[eé]e?|girlfriend"
             r"|boyfriend|twin|stepmum|stepdad|stepmother|stepfather)")

PATTERNS = tuple(re.compile(p, re.IGNORECASE) for p in (
    # the writer as "the only male social worker", "the oldest SW", "the one Polish speaker", "the only one"
    # ("Jo is the only manager who listens" describes someone else, and names are redacted anyway)
    rf"\b{_ME}\s+(?:the|one\s+of\s+the)\s+{_RARE}\s+(?:{_WORDS}{_PERSON}(?:\s+{_PERSON})?|one|person)\b",
    # "I'm the worker who went part time", "I am the one on the team who..."
    rf"\b(?:I'?m|I\s+am)\s+the\s+(?:one|person|{_PERSON})\s+(?:who|that|on|in)\b",
    # a team of two or three
    rf"\b(?:only|just)\s+{_SMALL}\s+of\s+us\b",
    rf"\ba\s+team\s+of\s+{_SMALL}\b",
    rf"\b(?:our|my)\s+team\s+(?:is|has)\s+(?:only|just)\s+{_SMALL}\b",
    rf"\bone\s+of\s+(?:only\s+)?{_SMALL}\s+{_WORDS}{_PERSON}\b",
    # back from leave, the writer's own: "since I came back from maternity leave in June"
    (rf"\b(?:since|after|when|now)\s+I(?:'ve|\s+have)?\s+(?:came|come|got|get|returned|return|went)\s+back\s+"
    rf"from\s+(?:my\s+|a\s+)?{_LEAVE}{_WHEN}"),
    rf"\b(?:since|after|on)\s+(?:my\s+)?return(?:ing)?\s+(?:to\s+work\s+)?from\s+(?:my\s+|a\s+)?{_LEAVE}{_WHEN}",
    (rf"\bI(?:'ve|\s+have)?\s+(?:just\s+|recently\s+)?(?:came|come|got|returned)\s+(?:back\s+)?from\s+(?:my\s+|a\s+)?"
    rf"{_LEAVE}{_WHEN}"),
    rf"\bI'?m\s+(?:just\s+|recently\s+)?back\s+from\s+(?:my\s+|a\s+)?{_LEAVE}{_WHEN}",
    # leave, the writer's or a colleague's, in the past: "who has just come back from maternity leave"
    (rf"\b(?:came|come|got|returned|just\s+back|been\s+back)\s+(?:back\s+)?from\s+(?:my\s+|her\s+|his\s+|a\s+)?"
    rf"{_LEAVE}{_WHEN}"),
    # a health event of the writer's own
    (r"\b(?:after|since)\s+my\s+(?:stroke|cancer|diagnosis|surgery|operation|heart\s+attack|miscarriage|breakdown"
    r"|chemo(?:therapy)?|transplant|accident)\b"),
    # a relative who works here
    (rf"\bmy\s+{_RELATIVE}\s+(?:also\s+|too\s+)?(?:works|worked|manages|managed|runs|is\s+(?:also\s+)?(?:a|an|the|our|my)"
    rf"\s+[^.,;!?]{{0,40}}?\b(?:manager|TM|social\s+worker|SW|worker|practitioner|head\s+of\s+service|director)\b"
    rf"(?:\s+here)?)"),
))


def find_self_descriptions(text: str) -> list[Span]:
    """The phrases of `text` that describe its writer by a rare characteristic, in order, none overlapping."""
    found: list[Span] = []
    for pattern in PATTERNS:
        for match in pattern.finditer(text):
            if not any(match.start() < s.end and s.start < match.end() for s in found):
                found.append(Span(match.start(), match.end(), KIND))
    return sorted(found)


def describes_writer(text: str) -> bool:
    return bool(find_self_descriptions(text))
