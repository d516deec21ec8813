"""The disclosure layer is the only door from answers to what a manager sees.

Two checks: import-linter's contracts (.importlinter: pages never import the
answer tally, the disclosure layer imports no journey), and a read of every
page and export module for the models that hold answers, which an import
contract cannot see because they live in `surveyapp.models` beside the runs.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGES = [*sorted((ROOT / "surveyapp" / "results").glob("*.py")), *sorted((ROOT / "surveyapp" / "leavers").glob("*.py")),
         *sorted((ROOT / "surveyapp" / "action_plans").glob("*.py")),
         *sorted((ROOT / "surveyapp" / "reports").glob("*.py")),
         ROOT / "surveyapp" / "themes" / "views.py", ROOT / "surveyapp" / "manage" / "views.py",
         ROOT / "surveyapp" / "moderation" / "views.py"]
ANSWER_MODELS = {"Answer", "Response", "UsedLink"}


def test_import_contracts_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint), "--config", str(ROOT / ".importlinter")], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def _imported_models(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").endswith("models"):
            names |= {alias.name for alias in node.names}
    return names


def test_pages_and_exports_never_touch_the_models_that_hold_answers():
    offending = {str(p.relative_to(ROOT)): found for p in PAGES if (found := _imported_models(p) & ANSWER_MODELS)}
    assert offending == {}


def test_the_check_sees_an_offending_module(tmp_path):
    # The check above must be able to fail: a page that reads answers is caught.
    page = tmp_path / "page.py"
    page.write_text("from ..models import Answer, SurveyRun\n")
    assert _imported_models(page) & ANSWER_MODELS == {"Answer"}


def test_a_response_counts_in_its_council_area_and_team_or_in_no_area_and_no_team():
    from surveyapp.disclosure import cells as c
    teams = {7: ("Front Door", 2), 8: ("Care Leavers", 3)}
    assert c.units_of(7, teams, True) == [c.ALL, "area:2", "team:7"]
    assert c.units_of(7, teams, False) == [c.ALL, "area:2"]
    for unknown in (None, 99):  # none given, or a team since removed from the structure
        assert c.units_of(unknown, teams, True) == [c.ALL, c.NO_AREA, c.NO_TEAM]
