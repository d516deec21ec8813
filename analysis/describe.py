"""Describe step: keywords, a label and representative comments for each theme."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer, ENGLISH_STOP_WORDS
from sklearn.preprocessing import normalize

# Words every staff comment uses; as keywords they say nothing about a theme.
_DOMAIN_STOP = {"just", "really", "like", "feel", "feels", "don", "doesn", "didn", "ve", "ll", "im",
                "work", "working", "social", "worker", "workers", "team", "name", "email", "phone",
                "case_number", "number", "lot", "get", "got", "need", "make", "think", "know", "way", "want",
                "gets", "having", "isn", "wasn", "aren", "haven", "couldn", "wouldn", "shouldn", "doing", "going"}
STOP_WORDS = sorted(ENGLISH_STOP_WORDS | _DOMAIN_STOP)


def class_tfidf_keywords(texts: Sequence[str], labels: Sequence[object], top_n: int = 8) -> dict[object, list[str]]:
    """BERTopic's class-based TF-IDF: each theme's comments joined into one document.

    Weight = term frequency in the theme x log(1 + average words per theme / term's
    frequency over all themes): words frequent in one theme and rare in others win.
    """
    classes = list(dict.fromkeys(labels))
    docs = [" ".join(t for t, label in zip(texts, labels) if label == c) for c in classes]
    try:
        vectorizer = CountVectorizer(stop_words=STOP_WORDS, ngram_range=(1, 2), token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z]+\b")
        counts = vectorizer.fit_transform(docs).toarray().astype(float)
    except ValueError:  # every word was a stop word
        return {c: [] for c in classes}
    tf = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    avg_words = counts.sum() / len(classes)
    idf = np.log(1 + avg_words / np.maximum(counts.sum(axis=0), 1))
    weights = tf * idf
    vocab = vectorizer.get_feature_names_out()
    return {c: _top_terms(weights[i], counts[i], vocab, top_n) for i, c in enumerate(classes)}


def _top_terms(weights: np.ndarray, counts: np.ndarray, vocab: np.ndarray, top_n: int) -> list[str]:
    order = np.lexsort((vocab, -weights))  # ties broken alphabetically: deterministic
    terms: list[str] = []
    for i in order:
        if counts[i] == 0 or len(terms) == top_n:
            break
        term = str(vocab[i])
        # Skip a unigram already inside a chosen bigram, and vice versa, to avoid echoes.
        if any(term in t.split() or t in term.split() for t in terms):
            continue
        terms.append(term)
    return terms


def keyword_label(keywords: Sequence[str]) -> str:
    """A short human label from the top keywords, e.g. "Parking, building and desks"."""
    words = list(keywords[:3])
    if not words:
        return "Unlabelled theme"
    text = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
    return text[0].upper() + text[1:]


def representative(indices: np.ndarray, X: np.ndarray, texts: Sequence[str], n: int = 5) -> list[int]:
    """Up to n distinct comments closest to the theme's centre, most typical first."""
    centre = normalize(X[indices].mean(axis=0, keepdims=True))[0]
    sims = X[indices] @ centre
    chosen, seen = [], set()
    for j in np.lexsort((indices, -sims)):
        text = texts[indices[j]].strip().lower()
        if text and text not in seen:
            seen.add(text)
            chosen.append(int(indices[j]))
        if len(chosen) == n:
            break
    return chosen
