"""How the principal social worker's corrections fold together and land on an analysis (no database)."""

from __future__ import annotations

from types import SimpleNamespace

from surveyapp.disclosure import corrections as fix

KEYS = [f"{i:064x}" for i in range(6)]


def rows(*corrections: tuple) -> fix.Corrections:
    """Corrections in the order made: (kind, theme, themes, label, key, text)."""
    made = []
    for i, (kind, theme, themes, label, key, text) in enumerate(corrections):
        made.append(SimpleNamespace(id=i + 1, kind=kind, theme=theme, themes=themes, label=label, key=key, text=text))
    return fix.fold(made)


def result() -> dict:
    """Six comments: 0-2 pay (1 also systems), 3-4 systems, 5 teamwork; quotes 0 and 3."""
    themes = [["pay"], ["pay", "systems"], ["pay"], ["systems"], ["systems"], ["teamwork"]]
    return {"mode": "taxonomy", "rows": [{"row": i, "theme": t[0], "themes": t, "sentiment": "negative"}
                                         for i, t in enumerate(themes)],
            "themes": [{"id": "pay", "label": "Pay", "quotes": [{"row": 0, "text": "q0"}], "keywords": []},
                       {"id": "systems", "label": "Systems", "quotes": [{"row": 3, "text": "q3"}], "keywords": []},
                       {"id": "teamwork", "label": "Teamwork", "quotes": [], "keywords": []}]}


def test_the_latest_correction_of_a_comment_or_a_theme_holds():
    found = rows(("move", "pay", ["systems"], None, KEYS[0], "first"),
                 ("move", "systems", ["teamwork", "pay"], None, KEYS[0], "second"),
                 ("rename", "pay", None, "Money", None, None), ("rename", "pay", None, "Pay and agency", None, None))
    assert found.moves == {KEYS[0]: ["teamwork", "pay"]} and found.texts[KEYS[0]] == "second"
    assert found.labels == {"pay": "Pay and agency"}
    assert fix.labelled(found) == [("second", "teamwork"), ("second", "pay")]


def test_merges_follow_chains_and_a_theme_merged_back_is_whole_again():
    found = rows(("merge", "teamwork", ["systems"], "Teamwork", None, None),
                 ("merge", "systems", ["pay"], "Systems", None, None))
    assert found.final("teamwork") == "pay" and found.themes_of(["systems", "pay"]) == ["pay"]
    found = rows(("merge", "teamwork", ["systems"], "Teamwork", None, None),
                 ("merge", "systems", ["teamwork"], "Systems", None, None))
    assert found.final("teamwork") == "teamwork" and found.final("systems") == "teamwork"


def test_apply_moves_merges_renames_and_splits_and_keeps_the_engines_themes():
    found = rows(("move", "pay", ["systems", "teamwork"], None, KEYS[0], "comment 0"),
                 ("merge", "teamwork", ["pay"], "Teamwork", None, None),
                 ("rename", "systems", None, "Eclipse", None, None),
                 ("split", "systems", ["own_logins"], "Logins", None, None),
                 ("move", "systems", ["own_logins"], None, KEYS[4], "comment 4"))
    engine = result()
    out = fix.apply(engine, found, KEYS)
    assert engine == result(), "the engine's result is not changed"
    by_row = {r["row"]: r for r in out["rows"]}
    assert by_row[0]["themes"] == ["systems", "pay"] and by_row[0]["corrected"] == "moved"
    assert by_row[0]["engine_themes"] == ["pay"]
    assert by_row[5]["theme"] == "pay" and by_row[5]["corrected"] == "merged"
    assert by_row[4]["theme"] == "own_logins" and "corrected" not in by_row[2]
    themes = {t["id"]: t for t in out["themes"]}
    assert list(themes) == ["pay", "systems", "own_logins"]
    assert themes["systems"]["label"] == "Eclipse" and themes["systems"]["engine_label"] == "Systems"
    assert themes["own_logins"]["label"] == "Logins"
    assert (themes["pay"]["size"], themes["pay"]["mentions"]) == (3, 4)  # rows 1, 2, 5; and row 0 second
    assert (themes["systems"]["size"], themes["systems"]["mentions"]) == (2, 3)  # rows 0, 3; and row 1
    assert sum(t["size"] for t in out["themes"]) == 6
    # A quote goes with its comment: row 0 is now a systems comment.
    assert [q["row"] for q in themes["systems"]["quotes"]] == [0, 3] and themes["pay"]["quotes"] == []
    # The engine learns the split-off theme from the comments moved to it.
    assert fix.own_themes(found) == {"own_logins": ("Logins", ["comment 4"])}


def test_no_corrections_leave_the_result_as_it_is():
    engine = result()
    assert fix.apply(engine, fix.Corrections(), KEYS) is engine
