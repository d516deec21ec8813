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


def test_comments_no_theme_fits_become_other_and_an_emerging_theme(model_cache_dir):
    football = ["The football results on Saturday were great.", "I watched the cup final with my son.",
                "The referee was terrible in the derby match.", "Season tickets for the club are expensive.",
                "The striker scored a hat-trick.", "Great goal in the last minute of the match."]
    texts = football + ["My caseload is far too high.", "Supervision keeps being cancelled."]
    report = analyse_themes(texts, taxonomy="health-check", cache_dir=model_cache_dir)
    assert report.assignments[-2:] == ["caseload_workload", "supervision"]
    assert report.assignments[:6].count("other") >= 5
    assert len(report.emerging_themes) == 1 and report.emerging_themes[0].size >= 5
    assert all(q.row < 6 for q in report.emerging_themes[0].quotes)


def test_fast_int8_model_is_close_to_the_full_one_and_cached_apart(model_cache_dir):
    texts = ["My caseload is too high.", "Parking is a nightmare.", "Supervision is cancelled again."]
    full = SentenceEmbedder(cache_dir=model_cache_dir).transform(texts)
    fast = SentenceEmbedder(cache_dir=model_cache_dir, quantize=True)
    vectors = fast.transform(texts)
    assert fast.cache_name.endswith("+int8") and "int8" in fast.description
    assert np.all(np.sum(full * vectors, axis=1) > 0.8)
    assert not np.allclose(full, vectors)  # really the quantised model, not a cache hit
