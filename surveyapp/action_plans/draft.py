"""Drafting a plan from a release: the themes that matter most, each said in plain words with its figures.

Deterministic and offline: the same release and library give the same draft.
A theme of the library matters more the more of you disagree with its
statements, the bigger and more negative its comment theme, the more leavers
give it as a reason, and the more its figures fell beyond chance. The manager
edits every word afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..disclosure.reader import Released
from . import evidence
from .evidence import Figure
from .library import Entry

ROWS = 5
WE_WILL = 3
WE_EXPECT = 2
WORDS = ((76, "More than three quarters of you"), (67, "More than two thirds of you"), (51, "Over half of you"),
         (50, "Half of you"), (45, "Almost half of you"), (34, "Over a third of you"), (26, "Over a quarter of you"))


@dataclass(frozen=True)
class Suggestion:
    entry: Entry
    score: float
    you_said: str
    evidence: dict[str, Any]
    we_will: tuple[str, ...]
    we_expect_you: tuple[str, ...]
    standards: tuple[int, ...]


def in_words(percent: int) -> str:
    return next((words for least, words in WORDS if percent >= least), "Some of you")


def _change(figure: Figure) -> str:
    if figure.change is None or round(figure.change.points) == 0:
        return ""
    points = round(figure.change.points)
    return f", {abs(points)} {'point' if abs(points) == 1 else 'points'} {'more' if points > 0 else 'fewer'} than last year"


def said_of_question(figure: Figure, statement: str) -> str:
    assert figure.percent is not None
    return f"{in_words(figure.percent)} ({figure.percent}%) told us {statement}{_change(figure)}."


def said_of_theme(figure: Figure, title: str) -> str:
    return (f"{figure.count} of you wrote about {title.lower()} in your comments "
            f"({figure.percent}% of comments){_change(figure)}.")


def said_of_reason(figure: Figure, title: str) -> str:
    assert figure.percent is not None
    words = in_words(figure.percent).replace(" of you", " of leavers")
    return f"{words} ({figure.percent}%) told us they left because of {title.lower()}{_change(figure)}."


def suggest(data: Released, previous: Released | None, entries: tuple[Entry, ...], rows: int = ROWS) -> list[Suggestion]:
    found = [s for e in entries if (s := _suggestion(data, previous, e)) is not None]
    return sorted(found, key=lambda s: (-s.score, s.entry.id))[:rows]


def _suggestion(data: Released, previous: Released | None, entry: Entry) -> Suggestion | None:
    questions = [f for q in entry.questions if (f := evidence.question(data, previous, q, "disagree"))]
    sections = [f for s in entry.sections if (f := evidence.section(data, previous, s))]
    analysed = sorted(data.content.get("themes", {}))
    themes = [f for q in analysed for t in entry.comment_themes if (f := evidence.theme(data, previous, q, t))]
    reasons = [f for r in entry.leaver_reasons if (f := evidence.reason(data, previous, r))]
    shown = [f for f in questions + sections + themes + reasons if f.share is not None]
    if not shown:
        return None
    said = _you_said(entry, questions, themes, reasons)
    refs = {"sections": [f.ref for f in sections], "questions": [f.ref for f in questions],
            "themes": [f.ref.split(":", 1) for f in themes], "reasons": [f.ref for f in reasons]}
    return Suggestion(entry, _score(questions, sections, themes, reasons), said, refs,
                      entry.we_will[:WE_WILL], entry.we_expect_you[:WE_EXPECT], entry.standards)


def _score(questions: list[Figure], sections: list[Figure], themes: list[Figure], reasons: list[Figure]) -> float:
    score = max((f.share for f in questions if f.share is not None), default=0.0)
    score += sum(0.5 * (1 - f.share) for f in sections if f.share is not None) / max(len(sections), 1)
    for f in themes:
        if f.share is not None:
            negative = f.negative / f.count if f.negative is not None and f.count else 0.5
            score += f.share * (0.5 + negative)
    score += sum(f.share for f in reasons if f.share is not None)
    # Beyond-noise changes for the worse: disagreement up, agreement (sections) down, theme grown.
    score += 0.15 * sum(1 for f in questions + themes + reasons if f.change and f.change.notable and f.change.points > 0)
    score += 0.15 * sum(1 for f in sections if f.change and f.change.notable and f.change.points < 0)
    return round(score, 6)


def _you_said(entry: Entry, questions: list[Figure], themes: list[Figure], reasons: list[Figure]) -> str:
    parts = []
    worst = max((f for f in questions if f.share is not None), key=lambda f: (f.share, f.ref), default=None)
    if worst is not None:
        parts.append(said_of_question(worst, entry.questions[worst.ref]))
    biggest = max((f for f in themes if f.share is not None), key=lambda f: (f.share, f.ref), default=None)
    if biggest is not None:
        parts.append(said_of_theme(biggest, entry.title))
    top = max((f for f in reasons if f.share is not None), key=lambda f: (f.share, f.ref), default=None)
    if top is not None:
        parts.append(said_of_reason(top, entry.title))
    return " ".join(parts) or f"You told us {entry.said}."
