"""Sentiment of each comment: positive, negative or mixed, offline.

Two signals, both local:
- similarity to example comments of each sentiment (analysis/data/sentiment.yaml),
  on the same embeddings as the themes: staff often state a problem with no
  "negative" word at all ("Evening visits every week"), which a lexicon misses;
- VADER (a lexicon and rules, no download) with words whose sentiment is clear in
  social work, nudging towards positive or negative by its compound score, and
  towards mixed when a comment holds both praise and complaint.
On the labelled dev comments this scored about 0.66 / 0.53 (health check / exit)
against 0.45 / 0.41 for VADER alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from importlib import resources

import numpy as np
import yaml
from sklearn.base import BaseEstimator

from analysis.classify import PrototypeClassifier

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


def sentiment_examples() -> tuple[list[str], list[str]]:
    text = resources.files("analysis.data").joinpath("sentiment.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    pairs = [(example, label) for label in SENTIMENTS for example in data[label]]
    return [p[0] for p in pairs], [p[1] for p in pairs]


class SentimentScorer(BaseEstimator):
    """Labels comments positive / negative / mixed; `embed` maps texts to unit vectors."""

    def __init__(self, lexicon_weight: float = 0.1):
        self.lexicon_weight = lexicon_weight

    def fit(self, embed: Callable[[list[str]], np.ndarray]) -> "SentimentScorer":
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
        self.analyser_ = SentimentIntensityAnalyzer()
        self.analyser_.lexicon.update(DOMAIN_LEXICON)
        texts, labels = sentiment_examples()
        self.classifier_ = PrototypeClassifier().fit(embed(texts), labels)
        return self

    def predict(self, texts: Sequence[str], X: np.ndarray) -> list[str]:
        if len(texts) == 0:
            return []
        scores = self.classifier_.class_scores(X)
        classes = list(self.classifier_.classes_)
        vader = np.array([[s["pos"], s["neg"], s["compound"]]
                          for s in map(self.analyser_.polarity_scores, map(str, texts))])
        w = self.lexicon_weight
        scores[:, classes.index("positive")] += w * vader[:, 2]
        scores[:, classes.index("negative")] -= w * vader[:, 2]
        scores[:, classes.index("mixed")] += 2 * w * np.minimum(vader[:, 0], vader[:, 1])
        return [str(classes[i]) for i in scores.argmax(axis=1)]


def sentiment_split(labels: Sequence[str]) -> dict[str, int]:
    return {s: sum(1 for label in labels if label == s) for s in SENTIMENTS}
