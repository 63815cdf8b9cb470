"""Lean query embedding: a BERT encoder in plain numpy, no torch, no sentence-transformers.

`import sentence_transformers` costs ~6 s here and torch ~1.5 s, which would
dominate a one-shot `chunkcli query`. For sentence-transformers models made of
a BERT encoder + mean pooling (+ Normalize) — all-MiniLM-L6-v2 and its
family — this module computes the same vectors (cosine >= 0.999, tested in
tests/test_real_model.py) from `tokenizer.json` and `model.safetensors`,
memory-mapped. Any other model falls back to the full embedder.
"""

from __future__ import annotations

import contextlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from .embed import Embedder, HashEmbedder, get_embedder
from .models import resolve_model

_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32}
BATCH = 32


def load_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Tensors of a .safetensors file as numpy arrays (F16/BF16 widened to float32)."""
    with open(path, "rb") as fh:
        size = int.from_bytes(fh.read(8), "little")
        header = json.loads(fh.read(size))
    raw = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + size)
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        lo, hi = info["data_offsets"]
        # Matrices are copied (aligned): matmul on the unaligned memory map skips BLAS (~100x slower).
        # Embedding tables are only gathered from, so they stay mapped (no 47 MB copy per query).
        out[name] = _decode(raw[lo:hi], info["dtype"], copy="embeddings" not in name).reshape(info["shape"])
    return out


def _decode(buf: np.ndarray, dtype: str, copy: bool) -> np.ndarray:
    if dtype == "BF16":  # numpy has no bfloat16: widen the 16 high bits to a float32
        return (buf.view(np.uint16).astype(np.uint32) << 16).view(np.float32)
    arr = buf.view(_DTYPES[dtype])
    return arr.astype(np.float32) if dtype == "F16" else (np.array(arr) if copy else arr)


def _erf(x: np.ndarray) -> np.ndarray:
    # Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): numpy has no erf, and BERT's GELU is the exact one.
    t = 1.0 / (1.0 + 0.3275911 * np.abs(x))
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return np.sign(x) * (1.0 - poly * np.exp(-x * x))


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + _erf(x / np.sqrt(2.0)))


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


class NumpyBertEmbedder(Embedder):
    """BERT encoder + mean pooling, in numpy: the query path of the default model."""

    def __init__(self, model_dir: Path, name: str) -> None:
        from tokenizers import Tokenizer

        cfg = json.loads((model_dir / "config.json").read_text())
        self.name, self.dim, self.batch_size = name, cfg["hidden_size"], BATCH
        self.heads, self.layers, self.eps = cfg["num_attention_heads"], cfg["num_hidden_layers"], cfg["layer_norm_eps"]
        self.w = load_safetensors(model_dir / "model.safetensors")
        self.prefix = "bert." if "bert.embeddings.word_embeddings.weight" in self.w else ""
        self.tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tok.no_padding()
        self.tok.enable_truncation(max_length=_max_seq_length(model_dir, cfg))

    def p(self, name: str) -> np.ndarray:
        return self.w[self.prefix + name]

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        with _one_blas_thread():
            return self._embed_batch(texts)

    def _embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        encs = self.tok.encode_batch(list(texts))
        width = max(len(e.ids) for e in encs)
        ids = np.zeros((len(encs), width), dtype=np.int64)
        mask = np.zeros((len(encs), width), dtype=np.float32)
        for row, enc in enumerate(encs):
            ids[row, :len(enc.ids)], mask[row, :len(enc.ids)] = enc.ids, 1.0
        hidden = self._encode(ids, mask)
        return (hidden * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)

    def _encode(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        x = self.p("embeddings.word_embeddings.weight")[ids] + self.p("embeddings.position_embeddings.weight")[
            :ids.shape[1]] + self.p("embeddings.token_type_embeddings.weight")[0]
        x = _layer_norm(x, self.p("embeddings.LayerNorm.weight"), self.p("embeddings.LayerNorm.bias"), self.eps)
        bias = ((1.0 - mask) * -1e9)[:, None, None, :]  # padded keys get no attention
        for i in range(self.layers):
            x = self._layer(x, bias, f"encoder.layer.{i}.")
        return x

    def _dense(self, x: np.ndarray, name: str) -> np.ndarray:
        # One 2-D GEMM: a 3-D @ 2-D matmul is a slow batched loop in numpy.
        flat = np.ascontiguousarray(x).reshape(-1, x.shape[-1]) @ self.p(name + ".weight").T
        return (flat + self.p(name + ".bias")).reshape(*x.shape[:-1], -1)

    def _layer(self, x: np.ndarray, bias: np.ndarray, pre: str) -> np.ndarray:
        b, n, d = x.shape
        hd = d // self.heads
        q, k, v = (self._dense(x, f"{pre}attention.self.{m}").reshape(b, n, self.heads, hd).transpose(0, 2, 1, 3)
                   for m in ("query", "key", "value"))
        scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(hd) + bias
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        ctx = (scores / scores.sum(-1, keepdims=True)) @ v
        ctx = ctx.transpose(0, 2, 1, 3).reshape(b, n, d)
        x = self._norm(x + self._dense(ctx, f"{pre}attention.output.dense"), f"{pre}attention.output.LayerNorm")
        h = _gelu(self._dense(x, f"{pre}intermediate.dense"))
        return self._norm(x + self._dense(h, f"{pre}output.dense"), f"{pre}output.LayerNorm")

    def _norm(self, x: np.ndarray, name: str) -> np.ndarray:
        return _layer_norm(x, self.p(name + ".weight"), self.p(name + ".bias"), self.eps)


def _one_blas_thread():
    """Query-sized matmuls run ~10x faster on one BLAS thread when the cores are busy (measured)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # optional: only a speed-up
        return contextlib.nullcontext()
    return threadpool_limits(1, user_api="blas")


def _max_seq_length(model_dir: Path, cfg: dict) -> int:
    st = model_dir / "sentence_bert_config.json"
    limit = json.loads(st.read_text()).get("max_seq_length") if st.is_file() else None
    return int(limit or cfg.get("max_position_embeddings", 512))


def lean_supported(model_dir: Path) -> bool:
    """True for BERT + mean pooling (+ Normalize) models stored as safetensors."""
    try:
        cfg = json.loads((model_dir / "config.json").read_text())
        modules = json.loads((model_dir / "modules.json").read_text())
        pooling = json.loads((model_dir / "1_Pooling" / "config.json").read_text())
    except (OSError, ValueError):
        return False
    kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
    return (cfg.get("model_type") == "bert" and cfg.get("hidden_act") == "gelu"
            and cfg.get("position_embedding_type", "absolute") == "absolute"
            and kinds in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"])
            and pooling.get("pooling_mode_mean_tokens") and not any(
                pooling.get(k) for k in ("pooling_mode_cls_token", "pooling_mode_max_tokens",
                                         "pooling_mode_mean_sqrt_len_tokens"))
            and (model_dir / "model.safetensors").is_file() and (model_dir / "tokenizer.json").is_file())


@lru_cache(maxsize=4)
def query_embedder(model: str | None = None) -> Embedder:
    """The cheapest embedder that gives the same vectors as the indexing one."""
    spec = resolve_model(model)
    if spec.kind == "hash":
        return HashEmbedder(spec.dim or 384)
    path = Path(spec.path)
    if path.is_dir() and lean_supported(path):
        return NumpyBertEmbedder(path, spec.name)
    return get_embedder(model)
