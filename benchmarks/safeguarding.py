"""The safeguarding flag's recall by kind, false flags and time per 1,000 comments, on the set written apart
(tests/analysis/data/safeguarding_apart.csv, never tuned on: it prints figures only, never a row) and on the
development set (safeguarding_set.csv, whose `dev` half may be read with --show).

    .venv/bin/python benchmarks/safeguarding.py [--rules-only] [--show]

Scored with the rules alone and with rules + examples (the embedding stage, MiniLM from analysis/models).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.safeguarding import FLAG_KINDS, SafeguardingFlagger  # noqa: E402  (after the path)

DATA = ROOT / "tests" / "analysis" / "data"


def apart() -> tuple[list[str], list[str | None], list[str]]:
    frame = pd.read_csv(DATA / "safeguarding_apart.csv", dtype=str, keep_default_na=False)
    return frame["text"].tolist(), [f or None for f in frame["flag"]], frame["group"].tolist()


def development(half: str | None = None) -> tuple[list[str], list[str | None]]:
    frame = pd.read_csv(DATA / "safeguarding_set.csv", dtype=str, keep_default_na=False)
    if half:
        frame = frame[frame["half"] == half]
    return frame["text"].tolist(), [f or None for f in frame["flag"]]


def score(gold: Sequence[str | None], predicted: Sequence[str | None]) -> dict[str, str]:
    """Recall per kind (a disclosure is caught when flagged at all), false-flag rate on the rest."""
    found = {}
    for kind in FLAG_KINDS:
        rows = [p for g, p in zip(gold, predicted) if g == kind]
        found[f"recall, {kind}"] = f"{sum(p is not None for p in rows)}/{len(rows)} ({_rate(rows):.2f})"
    disclosures = [p for g, p in zip(gold, predicted) if g is not None]
    ordinary = [p for g, p in zip(gold, predicted) if g is None]
    found["recall, all"] = f"{sum(p is not None for p in disclosures)}/{len(disclosures)} ({_rate(disclosures):.3f})"
    flagged = sum(p is not None for p in ordinary)
    found["false flags"] = f"{flagged}/{len(ordinary)} ({flagged / max(len(ordinary), 1):.1%})"
    return found


def _rate(rows: Sequence[str | None]) -> float:
    return sum(p is not None for p in rows) / len(rows) if rows else float("nan")


def _sentence_embed() -> Callable[[list[str]], object]:
    from analysis.clean import Normaliser
    from analysis.embed import SentenceEmbedder

    embedder, normaliser = SentenceEmbedder(use_cache=False), Normaliser()
    return lambda texts: embedder.transform(normaliser.transform(texts))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules-only", action="store_true")
    parser.add_argument("--show", action="store_true", help="list the dev half's misses and false flags")
    args = parser.parse_args(argv)
    rules = SafeguardingFlagger().fit()
    embed = None if args.rules_only else _sentence_embed()
    both = SafeguardingFlagger().fit(embed=embed) if embed else None
    sets = {"written apart": apart()[:2], "development (all halves)": development(), "development, dev half": development("dev")}
    columns: dict[str, dict[str, str]] = {}
    timing = {}
    for name, (texts, gold) in sets.items():
        start = time.process_time()
        predicted = [rules.flag(t) for t in texts]
        timing[f"{name}, rules"] = (time.process_time() - start) / len(texts) * 1000
        columns[f"{name}, rules"] = score(gold, predicted)
        if both is not None:
            vectors = embed(texts)
            start = time.process_time()
            with_examples = both.predict(texts, vectors)
            timing[f"{name}, rules + examples"] = (time.process_time() - start) / len(texts) * 1000
            columns[f"{name}, rules + examples"] = score(gold, with_examples)
            if args.show and name.endswith("dev half"):
                for t, g, p in zip(texts, gold, with_examples):
                    if (g is None) != (p is None):
                        print(f"{'MISSED' if p is None else 'FALSE'} {g or p}: {t}")
        elif args.show and name.endswith("dev half"):
            for t, g, p in zip(texts, gold, predicted):
                if (g is None) != (p is None):
                    print(f"{'MISSED' if p is None else 'FALSE'} {g or p}: {t}")
    names = list(columns)
    print("| | " + " | ".join(names) + " |")
    print("| --- | " + " | ".join("---:" for _ in names) + " |")
    for row in next(iter(columns.values())):
        print(f"| {row} | " + " | ".join(columns[n][row] for n in names) + " |")
    print("| CPU s per 1,000 comments (flag only; embedding excluded) | "
          + " | ".join(f"{timing[n]:.2f}" for n in names) + " |")
    _, gold, groups = apart()
    if both is not None:
        texts = apart()[0]
        predicted = both.predict(texts, embed(texts))
        by_group = {}
        for g, p, group in zip(gold, predicted, groups):
            if g is None:
                by_group.setdefault(group, [0, 0])
                by_group[group][0] += p is not None
                by_group[group][1] += 1
        print("\nFalse flags on the set written apart by group (rules + examples): "
              + ", ".join(f"{k} {a}/{b}" for k, (a, b) in by_group.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
