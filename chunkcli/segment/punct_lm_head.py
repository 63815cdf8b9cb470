"""The trained part of the accurate `--by punct` model: a small head over frozen MiniLM vectors.

Per word piece: the encoder's vector plus an embedding of what MiniLM cannot
see (case, word start, whitespace after; punct_lm_features.py) → a projection →
a bidirectional GRU over the model window → the logit that a sentence ends
after the piece. The shipped model averages the logits of several such
heads (different seeds; +1.5 held-out corrupted F1 over the best single one).
Only these weights ship (chunkcli/models/punct_lm.npz, float16); the encoder
is the installed all-MiniLM-L6-v2.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .punct_lm_features import N_IDS


@dataclass(frozen=True)
class HeadConfig:
    frozen: int = 6               # installed MiniLM layers run unchanged
    taps: tuple[int, ...] = ()    # outputs of earlier frozen layers also fed to the head
    tuned: int = 0                # MiniLM layers above `frozen`, fine-tuned and shipped with the head
    cat_dim: int = 16
    proj: int = 128
    rnn: int = 96
    dropout: float = 0.0          # on the head's input and GRU output while training (the head overfits early)
    heads: int = 1                # heads trained with different seeds; their logits are averaged
    aux: int = 0                  # training only: classes of the removed-punctuation output (train/punct_lm_aux)


@dataclass
class HeadModel:
    """Config, weights (float32 numpy) and the tuned thresholds of a trained head."""

    cfg: HeadConfig
    state: dict[str, np.ndarray]
    threshold: float = 0.5       # text with sentence punctuation
    threshold_bare: float = 0.5  # text without (see punct_features.is_bare)
    dev_scores: dict[str, Any] = field(default_factory=dict)
    _net: Any = None

    @property
    def encoder_taps(self) -> tuple[int, ...]:
        """What the frozen encoder must return: its last layer first, then the taps."""
        return (self.cfg.frozen, *self.cfg.taps)

    @property
    def net(self) -> Any:
        if self._net is None:
            import torch

            self._net = build_head(self.cfg)
            self._net.load_state_dict({k: torch.from_numpy(v) for k, v in self.state.items()})
            self._net.eval()
        return self._net


def build_head(cfg: HeadConfig) -> Any:
    """One head, or (cfg.heads > 1) an ensemble that averages the logits of `heads` of them: each
    head is ~4 % of the encoder's time, and the average beats any single one on held-out text."""
    from torch import nn

    if cfg.heads == 1:
        return _single_head(cfg)

    class Ensemble(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.heads = nn.ModuleList([_single_head(cfg) for _ in range(cfg.heads)])

        def forward(self, hidden: Any, cats: Any) -> Any:
            return sum(head(hidden, cats) for head in self.heads) / len(self.heads)

    return Ensemble()


def _single_head(cfg: HeadConfig) -> Any:
    import torch
    from torch import nn

    class Head(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.top = nn.ModuleList([top_layer() for _ in range(cfg.tuned)])
            self.cats = nn.Embedding(N_IDS, cfg.cat_dim)
            self.proj = nn.Linear(384 * (1 + len(cfg.taps)) + cfg.cat_dim, cfg.proj)
            self.rnn = nn.GRU(cfg.proj, cfg.rnn, batch_first=True, bidirectional=True)
            self.out = nn.Linear(2 * cfg.rnn, 1)
            # SaT's auxiliary task: which punctuation followed the piece; read by training only.
            self.aux = nn.Linear(2 * cfg.rnn, cfg.aux) if cfg.aux else None
            self.aux_logits: torch.Tensor | None = None
            self.drop = nn.Dropout(cfg.dropout)  # identity at run time (eval mode)

        def forward(self, hidden: "torch.Tensor", cats: "torch.Tensor") -> "torch.Tensor":
            h = hidden[..., :384]
            for layer in self.top:
                h = layer(h)
            x = self.drop(torch.cat([h, hidden[..., 384:], self.cats(cats)], dim=-1))
            g = self.drop(self.rnn(torch.nn.functional.gelu(self.proj(x)))[0])
            if self.aux is not None and self.training:
                self.aux_logits = self.aux(g)
            return self.out(g).squeeze(-1)

    return Head()


def top_layer(d: int = 384, heads: int = 12, inner: int = 1536, dropout: float = 0.1) -> Any:
    """One BERT layer (names as in the MiniLM checkpoint after `encoder.layer.N.`), trainable."""
    import torch.nn.functional as F
    from torch import nn

    class Layer(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.query, self.key, self.value, self.dense = (nn.Linear(d, d) for _ in range(4))
            self.norm1, self.norm2 = nn.LayerNorm(d, eps=1e-12), nn.LayerNorm(d, eps=1e-12)
            self.inner, self.outer, self.drop = nn.Linear(d, inner), nn.Linear(inner, d), nn.Dropout(dropout)

        def forward(self, h: Any) -> Any:
            b, n, _ = h.shape
            q, k, v = (m(h).view(b, n, heads, -1).transpose(1, 2) for m in (self.query, self.key, self.value))
            ctx = F.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(b, n, d)
            h = self.norm1(h + self.drop(self.dense(ctx)))
            return self.norm2(h + self.drop(self.outer(F.gelu(self.inner(h)))))

    return Layer()


# Checkpoint names of one MiniLM layer → the names in top_layer().
_BERT_NAMES = {"attention.self.query": "query", "attention.self.key": "key", "attention.self.value": "value",
               "attention.output.dense": "dense", "attention.output.LayerNorm": "norm1",
               "intermediate.dense": "inner", "output.dense": "outer", "output.LayerNorm": "norm2"}


def init_top_from(net: Any, weights: dict[str, Any], first: int) -> None:
    """Start the tuned layers from MiniLM's own layers `first`, `first`+1, … (0-based)."""
    for i, layer in enumerate(net.top):
        for src, dst in _BERT_NAMES.items():
            for part in ("weight", "bias"):
                getattr(getattr(layer, dst), part).data.copy_(weights[f"encoder.layer.{first + i}.{src}.{part}"])


def save_head(path: Path, model: HeadModel, net: Any) -> None:
    """Weights as float16 `path`.npz; config, thresholds and dev scores as `path`.json."""
    state = {k: v.detach().half().numpy() for k, v in net.state_dict().items()}
    np.savez_compressed(path.with_suffix(".npz"), **state)
    meta = {"config": asdict(model.cfg), "threshold": model.threshold, "threshold_bare": model.threshold_bare,
            "dev_scores": model.dev_scores}
    path.with_suffix(".json").write_text(json.dumps(meta, indent=1), encoding="utf-8")


def load_head(path: Path) -> HeadModel:
    meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    with np.load(path.with_suffix(".npz")) as w:
        state = {k: w[k].astype(np.float32) for k in w.files}
    cfg = HeadConfig(**{**meta["config"], "taps": tuple(meta["config"]["taps"])})  # JSON has lists
    return HeadModel(cfg, state, float(meta["threshold"]), float(meta["threshold_bare"]),
                     meta.get("dev_scores", {}))
