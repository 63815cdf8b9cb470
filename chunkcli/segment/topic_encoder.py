"""Topic vectors: all-MiniLM-L6-v2 with its last layer fine-tuned to tell documents apart.

The sentence embedding is trained for the meaning of one sentence; topic
segmentation asks a narrower question, whether two sentences come from the
same passage. The last BERT layer of the installed model is fine-tuned on that
question (contrastively, on UD EWT *train* documents and, for a quarter of the
batches, the files of installed manuals: chunkcli/train/topic_encoder.py),
which lowers Pk on both topic dev sets (docs/topic.md). Only that layer ships
(float16, `chunkcli/models/topic_layer.npz`); the other layers, the tokenizer
and the pooling are the installed model's, run by `punct_lm_encoder`.

The tuned vectors form their own space, `TUNED_SPACE`: they are used only when
the topic model is the default all-MiniLM-L6-v2, and the learned cues are
trained on them. Stored chunk vectors never come from here.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

from ..models import DEFAULT_MODEL
from .punct_lm_encoder import WINDOW, Encoder, load_encoder, with_weights
from .topic_cross import trim

LAYER_FILE = Path(__file__).resolve().parent.parent / "models" / "topic_layer"
TUNED_SPACE = f"{DEFAULT_MODEL}+topic"
LAYERS = 6
BATCH = 32


class TunedEncoder:
    """The installed MiniLM with the tuned weights swapped in; mean-pooled, L2-normalised vectors."""

    def __init__(self, base: Encoder, tuned: dict[str, Any]) -> None:
        self.enc = with_weights(base, tuned)
        self.dim = int(base.w["embeddings.word_embeddings.weight"].shape[1])

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self.embed_states(texts, keep=False)[0]

    def embed_states(self, texts: Sequence[str], keep: bool = True) -> tuple[np.ndarray, list[np.ndarray]]:
        """The vectors, and (when `keep`) each text's outputs of the frozen layers
        ([CLS] … [SEP], float16, `topic_cross.trim`med), which the cross-gap cue reads."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        states: list[np.ndarray] = [np.zeros(0)] * (len(texts) if keep else 0)
        taps = (LAYERS - 1, LAYERS) if keep else (LAYERS,)
        for idx, ids, lengths in piece_batches(self.enc, texts, BATCH):
            both = self.enc.encode(ids, lengths, taps=taps).float().numpy()
            frozen, h = both[..., :-self.dim], both[..., -self.dim:]
            # Mean over [CLS], the pieces and [SEP], as the model's own pooling does.
            mask = np.arange(h.shape[1])[None, :] <= lengths[:, None] + 1
            v = (h * mask[..., None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
            out[idx] = v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
            for j, i in enumerate(idx if keep else ()):
                states[i] = trim(frozen[j, :lengths[j] + 2].astype(np.float16))
        return out, states


def piece_batches(enc: Encoder, texts: Sequence[str], size: int) -> Iterator[tuple[list[int], np.ndarray, np.ndarray]]:
    """(indices into `texts`, piece ids padded with 0, lengths) in batches of similar length.

    At most WINDOW pieces per text: with [CLS] and [SEP], 256 positions, sentence-transformers'
    max_seq_length for this model. Shared with training (`train/topic_encoder.frozen_states`)."""
    rows = [enc.tok.encode(t, add_special_tokens=False).ids[:WINDOW] for t in texts]
    order = sorted(range(len(rows)), key=lambda i: len(rows[i]))  # little padding per batch
    for lo in range(0, len(order), size):
        idx = order[lo:lo + size]
        lengths = np.array([len(rows[i]) for i in idx], dtype=np.int64)
        ids = np.zeros((len(idx), max(int(lengths.max()), 1)), dtype=np.int64)
        for j, i in enumerate(idx):
            ids[j, :lengths[j]] = rows[i]
        yield idx, ids, lengths


def save_layer(base: Path, weights: dict[str, np.ndarray], info: dict) -> None:
    np.savez_compressed(base.with_suffix(".npz"), **{k: v.astype(np.float16) for k, v in weights.items()})
    meta = {"base_model": DEFAULT_MODEL, "space": TUNED_SPACE, **info}
    base.with_suffix(".json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")


def load_layer(base: Path = LAYER_FILE) -> dict[str, np.ndarray] | None:
    if not base.with_suffix(".npz").is_file():
        return None
    with np.load(base.with_suffix(".npz")) as z:
        return {k: z[k].astype(np.float32) for k in z.files}


def tuned_available() -> bool:
    return LAYER_FILE.with_suffix(".npz").is_file()


@lru_cache(maxsize=2)
def tuned_encoder(base: Path = LAYER_FILE) -> TunedEncoder:
    """The encoder with the layer saved at `base` (default: the installed one)."""
    import torch

    weights = load_layer(base)
    if weights is None:
        raise FileNotFoundError(f"{base.with_suffix('.npz')} is missing")
    return TunedEncoder(load_encoder(LAYERS), {k: torch.from_numpy(v) for k, v in weights.items()})
