"""Redaction recall and false redactions per kind of identifier, and the safeguarding flag's
recall, precision and false-flag rate, on the labelled sets in tests/analysis/data/.

    .venv/bin/python benchmarks/redaction.py [--half dev|heldout|adversarial|fresh|all] [--show] [--rules-only]

Prints markdown tables. `--show` lists every miss and every false redaction or flag (use it on
the dev half only: the held-out half is for the final figures). The safeguarding flag is scored
with its rules alone and with rules + examples (the embedding stage, MiniLM from site-packages,
about 20 s on 2 cores); `--rules-only` skips the model.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.clean import Redactor, normalise
from analysis.identifiers import Span
from analysis.safeguarding import SafeguardingFlagger

DATA = ROOT / "tests" / "analysis" / "data"
HALVES = ("dev", "heldout")
# Written after the rules were frozen, aimed at their known weak points, scored once: a harder
# check than the held-out half, which was written by the same hand at the same time as dev.
ADVERSARIAL = "adversarial"
# Safeguarding only: written after the adversarial run, before the flag's embedding stage.
FRESH = "fresh"
# The writer describing themselves ("the only male social worker in Ashford"): no rule can
# catch it, so it is scored apart and left out of the totals.
UNCATCHABLE = "describes_writer"


def staff_names() -> list[str]:
    return pd.read_csv(DATA / "redaction_staff.csv", dtype=str)["name"].tolist()


def redaction_rows(half: str | None = None) -> list[tuple[str, list[tuple[str, str]]]]:
    """(text, [(kind, exact identifier text), ...]) for each comment of the half (or all)."""
    frame = pd.read_csv(DATA / "redaction_set.csv", dtype=str, keep_default_na=False)
    if half is not None:
        frame = frame[frame["half"] == half]
    rows = []
    for text, identifiers in zip(frame["text"], frame["identifiers"]):
        pairs = [tuple(p.strip().split(":", 1)) for p in identifiers.split(" | ") if p.strip()]
        rows.append((text, [(k.strip(), v.strip()) for k, v in pairs]))
    return rows


def safeguarding_rows(half: str | None = None) -> tuple[list[str], list[str | None]]:
    frame = pd.read_csv(DATA / "safeguarding_set.csv", dtype=str, keep_default_na=False)
    if half is not None:
        frame = frame[frame["half"] == half]
    return frame["text"].tolist(), [f or None for f in frame["flag"]]


@dataclass
class RedactionScore:
    caught: Counter = field(default_factory=Counter)  # by labelled kind
    total: Counter = field(default_factory=Counter)
    false: Counter = field(default_factory=Counter)  # by the redactor's kind
    false_rows: int = 0  # comments with no identifier that lost a word anyway
    clean_rows: int = 0
    misses: list[str] = field(default_factory=list)
    false_hits: list[str] = field(default_factory=list)

    def recall(self, kind: str | None = None) -> float:
        kinds = [kind] if kind else [k for k in self.total if k != UNCATCHABLE]
        total = sum(self.total[k] for k in kinds)
        return sum(self.caught[k] for k in kinds) / total if total else float("nan")


def _gold_spans(text: str, identifiers: list[tuple[str, str]]) -> list[Span]:
    spans = []
    for kind, value in identifiers:
        start = text.find(value)
        if start < 0:
            raise ValueError(f"{value!r} is not in {text!r}")
        while start >= 0:  # every occurrence must go
            spans.append(Span(start, start + len(value), kind))
            start = text.find(value, start + 1)
    return spans


def score_redaction(redactor: Redactor, rows: list[tuple[str, list[tuple[str, str]]]]) -> RedactionScore:
    """An identifier is caught when every letter and digit of it is inside redacted spans
    (of any kind: a nickname redacted as [NAME] is caught); a redacted span that touches no
    labelled identifier is a false redaction."""
    score = RedactionScore()
    for text, identifiers in rows:
        if normalise(text) != text:
            raise ValueError(f"labelled text must be normalised: {text!r}")
        found = redactor.find(text)
        covered = {i for s in found for i in range(s.start, s.end)}
        gold = _gold_spans(text, identifiers)
        for span in gold:
            score.total[span.kind] += 1
            chars = [i for i in range(span.start, span.end) if text[i].isalnum()]
            if all(i in covered for i in chars):
                score.caught[span.kind] += 1
            elif span.kind != UNCATCHABLE:
                score.misses.append(f"{span.kind}: {text[span.start:span.end]!r} in {text!r}")
        false = [s for s in found if not any(s.start < g.end and g.start < s.end for g in gold)]
        for span in false:
            score.false[span.kind] += 1
            score.false_hits.append(f"{span.kind}: {text[span.start:span.end]!r} in {text!r}")
        if not identifiers:
            score.clean_rows += 1
            score.false_rows += bool(false)
    return score


def score_flags(predicted: list[str | None], truth: list[str | None]) -> dict[str, float]:
    """Recall (a disclosure flagged at all), kind accuracy among those, precision, false-flag rate."""
    pairs = list(zip(predicted, truth))
    disclosures = [(p, t) for p, t in pairs if t]
    flagged = [(p, t) for p, t in pairs if p]
    negatives = [(p, t) for p, t in pairs if not t]
    caught = [(p, t) for p, t in disclosures if p]
    return {
        "n": len(pairs), "disclosures": len(disclosures),
        "recall": len(caught) / len(disclosures) if disclosures else float("nan"),
        "kind_right": sum(p == t for p, t in caught) / len(caught) if caught else float("nan"),
        "precision": sum(bool(t) for _, t in flagged) / len(flagged) if flagged else float("nan"),
        "false_flag_rate": sum(bool(p) for p, _ in negatives) / len(negatives) if negatives else float("nan"),
    }


def _pct(caught: int, total: int) -> str:
    return f"{caught}/{total} ({caught / total:.0%})" if total else "-"


def redaction_table(scores: dict[str, RedactionScore]) -> str:
    kinds = sorted({k for s in scores.values() for k in s.total}, key=lambda k: (k == UNCATCHABLE, k))
    head = "| identifier | " + " | ".join(f"{h} caught" for h in scores) + " |"
    lines = [head, "| --- |" + " ---: |" * len(scores)]
    for kind in kinds:
        lines.append(f"| {kind} | " + " | ".join(_pct(s.caught[kind], s.total[kind]) for s in scores.values()) + " |")
    lines.append("| **all (without describes_writer)** | " + " | ".join(
        _pct(sum(s.caught[k] for k in s.total if k != UNCATCHABLE), sum(s.total[k] for k in s.total if k != UNCATCHABLE))
        for s in scores.values()) + " |")
    false_kinds = sorted({k for s in scores.values() for k in s.false})
    lines += ["", "| false redactions (spans touching no identifier) | " + " | ".join(scores) + " |",
              "| --- |" + " ---: |" * len(scores)]
    for kind in false_kinds:
        lines.append(f"| {kind} | " + " | ".join(str(s.false[kind]) for s in scores.values()) + " |")
    lines.append("| **all** | " + " | ".join(str(sum(s.false.values())) for s in scores.values()) + " |")
    lines.append("| comments with no identifier that lost a word | " + " | ".join(
        _pct(s.false_rows, s.clean_rows) for s in scores.values()) + " |")
    return "\n".join(lines)


def flag_table(results: dict[str, dict[str, float]]) -> str:
    lines = ["| safeguarding flag | " + " | ".join(results) + " |", "| --- |" + " ---: |" * len(results)]
    for key, label in (("n", "comments"), ("disclosures", "disclosures"), ("recall", "recall"),
                       ("kind_right", "right kind, of those caught"), ("precision", "precision"),
                       ("false_flag_rate", "false-flag rate")):
        cells = [f"{r[key]:.0f}" if key in ("n", "disclosures") else f"{r[key]:.2f}" for r in results.values()]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _sentence_embed():
    """Texts -> MiniLM unit vectors as the pipeline computes them (abbreviations spelled out)."""
    from analysis.clean import Normaliser
    from analysis.embed import SentenceEmbedder

    embedder, normaliser = SentenceEmbedder(use_cache=False), Normaliser()
    return lambda texts: embedder.transform(normaliser.transform(texts))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--half", choices=(*HALVES, ADVERSARIAL, FRESH, "all"), default="all")
    parser.add_argument("--show", action="store_true", help="list misses and false hits")
    parser.add_argument("--rules-only", action="store_true", help="score the flag without the embedding stage")
    args = parser.parse_args(argv)
    halves = (*HALVES, ADVERSARIAL, FRESH) if args.half == "all" else (args.half,)
    redactor = Redactor(staff_names=staff_names()).fit([])
    scores = {h: score_redaction(redactor, redaction_rows(h)) for h in halves if h != FRESH}
    if scores:
        print("## Redaction\n")
        print(redaction_table(scores))
    flags: dict[str, tuple[list, list, list]] = {}
    results: dict[str, dict[str, float]] = {}
    embed = None if args.rules_only else _sentence_embed()
    rules = SafeguardingFlagger().fit()
    both = SafeguardingFlagger().fit(embed=embed) if embed else None
    for h in halves:
        texts, truth = safeguarding_rows(h)
        results[f"{h}, rules"] = score_flags(rules.predict(texts), truth)
        flags[h] = (texts, rules.predict(texts), truth)
        if both is not None:
            predicted = both.predict(texts, embed(texts))
            results[f"{h}, rules + examples"] = score_flags(predicted, truth)
            flags[h] = (texts, predicted, truth)
    print("\n## Safeguarding flag\n")
    print(flag_table(results))
    if args.show:
        for h in halves:
            if h in scores:
                print(f"\n### {h}: misses\n" + "\n".join(scores[h].misses))
                print(f"\n### {h}: false redactions\n" + "\n".join(scores[h].false_hits))
            if h in flags:
                texts, predicted, truth = flags[h]
                wrong = [f"{p} (truth {t}): {x}" for x, p, t in zip(texts, predicted, truth) if p != t]
                print(f"\n### {h}: flag errors\n" + "\n".join(wrong))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
