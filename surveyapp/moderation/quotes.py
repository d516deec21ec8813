"""The quotes the next release would show, and the admin's decision on each.

A candidate is a quote of the latest finished analysis of a free-text question, in a theme with at least
as many comments as words need (10), never a comment flagged as a safeguarding concern: exactly what
`disclosure.themes.texts` would quote if approved. The release quotes only what is approved here, or the
edited text of an edit (redacted again, as the engine redacts comments); the original is kept on the
decision, for the admin only.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit_log
from ..disclosure import release
from ..disclosure.places import Places
from ..disclosure.themes import quote_key
from ..disclosure.thresholds import Thresholds
from ..models import QuoteDecision, QuoteStatus, SurveyRun, User
from ..questionnaires import questionnaire_for
from ..redaction import redact, redact_all  # noqa: F401  (one path for every text; themes used it from here)

MAX_LENGTH = 1500  # as long as a comment may be


class UnknownQuote(LookupError):
    """No quote of the run's latest analyses has this key."""


class Held(ValueError):
    """The comment describes its writer: it may be edited or withheld, not approved as it is."""


HELD = "Not approved: this comment describes its writer. Edit it to remove the marked words, or withhold it."


def self_descriptions(text: str) -> list[tuple[int, int]]:
    """Where `text` describes its writer by a rare characteristic (the engine's rules)."""
    from analysis.selfdesc import find_self_descriptions  # the theme engine: loaded only when it is needed

    return [(s.start, s.end) for s in find_self_descriptions(text)]


@dataclass(frozen=True)
class Recorded:
    status: str
    text: str | None
    by: str
    at: dt.datetime


@dataclass(frozen=True)
class Candidate:
    key: str
    question_id: str
    question: str
    theme: str
    theme_size: int
    rank: int  # 1: the comment closest to the theme's centre
    chosen: int  # how many quotes the analysis chose for the theme
    text: str  # as the engine redacted it
    where: str
    history: list[Recorded] = field(default_factory=list)  # newest first
    marks: list[tuple[int, int]] = field(default_factory=list)  # where it describes its writer: held

    @property
    def held(self) -> bool:
        return bool(self.marks)

    def parts(self) -> list[tuple[str, bool]]:
        """The text in pieces, each marked or not, for the page to put the marked ones in <mark>."""
        found, at = [], 0
        for start, end in self.marks:
            found += [(self.text[at:start], False), (self.text[start:end], True)]
            at = end
        return [(t, m) for t, m in [*found, (self.text[at:], False)] if t]

    @property
    def decision(self) -> Recorded | None:
        return self.history[0] if self.history else None

    @property
    def released(self) -> str | None:
        """What the next release would show for this quote."""
        d = self.decision
        if d is None or d.status == QuoteStatus.WITHHELD.value or (self.held and d.status == QuoteStatus.APPROVED.value):
            return None
        return self.text if d.status == QuoteStatus.APPROVED.value else d.text

    @property
    def reason(self) -> str:
        return (f"In the theme “{self.theme}” ({self.theme_size} comments). The analysis chose {self.chosen} "
                f"comments as the most typical of the theme, those closest to its centre; this is number "
                f"{self.rank} of them.")


def candidates(db: Session, run: SurveyRun, rule: Thresholds) -> list[Candidate]:
    """Every quote the next release could show, by question and theme, with its decisions so far; each
    labelled with where it came from only as finely as the latest release shows (`disclosure.places`)."""
    texts = {q.id: q.text for q in questionnaire_for(run).questions()}
    places = Places(db, run, rule)
    comments_needed = rule.comments
    history = _history(db, run)
    found = []
    for question_id, result in release.analyses_of(db, run).items():
        sizes = Counter(row["theme"] for row in result.get("rows", []))
        flagged = {row["row"] for row in result.get("rows", []) if row.get("flag")}
        teams = result.get("row_teams", [])
        for theme in result.get("themes", []):
            if sizes[theme["id"]] < comments_needed:
                continue
            quotes = [q for q in theme.get("quotes", []) if q["row"] not in flagged]
            for rank, quote in enumerate(quotes, 1):
                key = quote_key(question_id, quote["text"])
                team = teams[quote["row"]] if 0 <= quote["row"] < len(teams) else None
                found.append(Candidate(key, question_id, texts.get(question_id, question_id), theme["label"],
                                       sizes[theme["id"]], rank, len(quotes), quote["text"], places.of(question_id, team),
                                       history.get(key, []), self_descriptions(quote["text"])))
    return found


def _history(db: Session, run: SurveyRun) -> dict[str, list[Recorded]]:
    found: dict[str, list[Recorded]] = {}
    for row in db.scalars(select(QuoteDecision).where(QuoteDecision.run_id == run.id)
                          .order_by(QuoteDecision.id.desc())):
        found.setdefault(row.key, []).append(Recorded(row.status, row.text, row.decided_by.name, row.decided_at))
    return found


def find(db: Session, run: SurveyRun, key: str, rule: Thresholds) -> Candidate:
    found = next((c for c in candidates(db, run, rule) if c.key == key), None)
    if found is None:
        raise UnknownQuote(key)
    return found


def decide(db: Session, run: SurveyRun, quote: Candidate, user: User, status: QuoteStatus,
           edited: str | None = None) -> QuoteDecision:
    """Record a decision, and a line in the audit log (who, when, which decision; never the comment's or the
    edit's words, which stay in `quote_decision`, deleted with the run's answers). An edit is redacted again
    before it is stored: it is what the release shows."""
    text = None
    if status is QuoteStatus.APPROVED and quote.held:
        raise Held(HELD)
    if status is QuoteStatus.EDITED:
        text = redact(db, run, edited or "")
        if not text.strip():
            raise ValueError("Enter the text to release")
        if kept := self_descriptions(text):
            raise ValueError("Remove the words that describe the writer: "
                             + ", ".join(f"“{text[a:b]}”" for a, b in kept))
    decision = QuoteDecision(run_id=run.id, question_id=quote.question_id, key=quote.key, status=status.value,
                             original=quote.text, text=text, decided_by_id=user.id,
                             decided_at=dt.datetime.now(dt.UTC).replace(tzinfo=None))
    db.add(decision)
    db.flush()  # its id, which the audit log names instead of the comment
    audit_log.record(db, user, audit_log.MODERATION_DECISION, run=run,
                     detail={"decision": status.value, "question": quote.question_id, "theme": quote.theme,
                             "decision_id": decision.id})
    db.commit()
    return decision


def summary(found: list[Candidate]) -> dict[str, Any]:
    decided = Counter(c.decision.status if c.decision else "undecided" for c in found)
    return {"total": len(found), **decided}
