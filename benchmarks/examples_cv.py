"""The taxonomy examples as a test set: which examples pull other themes' text, and dev figures.

    .venv/bin/python benchmarks/examples_cv.py [--data ../shared/data] [--cache DIR] [--hubs N]

Never reads the own sets (`tests/analysis/data/themes_own_set*.csv`): every figure is on the
development comments or on the examples themselves. Prints markdown tables:

- development figures for a health-check taxonomy (default: the built-in file): accuracy on
  `healthcheck_dev` with all examples, with the examples written on 2026-12-06 only (not written
  against the development set's errors), and grouped cross-validation (held-out sub-topics, as
  `themes_cv.py` does it, settings chosen on the other folds);
- leave-one-batch-out on the examples: each batch of examples (the ones before 2026-12-06,
  then the four batches of that day and the fifth, written later that day by another writer, from
  `git blame` of the file) classified by
  the other batches only. The 2026-12-06 batches were written apart from the older examples,
  so they test whether the older ones generalise;
- with `--hubs N`: the N examples that most often are among the 3 nearest of a wrongly chosen
  theme for a held-out example of another theme (they pull other themes' text), and the
  examples wrongly classified when held out (Wilson editing's candidates).
"""

from __future__ import annotations

import argparse
import dataclasses
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from sklearn.cluster import KMeans
from sklearn.model_selection import GroupKFold

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.classify import TaxonomyAssigner
from analysis.clean import Normaliser, Redactor
from analysis.embed import SentenceEmbedder
from analysis.taxonomy import Taxonomy, load_taxonomy, parse_taxonomy

ROOT = Path(__file__).resolve().parents[1]
HC_FILE = "analysis/taxonomies/health-check.yaml"
REVS = Path(__file__).with_name("examples_audit.revs")
GRID = [{"top_k": k, "keyword_weight": w} for k in (1, 3, 5) for w in (0.05, 0.1, 0.2)]
BATCHES = {"5d8404b": "old", "ee192b8": "old", "ece41d5": "old", "52ff2ec": "b1", "d70ac3a": "b2",
           "4123380": "b3", "65862d0": "b3", "ecd7358": "b4", "22acef1": "b5"}


class Vectors:
    """Embeds through the engine's SentenceEmbedder (its SQLite cache), memoised in a dict."""

    def __init__(self, cache: Path):
        self.embedder = SentenceEmbedder(cache_dir=cache)
        self.seen: dict[str, np.ndarray] = {}

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self.seen]
        if missing:
            self.seen.update(zip(missing, self.embedder.transform(missing)))
        return np.vstack([self.seen[t] for t in texts]) if len(texts) else np.zeros((0, 384), np.float32)


def batches(rev: str | None = None) -> dict[str, str]:
    """Example text -> the batch that wrote it, from git blame of the health-check file (working tree
    by default). Blame looks through the audit's commits (`examples_audit.revs`), so a reworded
    example keeps its batch; an example not yet committed is "new"."""
    command = ["git", "blame", "-l", "-s", "--ignore-revs-file", str(REVS), *([rev] if rev else []), "--", HC_FILE]
    out = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    found = {}
    for line in out.splitlines():
        sha, _, rest = line.partition(" ")
        text = rest.split(")", 1)[1] if ")" in rest[:12] else rest.split(" ", 1)[1]
        text = text.strip()
        if text.startswith("- ") and not text.startswith("- id:"):
            parsed = yaml.safe_load(text)
            if isinstance(parsed, list) and parsed and isinstance(parsed[0], str):
                found[parsed[0]] = BATCHES.get(sha.lstrip("^")[:7], "new")
    return found


def with_examples(tax: Taxonomy, keep) -> Taxonomy:
    """The taxonomy with only the examples for which keep(theme_id, text) is true."""
    themes = tuple(dataclasses.replace(t, examples=tuple(e for e in t.examples if keep(t.id, e)))
                   for t in tax.themes)
    return dataclasses.replace(tax, themes=themes)


def prepared(frame: pd.DataFrame) -> list[str]:
    raw = frame["text"].tolist()
    return Normaliser().fit_transform(Redactor().fit(raw).transform(raw))


def accuracy(tax: Taxonomy, texts: list[str], X: np.ndarray, truth: np.ndarray, vec: Vectors,
             labelled: Sequence[tuple[str, str]] = (), **settings) -> float:
    ids, _, _ = TaxonomyAssigner(tax, labelled=labelled, **settings).fit(vec).assign(texts, X)
    return float(np.mean(np.asarray(ids) == truth))


def grouped_cv(tax: Taxonomy, texts: list[str], X: np.ndarray, truth: np.ndarray, vec: Vectors) -> float:
    groups = KMeans(n_clusters=max(10, len(texts) // 12), n_init=3, random_state=0).fit(X).labels_
    right, n = 0.0, 0
    for train, test in GroupKFold(n_splits=5).split(X, truth, groups):
        sub = lambda rows: ([texts[i] for i in rows], X[rows], truth[rows])  # noqa: E731
        best = max(GRID, key=lambda s: accuracy(tax, *sub(train), vec, **s))
        right += accuracy(tax, *sub(test), vec, **best) * len(test)
        n += len(test)
    return right / n


def examples_of(tax: Taxonomy) -> list[tuple[str, str]]:
    return [(t.id, e) for t in tax.themes for e in t.examples]


def leave_batch_out(tax: Taxonomy, batch_of: dict[str, str], vec: Vectors, hubs: Counter | None = None,
                    wrong: list | None = None) -> dict[str, float]:
    """Each batch's examples classified by the other batches' examples (and the descriptions)."""
    pairs = examples_of(tax)
    label = {e: batch_of.get(e, "new") for _, e in pairs}
    scores = {}
    for batch in ("old", "b1", "b2", "b3", "b4", "b5", "new"):
        held = [(t, e) for t, e in pairs if label[e] == batch]
        if not held:
            continue
        rest = with_examples(tax, lambda _t, e, b=batch: label[e] != b)
        assigner = TaxonomyAssigner(rest).fit(vec)
        texts = [e for _, e in held]
        X = vec(texts)
        ids, _, _ = assigner.assign(texts, X)
        truth = np.array([t for t, _ in held])
        scores[batch] = (float(np.mean(np.asarray(ids) == truth)), len(held))
        if hubs is not None:
            clf = assigner.classifier_
            sims = X.astype(np.float64) @ clf.examples_.T
            names = [e for th in rest.themes for e in th.training_texts()]
            # examples_ rows are in fit order: the training texts, theme by theme
            names_by_class = {cls: np.flatnonzero(clf.y_index_ == c) for c, cls in enumerate(clf.classes_)}
            for i, (true, predicted) in enumerate(zip(truth, ids)):
                if predicted != true and predicted != "other":
                    cols = names_by_class[predicted]
                    top = cols[np.argsort(-sims[i, cols])[:3]]
                    for j in top:
                        hubs[(predicted, names[j])] += 1
                    wrong.append((batch, true, predicted, texts[i], [names[j] for j in top]))
    total = sum(a * n for a, n in scores.values()) / sum(n for _, n in scores.values())
    held_new = [(a, n) for b, (a, n) in scores.items() if b != "old"]
    out = {f"{b} ({n})": a for b, (a, n) in scores.items()}
    out["new batches pooled"] = sum(a * n for a, n in held_new) / max(sum(n for _, n in held_new), 1)
    out["all"] = total
    return out


def dev_figures(tax: Taxonomy, batch_of: dict[str, str], frames: dict, vec: Vectors,
                exit_tax: Taxonomy) -> dict[str, float]:
    hc_texts, hc_X, hc_truth = frames["healthcheck_dev"]
    ex_texts, ex_X, ex_truth = frames["exit_dev"]
    new_only = with_examples(tax, lambda _t, e: batch_of.get(e, "new") != "old")
    return {
        "hc dev, all examples": accuracy(tax, hc_texts, hc_X, hc_truth, vec),
        "hc dev, new examples only": accuracy(new_only, hc_texts, hc_X, hc_truth, vec),
        "hc dev, grouped CV": grouped_cv(tax, hc_texts, hc_X, hc_truth, vec),
        "exit dev": accuracy(exit_tax, ex_texts, ex_X, ex_truth, vec),
        "exit dev, grouped CV": grouped_cv(exit_tax, ex_texts, ex_X, ex_truth, vec),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/examples-cv-cache"))
    parser.add_argument("--taxonomy", type=Path, default=ROOT / HC_FILE)
    parser.add_argument("--exit", type=Path, default=ROOT / "analysis" / "taxonomies" / "exit.yaml")
    parser.add_argument("--blame", help="revision whose git blame gives the batches (default: the working tree)")
    parser.add_argument("--hubs", type=int, default=0)
    args = parser.parse_args()
    vec = Vectors(args.cache)
    tax = parse_taxonomy(yaml.safe_load(args.taxonomy.read_text("utf-8")))
    exit_tax = load_taxonomy(args.exit)
    batch_of = batches(args.blame)
    frames = {}
    for name in ("healthcheck_dev", "exit_dev"):
        frame = pd.read_csv(args.data / "comments" / f"{name}.csv", dtype=str)
        texts = prepared(frame)
        frames[name] = (texts, vec(texts), frame["label"].to_numpy())
    figures = dev_figures(tax, batch_of, frames, vec, exit_tax)
    hubs: Counter = Counter()
    wrong: list = []
    figures |= {f"examples, leave one batch out: {k}": v
                for k, v in leave_batch_out(tax, batch_of, vec, hubs, wrong).items()}
    print("| figure | value |\n| --- | ---: |")
    print("\n".join(f"| {k} | {v:.3f} |" for k, v in figures.items()))
    if args.hubs:
        print(f"\nExamples most often among a wrong theme's 3 nearest ({len(wrong)} held-out examples wrong):\n")
        for (theme, text), n in hubs.most_common(args.hubs):
            print(f"- {n} x [{theme}, {batch_of.get(text, 'new')}] {text}")
        print("\nHeld-out examples classified wrongly (batch, labelled, given):\n")
        for batch, true, predicted, text, _ in wrong:
            print(f"- {batch} {true} -> {predicted}: {text}")


if __name__ == "__main__":
    main()
