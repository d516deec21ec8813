"""Corrections of a theme analysis, by the principal social worker (admins: the only role that reads comments).

The admin reads a theme's comments (redacted, as the moderation queue shows them), and moves a comment to
another theme or to several, renames a theme, merges two, or splits one (chosen comments go to a new named
theme). Each correction is a row added to `theme_correction` (who, when, what; never changed) and a line in
the audit log. How they are applied and learned from is `disclosure.corrections`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit_log
from ..disclosure import corrections, release
from ..disclosure.themes import quote_key, row_themes
from ..models import Answer, SurveyRun, ThemeCorrection, ThemeJob, User
from ..redaction import redact, redact_all
from . import jobs

MAX_LABEL = 100
OTHER_LABEL = "Other (no theme fits)"


class NotFound(LookupError):
    """No finished analysis, or no comment or theme of it with this key."""


class Invalid(ValueError):
    """A correction that cannot be made, with what to do instead (shown beside the field)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Comment:
    key: str
    text: str  # as the engine redacts comments
    themes: list[str]  # main first, corrections applied
    engine: list[str]  # the engine's own themes
    corrected: str | None  # "moved" (by the PSW), "merged" (its theme was merged), or None

    @property
    def main(self) -> str:
        return self.themes[0]


@dataclass(frozen=True)
class Analysis:
    """The latest finished analysis of a question, with the council's corrections applied."""

    run: SurveyRun
    question_id: str
    job: ThemeJob
    result: dict[str, Any]
    found: corrections.Corrections

    def themes(self) -> list[tuple[str, str]]:
        """(key, label) of every theme a comment may be moved to: the analysis's, then "other"."""
        listed = [(t["id"], t["label"]) for t in self.result.get("themes", []) if t["id"] != corrections.OTHER]
        return listed + [(corrections.OTHER, OTHER_LABEL)]

    def label(self, theme: str) -> str:
        return dict(self.themes()).get(theme, theme)

    def sizes(self) -> dict[str, tuple[int, int]]:
        """theme -> (comments whose main theme it is, comments raising it at all)."""
        rows = self.result.get("rows", [])
        return {t: (sum(r["theme"] == t for r in rows), sum(t in row_themes(r) for r in rows))
                for t, _ in self.themes()}


def analysis(db: Session, run: SurveyRun, question_id: str) -> Analysis:
    job = jobs.latest(db, run, question_id, done=True)
    if job is None or not job.result or job.result.get("mode") == "discovery":
        raise NotFound(question_id)
    found = corrections.of(db, run, question_id)
    return Analysis(run, question_id, job, release.corrected(db, run, question_id, job.result), found)


def comments(db: Session, made: Analysis, theme: str | None = None, key: str | None = None) -> list[Comment]:
    """The analysis's comments (those raising `theme`, when given: its main-theme comments first; the one
    with `key`, when given), redacted."""
    result = made.result
    rows = [r for r in result.get("rows", []) if theme is None or theme in row_themes(r)]
    if theme is not None:
        rows.sort(key=lambda r: r["theme"] != theme)
    ids = result.get("row_responses") or []
    wanted = [ids[r["row"]] for r in rows if r["row"] < len(ids)]
    written: dict[str, str] = {}
    for start in range(0, len(wanted), 500):
        written.update(db.execute(select(Answer.response_id, Answer.text).where(
            Answer.question_id == made.question_id, Answer.response_id.in_(wanted[start:start + 500]),
            Answer.text.is_not(None))).all())  # type: ignore[arg-type]
    raw = [(r, written[ids[r["row"]]]) for r in rows if r["row"] < len(ids) and ids[r["row"]] in written]
    keyed = [(quote_key(made.question_id, text), r) for r, text in raw]
    if key is not None:  # only the one comment is redacted
        raw, keyed = [x for x, (k, _) in zip(raw, keyed) if k == key], [x for x in keyed if x[0] == key]
    shown = redact_all(db, made.run, [text for _, text in raw])
    return [Comment(k, redacted, row_themes(r), list(r.get("engine_themes") or row_themes(r)), r.get("corrected"))
            for (k, r), redacted in zip(keyed, shown)]


def comment(db: Session, made: Analysis, key: str) -> Comment:
    found = next(iter(comments(db, made, key=key)), None)
    if found is None:
        raise NotFound(key)
    return found


def _row(made: Analysis, user: User, kind: str, **values: Any) -> ThemeCorrection:
    return ThemeCorrection(council_id=made.run.council_id, run_id=made.run.id,
                           questionnaire_key=made.run.questionnaire.key, question_id=made.question_id, kind=kind,
                           made_by_id=user.id, made_at=dt.datetime.now(dt.UTC).replace(tzinfo=None), **values)


def _record(db: Session, made: Analysis, user: User, rows: list[ThemeCorrection], detail: dict[str, Any]) -> None:
    db.add_all(rows)
    audit_log.record(db, user, audit_log.THEME_CORRECTED, run=made.run,
                     detail={"question": made.question_id, **detail})
    db.commit()


def _known(made: Analysis, theme: str, field: str) -> None:
    if theme not in dict(made.themes()):
        raise Invalid(field, "Choose a theme from the list")


def move(db: Session, made: Analysis, user: User, found: Comment, main: str, also: list[str]) -> None:
    """The comment's themes become `main` and `also` (a comment about several themes counts in each)."""
    if not main:
        raise Invalid("main", "Choose the comment's main theme")
    for theme in [main, *also]:
        _known(made, theme, "main" if theme == main else "also")
    themes = list(dict.fromkeys([main, *[t for t in also if t != corrections.OTHER]]))
    if main == corrections.OTHER:
        themes = [corrections.OTHER]
    _record(db, made, user, [_row(made, user, corrections.MOVE, key=found.key, text=found.text,
                                  theme=found.main, themes=themes)],
            {"correction": "moved a comment", "from": found.themes, "to": themes})


def _name(db: Session, made: Analysis, label: str, field: str, theme: str | None = None) -> str:
    label = " ".join((label or "").split())
    if not label:
        raise Invalid(field, "Enter a name for the theme")
    if len(label) > MAX_LABEL:
        raise Invalid(field, f"The theme's name must be {MAX_LABEL} characters or fewer")
    label = redact(db, made.run, label).strip()  # a name typed here is released: redacted as comments are
    taken = {name.lower() for key, name in made.themes() if key != theme}
    if label.lower() in taken:
        raise Invalid(field, f"Another theme is already called “{label}”: choose a different name")
    return label


def rename(db: Session, made: Analysis, user: User, theme: str, label: str) -> str:
    if not theme:
        raise Invalid("theme", "Choose the theme to rename")
    _known(made, theme, "theme")
    if theme == corrections.OTHER:
        raise Invalid("theme", "“Other” cannot be renamed: move its comments to a theme, or split it")
    name = _name(db, made, label, "label", theme)
    _record(db, made, user, [_row(made, user, corrections.RENAME, theme=theme, label=name)],
            {"correction": "renamed a theme", "theme": theme, "from": made.label(theme), "to": name})
    return name


def merge(db: Session, made: Analysis, user: User, theme: str, into: str) -> None:
    """Every comment of `theme` (as main or second theme) counts in `into` instead; `theme` is no longer shown."""
    if not theme:
        raise Invalid("theme", "Choose the theme to merge")
    if not into:
        raise Invalid("into", "Choose the theme to merge it into")
    _known(made, theme, "theme")
    _known(made, into, "into")
    if theme == into:
        raise Invalid("into", "Choose two different themes")
    if corrections.OTHER in (theme, into):
        raise Invalid("theme", "“Other” cannot be merged: move its comments to a theme instead")
    _record(db, made, user, [_row(made, user, corrections.MERGE, theme=theme, themes=[into], label=made.label(theme))],
            {"correction": "merged two themes", "theme": theme, "into": into})


def _new_key(made: Analysis, label: str) -> str:
    base = corrections.OWN_PREFIX + ((re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_") or "theme")[:40])
    taken = set(dict(made.themes())) | set(made.found.own) | set(made.found.merged)
    key, n = base, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    return key


def split(db: Session, made: Analysis, user: User, theme: str, keys: list[str], label: str) -> str:
    """The chosen comments of `theme` go to a new theme called `label` (in place of `theme` in their themes)."""
    _known(made, theme, "label")
    name = _name(db, made, label, "label")
    of_theme = {c.key: c for c in comments(db, made, theme)}
    chosen = [of_theme[k] for k in dict.fromkeys(keys) if k in of_theme]
    if not chosen:
        raise Invalid("comments", "Choose the comments that go to the new theme")
    if len(chosen) == len(of_theme):
        raise Invalid("comments", "Leave at least one comment in the theme: to give it a new name, rename it")
    key = _new_key(made, name)
    rows = [_row(made, user, corrections.SPLIT, theme=theme, themes=[key], label=name)]
    for c in chosen:
        themes = list(dict.fromkeys(key if t == theme else t for t in c.themes))
        rows.append(_row(made, user, corrections.MOVE, key=c.key, text=c.text, theme=c.main, themes=themes))
    _record(db, made, user, rows, {"correction": "split a theme", "theme": theme, "new": key, "comments": len(chosen)})
    return key


@dataclass(frozen=True)
class Made:
    what: str
    by: str
    at: dt.datetime


def history(db: Session, made: Analysis) -> list[Made]:
    """The corrections of this question, newest first, in words (comments are not repeated here)."""
    label = made.label
    found = []
    for row in reversed(corrections.stored(db, made.run.council_id, made.run.questionnaire.key, made.question_id)):
        if row.kind == corrections.MOVE:
            what = f"Moved a comment from “{label(row.theme or '')}” to " + ", ".join(
                f"“{label(t)}”" for t in row.themes or [])
        elif row.kind == corrections.RENAME:
            what = f"Renamed a theme “{row.label}”"
        elif row.kind == corrections.MERGE:
            what = f"Merged “{row.label or row.theme}” into “{label((row.themes or [''])[0])}”"
        else:
            what = f"Split “{row.label}” off “{label(row.theme or '')}”"
        found.append(Made(what, row.made_by.name, row.made_at))
    return found
