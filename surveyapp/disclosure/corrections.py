"""The principal social worker's corrections of theme analyses, applied on top of the engine's result.

Corrections (`models.ThemeCorrection`) are per council and per questionnaire key and question, so one made
on this year's run holds for every later analysis of the same question: a moved comment by the hash of its
text (`themes.quote_key`, as quote decisions are keyed), renames, merges and splits by theme key. Theme keys
are stable: the app analyses in taxonomy mode, whose keys are the taxonomy's ids (and "other"), and a split
mints a key for its new theme (`own_...`) that is stored with it. `apply` is a pure function of the engine's
result and the corrections: every release, the moderation queue and the corrections page read an analysis
through `release.analyses_of`, which applies them, so a re-run analysis is corrected again the same way.

The moved comments are also the engine's labelled examples for the council's later analyses
(`labelled`), and a split's new theme becomes a theme of their taxonomy (`own_themes`).
"""

from __future__ import annotations

import copy
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Answer, SurveyRun, ThemeCorrection
from .themes import row_themes

MOVE, RENAME, MERGE, SPLIT = "move", "rename", "merge", "split"
OTHER = "other"
OWN_PREFIX = "own_"


@dataclass
class Corrections:
    """What a council's corrections of one question amount to, the latest of each holding."""

    moves: dict[str, list[str]] = field(default_factory=dict)  # comment key -> its themes, main first
    texts: dict[str, str] = field(default_factory=dict)  # comment key -> the comment, redacted
    labels: dict[str, str] = field(default_factory=dict)  # theme key -> its new name
    merged: dict[str, str] = field(default_factory=dict)  # theme key -> the theme it was merged into
    own: dict[str, str] = field(default_factory=dict)  # a split's new theme key -> its name

    def __bool__(self) -> bool:
        return bool(self.moves or self.labels or self.merged or self.own)

    def final(self, theme: str) -> str:
        """The theme a key ends up as, after merges (a chain a -> b -> c is followed; a loop stops)."""
        seen = {theme}
        while theme in self.merged and self.merged[theme] not in seen:
            theme = self.merged[theme]
            seen.add(theme)
        return theme

    def themes_of(self, themes: Iterable[str]) -> list[str]:
        return list(dict.fromkeys(self.final(t) for t in themes))


def fold(rows: Iterable[ThemeCorrection]) -> Corrections:
    """The corrections in the order they were made (by id): later ones win."""
    found = Corrections()
    for row in sorted(rows, key=lambda r: r.id):
        if row.kind == MOVE and row.key and row.themes:
            found.moves[row.key] = list(row.themes)
            if row.text:
                found.texts[row.key] = row.text
        elif row.kind == RENAME and row.theme and row.label:
            found.labels[row.theme] = row.label
        elif row.kind == MERGE and row.theme and row.themes and row.themes[0] != row.theme:
            found.merged[row.theme] = row.themes[0]
            found.merged.pop(row.themes[0], None)  # a theme merged into is whole again
        elif row.kind == SPLIT and row.themes and row.label:
            found.own[row.themes[0]] = row.label
    return found


def stored(db: Session, council_id: int, questionnaire_key: str, question_id: str) -> list[ThemeCorrection]:
    return list(db.scalars(select(ThemeCorrection).where(
        ThemeCorrection.council_id == council_id, ThemeCorrection.questionnaire_key == questionnaire_key,
        ThemeCorrection.question_id == question_id).order_by(ThemeCorrection.id)))


def of(db: Session, run: SurveyRun, question_id: str) -> Corrections:
    return fold(stored(db, run.council_id, run.questionnaire.key, question_id))


def row_keys(db: Session, question_id: str, result: dict[str, Any]) -> list[str | None]:
    """Each analysed comment's key (a hash of the question and its text), read from the answers."""
    from .themes import quote_key

    ids = result.get("row_responses") or []
    texts: dict[str, str] = {}
    for start in range(0, len(ids), 500):
        texts.update(db.execute(select(Answer.response_id, Answer.text).where(
            Answer.question_id == question_id, Answer.response_id.in_(ids[start:start + 500]),
            Answer.text.is_not(None))).all())  # type: ignore[arg-type]
    return [quote_key(question_id, texts[i]) if i in texts else None for i in ids]


def apply(result: dict[str, Any], found: Corrections, keys: list[str | None]) -> dict[str, Any]:
    """The engine's result with the corrections on top; the engine's own themes of a corrected row are kept
    in `engine_themes` and the row is marked `corrected` ("moved" or "merged"), for the admin's view."""
    if not found:
        return result
    out = copy.deepcopy(result)
    rows = out.get("rows", [])
    for row in rows:
        i = row["row"]
        engine = row_themes(row)
        key = keys[i] if 0 <= i < len(keys) else None
        how = None
        themes = engine
        if key is not None and key in found.moves:
            themes, how = found.moves[key], "moved"
        final = found.themes_of(themes)
        if how is None and final != engine:
            how = "merged"
        if how is not None:
            row["engine_themes"] = engine
            row["corrected"] = how
        row["theme"], row["themes"] = final[0], final
    listed = [t for t in out.get("themes", []) if t["id"] not in found.merged]
    have = {t["id"] for t in listed}
    used = {t for row in rows for t in row["themes"]}
    for key, label in found.own.items():
        if key not in have and key in used and key not in found.merged:
            listed.insert(len([t for t in listed if t["id"] != OTHER]),
                          {"id": key, "label": label, "keywords": [], "description": None, "quotes": [],
                           "sentiment": {}, "own": True})
            have.add(key)
    by_row = {row["row"]: row for row in rows}
    quotes = [q for t in out.get("themes", []) for q in t.get("quotes", [])]
    main = Counter(row["theme"] for row in rows)
    mentions = Counter(t for row in rows for t in row["themes"])
    n = max(len([r for r in rows if r.get("sentiment") is not None or r["theme"] != OTHER]), 1)
    moved: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for quote in quotes:
        row = by_row.get(quote["row"])
        if row is not None:
            moved[row["theme"]].append(quote)
    for theme in listed:
        if theme["id"] in found.labels:
            theme["engine_label"] = theme["label"]
            theme["label"] = found.labels[theme["id"]]
        theme["quotes"] = moved.get(theme["id"], [])  # a quote goes with its comment to its main theme
        theme["size"], theme["mentions"] = main[theme["id"]], mentions[theme["id"]]
        theme["share"], theme["mention_share"] = round(main[theme["id"]] / n, 4), round(mentions[theme["id"]] / n, 4)
    out["themes"] = listed
    out["corrections"] = {"moved": sum(r.get("corrected") == "moved" for r in rows),
                          "merged": sorted(found.merged), "renamed": sorted(found.labels), "own": sorted(found.own)}
    return out


def labelled(found: Corrections) -> list[tuple[str, str]]:
    """The moved comments as (text, theme) examples for the engine: a comment about two themes is an example
    of each. A theme merged away teaches the theme it went into."""
    pairs = []
    for key, themes in found.moves.items():
        text = found.texts.get(key)
        if text:
            pairs += [(text, t) for t in found.themes_of(themes) if t != OTHER]
    return pairs


def own_themes(found: Corrections) -> dict[str, tuple[str, list[str]]]:
    """A split's new themes (not merged away) with the comments moved to them: the engine learns them as
    themes of the council's taxonomy. key -> (name, example comments)."""
    examples: dict[str, list[str]] = defaultdict(list)
    for text, theme in labelled(found):
        examples[theme].append(text)
    return {key: (found.labels.get(key, label), examples[key]) for key, label in found.own.items()
            if key not in found.merged and examples.get(key)}
