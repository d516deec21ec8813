"""The command-line contract: outputs, and bad input as one line with exit code 2."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from analysis import cli
from analysis.pipeline import ThemePipeline

from themes_fixtures import HashingEmbedder, quality_set

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fast_pipeline(monkeypatch):
    """The CLI with the hashing embedder: these tests check the contract, not quality."""
    original = ThemePipeline.__init__

    def init(self, *args, **kwargs):
        kwargs["embedder"] = HashingEmbedder()
        original(self, *args, **kwargs)

    monkeypatch.setattr(ThemePipeline, "__init__", init)


def write_csv(path: Path, texts: list[str]) -> Path:
    pd.DataFrame({"id": range(len(texts)), "comment": texts}).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("taxonomy", ["health-check", "exit", "none"])
def test_assignments_have_one_line_per_row(tmp_path, fast_pipeline, taxonomy, capsys):
    texts, _ = quality_set()
    texts = texts + ["", "NA"]
    source = write_csv(tmp_path / "in.csv", texts)
    out, js = tmp_path / "out.csv", tmp_path / "out.json"
    code = cli.main(["themes", str(source), "--text-column", "comment", "--taxonomy", taxonomy,
                     "--assignments", str(out), "--json", str(js)])
    assert code == 0
    frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(frame.columns) == ["row", "theme", "themes"]
    assert all(themes.split(";")[0] == theme for theme, themes in zip(frame["theme"], frame["themes"]))
    assert frame["row"].tolist() == [str(i) for i in range(len(texts))]
    assert frame["theme"].iloc[-2] == "other"  # the blank row; "NA" is a comment, not blank
    data = json.loads(js.read_text(encoding="utf-8"))
    assert data["n_blank"] == 1
    assert {"label", "keywords", "size", "share", "quotes", "sentiment"} <= set(data["themes"][0])
    assert "1 blank" in capsys.readouterr().out


def test_themes_option_sets_the_count(tmp_path, fast_pipeline):
    source = write_csv(tmp_path / "in.csv", quality_set()[0])
    out = tmp_path / "out.csv"
    assert cli.main(["themes", str(source), "--text-column", "comment", "--themes", "3", "--assignments", str(out)]) == 0
    assert pd.read_csv(out)["theme"].nunique() == 3


def bad_inputs(tmp_path: Path) -> dict[str, tuple[list[str], str]]:
    good = write_csv(tmp_path / "good.csv", ["a comment"])
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "latin1.csv").write_bytes("text\ncaf\xe9 is cold\n".encode("latin-1"))
    (tmp_path / "header.csv").write_text("text\n", encoding="utf-8")
    out = str(tmp_path / "o.csv")
    return {
        "missing file": (["themes", str(tmp_path / "nope.csv"), "--assignments", out], "not found"),
        "missing column": (["themes", str(good), "--assignments", out], "column 'text' not found"),
        "empty file": (["themes", str(tmp_path / "empty.csv"), "--assignments", out], "empty"),
        "not utf-8": (["themes", str(tmp_path / "latin1.csv"), "--assignments", out], "not UTF-8"),
        "no rows": (["themes", str(tmp_path / "header.csv"), "--assignments", out], "no rows"),
        "bad count": (["themes", str(good), "--text-column", "comment", "--themes", "0", "--assignments", out], "--themes"),
    }


@pytest.mark.parametrize("case", ["missing file", "missing column", "empty file", "not utf-8", "no rows", "bad count"])
def test_bad_input_is_one_line_and_exit_code_2(tmp_path, capsys, case):
    argv, message = bad_inputs(tmp_path)[case]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_python_dash_m_entry_point(tmp_path):
    result = subprocess.run([sys.executable, "-m", "analysis", "themes", str(tmp_path / "missing.csv"),
                             "--assignments", str(tmp_path / "o.csv")], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.startswith("error: input file not found")
