"""The pipeline end to end with a fast stand-in embedder: contract, determinism, cache, fallback."""

import numpy as np
import pytest

from analysis import analyse_themes
from analysis import embed as embed_module
from analysis.embed import EmbeddingCache, SentenceEmbedder, TfidfEmbedder
from analysis.pipeline import ThemePipeline

from themes_fixtures import quality_set


def test_taxonomy_mode_assigns_every_row_to_a_theme_or_other(hashing_embedder):
    texts, _ = quality_set()
    report = analyse_themes(texts + ["", "   "], taxonomy="exit", embedder=hashing_embedder)
    allowed = set(report.assignments) - {"other"}
    assert len(report.assignments) == len(texts) + 2
    assert allowed <= {t.id for t in report.themes}
    assert report.n_blank == 2 and report.assignments[-2:] == ["other", "other"]
    assert any("2 blank" in note for note in report.notes)
    assert sum(t.size for t in report.themes) == len(texts)


def test_every_theme_has_label_keywords_share_quotes_and_sentiment(hashing_embedder):
    texts, _ = quality_set()
    report = analyse_themes(texts, n_themes=4, embedder=hashing_embedder)
    assert len(report.themes) == 4
    assert abs(sum(t.share for t in report.themes) - 1) < 1e-3
    for theme in report.themes:
        assert theme.label and theme.keywords
        assert 1 <= len(theme.quotes) <= 5
        assert all(texts[q.row] == q.text for q in theme.quotes)
        assert sum(theme.sentiment.values()) == theme.size


def test_same_input_gives_the_same_output(hashing_embedder):
    texts, _ = quality_set()
    first = analyse_themes(texts, embedder=hashing_embedder).to_json()
    second = analyse_themes(texts, embedder=hashing_embedder).to_json()
    assert first == second


def test_personal_data_never_reaches_quotes_or_the_embedder(hashing_embedder):
    seen = []

    class Spy(type(hashing_embedder)):
        def transform(self, X):
            seen.extend(X)
            return super().transform(X)

    texts = ["Call Sarah Jones on 07700 900123 about caseload numbers.", "email a.b@council.gov.uk re pay"] * 4
    report = analyse_themes(texts, taxonomy="health-check", embedder=Spy())
    dumped = report.to_json()
    for secret in ("Sarah", "Jones", "07700", "a.b@council"):
        assert secret not in dumped and not any(secret in s for s in seen)
    assert report.redactions == {"email": 4, "phone": 4, "case_number": 0, "name": 4}


def test_cache_makes_a_rerun_skip_the_model(cache_dir, monkeypatch):
    calls = []

    def fake_encode(self, texts):
        calls.append(len(texts))
        return np.eye(len(texts), 8, dtype=np.float32) + 0.1

    monkeypatch.setattr(SentenceEmbedder, "_encode", fake_encode)
    embedder = SentenceEmbedder(cache_dir=cache_dir)
    first = embedder.transform(["a", "b", "a"])
    second = SentenceEmbedder(cache_dir=cache_dir).transform(["b", "a", "c"])
    assert calls == [2, 1]  # duplicates once; the re-run only embeds the new text
    np.testing.assert_array_equal(first[1], second[0])
    assert EmbeddingCache(cache_dir, "all-MiniLM-L6-v2").path.exists()


def test_without_the_model_it_falls_back_to_tfidf_and_says_so(monkeypatch):
    monkeypatch.setattr(embed_module, "sentence_model_installed", lambda *a: False)
    texts, _ = quality_set()
    pipeline = ThemePipeline(taxonomy="health-check")
    assert isinstance(pipeline.embedder, TfidfEmbedder)
    report = pipeline.run(texts)
    assert "TF-IDF" in report.embedding and any("TF-IDF" in n for n in report.notes)
    assert len(report.assignments) == len(texts)


@pytest.mark.parametrize("texts", [[], [""], ["only one comment"], ["same"] * 5])
def test_degenerate_inputs_do_not_crash(hashing_embedder, texts):
    report = analyse_themes(texts, embedder=hashing_embedder)
    assert len(report.assignments) == len(texts)
