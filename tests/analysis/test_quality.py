"""A quality floor with the real offline model on comments written for this test."""

import numpy as np
from sklearn.metrics import normalized_mutual_info_score
from themes_fixtures import quality_set

from analysis import analyse_themes
from analysis.embed import SentenceEmbedder


def test_taxonomy_mode_recognises_clear_comments(model_cache_dir):
    texts, labels = quality_set()
    report = analyse_themes(texts, taxonomy="health-check", cache_dir=model_cache_dir)
    assert "all-MiniLM-L6-v2" in report.embedding  # the real model, offline, not the fallback
    accuracy = np.mean(np.array(report.assignments) == np.array(labels))
    assert accuracy >= 0.85, list(zip(texts, report.assignments))
    confident = [c for c, a, l in zip(report.confidence, report.assignments, labels) if a == l]
    assert np.mean(confident) > 0.5


def test_discovery_mode_finds_the_four_themes(model_cache_dir):
    texts, labels = quality_set()
    report = analyse_themes(texts, cache_dir=model_cache_dir)
    assert 3 <= len(report.themes) <= 6
    assert normalized_mutual_info_score(labels, report.assignments) >= 0.6


def test_embeddings_are_unit_length_and_deterministic(model_cache_dir):
    texts = ["My caseload is too high.", "Parking is a nightmare."]
    first = SentenceEmbedder(use_cache=False).transform(texts)
    second = SentenceEmbedder(cache_dir=model_cache_dir).transform(texts)
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1, atol=1e-5)
    np.testing.assert_allclose(first, second, atol=1e-6)
    assert first[0] @ first[1] < 0.5


def test_sentiment_of_plain_comments(model_cache_dir):
    texts = ["My team manager is brilliant and always supportive.",
             "I work every evening and weekend just to keep up.",
             "The team is lovely, but the workload is awful and I am exhausted."]
    report = analyse_themes(texts, taxonomy="health-check", cache_dir=model_cache_dir)
    assert report.sentiments == ["positive", "negative", "mixed"]
