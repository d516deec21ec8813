import pytest

from analysis.taxonomy import TaxonomyError, load_taxonomy, parse_taxonomy

HEALTH_CHECK = ["caseload_workload", "work_life_balance", "supervision", "management_leadership", "pay_reward",
                "learning_career", "wellbeing_stress", "systems_admin", "office_environment", "communication_voice",
                "team_peers", "safeguarding_practice"]
EXIT = ["caseload_workload", "pay_reward", "management_leadership", "learning_career", "wellbeing_stress",
        "relocation_family", "agency_work", "leaving_profession", "retirement", "other_council_role"]


@pytest.mark.parametrize("name, ids", [("health-check", HEALTH_CHECK), ("exit", EXIT)])
def test_built_in_taxonomies_have_exactly_the_agreed_ids(name, ids):
    taxonomy = load_taxonomy(name)
    assert taxonomy.theme_ids == ids
    for theme in taxonomy.themes:
        assert theme.name and theme.description
        assert len(theme.examples) >= 12
        assert len(set(theme.examples)) == len(theme.examples)


def test_a_council_file_can_extend_a_taxonomy(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("id: mine\nthemes:\n  - id: parking\n    name: Parking\n    description: Car parks\n"
                    "    examples: [Nowhere to park]\n    keywords: [parking, \"1:1\", 2024]\n", encoding="utf-8")
    taxonomy = load_taxonomy(path)
    assert taxonomy.theme_ids == ["parking"]
    assert taxonomy.themes[0].keywords == ("parking", "1:1", "2024")


@pytest.mark.parametrize("data", [None, {"themes": []}, {"themes": [{"id": "Bad Id", "name": "x", "description": "y",
                                  "examples": ["z"]}]}, {"themes": [{"id": "other", "name": "x", "description": "y",
                                  "examples": ["z"]}]}, {"themes": [{"id": "a", "name": "x", "description": "y"}]}])
def test_malformed_taxonomies_are_rejected(data):
    with pytest.raises(TaxonomyError):
        parse_taxonomy(data)


@pytest.mark.parametrize("value", ["high", True, -0.1, 1.5])
def test_a_bad_other_threshold_is_rejected(value):
    theme = {"id": "pay", "name": "Pay", "description": "Salary.", "examples": ["Pay is low."]}
    with pytest.raises(TaxonomyError, match="other_threshold"):
        parse_taxonomy({"themes": [theme], "other_threshold": value})


def test_the_other_threshold_is_the_taxonomys_own(hashing_embedder):
    from analysis.classify import OTHER, TaxonomyAssigner
    theme = {"id": "pay", "name": "Pay", "description": "Salary.", "examples": ["Pay is low."]}
    texts = ["Something else entirely."]
    X = hashing_embedder.fit(texts).transform(texts)
    for threshold, expected in ((0.0, "pay"), (0.99, OTHER)):
        tax = parse_taxonomy({"themes": [theme], "other_threshold": threshold})
        assert tax.other_threshold == threshold
        ids, _, _ = TaxonomyAssigner(tax).fit(hashing_embedder.transform).assign(texts, X)
        assert ids == [expected]
    assert load_taxonomy("health-check").other_threshold == 0.34 and load_taxonomy("exit").other_threshold == 0.3
