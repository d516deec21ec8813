"""Benchmark of the theme engine against BERTopic and MiniLM + KMeans. Prints a markdown table.

Run from the repository root with the benchmark venv (it has BERTopic as well as the
engine's own dependencies):

    .venv-bench/bin/python benchmarks/themes.py [--data ../shared/data] [--only NAME ...]

With the shared .venv (no BERTopic installed) it runs too: the BERTopic rows are left out and
stderr says so.

    .venv/bin/python benchmarks/themes.py --only healthcheck_dev exit_dev

Each measurement runs in its own process (benchmarks/themes_worker.py) so wall time
includes model loading where the method needs it and peak memory is that method's alone.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import normalized_mutual_info_score

WORKER = Path(__file__).with_name("themes_worker.py")
# (name, file under the data dir, taxonomy for taxonomy mode or None, subsample size or None)
DATASETS = [
    ("healthcheck_dev", "comments/healthcheck_dev.csv", "health-check", None),
    ("exit_dev", "comments/exit_dev.csv", "exit", None),
    ("searchsnippets-10k", "stc/searchsnippets.csv", None, 10_000),  # the 10,000-comment timing run
    ("searchsnippets", "stc/searchsnippets.csv", None, None),
    ("stackoverflow", "stc/stackoverflow.csv", None, None),
    ("biomedical", "stc/biomedical.csv", None, None),
]


def hungarian_accuracy(truth: list, pred: list) -> float:
    """Best one-to-one matching of clusters to classes; unmatched clusters count as wrong."""
    classes, t = np.unique(np.asarray(truth, dtype=str), return_inverse=True)
    clusters, p = np.unique(np.asarray(pred, dtype=str), return_inverse=True)
    table = np.zeros((len(clusters), len(classes)))
    np.add.at(table, (p, t), 1)
    rows, cols = linear_sum_assignment(-table)
    return float(table[rows, cols].sum() / len(truth))


def run(method: str, csv_path: Path, work: Path, *extra: str) -> dict:
    out = subprocess.run([sys.executable, str(WORKER), method, str(csv_path), str(work), *extra],
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{method} failed on {csv_path}:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def score(row: dict, truth: list, direct: bool = False) -> dict:
    labels = row.pop("labels", None)
    if labels is not None:
        row["nmi"] = normalized_mutual_info_score(truth, labels)
        row["acc"] = float(np.mean(np.asarray(labels) == np.asarray(truth))) if direct else hungarian_accuracy(truth, labels)
    return row


def bench_dataset(name: str, path: Path, taxonomy: str | None, sample: int | None, fast: bool = False,
                  default: bool = True) -> list[dict]:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    if sample:
        frame = frame.sample(n=sample, random_state=0).reset_index(drop=True)
    truth = frame["label"].tolist()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        csv_path = work / "data.csv"
        frame.to_csv(csv_path, index=False)
        embed = run("embed", csv_path, work)
        rows.append({"method": "raw MiniLM embedding", **embed})
        if taxonomy and default:
            rows.append({"method": "ours, taxonomy mode", **score(run("taxonomy", csv_path, work, taxonomy), truth, True)})
            (work / "cache").exists() and _clear(work / "cache")
        if default:
            rows.append({"method": "ours, discovery (auto k), cold", **score(run("discovery", csv_path, work), truth)})
            rows.append({"method": "ours, discovery, warm re-run", **score(run("discovery_warm", csv_path, work), truth)})
        if fast:  # the int8 model: same pipeline, quantised linear layers
            if taxonomy:
                rows.append({"method": "ours --fast, taxonomy mode", **score(run("taxonomy_fast", csv_path, work, taxonomy), truth, True)})
                (work / "cache-int8").exists() and _clear(work / "cache-int8")
            rows.append({"method": "ours --fast, discovery, cold", **score(run("discovery_fast", csv_path, work), truth)})
            rows.append({"method": "ours --fast, discovery, warm", **score(run("discovery_fast_warm", csv_path, work), truth)})
        if importlib.util.find_spec("bertopic") is not None:
            bt = score(run("bertopic", csv_path, work), truth)
            bt["seconds_with_embedding"] = bt["seconds"] + embed["seconds"]
            rows.append({"method": "BERTopic 0.17.4 default", **bt})
        else:
            print(f"{name}: BERTopic is not installed in this interpreter, its row is left out", file=sys.stderr)
        rows.append({"method": "MiniLM + KMeans (true k)", **score(run("kmeans", csv_path, work), truth)})
    for row in rows:
        row.update(dataset=name, n=len(frame), classes=frame["label"].nunique(), embed_seconds=embed["seconds"])
    return rows


def _clear(directory: Path) -> None:
    for f in directory.iterdir():
        f.unlink()


def markdown(rows: list[dict]) -> str:
    lines = ["| data (rows, classes) | method | themes | accuracy | NMI | wall s | × embed | peak MB |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        themes = str(r.get("n_themes", "")) + (f" ({r['outliers']:.0%} outliers)" if "outliers" in r else "")
        wall = f"{r['seconds']:.1f}" + (f" (+embed {r['seconds_with_embedding']:.1f})" if "seconds_with_embedding" in r else "")
        ratio = r.get("seconds_with_embedding", r["seconds"]) / r["embed_seconds"]
        acc = f"{r['acc']:.3f}" if "acc" in r else ""
        nmi = f"{r['nmi']:.3f}" if "nmi" in r else ""
        lines.append(f"| {r['dataset']} ({r['n']}, {r['classes']}) | {r['method']} | {themes} | {acc} | {nmi} | "
                     f"{wall} | {ratio:.2f} | {r['peak_mb']:.0f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--only", nargs="*", help="dataset names to run (default: all)")
    parser.add_argument("--save", type=Path, help="also write the raw rows as JSON here")
    parser.add_argument("--fast", action="store_true", help="also measure the int8 model (--fast)")
    parser.add_argument("--fast-only", action="store_true", help="measure the int8 model instead of the default")
    args = parser.parse_args()
    rows = []
    for name, rel, taxonomy, sample in DATASETS:
        if args.only and name not in args.only:
            continue
        rows += bench_dataset(name, args.data / rel, taxonomy, sample, args.fast or args.fast_only, not args.fast_only)
        print(f"done {name}", file=sys.stderr, flush=True)
        if args.save:
            args.save.write_text(json.dumps(rows, indent=1))
    print(markdown(rows))


if __name__ == "__main__":
    main()
