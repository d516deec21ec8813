"""Sentiment of each comment: positive, negative or mixed, offline.

VADER (a lexicon and rules, no model download) with a few words that carry clear
sentiment in social work but not in VADER's general-purpose lexicon. A comment with
no sentiment-bearing words at all is reported as "mixed" rather than guessed: the
split is positive / negative / mixed, and "neither" is closest to mixed.
"""

from __future__ import annotations

from collections.abc import Sequence

from sklearn.base import BaseEstimator

SENTIMENTS = ("positive", "negative", "mixed")

# Valence on VADER's -4..4 scale; only words whose meaning in staff comments is clear.
DOMAIN_LEXICON = {
    "burnout": -2.5, "burnt": -1.5, "unmanageable": -2.5, "unsustainable": -2.0, "relentless": -2.0,
    "drowning": -2.5, "overwhelmed": -2.5, "understaffed": -2.0, "cancelled": -1.5, "rushed": -1.5,
    "unsafe": -2.5, "exhausted": -2.5, "isolated": -1.8, "demoralising": -2.5, "micromanaged": -2.0,
    "toxic": -2.5, "undervalued": -2.2, "unrealistic": -1.8, "impossible": -1.8, "nightmare": -2.5,
    "ridiculous": -2.0, "unpaid": -1.5, "vacancies": -1.0, "chaotic": -2.0, "firefighting": -1.5,
    "supportive": 2.0, "approachable": 1.8, "manageable": 1.5, "flexible": 1.2, "valued": 1.8,
    "invaluable": 2.2, "brilliant": 3.0, "excellent": 3.0, "stable": 1.2, "improved": 1.8,
    "welcome": 1.5, "appreciated": 2.0, "listened": 1.2, "protected": 1.0,
}


class SentimentScorer(BaseEstimator):
    """Labels texts positive / negative / mixed from VADER scores."""

    def __init__(self, threshold: float = 0.05, mixed_share: float = 0.1):
        self.threshold = threshold
        self.mixed_share = mixed_share

    def fit(self, X: Sequence[str] | None = None, y: object = None) -> "SentimentScorer":
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
        self.analyser_ = SentimentIntensityAnalyzer()
        self.analyser_.lexicon.update(DOMAIN_LEXICON)
        return self

    def predict(self, X: Sequence[str]) -> list[str]:
        if not hasattr(self, "analyser_"):
            self.fit()
        return [self._label(self.analyser_.polarity_scores(str(t))) for t in X]

    def _label(self, s: dict[str, float]) -> str:
        if s["pos"] >= self.mixed_share and s["neg"] >= self.mixed_share:
            return "mixed"  # both praise and complaint in one comment
        if s["compound"] >= self.threshold:
            return "positive"
        if s["compound"] <= -self.threshold:
            return "negative"
        return "mixed"


def sentiment_split(labels: Sequence[str]) -> dict[str, int]:
    return {s: sum(1 for label in labels if label == s) for s in SENTIMENTS}
