"""Check that a speed-up of the theme engine changes no output: the redactor's text and counts,
the safeguarding rules' hits, and the pipeline's JSON report, on public and development sets.

    .venv/bin/python benchmarks/warm_equivalence.py save  DIR [--no-pipeline]   # on the unchanged code
    .venv/bin/python benchmarks/warm_equivalence.py check DIR [--no-pipeline]   # after the change

DIR holds one SHA-256 digest per output (per comment for the redactor and the flag), never the
text itself. `check` prints each set's result and exits 1 on any difference. The pipeline runs
share an embedding cache under DIR/cache, so only the first run embeds.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.clean import Redactor  # noqa: E402
from analysis.pipeline import analyse_themes  # noqa: E402
from analysis.safeguarding import SafeguardingFlagger  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
if not SHARED.exists():
    SHARED = Path("/work/shared/data")
DATA = ROOT / "tests" / "analysis" / "data"


def _texts(path: Path, n: int | None = None) -> list[str]:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    if n is not None:
        frame = frame.sample(n=n, random_state=0).reset_index(drop=True)
    return frame["text"].tolist()


def text_sets() -> Iterator[tuple[str, list[str]]]:
    yield "searchsnippets-10k", _texts(SHARED / "stc" / "searchsnippets.csv", 10_000)
    yield "stackoverflow-2k", _texts(SHARED / "stc" / "stackoverflow.csv", 2_000)
    yield "biomedical-2k", _texts(SHARED / "stc" / "biomedical.csv", 2_000)
    for path in sorted((SHARED / "comments").glob("*.csv")):
        yield path.stem, _texts(path)
    yield "redaction_set", _texts(DATA / "redaction_set.csv")
    yield "safeguarding_set", _texts(DATA / "safeguarding_set.csv")


def digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode("utf-8")).hexdigest()


def outputs(with_pipeline: bool, cache: Path) -> dict[str, list[str]]:
    staff = pd.read_csv(DATA / "redaction_staff.csv", dtype=str)["name"].tolist()
    flagger = SafeguardingFlagger().fit()
    found: dict[str, list[str]] = {}
    for name, texts in text_sets():
        for label, names in (("no staff list", None), ("staff list", staff)):
            redactor = Redactor(staff_names=names).fit(texts)
            redacted = redactor.transform(texts)
            found[f"{name} redactor ({label})"] = [digest(t) for t in redacted] + [digest(redactor.counts_)]
            spans = [redactor.find(t) for t in texts[:500]]  # the spans, not only their placeholders
            found[f"{name} redactor spans ({label})"] = [digest(s) for s in spans]
        found[f"{name} safeguarding rules"] = [digest(flagger.explain(t)) for t in texts]
        found[f"{name} safeguarding flags"] = [digest(flagger.predict(texts))]
    if with_pipeline:
        runs = [("searchsnippets-10k", None), ("stackoverflow-2k", None), ("biomedical-2k", None),
                ("healthcheck_dev", None), ("healthcheck_dev", "health-check"), ("exit_dev", "exit")]
        sets = dict(text_sets())
        for name, taxonomy in runs:
            report = analyse_themes(sets[name], taxonomy=taxonomy, cache_dir=cache)
            found[f"{name} pipeline report ({taxonomy or 'discovery'})"] = [digest(report.to_json())]
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("save", "check"))
    parser.add_argument("dir", type=Path)
    parser.add_argument("--no-pipeline", action="store_true")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    found = outputs(not args.no_pipeline, args.dir / "cache")
    saved_path = args.dir / "outputs.json"
    if args.action == "save":
        saved_path.write_text(json.dumps(found, indent=0), encoding="utf-8")
        print(f"saved {len(found)} output sets ({sum(map(len, found.values()))} digests) to {saved_path}")
        return 0
    saved = json.loads(saved_path.read_text(encoding="utf-8"))
    bad = 0
    for key, digests in found.items():
        if key not in saved:
            print(f"NOT SAVED  {key}")
            bad += 1
            continue
        diff = [i for i, (a, b) in enumerate(zip(digests, saved[key])) if a != b]
        same = not diff and len(digests) == len(saved[key])
        bad += not same
        print(f"{'identical' if same else 'DIFFERENT'}  {key}  ({len(digests)} outputs"
              + (f"; first differing at {diff[:5]}" if diff else "") + ")")
    print("ALL IDENTICAL" if not bad else f"{bad} set(s) differ")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
