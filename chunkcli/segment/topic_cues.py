"""Learned boundary cues: how much each gap between two sentences looks like a change of topic.

A logistic model over the sentence vectors already computed for the DP (no
extra model pass): for the gap before unit i it sees the two sentences
around it, their element-wise product, and the product of the mean vectors
of the 3 sentences on each side; so it learns both what openings and
closings look like (greetings, sign-offs, headings) and which dimensions of
the embedding matter for a change of subject. It is trained on EWT *train*
documents concatenated in file order (`chunkcli/train/topic.py`, docs/topic.md) and
ships as `chunkcli/models/topic.npz|.json`.

The DP adds `CUE_WEIGHT × (log-odds − the document's mean log-odds)` to each
cut, so the cues re-rank the candidate cuts of a document without moving its
overall number of cuts, and a cut is kept when gain + cue ≥ `--threshold`.
The cues only apply to the vectors they were trained on (their `embedding_model`, a
`topic_embed.vector_space` name).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

MODEL_FILE = Path(__file__).resolve().parent.parent / "models" / "topic"
WINDOW = 3  # sentences per side for the window feature
SCALE = 10.0  # products of unit vectors are tiny; scaled so one regularisation strength fits all features
BLOCK = 8192  # gaps scored at a time


@dataclass(frozen=True)
class CueModel:
    """Logistic weights over `gap_features`, for one embedding model."""

    embedding_model: str
    weights: np.ndarray
    bias: float
    cue_weight: float

    def log_odds(self, vecs: np.ndarray) -> np.ndarray:
        """`gap_features(vecs) @ weights + bias`, in blocks of gaps (each with the WINDOW units
        of context it needs) so a long document never holds more than a block in float64."""
        n = len(vecs)
        out = np.empty(max(n - 1, 0))
        for lo in range(0, n - 1, BLOCK):
            hi = min(lo + BLOCK, n - 1)
            a, b = max(0, lo - WINDOW), min(n, hi + WINDOW + 1)
            out[lo:hi] = self._log_odds(vecs[a:b])[lo - a:hi - a]
        return out

    def _log_odds(self, vecs: np.ndarray) -> np.ndarray:
        v = vecs.astype(np.float64)
        w_left, w_right, w_pair, w_win = np.split(self.weights, 4)
        left, right = _windows(v, WINDOW)
        pair = np.einsum("ij,ij->i", v[:-1] * w_pair, v[1:]) + np.einsum("ij,ij->i", left * w_win, right)
        return v[:-1] @ w_left + v[1:] @ w_right + SCALE * pair + self.bias

    def bonus(self, vecs: np.ndarray) -> np.ndarray:
        """Per gap (before unit g+1): the cue added to a cut there, centred on the document."""
        if len(vecs) < 2:
            return np.zeros(0)
        s = self.log_odds(vecs)
        return self.cue_weight * (s - s.mean())


def gap_features(vecs: np.ndarray) -> np.ndarray:
    """One row per gap: [left sentence, right sentence, their product, product of window means]."""
    v = vecs.astype(np.float64)
    left, right = _windows(v, WINDOW)
    return np.hstack([v[:-1], v[1:], SCALE * v[:-1] * v[1:], SCALE * left * right])


def _windows(v: np.ndarray, w: int) -> tuple[np.ndarray, np.ndarray]:
    """Unit-length sums of the `w` units before and after every gap (fewer at the ends).

    Shifted slices of a zero-padded copy, not a cumulative sum: numpy's cumsum along
    axis 0 is several times slower than `w` vector additions."""
    n, dim = v.shape
    padded = np.vstack([np.zeros((w, dim)), v, np.zeros((w, dim))])
    left, right = np.zeros((max(n - 1, 0), dim)), np.zeros((max(n - 1, 0), dim))
    for k in range(w):
        left += padded[w - k:w - k + n - 1]
        right += padded[w + 1 + k:w + k + n]
    return _unit(left), _unit(right)


def _unit(x: np.ndarray) -> np.ndarray:
    return x / (np.linalg.norm(x, axis=1, keepdims=True) + 1e-9)


def save_cues(base: Path, model: CueModel, info: dict) -> None:
    np.savez_compressed(base.with_suffix(".npz"), weights=model.weights.astype(np.float32),
                        bias=np.array([model.bias], dtype=np.float32))
    meta = {"embedding_model": model.embedding_model, "cue_weight": model.cue_weight,
            "window": WINDOW, "scale": SCALE, **info}
    base.with_suffix(".json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")


@lru_cache(maxsize=4)
def load_cues(embedding_model: str, base: Path = MODEL_FILE) -> CueModel | None:
    """The shipped cues when they were trained on `embedding_model`'s vectors, else None."""
    if not base.with_suffix(".json").is_file():
        return None
    meta = json.loads(base.with_suffix(".json").read_text(encoding="utf-8"))
    if meta["embedding_model"] != embedding_model:
        return None
    with np.load(base.with_suffix(".npz")) as z:
        weights, bias = z["weights"].astype(np.float64), float(z["bias"][0])
    return CueModel(embedding_model, weights, bias, float(meta["cue_weight"]))
