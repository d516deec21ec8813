"""The evidence behind a plan's row, read from a release for the whole council, exactly as released.

Nothing here counts answers: every figure is a cell of a release, or "Hidden"
where the release hides it (or a figure it would need). Changes since last year
are against the council's previous run, marked only when beyond chance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..disclosure import cells as c
from ..disclosure.compare import Change, change
from ..disclosure.reader import HIDDEN, Released, theme_summary

AGREE = ("strongly_agree", "agree")
DISAGREE = ("disagree", "strongly_disagree")
SCALE = ("strongly_agree", "agree", "neither", "disagree", "strongly_disagree")  # "don't know" left out
REASONS = "main_reasons"
MAX_QUOTES = 2


@dataclass(frozen=True)
class Figure:
    kind: str  # question, section, theme, reason
    ref: str
    label: str
    measure: str  # what the share is of: "agree", "disagree", "of comments", "of leavers"
    count: int | None
    total: int | None
    change: Change | None = None
    negative: int | None = None  # comments of a theme read as negative
    quotes: list[str] = field(default_factory=list)
    mentions: int | None = None  # a theme's comments raising it at all (main or second theme), as released
    multi: bool = False  # the release has mentions for the theme's question

    @property
    def share(self) -> float | None:
        return self.count / self.total if self.count is not None and self.total else None

    @property
    def percent(self) -> int | None:
        return None if self.share is None else round(100 * self.share)

    @property
    def shown(self) -> str:
        """The figure as pages and exports write it: "38% agree", or "Hidden"."""
        if self.kind == "theme":
            return self._theme()
        if self.percent is None:
            return HIDDEN
        if self.kind == "reason":
            return f"{self.percent}% of leavers"
        return f"{self.percent}% {self.measure}"

    def _theme(self) -> str:
        """A theme's size with its share, or without it when only the number of comments is hidden (as the
        themes page shows it); and its comments raising it where the release has them."""
        if self.count is None:
            size = HIDDEN
        elif self.percent is not None:
            size = f"{self.count} comments ({self.percent}% of comments)"
        else:
            size = f"{self.count} comments (the number of all comments is hidden)"
        if not self.multi:
            return size
        raising = HIDDEN if self.mentions is None else str(self.mentions)
        return f"{size}; comments raising it: {raising}"

    @property
    def change_text(self) -> str:
        if self.change is None:
            return ""
        points = round(self.change.points)
        if points == 0:
            return "no change since last year"
        word = "more" if points > 0 else "fewer"
        text = f"{abs(points)} {'point' if abs(points) == 1 else 'points'} {word} than last year"
        return text + (" (more than chance)" if self.change.notable else "")

    def text(self) -> str:
        """One line: what, the figure, and its change."""
        said = f"{self.label}: {self.shown}"
        return f"{said}, {self.change_text}" if self.change_text and self.percent is not None else said


def agreement(data: Released, question_id: str, options: tuple[str, ...] = AGREE) -> tuple[int | None, int | None]:
    """(people giving one of `options`, people answering on the scale); None where the release hides either."""
    counts = [data.value(c.measure(question_id, v), c.ALL) for v in SCALE]
    if any(n is None for n in counts):
        return None, None
    chosen = sum(n for v, n in zip(SCALE, counts) if v in options and n is not None)
    return chosen, sum(n for n in counts if n is not None)


def question(data: Released, previous: Released | None, question_id: str, measure: str = "agree") -> Figure | None:
    asked = data.questionnaire.question(question_id)
    if asked is None or asked.type != "agreement":
        return None
    options = AGREE if measure == "agree" else DISAGREE
    now = agreement(data, question_id, options)
    if now[1] == 0:
        return None  # nobody was asked it (or nobody answered): nothing to show, not a hidden figure
    before = agreement(previous, question_id, options) if previous and previous.questionnaire.question(
        question_id) else None
    return Figure("question", question_id, asked.text.rstrip("."), measure, now[0], now[1], change(now, before))


def section(data: Released, previous: Released | None, section_id: str) -> Figure | None:
    found = next((s for s in data.sections(c.ALL) if s.section_id == section_id), None)
    if found is None:
        return None
    before = next((s for s in previous.sections(c.ALL) if s.section_id == section_id), None) if previous else None
    return Figure("section", section_id, f"Statements about {found.title.lower()}", "agree", found.agree,
                  found.answered, change((found.agree, found.answered), (before.agree, before.answered) if before else None))


def theme(data: Released, previous: Released | None, question_id: str, theme_id: str) -> Figure | None:
    summary = theme_summary(data, question_id, c.ALL, previous)
    row = next((t for t in summary.themes if t.id == theme_id), None) if summary else None
    if summary is None or row is None:
        return None
    asked = data.questionnaire.question(question_id)
    points = Change(row.change, row.notable) if row.change is not None else None
    return Figure("theme", f"{question_id}:{theme_id}", f"“{row.label}” in answers to “{asked.text if asked else question_id}”",
                  "of comments", row.size, summary.comments, points, row.sentiment.get("negative"),
                  list(row.quotes[:MAX_QUOTES]), row.mentions, summary.has_mentions)


def reason(data: Released, previous: Released | None, option: str) -> Figure | None:
    asked = data.questionnaire.question(REASONS)
    if asked is None or option not in dict(asked.choices()):
        return None
    now = data.row(asked, c.ALL)
    count = now.counts.get(option)
    before_row = previous.row(asked, c.ALL) if previous and previous.questionnaire.question(REASONS) else None
    before = (before_row.counts.get(option), before_row.total) if before_row else None
    return Figure("reason", option, f"Leaving because of: {asked.label_for(option)}", "of leavers", count, now.total,
                  change((count, now.total), before))


def figures(data: Released, previous: Released | None, refs: dict[str, Any]) -> list[Figure]:
    """A row's evidence (`PlanRow.evidence`) as released; references the release does not have are left out."""
    found = [section(data, previous, s) for s in refs.get("sections", [])]
    found += [question(data, previous, q) for q in refs.get("questions", [])]
    found += [theme(data, previous, q, t) for q, t in refs.get("themes", [])]
    found += [reason(data, previous, r) for r in refs.get("reasons", [])]
    return [f for f in found if f is not None]
