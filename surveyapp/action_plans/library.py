"""The library of actions per theme (library.yaml): a data file a council can edit, checked when it is read."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

LIBRARY = Path(__file__).with_name("library.yaml")
STANDARDS = {
    1: "Standard 1: a strong and clear social work framework",
    2: "Standard 2: effective workforce planning",
    3: "Standard 3: safe workloads and case allocation",
    4: "Standard 4: wellbeing",
    5: "Standard 5: effective supervision",
    6: "Standard 6: continuing professional development",
    7: "Standard 7: professional registration",
    8: "Standard 8: partnerships",
}
_LISTS = ("sections", "comment_themes", "leaver_reasons", "we_will", "we_expect_you")


class LibraryError(ValueError):
    """A library file that cannot be used, with where and why."""


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    said: str
    sections: tuple[str, ...]
    questions: dict[str, str]  # question id -> what disagreeing with it means
    comment_themes: tuple[str, ...]
    leaver_reasons: tuple[str, ...]
    standards: tuple[int, ...]
    we_will: tuple[str, ...]
    we_expect_you: tuple[str, ...]


def _entry(data: Any, where: str) -> Entry:
    if not isinstance(data, dict):
        raise LibraryError(f"{where}: each theme must be a mapping")
    for name in ("id", "title", "said"):
        if not isinstance(data.get(name), str) or not data[name].strip():
            raise LibraryError(f"{where}.{name}: enter some text")
    for name in _LISTS:
        if not isinstance(data.get(name, []), list) or not all(isinstance(v, str) for v in data.get(name, [])):
            raise LibraryError(f"{where}.{name}: must be a list of text")
    questions = data.get("questions", {})
    if not isinstance(questions, dict) or not all(isinstance(v, str) for v in questions.values()):
        raise LibraryError(f"{where}.questions: must map question ids to text")
    standards = data.get("standards", [])
    if not isinstance(standards, list) or any(s not in STANDARDS for s in standards):
        raise LibraryError(f"{where}.standards: must be numbers from 1 to 8")
    return Entry(data["id"], data["title"], data["said"], tuple(data.get("sections", [])), dict(questions),
                 tuple(data.get("comment_themes", [])), tuple(data.get("leaver_reasons", [])), tuple(standards),
                 tuple(data.get("we_will", [])), tuple(data.get("we_expect_you", [])))


def parse(text: str, source: str) -> list[Entry]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise LibraryError(f"{source}: not valid YAML: {exc}") from exc
    themes = data.get("themes") if isinstance(data, dict) else None
    if not isinstance(themes, list) or not themes:
        raise LibraryError(f"{source}: needs a list of themes")
    entries = [_entry(t, f"{source}: themes[{i}]") for i, t in enumerate(themes)]
    ids = [e.id for e in entries]
    if len(set(ids)) != len(ids):
        raise LibraryError(f"{source}: a theme id is used twice")
    return entries


@cache
def load(path: Path = LIBRARY) -> tuple[Entry, ...]:
    return tuple(parse(path.read_text(encoding="utf-8"), str(path)))
