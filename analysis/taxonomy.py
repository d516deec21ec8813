"""Taxonomies: named sets of themes kept as YAML data files a council can edit."""

from __future__ import annotations

import re
from functools import cache
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

BUILT_IN = {"health-check": "health-check.yaml", "exit": "exit.yaml"}
_ID = re.compile(r"^[a-z][a-z0-9_]*$")


class TaxonomyError(ValueError):
    """A taxonomy file is missing, unreadable or malformed."""


@dataclass(frozen=True)
class ThemeDefinition:
    id: str
    name: str
    description: str
    examples: tuple[str, ...]
    keywords: tuple[str, ...] = field(default=())

    def training_texts(self) -> list[str]:
        """What the classifier learns the theme from: its examples and its definition."""
        return [*self.examples, f"{self.name}. {self.description}"]


@dataclass(frozen=True)
class Taxonomy:
    id: str
    name: str
    themes: tuple[ThemeDefinition, ...]
    # Under this mean similarity to a theme's nearest examples, a comment with no keyword is "other".
    other_threshold: float = 0.3

    @property
    def theme_ids(self) -> list[str]:
        return [t.id for t in self.themes]

    def theme(self, theme_id: str) -> ThemeDefinition:
        return next(t for t in self.themes if t.id == theme_id)


# libyaml's loader when PyYAML was built with it: the pure-Python one takes ~0.2 s a file.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@cache
def _built_in(name: str) -> Taxonomy:
    text = resources.files("analysis.taxonomies").joinpath(BUILT_IN[name]).read_text("utf-8")
    return parse_taxonomy(yaml.load(text, Loader=_Loader))


def load_taxonomy(name_or_path: str | Path) -> Taxonomy:
    """Load a built-in taxonomy by id ("health-check", "exit") or any YAML file by path."""
    if str(name_or_path) in BUILT_IN:
        return _built_in(str(name_or_path))  # frozen dataclasses: safe to share
    else:
        try:
            text = Path(name_or_path).read_text(encoding="utf-8")
        except OSError as exc:
            raise TaxonomyError(f"cannot read taxonomy {name_or_path}: {exc.strerror}") from exc
    return parse_taxonomy(yaml.load(text, Loader=_Loader))


def parse_taxonomy(data: object) -> Taxonomy:
    """Validate at load, so a bad edit fails with a message rather than odd results."""
    if not isinstance(data, dict) or not isinstance(data.get("themes"), list) or not data["themes"]:
        raise TaxonomyError("a taxonomy needs a non-empty 'themes' list")
    themes = tuple(_parse_theme(t, n) for n, t in enumerate(data["themes"]))
    ids = [t.id for t in themes]
    if len(set(ids)) != len(ids) or "other" in ids:
        raise TaxonomyError("theme ids must be unique and must not be 'other'")
    threshold = data.get("other_threshold", 0.3)
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 <= threshold < 1:
        raise TaxonomyError("other_threshold must be a number from 0 up to 1")
    return Taxonomy(id=str(data.get("id", "custom")), name=str(data.get("name", "Custom")), themes=themes,
                    other_threshold=float(threshold))


def _parse_theme(item: object, position: int) -> ThemeDefinition:
    if not isinstance(item, dict):
        raise TaxonomyError(f"theme {position + 1} is not a mapping")
    theme_id = str(item.get("id", ""))
    if not _ID.match(theme_id):
        raise TaxonomyError(f"theme {position + 1}: id {theme_id!r} must be lower_snake_case")
    examples = [str(e) for e in item.get("examples") or []]
    if not examples or not item.get("name") or not item.get("description"):
        raise TaxonomyError(f"theme {theme_id}: name, description and examples are required")
    # str(): YAML reads some bare keywords ("1:1", "yes") as numbers or booleans.
    keywords = tuple(str(k).lower() for k in item.get("keywords") or [])
    return ThemeDefinition(theme_id, str(item["name"]), str(item["description"]), tuple(examples), keywords)


def all_built_in() -> list[Taxonomy]:
    return [load_taxonomy(name) for name in BUILT_IN]
