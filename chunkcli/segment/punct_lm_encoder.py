"""The installed all-MiniLM-L6-v2 encoder as a frozen feature extractor for `--by punct`.

The punctuation-agnostic model reads the contextual vectors of MiniLM's word
pieces (the installed package's weights, loaded offline, never copied into
chunkcli) and adds a small trained head (punct_lm_head.py). This module turns
a text window into word pieces with character offsets, cuts them into
overlapping model windows of at most `WINDOW` pieces, and runs the BERT layers
in torch (imported here only: numpy BERT is ~20x slower on 256-piece windows).

On CPUs that multiply bfloat16 natively (AVX512-BF16, e.g. recent EPYC and Xeon),
inference runs the linear layers in bfloat16 (activations and weights rounded,
sums, layer norms and attention in float32): 1.5-1.7x faster, outputs within
cosine 0.9998 of float32. Training (anything that needs gradients) stays float32.
`CHUNKCLI_FLOAT32=1` forces float32 everywhere (docs/sentences.md has both figures).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

WINDOW = 254   # word pieces per model window ([CLS] + 254 + [SEP] = 256 positions)
STRIDE = 192   # consecutive windows share WINDOW - STRIDE pieces; each piece is kept from one window
CLS, SEP = 101, 102


@dataclass
class Pieces:
    """Word pieces of one text window: absolute character offsets and vocabulary ids."""

    starts: np.ndarray
    ends: np.ndarray
    ids: np.ndarray


def plan_windows(n: int) -> list[tuple[int, int, int, int]]:
    """(lo, hi, keep_lo, keep_hi) over n pieces: pieces [keep_lo, keep_hi) are read from window [lo, hi).

    Every piece is kept exactly once, from the window where it sits farthest
    from an edge, so each prediction sees ≥ (WINDOW - STRIDE) / 2 pieces of context.
    """
    if n <= WINDOW:
        return [(0, n, 0, n)] if n else []
    margin = (WINDOW - STRIDE) // 2
    starts = list(range(0, n - WINDOW, STRIDE)) + [n - WINDOW]
    out = []
    for i, lo in enumerate(starts):
        keep_lo = 0 if i == 0 else out[-1][3]
        keep_hi = n if i == len(starts) - 1 else min(lo + WINDOW - margin, starts[i + 1] + margin)
        out.append((lo, lo + WINDOW, keep_lo, keep_hi))
    return out


class Encoder:
    """Tokenizer + the first `layers` BERT layers of the installed MiniLM, in torch (inference only)."""

    def __init__(self, model_dir: Path, layers: int) -> None:
        from tokenizers import Tokenizer

        cfg = json.loads((model_dir / "config.json").read_text())
        self.heads, self.eps, self.layers = cfg["num_attention_heads"], cfg["layer_norm_eps"], layers
        self.tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tok.no_truncation()
        self.tok.no_padding()
        self.w = _load_weights(model_dir / "model.safetensors")
        self.bf16 = bf16_native()

    def pieces(self, text: str, base: int = 0) -> Pieces:
        enc = self.tok.encode(text, add_special_tokens=False)
        offs = np.asarray(enc.offsets, dtype=np.int64).reshape(-1, 2)
        return Pieces(offs[:, 0] + base, offs[:, 1] + base, np.asarray(enc.ids, dtype=np.int64))

    def encode(self, ids: np.ndarray, lengths: np.ndarray, taps: tuple[int, ...] | None = None) -> Any:
        """Hidden states after the layers in `taps` (default: the last run), concatenated:
        (batch, WINDOW + 2, 384 * len(taps)) for rows of piece ids (padded with 0), as a torch tensor."""
        import torch

        b, t = ids.shape
        x = torch.zeros((b, t + 2), dtype=torch.long)
        x[:, 1:t + 1] = torch.from_numpy(ids)
        x[:, 0] = CLS
        x[torch.arange(b), torch.from_numpy(lengths) + 1] = SEP
        mask = torch.arange(t + 2)[None, :] <= torch.from_numpy(lengths)[:, None] + 1
        with torch.inference_mode():
            return _bert(self, x, mask, taps or (self.layers,))


def _bert(enc: Encoder, x: Any, mask: Any, taps: tuple[int, ...]) -> Any:
    import torch
    import torch.nn.functional as F

    w = enc.w
    h = w["embeddings.word_embeddings.weight"][x] + w["embeddings.position_embeddings.weight"][:x.shape[1]] \
        + w["embeddings.token_type_embeddings.weight"][0]
    h = F.layer_norm(h, h.shape[-1:], w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], enc.eps)
    attn_mask, out = mask[:, None, None, :], {}
    for i in range(max(taps)):
        h = bert_layer(enc, h, attn_mask, f"encoder.layer.{i}.")
        out[i + 1] = h
    return torch.cat([out[t] for t in taps], dim=-1) if len(taps) > 1 else out[taps[0]]  # in the order asked


def bert_layer(enc: Encoder, h: Any, attn_mask: Any, pre: str) -> Any:
    """One BERT layer with the weights `enc.w[pre + ...]` (trainable tensors work too: topic_encoder)."""
    import torch
    import torch.nn.functional as F

    w, (b, n, d) = enc.w, h.shape
    bf16, low = torch.bfloat16, enc.bf16 and torch.is_inference_mode_enabled()

    def lin(x: Any, name: str, keep: bool = False) -> Any:
        """x @ W.T + b; in bfloat16 mode the result stays bfloat16 when `keep` (the FFN's wide inner layer)."""
        weight, bias = w[pre + name + ".weight"], w[pre + name + ".bias"]
        if not low:
            return F.linear(x, weight, bias)
        y = F.linear(x.to(bf16), _bf16(weight), _bf16(bias))
        return y if keep else y.float()

    q, k, v = (lin(h, f"attention.self.{m}").view(b, n, enc.heads, -1).transpose(1, 2) for m in ("query", "key", "value"))
    ctx = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask).transpose(1, 2).reshape(b, n, d)
    h = F.layer_norm(h + lin(ctx, "attention.output.dense"), (d,), w[pre + "attention.output.LayerNorm.weight"],
                     w[pre + "attention.output.LayerNorm.bias"], enc.eps)
    out = lin(F.gelu(lin(h, "intermediate.dense", True)), "output.dense")
    return F.layer_norm(h + out, (d,), w[pre + "output.LayerNorm.weight"], w[pre + "output.LayerNorm.bias"], enc.eps)


_BF16: dict[int, tuple[Any, int, Any]] = {}  # id(float32 tensor) -> (that tensor, its version, bfloat16 copy)


def _bf16(t: Any) -> Any:
    """The bfloat16 copy of a weight, made once: converting all six layers on every call cost about
    a third of the time of a short document. A tensor changed in place (a training step) bumps its
    version and is converted again; holding the tensor keeps its id from being reused."""
    import torch

    # A weight made inside inference mode (an encoder first loaded there) has no version counter;
    # nothing trains such a tensor, so it never changes.
    version = -1 if t.is_inference() else t._version
    got = _BF16.get(id(t))
    if got is None or got[1] != version:
        if len(_BF16) >= 256:  # 12 per layer: a few encoders at most; never grow without bound
            _BF16.clear()
        got = _BF16[id(t)] = (t, version, t.detach().to(torch.bfloat16))
    return got[2]


def bf16_native() -> bool:
    """Whether inference should run the linear layers in bfloat16: only where the CPU has
    bfloat16 instructions (elsewhere torch emulates them, which can be slower than float32)."""
    import torch

    if os.environ.get("CHUNKCLI_FLOAT32", "") not in ("", "0"):
        return False
    probe = getattr(torch.cpu, "_is_avx512_bf16_supported", None)  # private, so looked up defensively
    return bool(probe and probe())


def _load_weights(path: Path) -> dict[str, Any]:
    from safetensors.torch import load_file

    weights = load_file(str(path))
    # Some exports prefix every name with "bert."; the layer code uses the bare names.
    return {k.removeprefix("bert."): v.float() for k, v in weights.items()}


def with_weights(base: Encoder, weights: dict[str, Any]) -> Encoder:
    """A copy of `base` running `weights` in place of its own of the same names; it shares the
    tokenizer and the other weights, and `base` (cached, used by `punct`) keeps the originals."""
    import copy

    enc = copy.copy(base)
    enc.w = {**base.w, **weights}
    return enc


@lru_cache(maxsize=2)
def load_encoder(layers: int) -> Encoder:
    from ..models import default_model_dir

    return Encoder(default_model_dir(), layers)
