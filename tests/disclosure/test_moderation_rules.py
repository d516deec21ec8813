"""What a release may say in words once the principal social worker has moderated the quotes (no database)."""

from __future__ import annotations

from surveyapp.disclosure import cells as c
from surveyapp.disclosure.themes import Decision, measure, quote_key, texts

Q = "biggest_difference"
APPROVED, EDITED, WITHHELD = "approved", "edited", "withheld"


def analysis(mode: str = "taxonomy", label: str = "Pay and reward", keywords: list[str] | None = None,
             quotes: list[str] | None = None, flagged: set[int] = frozenset()) -> dict:
    quotes = quotes if quotes is not None else ["Pay us what agency staff get", "Overtime is never paid",
                                                "My manager bullies the team about pay"]
    rows = [{"row": i, "theme": "pay", "flag": "child_at_risk" if i in flagged else None} for i in range(12)]
    return {Q: {"mode": mode, "rows": rows, "row_teams": [1] * 12, "notes": [],
                "themes": [{"id": "pay", "label": label, "description": None,
                            "keywords": keywords if keywords is not None else ["pay", "agency", "bullies", "overtime"],
                            "quotes": [{"row": i, "text": t} for i, t in enumerate(quotes)]}]}}


def shown(analyses: dict, chosen: dict[str, Decision], size: int = 12) -> dict:
    cells = {c.cell(measure(Q, "pay"), c.ALL): size}
    return texts(analyses, cells, 10, lambda team: "team:1", chosen)[Q]["themes"][0]


def decide(text: str, status: str, edited: str | None = None) -> dict[str, Decision]:
    return {quote_key(Q, text): Decision(status, edited)}


def test_the_key_is_the_question_and_the_words_never_the_response():
    assert quote_key(Q, "Pay us  what\nagency staff get ") == quote_key(Q, "Pay us what agency staff get")
    assert quote_key(Q, "Pay us what agency staff get") != quote_key("do_well", "Pay us what agency staff get")
    assert quote_key(Q, "Pay us what agency staff get") != quote_key(Q, "Pay us what agency staff got")


def test_a_decision_releases_the_original_the_edit_or_nothing():
    assert Decision(APPROVED).released("original") == "original"
    assert Decision(EDITED, "edited").released("original") == "edited"
    assert Decision(EDITED, "  ").released("original") is None
    assert Decision(WITHHELD).released("original") is None


def test_without_decisions_nothing_is_quoted_and_no_keyword_shown():
    theme = shown(analysis(), {})
    assert theme["quotes"] == [] and theme["keywords"] == []
    assert theme["label"] == "Pay and reward"  # a taxonomy theme's name is the council's words, not a comment's


def test_only_approved_and_edited_quotes_are_released_and_keywords_come_from_them():
    chosen = {**decide("Pay us what agency staff get", APPROVED),
              **decide("Overtime is never paid", EDITED, "Overtime is not paid"),
              **decide("My manager bullies the team about pay", WITHHELD)}
    theme = shown(analysis(), chosen)
    assert [q["text"] for q in theme["quotes"]] == ["Pay us what agency staff get", "Overtime is not paid"]
    assert all(q["unit"] == "team:1" for q in theme["quotes"])
    # "bullies" is only in the withheld comment: not a keyword.
    assert theme["keywords"] == ["pay", "agency", "overtime"]
    assert "Overtime is never paid" not in str(theme) and "bullies" not in str(theme)


def test_a_keyword_only_in_an_edited_away_original_is_dropped():
    chosen = decide("Overtime is never paid", EDITED, "Extra hours go unrewarded")
    theme = shown(analysis(keywords=["overtime", "hours", "extra hours"]), chosen)
    assert theme["keywords"] == ["hours", "extra hours"]


def test_a_small_theme_quotes_nothing_even_when_approved():
    chosen = decide("Pay us what agency staff get", APPROVED)
    assert shown(analysis(), chosen, size=9)["quotes"] == []
    assert shown(analysis(), chosen, size=None)["quotes"] == []  # hidden by the audit


def test_a_flagged_comment_is_never_quoted_even_if_approved():
    chosen = {**decide("Pay us what agency staff get", APPROVED), **decide("Overtime is never paid", APPROVED)}
    theme = shown(analysis(flagged={0}), chosen)
    assert [q["text"] for q in theme["quotes"]] == ["Overtime is never paid"]
    assert "agency" not in theme["keywords"]


def test_a_discovered_label_is_made_only_of_released_words():
    found = analysis(mode="discovery", label="Bullies, pay and agency")
    assert shown(found, {})["label"] == "Theme 1"
    # Its own label has a withheld word: the label is made from the released keywords instead.
    approved = decide("Pay us what agency staff get", APPROVED)
    assert shown(found, approved)["label"] == "Pay and agency"
    everything = {**approved, **decide("My manager bullies the team about pay", APPROVED)}
    assert shown(found, everything)["label"] == "Bullies, pay and agency"
    assert shown(found, everything, size=9)["label"] == "Theme 1"
