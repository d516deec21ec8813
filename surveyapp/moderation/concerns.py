"""Comments the theme engine flagged as possible safeguarding concerns, for the principal social worker.

They are never quoted (`disclosure.themes.texts` leaves every flagged row out); here the PSW reads each
one, redacted as the engine redacts comments, with where it came from only as finely as the latest
release shows (`disclosure.places`), and marks it as seen, with a note of what was done. Keyed by a hash of the question and
the comment as written, so a review holds when a re-analysis flags the same comment again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit_log
from ..disclosure import release
from ..disclosure.places import Places
from ..disclosure.themes import quote_key
from ..disclosure.thresholds import Thresholds
from ..models import Answer, ConcernReview, SurveyRun, User
from ..questionnaires import questionnaire_for
from .quotes import redact_all

KINDS = {"child_at_risk": "A child may be at risk", "threat_to_staff": "Violence or threats towards staff",
         "self_harm": "Self-harm or suicide", "risk_to_child": "A child may be at risk"}


class UnknownConcern(LookupError):
    """No flagged comment of the run's latest analyses has this key."""


@dataclass(frozen=True)
class Review:
    note: str
    by: str
    at: dt.datetime


@dataclass(frozen=True)
class Concern:
    key: str
    question_id: str
    question: str
    kind: str
    text: str
    where: str
    reviews: list[Review] = field(default_factory=list)  # newest first

    @property
    def seen(self) -> bool:
        return bool(self.reviews)


def flagged(db: Session, run: SurveyRun, rule: Thresholds) -> list[Concern]:
    """Every flagged comment of the latest finished analyses, unseen first, with its reviews."""
    texts = {q.id: q.text for q in questionnaire_for(run).questions()}
    places = Places(db, run, rule)
    reviews = _reviews(db, run)
    raw: list[tuple[str, str, int | None, str]] = []  # question, kind, team, comment as written
    for question_id, result in release.analyses_of(db, run).items():
        ids, teams = result.get("row_responses") or [], result.get("row_teams", [])
        written = _comments(db, question_id, [ids[r["row"]] for r in result.get("rows", [])
                                              if r.get("flag") and r["row"] < len(ids)])
        for row in result.get("rows", []):
            i = row["row"]
            if row.get("flag") and i < len(ids) and ids[i] in written:
                raw.append((question_id, row["flag"], teams[i] if i < len(teams) else None, written[ids[i]]))
    redacted = redact_all(db, run, [text for *_, text in raw])
    found = [Concern(key := quote_key(q, text), q, texts.get(q, q), KINDS.get(kind, kind), shown, places.of(q, team),
                     reviews.get(key, []))
             for (q, kind, team, text), shown in zip(raw, redacted)]
    return sorted(found, key=lambda c: c.seen)


def _comments(db: Session, question_id: str, response_ids: list[str]) -> dict[str, str]:
    if not response_ids:
        return {}
    return dict(db.execute(select(Answer.response_id, Answer.text).where(
        Answer.question_id == question_id, Answer.response_id.in_(response_ids), Answer.text.is_not(None))
    ).tuples().all())  # type: ignore[arg-type]


def _reviews(db: Session, run: SurveyRun) -> dict[str, list[Review]]:
    found: dict[str, list[Review]] = {}
    for row in db.scalars(select(ConcernReview).where(ConcernReview.run_id == run.id)
                          .order_by(ConcernReview.id.desc())):
        found.setdefault(row.key, []).append(Review(row.note, row.reviewed_by.name, row.reviewed_at))
    return found


def find(db: Session, run: SurveyRun, key: str, rule: Thresholds) -> Concern:
    found = next((c for c in flagged(db, run, rule) if c.key == key), None)
    if found is None:
        raise UnknownConcern(key)
    return found


def review(db: Session, run: SurveyRun, concern: Concern, user: User, note: str) -> ConcernReview:
    """Mark a concern as seen, with what was done, and a line in the audit log in the same transaction: who,
    when, the question and the review's id; never the comment, nor the note (which may say what the comment
    said), nor the key (a hash of the comment: the log outlives it, and a hash would confirm a guess)."""
    if not note.strip():
        raise ValueError("Enter what you have done about this comment")
    made = ConcernReview(run_id=run.id, question_id=concern.question_id, key=concern.key, note=note.strip(),
                         reviewed_by_id=user.id, reviewed_at=dt.datetime.now(dt.UTC).replace(tzinfo=None))
    db.add(made)
    db.flush()  # its id, which the audit log names instead of the comment
    audit_log.record(db, user, audit_log.CONCERN_REVIEWED, run=run,
                     detail={"question": concern.question_id, "review_id": made.id})
    db.commit()
    return made
