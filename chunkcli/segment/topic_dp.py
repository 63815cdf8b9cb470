"""Globally optimal topic segmentation by dynamic programming.

Sentence vectors are centred on the document mean (what all sentences
share, style and genre, is not topic), then the document is cut into
contiguous segments maximising the summed *coherence* `||sum of the
segment's vectors||` minus a penalty per segment (Alemi & Ginsparg 2015,
with sentence instead of word embeddings). Everything is measured in units
of `sigma`, the root mean squared norm of a centred vector (one typical
sentence), so the penalty means the same on every document.

The optimum has a readable property: removing any chosen cut (merging its
two neighbours) would lose at least `penalty`, so every cut's *gain*
(coherence of the two sides minus that of their union, in sigmas) is at
least the threshold. That gain is the boundary score shown to users.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

MAX_LEN = 400  # longest segment considered, in units; bounds the DP's cost on long documents


@dataclass(frozen=True)
class Prefix:
    """Prefix sums of centred vectors in sigma units: csum[j] - csum[i] is segment [i, j)'s sum."""

    csum: np.ndarray

    @classmethod
    def of(cls, vecs: np.ndarray) -> "Prefix":
        x = vecs.astype(np.float64) - vecs.mean(axis=0, dtype=np.float64)
        sigma = max(float(np.sqrt(np.einsum("ij,ij->i", x, x).mean())), 1e-12)
        return cls(np.vstack([np.zeros((1, x.shape[1])), np.cumsum(x / sigma, axis=0)]))

    def coherence(self, i: np.ndarray | int, j: np.ndarray | int) -> np.ndarray:
        return np.linalg.norm(self.csum[j] - self.csum[i], axis=-1)

    def gain(self, lo: int, cut: np.ndarray | int, hi: int) -> np.ndarray:
        """How much better [lo, cut) and [cut, hi) fit as two segments than as one."""
        return self.coherence(lo, cut) + self.coherence(cut, hi) - self.coherence(lo, hi)


def dp_boundaries(
    prefix: Prefix, tokens: Sequence[int], penalty: float, min_tokens: int = 0, min_units: int = 1,
    allowed: Sequence[bool] | None = None, bonus: np.ndarray | None = None,
) -> list[int]:
    """Units that open a new segment (indices >= 1) in the best segmentation.

    `bonus` (one value per gap, like `allowed`) is added to the objective for a cut
    there, so a cut is kept when its gain plus its bonus reaches `penalty`.
    """
    n = len(prefix.csum) - 1
    tsum = np.concatenate([[0], np.cumsum(tokens)])
    ok_start = np.ones(n + 1, dtype=bool) if allowed is None else np.array([True, *allowed, True])
    extra = np.zeros(n + 1) if bonus is None else np.concatenate([[0.0], bonus, [0.0]])
    best, back = np.full(n + 1, -np.inf), np.zeros(n + 1, dtype=np.int64)
    best[0] = 0.0
    for j in range(1, n + 1):
        i = np.arange(max(0, j - MAX_LEN), j)
        fits = (j - i >= min_units) & (tsum[j] - tsum[i] >= min_tokens) & ok_start[i]
        fits |= (i == 0) & (j == n)  # one segment for the whole document is always possible
        i = i[fits & np.isfinite(best[i])]
        if len(i):
            total = best[i] + prefix.coherence(i, j) - penalty + extra[i]
            k = int(np.argmax(total))
            best[j], back[j] = total[k], i[k]
    return _trace(back, n)


def _trace(back: np.ndarray, n: int) -> list[int]:
    cuts, j = [], n
    while j > 0:
        j = int(back[j])
        if j > 0:
            cuts.append(j)
    return cuts[::-1]


def gap_gains(prefix: Prefix, starts: Sequence[int]) -> np.ndarray:
    """Per gap (before unit g+1): the gain of a cut there, between the chosen cuts around it.

    For a chosen cut this is its boundary score; elsewhere it is what cutting
    there would gain, so the curve shows near misses too.
    """
    n = len(prefix.csum) - 1
    out = np.zeros(max(n - 1, 0))
    bounds = [0, *starts, n]
    for lo, hi in zip(bounds, bounds[1:]):
        inner = np.arange(lo + 1, hi)
        out[inner - 1] = prefix.gain(lo, inner, hi)
    for k, b in enumerate(starts):
        out[b - 1] = prefix.gain(bounds[k], b, bounds[k + 2])
    return out
