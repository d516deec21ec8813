"""Classify step (taxonomy mode): each comment to a theme of a taxonomy, or "other".

A theme is learnt from its example phrases and definition. A comment's score for a
theme is the mean cosine similarity to the theme's k closest examples (robust to a
theme having several distinct sub-topics, unlike one centroid), plus a small bonus
for the theme's keywords, which carry staff vocabulary a general model half-knows,
plus a small share of a logistic regression's probability, fitted on the same
examples: it weighs every example of every theme at once, where the nearest few can
be pulled by one phrase that happens to share a comment's words.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import threadpool_limits

from analysis.taxonomy import Taxonomy

OTHER = "other"


class PrototypeClassifier(ClassifierMixin, BaseEstimator):
    """Nearest-examples classifier on cosine similarity (mean of the top-k per class)."""

    def __init__(self, top_k: int = 3, temperature: float = 0.05):
        self.top_k = top_k
        self.temperature = temperature

    def fit(self, X: np.ndarray, y: Sequence) -> PrototypeClassifier:
        X, y = validate_data(self, X, y, dtype=[np.float32, np.float64])
        check_classification_targets(y)
        self.classes_, self.y_index_ = np.unique(y, return_inverse=True)
        self.examples_ = normalize(X).astype(np.float64)
        return self

    def class_scores(self, X: np.ndarray) -> np.ndarray:
        """Per-class similarity, shape (n_samples, n_classes)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float32, np.float64])
        # float64: scores for a row must not depend on which other rows share the batch
        sims = normalize(X).astype(np.float64) @ self.examples_.T
        scores = np.empty((len(X), len(self.classes_)), dtype=np.float64)
        for c in range(len(self.classes_)):
            cols = sims[:, self.y_index_ == c]
            k = min(self.top_k, cols.shape[1])
            scores[:, c] = np.partition(cols, cols.shape[1] - k, axis=1)[:, -k:].mean(axis=1)
        return scores

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        return softmax(self.class_scores(X) / self.temperature)

    def predict(self, X: np.ndarray) -> np.ndarray:
        scores = self.class_scores(X)  # checks fitted before classes_ is touched
        return self.classes_[np.argmax(scores, axis=1)]


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def keyword_hits(texts: Sequence[str], taxonomy: Taxonomy) -> np.ndarray:
    """How many distinct keywords of each theme a comment contains, (n_texts, n_themes)."""
    patterns = [
        re.compile(r"(?<!\w)(" + "|".join(re.escape(k) for k in theme.keywords) + r")(?!\w)")
        if theme.keywords else None
        for theme in taxonomy.themes
    ]
    hits = np.zeros((len(texts), len(patterns)))
    for i, text in enumerate(texts):
        low = text.lower()
        for j, pattern in enumerate(patterns):
            if pattern is not None:
                hits[i, j] = len(set(pattern.findall(low)))
    return hits


# A clause of a comment, for finding a second theme: split at sentence ends and at "but",
# "and", "so" and semicolons, keeping parts of at least MIN_PART_WORDS words.
_PARTS = re.compile(r"(?<=[.!?;])\s+|,?\s+(?:but|and|so|plus|also|while|whereas)\s+", re.IGNORECASE)
MIN_PART_WORDS = 3


def clauses(text: str) -> list[str]:
    parts = [p.strip(" ,.;") for p in _PARTS.split(text)]
    return [p for p in parts if len(p.split()) >= MIN_PART_WORDS]


class TaxonomyAssigner:
    """Scores comments against a taxonomy; below `other_threshold` a comment is "other".

    `other_threshold` (the mean similarity to a theme's nearest examples under which a comment
    with no keyword is "other") is the taxonomy's own by default (`Taxonomy.other_threshold`): it
    depends on the examples, since more examples sit closer to any text.

    `labelled` adds (text, theme id) pairs to the theme's examples: a council's own
    corrections, so its later runs learn its words. `model_weight` is the share of the
    logistic regression's probability in the score (0 turns it off); `model_c` its
    inverse regularisation. A comment also gets a second theme
    when one of its clauses is clearly about another theme (`assign` with `embed`).
    Not an sklearn estimator itself (it takes text and a taxonomy); the numeric part
    is `PrototypeClassifier`, which is.
    """

    def __init__(self, taxonomy: Taxonomy, top_k: int = 3, keyword_weight: float = 0.1,
                 other_threshold: float | None = None, temperature: float = 0.05,
                 labelled: Sequence[tuple[str, str]] = (), second_margin: float = 0.15,
                 second_floor: float = 0.4, part_margin: float = 0.02, model_weight: float = 0.1,
                 model_c: float = 20.0):
        self.taxonomy = taxonomy
        self.top_k = top_k
        self.keyword_weight = keyword_weight
        self.other_threshold = other_threshold
        self.temperature = temperature
        self.labelled = labelled
        self.second_margin = second_margin
        self.second_floor = second_floor
        self.part_margin = part_margin
        self.model_weight = model_weight
        self.model_c = model_c

    def fit(self, embed: Callable[[list[str]], Any]) -> TaxonomyAssigner:
        texts, labels = [], []
        for theme in self.taxonomy.themes:
            for text in theme.training_texts():
                texts.append(text)
                labels.append(theme.id)
        known = set(self.taxonomy.theme_ids)
        for text, theme_id in self.labelled:
            if theme_id in known and str(text).strip():
                texts.append(str(text))
                labels.append(theme_id)
        vectors = embed(texts)
        self.classifier_ = PrototypeClassifier(self.top_k, self.temperature).fit(vectors, labels)
        self.model_ = None
        if self.model_weight and len(set(labels)) > 1:
            # lbfgs, no random state needed: the same examples give the same weights. One
            # thread: 0.07 s for ~900 examples, where BLAS threads spinning on 2 shared cores took 2-3 s.
            with threadpool_limits(1):
                self.model_ = LogisticRegression(C=self.model_c, max_iter=2000).fit(vectors, labels)
        return self

    def _scores(self, texts: Sequence[str], X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        order = [list(self.classifier_.classes_).index(t) for t in self.taxonomy.theme_ids]
        similarity = self.classifier_.class_scores(X)[:, order]
        hits = keyword_hits(texts, self.taxonomy)
        scores = similarity + self.keyword_weight * np.log1p(hits)
        if self.model_ is not None:
            columns = [list(self.model_.classes_).index(t) for t in self.taxonomy.theme_ids]
            with threadpool_limits(1):
                proba = self.model_.predict_proba(np.asarray(X, np.float64))
            scores = scores + self.model_weight * proba[:, columns]
        return similarity, hits, scores

    def assign(self, texts: Sequence[str], X: np.ndarray,
               embed: Callable[[list[str]], np.ndarray] | None = None) -> tuple[list[str], np.ndarray, list[list[str]]]:
        """Theme id (or "other"), confidence and every theme (primary first) for each comment."""
        similarity, hits, scores = self._scores(texts, X)
        proba = softmax(scores / self.temperature)
        best = scores.argmax(axis=1)
        theme_ids = np.array(self.taxonomy.theme_ids, dtype=object)
        ids = theme_ids[best]
        # "other" when nothing is close and no theme word appears: a confident wrong
        # theme is worse for a manager than an honest "none of these".
        floor = self.taxonomy.other_threshold if self.other_threshold is None else self.other_threshold
        none_fit = (similarity.max(axis=1) < floor) & (hits.sum(axis=1) == 0)
        ids[none_fit] = OTHER
        confidence = proba[np.arange(len(best)), best]
        confidence[none_fit] = 1.0 - proba[none_fit].max(axis=1)
        sets = [[t] for t in ids.tolist()]
        if embed is not None and len(texts):
            # The close-call margin was set on similarity and keywords; the regression's share,
            # confident by design, would widen every gap, so it only decides the clauses.
            base = similarity + self.keyword_weight * np.log1p(hits)
            for i, second in self._second_themes(texts, base, similarity, best, none_fit, embed).items():
                sets[i].append(str(theme_ids[second]))
        return ids.tolist(), confidence, sets

    def _second_themes(self, texts: Sequence[str], scores: np.ndarray, similarity: np.ndarray, best: np.ndarray,
                       none_fit: np.ndarray, embed: Callable[[list[str]], np.ndarray]) -> dict[int, int]:
        """Comments whose runner-up theme is close, confirmed by a clause that is about it.

        Only close calls are split and embedded again, so a run embeds a few more short
        clauses, not every comment twice.
        """
        rows = np.arange(len(texts))
        others = scores.copy()
        others[rows, best] = -np.inf  # the best theme other than the main one
        runner_up = others.argmax(axis=1) if scores.shape[1] > 1 else best
        close = ((scores[rows, runner_up] >= scores[rows, best] - self.second_margin)
                 & (similarity[rows, runner_up] >= self.second_floor) & ~none_fit & (runner_up != best))
        parts: list[str] = []
        owner: list[int] = []
        for i in map(int, np.flatnonzero(close)):
            found = clauses(texts[i])
            if len(found) > 1:
                parts += found
                owner += [i] * len(found)
        if not parts:
            return {}
        _, _, part_scores = self._scores(parts, embed(parts))
        seconds: dict[int, int] = {}
        for j, i in enumerate(owner):
            top = int(part_scores[j].argmax())
            if top == runner_up[i] and part_scores[j, top] >= part_scores[j, best[i]] + self.part_margin:
                seconds[i] = top
        return seconds
