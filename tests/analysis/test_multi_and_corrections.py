"""Second themes, a council's labelled examples (corrections) and the ONNX embedder."""

import json

import numpy as np
from themes_fixtures import quality_set

from analysis import analyse_themes
from analysis.classify import clauses
from analysis.embed import SentenceEmbedder, _load_sentence_model
from analysis.onnx_model import OnnxMiniLM, onnx_available
from analysis.pipeline import ThemePipeline

# Words a council uses for its own things: the case system ("Eclipse"), supervision
# ("Brightside") and its office ("the Hub"). Corrections made on a first run...
CORRECTED = [("Eclipse froze twice during my visit write-up today.", "systems_admin"),
             ("The Eclipse workflow makes me close every episode by hand.", "systems_admin"),
             ("Can someone fix Eclipse so it stops logging me out?", "systems_admin"),
             ("Brightside sessions are booked and then cancelled every month.", "supervision"),
             ("My Brightside with the TM was all about overdue visits, nothing reflective.", "supervision"),
             ("Brightside every four weeks has kept me grounded.", "supervision"),
             ("The Hub on Fridays is so packed I can't find a chair.", "office_environment"),
             ("The Hub's kitchen has been shut since May.", "office_environment"),
             ("Nowhere quiet in the Hub to phone a parent.", "office_environment")]
# ...and different comments of a later run that use the same words.
LATER = [("Eclipse is down again.", "systems_admin"),
         ("Eclipse lost my chronology.", "systems_admin"),
         ("I spend hours in Eclipse every night.", "systems_admin"),
         ("Brightside was moved again this week.", "supervision"),
         ("Brightside feels like a checklist.", "supervision"),
         ("Haven't had Brightside since June.", "supervision"),
         ("The Hub is freezing.", "office_environment"),
         ("Parking at the Hub is a joke.", "office_environment"),
         ("The Hub has no lift that works.", "office_environment")]


def _accuracy(report, truth):
    return float(np.mean(np.array(report.assignments) == np.array(truth)))


def test_corrections_on_one_run_raise_accuracy_on_a_later_run(model_cache_dir):
    texts, truth = [t for t, _ in LATER], [label for _, label in LATER]
    before = analyse_themes(texts, taxonomy="health-check", cache_dir=model_cache_dir)
    after = analyse_themes(texts, taxonomy="health-check", cache_dir=model_cache_dir, labelled=CORRECTED)
    assert _accuracy(before, truth) <= 0.6  # the council's own words mean nothing to the model alone
    assert _accuracy(after, truth) >= 0.85
    # Corrections of other comments do not move clear comments about something else.
    clear, labels = quality_set()
    plain = analyse_themes(clear, taxonomy="health-check", cache_dir=model_cache_dir, labelled=CORRECTED)
    assert _accuracy(plain, labels) >= 0.85


def test_labelled_examples_for_unknown_themes_or_blank_text_are_ignored(hashing_embedder):
    texts, _ = quality_set()
    plain = analyse_themes(texts, taxonomy="health-check", embedder=hashing_embedder)
    odd = analyse_themes(texts, taxonomy="health-check", embedder=hashing_embedder,
                         labelled=[("Parking is awful", "no_such_theme"), ("   ", "supervision")])
    assert odd.assignments == plain.assignments


def test_a_comment_about_two_themes_counts_in_both(model_cache_dir):
    texts = ["I have 30 children on my caseload, and my supervision keeps getting cancelled.",
             "The pay is poor and the office has no heating.",
             "My caseload is far too high.", "Supervision is regular and reflective.",
             "The office is freezing.", "My team are lovely and supportive."]
    report = analyse_themes(texts, taxonomy="health-check", cache_dir=model_cache_dir)
    assert set(report.theme_sets[0]) == {"caseload_workload", "supervision"}
    assert set(report.theme_sets[1]) == {"pay_reward", "office_environment"}
    assert [len(s) for s in report.theme_sets[2:]] == [1, 1, 1, 1]
    for main, sets in zip(report.assignments, report.theme_sets):
        assert sets[0] == main  # the main theme first: the CLI's `theme` column
    by_id = {t.id: t for t in report.themes}
    assert sum(t.size for t in report.themes) == len(texts)  # main themes still add up
    assert sum(t.mentions for t in report.themes) == len(texts) + 2  # each two-theme comment counted twice
    assert by_id["supervision"].mentions == by_id["supervision"].size + (report.assignments[0] != "supervision")
    rows = json.loads(report.to_json())["rows"]
    assert rows[0]["themes"] == report.theme_sets[0] and rows[0]["theme"] == report.assignments[0]


def test_second_themes_can_be_turned_off(model_cache_dir):
    texts = ["I have 30 children on my caseload, and my supervision keeps getting cancelled."]
    report = analyse_themes(texts, taxonomy="health-check", cache_dir=model_cache_dir, multi_theme=False)
    assert report.theme_sets == [[report.assignments[0]]]


def test_clauses_split_sentences_and_joined_points_but_not_short_phrases():
    assert clauses("Pay is poor. The office is cold and the parking is awful.") == [
        "Pay is poor", "The office is cold", "the parking is awful"]
    assert clauses("Salt and pepper.") == []  # parts under three words say too little to carry a theme


def test_onnx_embedder_gives_the_same_vectors_as_pytorch():
    assert onnx_available(), "run `python -m analysis.onnx_model export` (make install does)"
    texts = ["My caseload is too high.", "Liquidlogic crashed twice and I lost a whole assessment, again.",
             "Supervision", "Parking at the Hub is a joke " * 40]  # the last is cut at 256 tokens like PyTorch's
    onnx = OnnxMiniLM().encode(texts, batch_size=2)
    torch = _load_sentence_model("all-MiniLM-L6-v2").encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    np.testing.assert_allclose(onnx, torch, atol=1e-4)
    assert "ONNX Runtime" in SentenceEmbedder(use_cache=False).description


def test_without_the_onnx_export_the_pytorch_model_is_used(monkeypatch, tmp_path):
    monkeypatch.setenv("SURVEYAPP_THEMES_ONNX", str(tmp_path / "missing"))
    embedder = SentenceEmbedder(use_cache=False)
    assert not embedder.uses_onnx and embedder.description.startswith("sentence-transformers")
    assert embedder.transform(["My caseload is too high."]).shape == (1, 384)


def test_the_export_ships_the_built_in_texts_vectors_so_a_cold_run_embeds_only_its_comments(monkeypatch, tmp_path):
    from analysis import onnx_model
    from analysis.embed import cache_key, shipped_vectors
    assert onnx_available(), "run `python -m analysis.onnx_model export` (make install does)"
    shipped = shipped_vectors()
    builtin = onnx_model.builtin_texts()
    def key(text: str) -> str:
        return cache_key("all-MiniLM-L6-v2", text)
    assert len(builtin) > 1000 and all(key(t) in shipped for t in builtin), "re-run the export: a built-in text changed"
    sample = builtin[::97]  # the shipped vectors are the model's own
    np.testing.assert_allclose(np.vstack([shipped[key(t)] for t in sample]), OnnxMiniLM().encode(sample), atol=1e-5)

    encoded: list[str] = []
    real = SentenceEmbedder._encode
    monkeypatch.setattr(SentenceEmbedder, "_encode", lambda self, texts: encoded.extend(texts) or real(self, texts))
    comments = ["Caseloads are far too high in the assessment team.", "The new manager is great.",
                "Mileage rates have not kept up with fuel prices."]
    for taxonomy in ("health-check", "exit", None):
        encoded.clear()
        ThemePipeline(taxonomy=taxonomy, cache_dir=tmp_path / str(taxonomy), n_themes=2).run(comments * 3)
        assert encoded and set(encoded) <= set(comments), encoded  # comments only, no example phrase

