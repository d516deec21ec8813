"""Quality floors on the labelled sets, a little below the measured figures (README, "Redaction
and safeguarding flags"), so a change that loses recall or starts redacting words fails here."""

import pytest

from analysis.clean import Redactor
from analysis.safeguarding import SafeguardingFlagger
from benchmarks.redaction import (
    FRESH,
    HALVES,
    UNCATCHABLE,
    redaction_rows,
    safeguarding_rows,
    score_flags,
    score_redaction,
    staff_names,
)

KINDS = ("name", "name_no_accent", "name_typo", "name_joined", "nickname", "initials", "handle", "email", "phone",
         "date_of_birth", "address", "postcode", "ni_number", "case_number")


@pytest.fixture(scope="module")
def redactor():
    return Redactor(staff_names=staff_names()).fit([])


def test_the_sets_are_big_enough_and_every_kind_is_in_both_halves():
    rows = redaction_rows()
    assert len(rows) >= 150
    for half in HALVES:
        kinds = {k for _, ids in redaction_rows(half) for k, _ in ids}
        assert set(KINDS) <= kinds, set(KINDS) - kinds
        assert sum(not ids for _, ids in redaction_rows(half)) >= 20  # look-alikes with no identifier
    texts, flags = safeguarding_rows()
    assert len(texts) >= 150 and sum(f is not None for f in flags) >= 50


@pytest.mark.parametrize("half", HALVES)
def test_redaction_recall_and_false_redactions(redactor, half):
    score = score_redaction(redactor, redaction_rows(half))
    assert score.recall() >= 0.95, score.misses
    for kind in KINDS:
        assert score.recall(kind) >= 0.7, (kind, score.misses)
    assert score.caught[UNCATCHABLE] == 0  # a sign the labels or the scorer went wrong if rules caught these
    assert sum(score.false.values()) <= 3, score.false_hits
    assert score.false_rows <= 2, score.false_hits


def test_without_a_staff_list_staff_forms_are_missed_but_shaped_identifiers_are_not():
    score = score_redaction(Redactor().fit([]), [row for half in HALVES for row in redaction_rows(half)])
    for kind in ("phone", "email", "handle", "date_of_birth", "address", "postcode", "ni_number", "case_number"):
        assert score.recall(kind) >= 0.9, (kind, score.misses)
    assert score.recall("nickname") < 0.9  # Saz, Debs, Kaz need the staff list: the test measures something


@pytest.mark.parametrize("half", HALVES)
def test_safeguarding_flag_recall_first(half):
    texts, truth = safeguarding_rows(half)
    result = score_flags(SafeguardingFlagger().fit().predict(texts), truth)
    assert result["recall"] >= 0.93
    assert result["kind_right"] >= 0.85
    assert result["precision"] >= 0.8
    assert result["false_flag_rate"] <= 0.15


def test_the_example_stage_catches_disclosures_the_rules_miss(model_cache_dir):
    """With MiniLM (offline, from site-packages): the embedding stage on comments it was not built from."""
    from analysis.clean import Normaliser
    from analysis.embed import SentenceEmbedder

    embedder, normaliser = SentenceEmbedder(cache_dir=model_cache_dir), Normaliser()

    def embed(texts):
        return embedder.transform(normaliser.transform(texts))
    flagger = SafeguardingFlagger().fit(embed=embed)
    texts, truth = safeguarding_rows(FRESH)
    rules_only = score_flags(SafeguardingFlagger().fit().predict(texts), truth)
    both = score_flags(flagger.predict(texts, embed(texts)), truth)
    assert both["recall"] >= 0.75 > rules_only["recall"] + 0.5
    assert both["false_flag_rate"] <= 0.1
    texts, truth = safeguarding_rows("heldout")
    held = score_flags(flagger.predict(texts, embed(texts)), truth)
    assert held["recall"] >= 0.93 and held["false_flag_rate"] <= 0.05
