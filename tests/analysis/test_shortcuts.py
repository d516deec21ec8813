"""The redactor's and the safeguarding rules' shortcuts (skipping work that cannot find anything)
change no output: each is compared with the same code with the shortcut turned off."""

import re
from pathlib import Path

import pandas as pd
import pytest

from analysis import identifiers
from analysis.clean import Redactor, normalise
from analysis.safeguarding import SafeguardingFlagger

DATA = Path(__file__).parent / "data"

# Cases where a shortcut would be easy to get wrong: no capitals, no digits, non-ASCII letters and
# digits, the long s (an s to a case-blind regex), ASCII separators that only Unicode \s matches.
EDGE = [
    "sarah okonkwo-hale said my case is closed", "debs never cancels", "no capitals or digits here at all",
    "mr patel rang", "Mrs Patel rang", "jo dot bloggs at kent dot gov dot uk", "debs[at]kent.gov.uk",
    "case ref \u0661\u0662\u0663\u0664\u0665\u0666", "call 07700\u00a0900123", "Siân's lanyard", "JOſ went home",
    "he said he'd\x1ckill me", "a dad\x1fpunched me", "I WANT TO DIE", "ſelf-harm is on my mind",
    "İ was threatened", "The BABY has bruises.", "",
]


def texts() -> list[str]:
    labelled = [pd.read_csv(DATA / name, dtype=str, keep_default_na=False)["text"].tolist()
                for name in ("redaction_set.csv", "safeguarding_set.csv")]
    return EDGE + [t for rows in labelled for t in rows] + [t.lower() for rows in labelled for t in rows]


def test_the_safeguarding_gate_changes_no_rule_hit(monkeypatch):
    flagger = SafeguardingFlagger().fit()
    gated = [flagger.explain(t) for t in texts()]
    monkeypatch.setattr(SafeguardingFlagger, "_gate", lambda self, has_child, text: re.compile(""))
    assert gated == [flagger.explain(t) for t in texts()]
    assert sum(map(bool, gated)) > 50  # the sets set rules off: the comparison means something


@pytest.mark.parametrize("staff", [None, ["Sarah Okonkwo-Hale", "Deborah Lindqvist", "Siân Pritchard", "Jo Patel"]])
def test_the_redactor_shortcuts_change_no_span(monkeypatch, staff):
    redactor = Redactor(staff_names=staff).fit([])
    quick = [redactor.find(normalise(t)) for t in texts()]
    monkeypatch.setattr(identifiers, "FINDERS", tuple((None, finder) for _, finder in identifiers.FINDERS))
    monkeypatch.setattr(Redactor, "_may_hold_names", lambda self, text: True)
    assert quick == [redactor.find(normalise(t)) for t in texts()]
    assert sum(map(bool, quick)) > 100
