"""TextTiling with sentence vectors: the similarity curve, depth scores, cuts from them.

`--by topic` cuts with `topic_dp` (measurably better, docs/topic.md) and uses
`window_similarity` here for its explained curve; the depth-score cutter is
kept as the TextTiling-style baseline the benchmark compares against.

Each gap between unit i-1 and unit i gets the cosine similarity of the mean
embedding of the `window` units before it and the `window` units after it
(TextTiling's block comparison, with sentence embeddings instead of word
counts). A topic change is a valley in that curve; its *depth* (how far the
curve climbs back up on both sides, Hearst 1997) is the boundary score.
Boundaries are the deepest valleys above a cutoff, taken greedily while
every segment keeps at least `min_tokens` tokens.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from dataclasses import dataclass
from typing import Sequence

import numpy as np


@dataclass(frozen=True)
class Curve:
    """Per-gap arrays; index g is the gap before unit g+1."""

    similarity: np.ndarray
    depth: np.ndarray


def window_similarity(vecs: np.ndarray, window: int) -> np.ndarray:
    """Cosine of the mean vectors of the `window` units on each side of every gap."""
    n = len(vecs)
    if n < 2:
        return np.zeros(0, dtype=np.float32)
    csum = np.vstack([np.zeros((1, vecs.shape[1]), dtype=np.float64), np.cumsum(vecs, axis=0, dtype=np.float64)])
    gaps = np.arange(1, n)
    left = csum[gaps] - csum[np.maximum(gaps - window, 0)]
    right = csum[np.minimum(gaps + window, n)] - csum[gaps]
    norms = np.linalg.norm(left, axis=1) * np.linalg.norm(right, axis=1)
    return (np.einsum("ij,ij->i", left, right) / np.maximum(norms, 1e-12)).astype(np.float32)


def depth_scores(sim: np.ndarray) -> np.ndarray:
    """How far the curve rises on each side of each point before it starts falling again."""
    depth = np.zeros_like(sim)
    for i, s in enumerate(sim):
        depth[i] = (_peak(sim, i, -1) - s) + (_peak(sim, i, 1) - s)
    return depth


def _peak(sim: np.ndarray, i: int, step: int) -> float:
    j = i
    while 0 <= j + step < len(sim) and sim[j + step] >= sim[j]:
        j += step
    return float(sim[j])


def curve(vecs: np.ndarray, window: int) -> Curve:
    sim = window_similarity(vecs, window)
    return Curve(similarity=sim, depth=depth_scores(sim))


def default_cutoff(depth: np.ndarray, spread: float) -> float:
    """Adaptive cutoff: mean depth plus `spread` standard deviations (TextTiling uses mean - std/2)."""
    return float(depth.mean() + spread * depth.std()) if len(depth) else 0.0


def local_maxima(depth: np.ndarray) -> list[int]:
    """Gap indices whose depth is at least that of both neighbours (valley bottoms)."""
    out = []
    for g, d in enumerate(depth):
        if d > 0 and (g == 0 or d >= depth[g - 1]) and (g == len(depth) - 1 or d > depth[g + 1]):
            out.append(g)
    return out


def choose_boundaries(
    depth: np.ndarray, tokens: Sequence[int], cutoff: float, min_tokens: int,
    min_units: int = 1, allowed: Sequence[bool] | None = None,
) -> list[int]:
    """Units that open a new segment (indices >= 1), deepest valleys first.

    A candidate is skipped when it would leave a segment under `min_tokens`
    tokens or `min_units` units, or when `allowed` (one flag per gap) forbids its gap.
    """
    csum = np.concatenate([[0], np.cumsum(tokens)])
    chosen: list[int] = []
    cands = [g for g in local_maxima(depth) if depth[g] >= cutoff and (allowed is None or allowed[g])]
    for g in sorted(cands, key=lambda g: (-depth[g], g)):
        b = g + 1
        pos = bisect_left(chosen, b)
        lo = chosen[pos - 1] if pos else 0
        hi = chosen[pos] if pos < len(chosen) else len(tokens)
        big = csum[b] - csum[lo] >= min_tokens and csum[hi] - csum[b] >= min_tokens
        if big and b - lo >= min_units and hi - b >= min_units:
            insort(chosen, b)
    return chosen
