"""Safeguarding flags: each kind, indirect wording, negation and idioms, and the report contract."""

import json

import pandas as pd
import pytest
from themes_fixtures import HashingEmbedder, quality_set

from analysis import analyse_themes, cli
from analysis.pipeline import ThemePipeline
from analysis.safeguarding import FLAG_KINDS, SafeguardingFlagger, flag_comments


@pytest.mark.parametrize(("text", "kind"), [
    ("A dad punched me on a home visit in March.", "threat_to_staff"),
    ("My colleague was kicked by a teenager at contact.", "threat_to_staff"),
    ("She said she'd find out where I live.", "threat_to_staff"),
    ("A parent keeps waiting outside my house at night.", "threat_to_staff"),
    ("I'm scared to go home after visiting that family.", "threat_to_staff"),
    ("I've thought about killing myself this year.", "self_harm"),
    ("Most nights I feel everyone would be better off without me.", "self_harm"),
    ("I've started hurting myself again.", "self_harm"),
    ("A colleague took her own life last spring and nobody talked about it.", "self_harm"),
    ("A toddler on my caseload has bruises nobody can explain.", "child_at_risk"),
    ("The kids are left alone all weekend and the visit keeps being cancelled.", "child_at_risk"),
    ("A 12 year old is being groomed and the case is unallocated.", "child_at_risk"),
    ("I'm worried the baby will die before anyone acts.", "child_at_risk"),
])
def test_each_kind_is_flagged_with_its_kind(text, kind):
    assert flag_comments([text]) == [kind]


@pytest.mark.parametrize("text", [
    "Safeguarding training was good this year.",
    "CP conferences are rushed.",
    "We need more training on self-harm in adolescents.",
    "The caseload is killing me.",
    "I'd kill for a parking space.",
    "I'm dying for a holiday.",
    "I'd rather die than use the old system again.",
    "I've never been threatened in this team.",
    "I have never felt unsafe on a visit.",
    "The new system is a threat to my sanity.",
    "Our supervision agreement is actually followed.",
    "Management shoot down every idea.",
    "Neglect cases make up most of my caseload.",
    "",
])
def test_safeguarding_as_work_idioms_and_negations_are_not_flagged(text):
    assert flag_comments([text]) == [None]


def test_explain_names_the_words_and_the_flag_is_deterministic():
    flagger = SafeguardingFlagger().fit([])
    text = "He said he would stab me if I went to court."
    assert flagger.explain(text)[0][0] == "threat_to_staff"
    assert flagger.predict([text] * 3) == ["threat_to_staff"] * 3


def test_kinds_can_be_limited_and_unknown_kinds_are_refused():
    assert SafeguardingFlagger(kinds=("self_harm",)).fit().predict(["A dad punched me."]) == [None]
    with pytest.raises(ValueError, match="unknown flag kinds"):
        SafeguardingFlagger(kinds=("gossip",)).fit()
    assert set(FLAG_KINDS) == {"child_at_risk", "threat_to_staff", "self_harm"}


DISCLOSURES = ["A father said he'd find where I live after the hearing, and I still have to visit.",
               "I have been self-harming since the restructure and nobody knows.",
               "A baby on my caseload has unexplained injuries and the case is unallocated."]


def test_flagged_comments_are_counted_but_never_quoted(hashing_embedder):
    texts, _ = quality_set()
    texts = texts + DISCLOSURES * 3
    report = analyse_themes(texts, taxonomy="health-check", embedder=hashing_embedder)
    flagged = {i for i, f in enumerate(report.flags) if f}
    assert flagged == set(range(len(texts) - 9, len(texts)))
    assert sum(t.size for t in report.themes) == len(texts)  # still counted in a theme
    quoted = {q.row for t in [*report.themes, *report.emerging_themes] for q in t.quotes}
    assert not quoted & flagged
    assert not any(d in q.text for t in report.themes for q in t.quotes for d in DISCLOSURES)
    assert any("9 comment(s) flagged" in note for note in report.notes)
    rows = report.to_dict()["rows"]
    assert [r["flag"] for r in rows[-3:]] == ["threat_to_staff", "self_harm", "child_at_risk"]
    assert rows[0]["flag"] is None


def test_the_cli_keeps_its_csv_columns_and_adds_the_flag_to_json_rows(tmp_path, monkeypatch):
    original = ThemePipeline.__init__

    def init(self, *args, **kwargs):
        kwargs["embedder"] = HashingEmbedder()
        original(self, *args, **kwargs)

    monkeypatch.setattr(ThemePipeline, "__init__", init)
    texts = quality_set()[0] + DISCLOSURES
    source = tmp_path / "in.csv"
    pd.DataFrame({"text": texts}).to_csv(source, index=False)
    out, js = tmp_path / "out.csv", tmp_path / "out.json"
    assert cli.main(["themes", str(source), "--assignments", str(out), "--json", str(js)]) == 0
    assert list(pd.read_csv(out).columns) == ["row", "theme", "themes"]  # flags stay out of the CSV
    rows = json.loads(js.read_text(encoding="utf-8"))["rows"]
    assert [r["flag"] for r in rows[-3:]] == ["threat_to_staff", "self_harm", "child_at_risk"]


def test_the_pipeline_uses_the_example_stage_only_with_the_sentence_model(monkeypatch, hashing_embedder, tmp_path):
    from analysis.embed import SentenceEmbedder

    seen = []
    original = SafeguardingFlagger.fit

    def fit(self, X=None, y=None, embed=None):
        seen.append(embed is not None)
        return original(self, X, y, embed=None)  # the real model is not loaded here

    monkeypatch.setattr(SafeguardingFlagger, "fit", fit)
    monkeypatch.setattr(SentenceEmbedder, "_encode", lambda self, texts: hashing_embedder.transform(texts))
    monkeypatch.setenv("SURVEYAPP_THEMES_ONNX", str(tmp_path / "none"))  # no shipped MiniLM vectors beside the stand-in
    texts = quality_set()[0]
    analyse_themes(texts, taxonomy="exit", embedder=hashing_embedder)
    analyse_themes(texts, taxonomy="exit", embedder=SentenceEmbedder(use_cache=False))
    assert seen == [False, True]


def test_the_flagger_follows_the_estimator_rules():
    from sklearn.base import clone

    flagger = SafeguardingFlagger(kinds=("self_harm",), margin=0.0)
    assert clone(flagger).get_params() == flagger.get_params()
    assert not [k for k in vars(flagger) if k.endswith("_")]
    assert flagger.fit() is flagger and flagger.rules_
