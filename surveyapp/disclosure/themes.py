"""Themes of a run's comments in a release: counts by unit, sentiment, and the words shown beside them.

The latest finished analysis of each free-text question is frozen into the
release. Its counts are cells like any other: themes add up to the comments of
a unit, units to the council, and a team's comments are at most its people.
Every team is listed, small ones hidden (leaving them out would let the council
minus the shown teams give them away). Words taken from comments (keywords, a
discovered theme's label, quotes) are shown only for a theme with at least 10
comments, and quotes only where the shown unit has that many.

Moderation: a quote is released only when the principal social worker approved
it (or edited it: then the edited text, redacted again, is released instead).
Decisions are keyed by a hash of the question and the comment's text
(`quote_key`), so they hold when a re-analysis chooses the same comment again.
Keywords, and a discovered theme's label, are taken from the released quotes'
words only: a withheld comment cannot show through a keyword.

Over time: the people who commented in a unit, and the members of each theme,
are compared with the same groups in every earlier release of the run; a group
that changed by 1 to 4 people is hidden, so re-running an analysis after one
more comment does not tell which theme it went to.

More than one theme: a comment that clearly raises two themes counts once in its main theme's size (sizes
add up to the comments) and once in each theme's mentions, released as cells of their own with the sums
that tie them to the sizes and the comments, and hidden by the same audit and the same over-time rule.
What the differences give (mentions less the size: comments raising a theme second only; the comments less
the mentions: those not raising it) are never shown, and one of 1 to 4 is audited like a multiple-choice
option's "not ticked": it would count a handful of people, so the audit hides a figure it needs.
An analysis is read with the principal social worker's corrections applied (`corrections`,
`release.analyses_of`): its sizes, mentions and labels are the corrected ones.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import QuoteDecision, QuoteStatus
from . import cells as c
from .build import Builder

SENTIMENTS = ("positive", "negative", "mixed")
NO_SENTIMENT = "none"
OTHER = "other"
MENTIONS = "mentions"  # th:<question>:<theme>:mentions, comments raising the theme as main or second theme
SECOND = "second"  # ...:second, raising it as a second theme only (never shown; audited when 1 to 4: mentions less the size)

# question id -> the analysis's stored result
Analyses = dict[str, dict[str, Any]]


def theme_ids(result: dict[str, Any]) -> list[str]:
    listed = [t["id"] for t in result.get("themes", [])]
    seen = sorted({row["theme"] for row in result.get("rows", [])} - set(listed))
    return listed + seen


def measure(question_id: str, value: str) -> str:
    return f"th:{question_id}:{value}"


def add(builder: Builder, analyses: Analyses, figures: int = 5) -> None:
    """Cells and sums for every analysed question; called by `build` once the answers are in. `figures` is the
    release's threshold: a difference of mentions below it is audited (see `_mentions`)."""
    for question_id, result in sorted(analyses.items()):
        system = f"themes:{question_id}"
        themes = theme_ids(result)
        counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        sentiment: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for row, team_id in zip(result.get("rows", []), result.get("row_teams", [])):
            for unit in builder.units_of(team_id):
                counts[unit][row["theme"]] += 1
            sentiment[row["theme"]][row.get("sentiment") or NO_SENTIMENT] += 1
        units = builder.unit_groups()
        fits = all(sum(counts[u].values()) <= builder.count(c.RESPONDENTS, u) for u in units)
        for unit in units:
            parts = [builder.put(measure(question_id, t), unit, counts[unit][t]) for t in themes]
            total = builder.put(measure(question_id, c.ANSWERED), unit, sum(counts[unit].values()))
            builder.add_sum(system, total, parts)
            if fits:  # an analysis never has more comments than the release has people; if it did, it is stale
                rest = builder.put(measure(question_id, c.NOT_GIVEN), unit,
                                   builder.count(c.RESPONDENTS, unit) - sum(counts[unit].values()), shown=False)
                builder.add_sum(system, c.cell(c.RESPONDENTS, unit), [total, rest])
        for value in [*themes, c.ANSWERED] + ([c.NOT_GIVEN] if fits else []):
            builder.hierarchy(system, measure(question_id, value), None, units_only=True)
        if has_second_themes(result):
            _mentions(builder, system, question_id, result, themes, counts, figures)
        for t in themes:
            parts = [builder.put(measure(question_id, f"{t}:{s}"), c.ALL, sentiment[t][s]) for s in SENTIMENTS]
            parts.append(builder.put(measure(question_id, f"{t}:{NO_SENTIMENT}"), c.ALL,
                                     sentiment[t][NO_SENTIMENT], shown=False))
            builder.add_sum(system, c.cell(measure(question_id, t), c.ALL), parts)


def row_themes(row: Mapping[str, Any]) -> list[str]:
    """A row's themes, main first (an engine result without second themes has `theme` only)."""
    return list(row.get("themes") or [row["theme"]])


def has_second_themes(result: dict[str, Any]) -> bool:
    """Whether any comment of the analysis raises more than one theme: then each theme's mentions are released."""
    return any(len(row.get("themes") or ()) > 1 for row in result.get("rows", []))


def _mentions(builder: Builder, system: str, question_id: str, result: dict[str, Any], themes: list[str],
              counts: dict[str, dict[str, int]], figures: int) -> None:
    """Comments that raise each theme at all, as their main theme or a second one: a comment counts in each
    of its themes. Like a multiple-choice option, each theme is a yes/no of the unit's comments (mentioned,
    and not, add up to the comments), and its mentions are its main-theme comments plus those raising it
    second, so the audit knows how the new figures tie to the sizes.

    "Not raising it" and "second only" are never shown, but anyone can subtract: one that counts 1 to
    `figures`-1 people is published to the audit, which hides it and proves no shown figure gives it away,
    as it does a multiple-choice option's "not ticked". One of 0 or at least `figures` stays out of what is
    published (an unknown of the audit's sums): a page that let it be worked out would give away nothing,
    and counting it as known would make the audit hide figures no page lets anyone combine."""
    mentioned: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row, team_id in zip(result.get("rows", []), result.get("row_teams", [])):
        for unit in builder.units_of(team_id):
            for t in dict.fromkeys(row_themes(row)):
                mentioned[unit][t] += 1
    for unit in builder.unit_groups():
        answered = c.cell(measure(question_id, c.ANSWERED), unit)
        for t in themes:
            yes = builder.put(measure(question_id, f"{t}:{MENTIONS}"), unit, mentioned[unit][t])
            rest = sum(counts[unit].values()) - mentioned[unit][t]
            no = builder.put(measure(question_id, f"{t}:{MENTIONS}!"), unit, rest, shown=0 < rest < figures)
            builder.add_sum(system, answered, [yes, no])
            only = mentioned[unit][t] - counts[unit][t]
            second = builder.put(measure(question_id, f"{t}:{SECOND}"), unit, only, shown=0 < only < figures)
            builder.add_sum(system, yes, [c.cell(measure(question_id, t), unit), second])
    for t in themes:
        for value in (MENTIONS, MENTIONS + "!", SECOND):
            builder.hierarchy(system, measure(question_id, f"{t}:{value}"), None, units_only=True)


def members(analyses: Analyses) -> dict[str, dict[str, list[str]]]:
    """Who is in each theme, by response id, for the next release's audit (analyses without ids give none)."""
    found: dict[str, dict[str, list[str]]] = {}
    for question_id, result in analyses.items():
        ids = result.get("row_responses")
        if not ids:
            continue
        themes: dict[str, list[str]] = defaultdict(list)
        multi = has_second_themes(result)
        for row, response_id in zip(result.get("rows", []), ids):
            themes[row["theme"]].append(response_id)
            for t in dict.fromkeys(row_themes(row)) if multi else ():
                themes[f"{t}:{MENTIONS}"].append(response_id)  # who raises a theme at all: its mentions' group
        found[question_id] = {t: sorted(m) for t, m in themes.items()}
    return found


def changed_since(now: dict[str, dict[str, list[str]]], earlier: list[dict[str, dict[str, list[str]]]],
                  unit_members: dict[str, frozenset[str]], threshold: int) -> set[tuple[str, str, str]]:
    """(question, theme or "", unit) groups that changed by 1 to threshold-1 people since an earlier release:
    the commenters of a unit (theme ""), or a theme's members across the council."""
    closed: set[tuple[str, str, str]] = set()
    for question_id, themes in now.items():
        commenters = frozenset(m for t, ids in themes.items() if ":" not in t for m in ids)
        for before in earlier:
            then = before.get(question_id)
            if then is None:
                continue
            commented_then = frozenset(m for t, ids in then.items() if ":" not in t for m in ids)
            for unit, people in unit_members.items():
                if 0 < len((commenters & people) ^ (commented_then & people)) < threshold:
                    closed.add((question_id, "", unit))
            for theme in set(themes) | set(then):
                if 0 < len(frozenset(themes.get(theme, [])) ^ frozenset(then.get(theme, []))) < threshold:
                    closed.add((question_id, theme, c.ALL))
    return closed


def forced_cells(closed: set[tuple[str, str, str]], published: set[str]) -> set[str]:
    """Cells hidden because their group changed by a handful since an earlier release."""
    forced = set()
    for key in published:
        m, group = c.split(key)
        if not m.startswith("th:"):
            continue
        _, question_id, value = m.split(":", 2)
        theme, _, rest = value.partition(":")
        mentions = rest.startswith((MENTIONS, SECOND)) and (question_id, f"{theme}:{MENTIONS}", c.ALL) in closed
        if (question_id, "", group) in closed or (question_id, theme, c.ALL) in closed or mentions:
            forced.add(key)
    return forced


@dataclass(frozen=True)
class Decision:
    """The admin's decision on a quote: approved, edited (`text` is what is released) or withheld."""

    status: str
    text: str | None = None

    def released(self, original: str) -> str | None:
        if self.status == QuoteStatus.APPROVED.value:
            return original
        if self.status == QuoteStatus.EDITED.value and self.text and self.text.strip():
            return self.text
        return None


Decisions = Mapping[str, Decision]  # quote_key -> the latest decision


def quote_key(question_id: str, text: str) -> str:
    """A decision's key: the question and the comment's words (spacing aside), never the response."""
    return hashlib.sha256(f"{question_id}\n{' '.join(text.split())}".encode()).hexdigest()


def decisions(db: Session, run_id: int) -> dict[str, Decision]:
    """The run's quote decisions, the latest for each comment."""
    found: dict[str, Decision] = {}
    for key, status, text in db.execute(select(QuoteDecision.key, QuoteDecision.status, QuoteDecision.text)
                                        .where(QuoteDecision.run_id == run_id).order_by(QuoteDecision.id)):
        found[key] = Decision(status, text)
    return found


_WORD = re.compile(r"[a-z][a-z]+")  # the engine's keyword tokens (analysis.describe), lower-cased


def words_of(texts: Iterable[str]) -> frozenset[str]:
    return frozenset(w for t in texts for w in _WORD.findall(t.lower()))


def from_words(phrases: Iterable[str], words: frozenset[str]) -> list[str]:
    """The phrases every word of which is in `words`: keywords drawn from released text only."""
    return [p for p in phrases if (found := _WORD.findall(p.lower())) and set(found) <= words]


def label_from(keywords: list[str]) -> str | None:
    """A discovered theme's label from its (released) keywords, as the engine makes one: "Pay, hours and desks"."""
    if not keywords:
        return None
    words = keywords[:3]
    text = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
    return text[0].upper() + text[1:]


def _describes_writer(text: str) -> bool:
    from analysis.selfdesc import describes_writer  # the theme engine's rules, loaded only when a quote is approved

    return describes_writer(text)


def released_quotes(question_id: str, theme: dict[str, Any], flagged: set[int],
                    chosen: Decisions) -> list[tuple[dict[str, Any], str]]:
    """(quote, text to release) for each quote the admin approved or edited; never a flagged comment."""
    found = []
    for quote in theme.get("quotes", []):
        decision = chosen.get(quote_key(question_id, quote["text"]))
        text = decision.released(quote["text"]) if decision is not None and quote["row"] not in flagged else None
        if text is not None and decision is not None and decision.status == QuoteStatus.APPROVED.value \
                and _describes_writer(text):
            text = None  # held: only an edit without the words that describe the writer is released
        if text is not None:
            found.append((quote, text))
    return found


def _label(theme: dict[str, Any], discovered: bool, enough: bool, words: frozenset[str],
           keywords: list[str], number: int) -> str:
    """A taxonomy theme's name is the council's own words, always shown. A discovered theme's label is made
    from its comments' words, so it is shown only where its keywords may be: with enough comments, and
    built from released words (its own label if every word of it was released, else one from the
    released keywords), or "Theme N"."""
    if not discovered:
        return theme["label"]
    if enough and set(_WORD.findall(theme["label"].lower())) - {"and"} <= words:
        return theme["label"]
    return (label_from(keywords) if enough else None) or f"Theme {number}"


def texts(analyses: Analyses, cells: dict[str, int | None], rule_comments: int,
          unit_of: Callable[[int | None], str], chosen: Decisions | None = None) -> dict[str, Any]:
    """What may be shown in words: labels, descriptions, keywords and quotes, where enough comments stand
    behind them and the admin approved the quotes (`chosen`; none approved, none shown)."""
    chosen = chosen or {}
    shown: dict[str, Any] = {}
    for question_id, result in analyses.items():
        discovered = result.get("mode") == "discovery"
        themes: list[dict[str, Any]] = []
        # A comment flagged as a possible safeguarding concern is never quoted.
        flagged = {row["row"] for row in result.get("rows", []) if row.get("flag")}
        for theme in result.get("themes", []):
            size = cells.get(c.cell(measure(question_id, theme["id"]), c.ALL))
            enough = size is not None and size >= rule_comments
            quotes = released_quotes(question_id, theme, flagged, chosen) if enough else []
            words = words_of(text for _, text in quotes)
            keywords = from_words(theme.get("keywords", []), words)[:8]
            themes.append({
                "id": theme["id"],
                "label": _label(theme, discovered, enough, words, keywords, len(themes) + 1),
                "description": theme.get("description"),
                "keywords": keywords,
                "quotes": [{"text": text, "unit": unit_of(_team(result, q["row"]))} for q, text in quotes],
            })
        shown[question_id] = {"mode": result.get("mode"), "themes": themes, "notes": result.get("notes", [])}
    return shown


def _team(result: dict[str, Any], row: int) -> int | None:
    teams = result.get("row_teams", [])
    return teams[row] if 0 <= row < len(teams) else None
