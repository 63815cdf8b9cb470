"""Cross-gap cue: one BERT layer that reads the two sentences around a gap together.

The sentence vectors of the DP and of the logistic cues (`topic_cues`) are
computed one sentence at a time, so no model ever sees a word of the left
sentence next to a word of the right one: a pronoun with nothing to refer
to, an answer without its question, a reply that changes the subject. This
model does. It takes the frozen outputs of MiniLM's first five layers for the
last MAX_PIECES pieces of the sentence before a gap and the first MAX_PIECES
of the sentence after it (the outputs the topic vectors are computed from
anyway, `topic_embed.embed_with_gaps`), joins them, runs a trained copy of
layer 6 over the pair (the right side marked by a learned vector), and maps
the mean of each side, their product and difference, and the right side's
first position to the log-odds that a new document starts at the gap. Its
cost is one layer over two sentences per gap, about a quarter of the encoder
(pairs batched by length).

Trained on UD EWT *train* documents and the files of installed manuals
(`chunkcli/train/topic_cross.py`): consecutive sentences of a document
against a sentence from one document followed by a sentence from another
(Choi-style joins, and neighbours in file order). Ships as
`chunkcli/models/topic_cross.npz|.json`; the DP adds `weight × log-odds` to
the logistic cues before they are centred (docs/topic.md, "Cross-gap cue").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..models import DEFAULT_MODEL
from .punct_lm_encoder import Encoder, bert_layer, load_encoder, with_weights

MODEL_FILE = Path(__file__).resolve().parent.parent / "models" / "topic_cross"
PREFIX = "encoder.layer.5."  # the layer it is a trained copy of, and the weights' names
FROZEN = 5  # it reads the outputs of this many frozen layers
MAX_PIECES = 40  # per side, [CLS]/[SEP] included: the end of the left sentence, the start of the right
BATCH = 32  # gaps per forward pass (sorted by length: small batches pad little)

States = np.ndarray  # (positions, 384) outputs of the frozen layers for one sentence, [CLS] ... [SEP]


def trim(states: States) -> States:
    """What a sentence contributes to either side of a gap: its first and last MAX_PIECES positions."""
    return states if len(states) <= 2 * MAX_PIECES else np.concatenate([states[:MAX_PIECES], states[-MAX_PIECES:]])


@dataclass
class CrossGap:
    """The trained layer (on a copy of the encoder's weight dict) and its output map."""

    enc: Encoder
    side: Any  # torch (384,) vector added to the right sentence's positions
    out_w: Any  # torch (5 * 384,) weights of the log-odds
    out_b: Any  # a float; a trainable torch scalar while training
    weight: float  # how much of the log-odds the DP adds to a cut

    def logits(self, left: Sequence[States], right: Sequence[States]) -> np.ndarray:
        """Log-odds that a document starts between left[i] and right[i], for every i."""
        import torch

        out = np.empty(len(left))
        # Batches of pairs of similar length: little padding, which the layer would pay for.
        width = [min(len(a), MAX_PIECES) + min(len(b), MAX_PIECES) for a, b in zip(left, right)]
        order = np.argsort(width, kind="stable")
        with torch.inference_mode():
            for lo in range(0, len(order), BATCH):
                idx = order[lo:lo + BATCH]
                out[idx] = self.forward([left[i] for i in idx], [right[i] for i in idx]).numpy()
        return out

    def forward(self, left: Sequence[States], right: Sequence[States]) -> Any:
        """Log-odds as a torch tensor (differentiable when the weights are: training)."""
        import torch
        import torch.nn.functional as F

        x, mask, is_right, first = _join(left, right)
        h = bert_layer(self.enc, x + is_right[..., None] * self.side, mask[:, None, None, :], PREFIX)
        is_left = mask.float() - is_right
        u = F.normalize((h * is_left[..., None]).sum(1) / is_left.sum(1, keepdim=True).clamp(min=1), dim=-1)
        v = F.normalize((h * is_right[..., None]).sum(1) / is_right.sum(1, keepdim=True), dim=-1)
        # The product is scaled like topic_cues.SCALE: products of unit vectors are tiny.
        feats = torch.cat([u, v, 10 * u * v, (u - v).abs(), h[torch.arange(len(first)), first]], -1)
        return feats @ self.out_w + self.out_b


def _join(left: Sequence[States], right: Sequence[States]) -> tuple[Any, Any, Any, Any]:
    """Padded (batch, positions, 384) pairs: the left sentence's last MAX_PIECES positions, then
    the right one's first MAX_PIECES; the mask, the right side's positions, and where it starts."""
    import torch

    pairs = [(a[-MAX_PIECES:], b[:MAX_PIECES]) for a, b in zip(left, right)]
    width = max(len(a) + len(b) for a, b in pairs)
    x = torch.zeros((len(pairs), width, pairs[0][0].shape[1]))
    mask = torch.zeros((len(pairs), width), dtype=torch.bool)
    is_right = torch.zeros((len(pairs), width))
    for i, (a, b) in enumerate(pairs):
        x[i, :len(a) + len(b)] = torch.from_numpy(np.concatenate([a, b]).astype(np.float32))
        mask[i, :len(a) + len(b)] = True
        is_right[i, len(a):len(a) + len(b)] = 1.0
    return x, mask, is_right, torch.tensor([len(a) for a, _ in pairs])


def new_cross(base: Encoder, weights: dict[str, Any], side: Any, out_w: Any, out_b: Any, weight: float) -> CrossGap:
    """A CrossGap whose layer weights are `weights` (torch tensors, possibly trainable)."""
    return CrossGap(with_weights(base, weights), side, out_w, out_b, weight)


def save_cross(base: Path, model: CrossGap, info: dict) -> None:
    arrays = {k: model.enc.w[k].detach().numpy().astype(np.float16) for k in model.enc.w if k.startswith(PREFIX)}
    arrays.update(side=model.side.detach().numpy(), out_w=model.out_w.detach().numpy(),
                  out_b=np.array([float(model.out_b)], dtype=np.float32))
    np.savez_compressed(base.with_suffix(".npz"), **arrays)
    meta = {"base_model": DEFAULT_MODEL, "weight": model.weight, "max_pieces": MAX_PIECES, **info}
    base.with_suffix(".json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")


@lru_cache(maxsize=2)
def load_cross(base: Path = MODEL_FILE) -> CrossGap | None:
    """The shipped cross-gap model, or None when it is not installed."""
    import torch

    if not base.with_suffix(".npz").is_file():
        return None
    meta = json.loads(base.with_suffix(".json").read_text(encoding="utf-8"))
    with np.load(base.with_suffix(".npz")) as z:
        t = {k: torch.from_numpy(z[k].astype(np.float32)) for k in z.files}
    layer = {k: v for k, v in t.items() if k.startswith(PREFIX)}
    return new_cross(load_encoder(FROZEN + 1), layer, t["side"], t["out_w"], float(t["out_b"][0]), float(meta["weight"]))
