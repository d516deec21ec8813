"""Wall time of a warm re-run of the theme engine: 10,000 SearchSnippets texts in discovery mode,
every vector already in the embedding cache. Prints the median of `--repeat` runs (3 by default)
and each run's time, the median CPU time (less moved by other work on a shared machine), plus the time of the redactor and the safeguarding rules alone.

    .venv/bin/python benchmarks/warm_rerun.py [--code DIR] [--cache DIR] [--repeat 3]

`--code` imports `analysis` from another checkout (for instance the unchanged code, unpacked
with `git archive <commit> analysis | tar -x -C DIR`), so before and after can run back to back
on the same cache. The first, cold run fills the cache and is not timed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path("/work/shared/data/stc/searchsnippets.csv")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", type=Path, default=ROOT)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/warm-rerun-cache"))
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(args.code.resolve()))
    import pandas as pd

    from analysis.clean import Redactor
    from analysis.pipeline import analyse_themes
    from analysis.safeguarding import SafeguardingFlagger

    texts = pd.read_csv(args.data, dtype=str, keep_default_na=False).sample(n=10_000, random_state=0)["text"].tolist()
    analyse_themes(texts, taxonomy=None, cache_dir=args.cache)  # fills the cache
    runs, cpu = [], []
    for _ in range(args.repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        analyse_themes(texts, taxonomy=None, cache_dir=args.cache)
        runs.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    start = time.perf_counter()
    Redactor().fit(texts).transform(texts)
    redact = time.perf_counter() - start
    flagger = SafeguardingFlagger().fit()
    start = time.perf_counter()
    flagger.predict(texts)
    flag = time.perf_counter() - start
    print(f"code: {args.code.resolve()}")
    print(f"warm re-run, 10,000 texts: median {statistics.median(runs):.2f} s "
          f"(runs: {', '.join(f'{r:.2f}' for r in runs)}); CPU time median {statistics.median(cpu):.2f} s")
    print(f"redactor alone {redact:.2f} s; safeguarding rules alone {flag:.2f} s")


if __name__ == "__main__":
    main()
