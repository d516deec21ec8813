"""Results: plain dataclasses that serialise to JSON for the web app and the CLI."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field


@dataclass
class Quote:
    row: int
    text: str


@dataclass
class Theme:
    id: str
    label: str
    keywords: list[str]
    size: int
    share: float
    quotes: list[Quote]
    sentiment: dict[str, int]
    description: str | None = None
    mean_confidence: float | None = None
    # Comments that raise the theme at all: as their main theme or as a second one. `size`
    # counts main themes only (sizes add up to the comments); mentions count a comment in each.
    mentions: int = 0
    mention_share: float = 0.0


@dataclass
class ThemeReport:
    mode: str
    taxonomy: str | None
    embedding: str
    n_rows: int
    n_blank: int
    redactions: dict[str, int]
    themes: list[Theme]
    emerging_themes: list[Theme] = field(default_factory=list)
    assignments: list[str] = field(default_factory=list)
    confidence: list[float | None] = field(default_factory=list)
    sentiments: list[str | None] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Per row: None, or the kind of safeguarding disclosure the comment seems to make
    # (analysis.safeguarding.FLAG_KINDS). Flagged comments are never quotes.
    flags: list[str | None] = field(default_factory=list)
    # Per row: every theme the comment raises, its main theme (`assignments`) first.
    theme_sets: list[list[str]] = field(default_factory=list)

    def to_dict(self, include_rows: bool = True) -> dict:
        data = asdict(self)
        flags = self.flags or [None] * len(self.assignments)
        sets = self.theme_sets or [[t] for t in self.assignments]
        rows = [{"row": i, "theme": t, "themes": list(ts), "confidence": c, "sentiment": s, "flag": f}
                for i, (t, ts, c, s, f) in enumerate(zip(self.assignments, sets, self.confidence, self.sentiments,
                                                          flags))]
        for key in ("assignments", "confidence", "sentiments", "flags", "theme_sets"):
            data.pop(key)
        if include_rows:
            data["rows"] = rows
        return data

    def to_json(self, include_rows: bool = True) -> str:
        return json.dumps(self.to_dict(include_rows), indent=2, ensure_ascii=False)
