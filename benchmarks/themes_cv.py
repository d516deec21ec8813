"""How well the theme engine generalises: development figures beside held-out ones.

    .venv/bin/python benchmarks/themes_cv.py [--data ../shared/data] [--cache DIR]
    .venv/bin/python benchmarks/themes_cv.py --own-set tests/analysis/data/themes_own_set_2.csv

Prints markdown tables:
- taxonomy accuracy and discovery NMI (automatic count) on the shared development
  comments and on `tests/analysis/data/themes_own_set.csv` (written apart, never tuned on);
- grouped cross-validation on the development comments: the comments are grouped into
  sub-topics (KMeans on their vectors, so near-paraphrases fall in one group) and whole
  groups are held out (GroupKFold, 5 folds). In each fold the classifier's settings
  (top_k, keyword weight) are chosen on the other folds and scored on the held-out
  groups; a second figure adds the other folds' comments as labelled examples, the way
  a council's corrections are used on its later runs;
- corrections: each set is split at random into a first run and a later run; the errors of
  the first run are corrected (given as labelled comments, as the app does with a PSW's
  corrections) and the later run is scored without and with them;
- second themes on the own set, whose `also` column marks a clear second theme.

`--own-set PATH` scores only that labelled set (the own set's columns: `taxonomy`, `text`,
`label`, optional `also`), one table row per taxonomy in it, and nothing else: a set written
apart is scored once, on its own, without re-running the development figures.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import normalized_mutual_info_score
from sklearn.model_selection import GroupKFold

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.classify import TaxonomyAssigner
from analysis.pipeline import ThemePipeline

ROOT = Path(__file__).resolve().parents[1]
OWN = ROOT / "tests" / "analysis" / "data" / "themes_own_set.csv"
GRID = [{"top_k": k, "keyword_weight": w} for k in (1, 3, 5) for w in (0.05, 0.1, 0.2)]


def own_set(path: Path) -> dict[str, tuple[pd.DataFrame, str]]:
    own = pd.read_csv(path, dtype=str, keep_default_na=False)
    return {f"{path.stem} {taxonomy.replace('-', ' ')}": (own[own.taxonomy == taxonomy].reset_index(drop=True), taxonomy)
            for taxonomy in dict.fromkeys(own.taxonomy)}


def datasets(data: Path) -> dict[str, tuple[pd.DataFrame, str]]:
    own = pd.read_csv(OWN, dtype=str, keep_default_na=False)
    return {
        "healthcheck_dev": (pd.read_csv(data / "comments" / "healthcheck_dev.csv", dtype=str), "health-check"),
        "exit_dev": (pd.read_csv(data / "comments" / "exit_dev.csv", dtype=str), "exit"),
        "own health check": (own[own.taxonomy == "health-check"].reset_index(drop=True), "health-check"),
        "own exit": (own[own.taxonomy == "exit"].reset_index(drop=True), "exit"),
    }


def prepared(frame: pd.DataFrame, taxonomy: str, cache: Path) -> tuple[ThemePipeline, list[str], np.ndarray]:
    pipe = ThemePipeline(taxonomy=taxonomy, cache_dir=cache)
    raw = frame["text"].tolist()
    model_text = pipe.normaliser.fit_transform(pipe.redactor.fit(raw).transform(raw))
    return pipe, model_text, pipe.embedder.transform(model_text)


def accuracy(pipe: ThemePipeline, texts: list[str], X: np.ndarray, truth: np.ndarray, rows: np.ndarray,
             labelled: list[tuple[str, str]] = (), **settings) -> float:
    assigner = TaxonomyAssigner(pipe.taxonomy, labelled=labelled, **settings).fit(pipe.embedder.transform)
    ids, _, _ = assigner.assign([texts[i] for i in rows], X[rows])
    return float(np.mean(np.asarray(ids) == truth[rows]))


def grouped_cv(pipe: ThemePipeline, texts: list[str], X: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    groups = KMeans(n_clusters=max(10, len(texts) // 12), n_init=3, random_state=0).fit(X).labels_
    tuned, corrected, n = 0.0, 0.0, 0
    for train, test in GroupKFold(n_splits=5).split(X, truth, groups):
        best = max(GRID, key=lambda s: accuracy(pipe, texts, X, truth, train, **s))
        tuned += accuracy(pipe, texts, X, truth, test, **best) * len(test)
        labelled = [(texts[i], truth[i]) for i in train]
        corrected += accuracy(pipe, texts, X, truth, test, labelled, **best) * len(test)
        n += len(test)
    return {"held-out groups": tuned / n, "held-out groups, other folds as labelled examples": corrected / n}


def corrections(pipe: ThemePipeline, texts: list[str], X: np.ndarray, truth: np.ndarray) -> tuple[float, float, int]:
    """A first run's errors corrected: the later run's accuracy without and with those corrections."""
    order = np.random.default_rng(0).permutation(len(texts))
    first, later = order[: len(texts) // 2], order[len(texts) // 2:]
    ids, _, _ = TaxonomyAssigner(pipe.taxonomy).fit(pipe.embedder.transform).assign([texts[i] for i in first], X[first])
    fixed = [(texts[i], truth[i]) for i, got in zip(first, ids) if got != truth[i]]
    return accuracy(pipe, texts, X, truth, later), accuracy(pipe, texts, X, truth, later, fixed), len(fixed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/themes-cv-cache"))
    parser.add_argument("--own-set", type=Path, help="score only this labelled set (columns as the own set's)")
    args = parser.parse_args()
    sets = own_set(args.own_set) if args.own_set else datasets(args.data)
    lines = [("| data (rows) | taxonomy accuracy | discovery NMI (themes) | grouped CV: held-out groups | "
              "grouped CV: + other folds as labelled examples | later run: without / with the first run's "
              "errors corrected (corrections) |"), "| --- | ---: | ---: | ---: | ---: | ---: |"]
    multi = []
    for name, (frame, taxonomy) in sets.items():
        truth = frame["label"].to_numpy()
        report = ThemePipeline(taxonomy=taxonomy, cache_dir=args.cache).run(frame["text"].tolist())
        acc = float(np.mean(np.asarray(report.assignments) == truth))
        found = ThemePipeline(cache_dir=args.cache).run(frame["text"].tolist())
        nmi = normalized_mutual_info_score(truth, found.assignments)
        cv = {"held-out groups": None, "held-out groups, other folds as labelled examples": None}
        ready = prepared(frame, taxonomy, args.cache)
        if name.endswith("_dev"):
            cv = grouped_cv(*ready, truth)
        cells = [f"{v:.3f}" if v is not None else "not tuned on: scored only" for v in cv.values()]
        before, after, fixed = corrections(*ready, truth)
        cells.append(f"{before:.3f} / {after:.3f} ({fixed} corrected)")
        lines.append(f"| {name} ({len(frame)}) | {acc:.3f} | {nmi:.3f} ({len(found.themes)}) | {' | '.join(cells)} |")
        multi.append(second_themes(name, report, frame))
        print(f"done {name}", file=sys.stderr, flush=True)
    print("\n".join(lines))
    print("\n| data | comments given 2+ themes | second themes right (precision) | clear second themes found (recall) |")
    print("| --- | ---: | ---: | ---: |")
    print("\n".join(multi))


def second_themes(name: str, report, frame: pd.DataFrame) -> str:
    sets = report.theme_sets
    share = np.mean([len(s) > 1 for s in sets])
    if "also" not in frame:
        return f"| {name} | {share:.1%} | (not labelled) | (not labelled) |"
    also = frame["also"].tolist()
    # A second theme is right when it is one of the comment's two labelled themes (the engine may
    # have taken the labelled second theme as the main one).
    given = [(s[1:], {a, t}) for s, a, t in zip(sets, also, frame["label"]) if len(s) > 1]
    right = sum(bool(set(extra) & pair - {""}) for extra, pair in given)
    found = sum(bool(a) and a in s[1:] for s, a in zip(sets, also))
    labelled = sum(bool(a) for a in also)
    precision = f"{right / len(given):.2f} ({right}/{len(given)})" if given else "none given"
    recall = f"{found / labelled:.2f} ({found}/{labelled})" if labelled else "none labelled"
    return f"| {name} | {share:.1%} | {precision} | {recall} |"


if __name__ == "__main__":
    main()
