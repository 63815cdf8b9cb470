"""Segmentation metrics: Pk, WindowDiff and boundary F1 with a tolerance.

A segmentation of `n` atoms (sentences, or characters) is given by its
boundaries: a boundary `b` (0 < b < n) means a segment ends before atom `b`.
Pk (Beeferman et al. 1999) and WindowDiff (Pevzner & Hearst 2002) slide a
window of `k` atoms; lower is better. Following the shared data's scoring,
`k` is half the document's mean gold segment length (rounded, at least 1),
and scores are averaged over documents. Values are fractions in [0, 1];
the CLI and benchmarks report them ×100, as the literature does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Sequence

if TYPE_CHECKING:  # numpy is imported where used: this module loads with every CLI command
    import numpy as np


def _indicator(boundaries: Iterable[int], n: int) -> np.ndarray:
    """gaps[j] = 1 when a boundary lies between atom j and atom j+1."""
    import numpy as np

    gaps = np.zeros(max(n - 1, 0), dtype=np.int32)
    for b in boundaries:
        if 0 < b < n:
            gaps[b - 1] = 1
    return gaps


def window_k(gold: Sequence[int], n: int) -> int:
    """Half the mean gold segment length, rounded, at least 1."""
    segments = len({b for b in gold if 0 < b < n}) + 1
    return max(1, round(n / segments / 2))


def _window_counts(gaps: np.ndarray, k: int) -> np.ndarray:
    """Boundaries inside each window of k gaps (atoms i .. i+k)."""
    import numpy as np

    csum = np.concatenate([[0], np.cumsum(gaps)])
    return csum[k:] - csum[:-k]


def pk(gold: Sequence[int], pred: Sequence[int], n: int, k: int | None = None) -> float:
    """Probability that two atoms k apart are wrongly judged same/different segment."""
    import numpy as np

    ref, hyp, k = _prepare(gold, pred, n, k)
    if ref is None:
        return 0.0
    return float(np.mean((ref > 0) != (hyp > 0)))


def windowdiff(gold: Sequence[int], pred: Sequence[int], n: int, k: int | None = None) -> float:
    """Share of windows of k atoms whose boundary counts differ between gold and prediction."""
    import numpy as np

    ref, hyp, k = _prepare(gold, pred, n, k)
    if ref is None:
        return 0.0
    return float(np.mean(ref != hyp))


def _prepare(gold: Sequence[int], pred: Sequence[int], n: int, k: int | None):
    if n < 2:
        return None, None, 0
    k = min(k or window_k(gold, n), n - 1)  # a window can span at most the whole document
    return _window_counts(_indicator(gold, n), k), _window_counts(_indicator(pred, n), k), k


@dataclass
class BoundaryMatch:
    """Counts for boundary precision/recall; add them up over documents (micro-average)."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def __iadd__(self, other: "BoundaryMatch") -> "BoundaryMatch":
        self.tp, self.fp, self.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn
        return self

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def match_boundaries(gold: Sequence[int], pred: Sequence[int], n: int, tolerance: int = 0) -> BoundaryMatch:
    """One-to-one matching: a predicted boundary counts once, within `tolerance` atoms of a gold one."""
    g = sorted({b for b in gold if 0 < b < n})
    p = sorted({b for b in pred if 0 < b < n})
    used: set[int] = set()
    tp = 0
    for b in p:
        hit = min((x for x in g if abs(x - b) <= tolerance and x not in used), key=lambda x: abs(x - b), default=None)
        if hit is not None:
            used.add(hit)
            tp += 1
    return BoundaryMatch(tp=tp, fp=len(p) - tp, fn=len(g) - tp)


@dataclass
class Scores:
    """Document-averaged Pk and WindowDiff, micro-averaged boundary P/R/F1."""

    pk: float
    windowdiff: float
    precision: float
    recall: float
    f1: float
    documents: int

    def as_percent(self) -> dict[str, float | int]:
        pct = {k: round(100 * v, 2) for k, v in vars(self).items() if k != "documents"}
        return {**pct, "documents": self.documents}


def score_documents(docs: Iterable[tuple[Sequence[int], Sequence[int], int]], tolerance: int = 0) -> Scores:
    """Score (gold boundaries, predicted boundaries, n atoms) triples, one per document."""
    import numpy as np

    pks, wds, match = [], [], BoundaryMatch()
    for gold, pred, n in docs:
        pks.append(pk(gold, pred, n))
        wds.append(windowdiff(gold, pred, n))
        match += match_boundaries(gold, pred, n, tolerance)
    mean = (lambda xs: float(np.mean(xs)) if xs else 0.0)
    return Scores(mean(pks), mean(wds), match.precision, match.recall, match.f1, len(pks))


def snap_to_units(offsets: Iterable[int], unit_ends: Sequence[int]) -> list[int]:
    """Character boundaries → unit boundaries: each offset moves to the nearest unit end.

    The result counts units before the boundary (a boundary after unit j is j+1),
    so predictions whose sentences differ slightly from gold units still compare.
    """
    import numpy as np

    ends = np.asarray(unit_ends)
    out = set()
    for off in offsets:
        j = int(np.argmin(np.abs(ends - off)))
        out.add(j + 1)
    return sorted(b for b in out if 0 < b < len(ends))


# ---- scoring chunk JSONL against gold boundaries (`chunkcli eval segments`) ----


@dataclass(frozen=True)
class GoldDoc:
    """Gold segmentation of one document.

    `boundaries` are character offsets where a segment ends (like a chunk's
    `end`). With `unit_ends` (end offset of every unit, e.g. gold sentences),
    scores are computed over units and chunk ends snap to the nearest unit end;
    otherwise over characters, for a text of `length` code points.
    """

    key: str
    boundaries: list[int]
    length: int | None = None
    unit_ends: list[int] | None = None


def gold_from_dict(d: dict) -> GoldDoc:
    """A gold line: {"doc_id"|"source", "boundaries", ["length"], ["unit_ends"]}, or a seg/topic item."""
    if "segment_ends" in d and "unit_char_ends" in d:  # ../shared/data/seg/topic format, keyed by its id
        ends = list(d["unit_char_ends"])
        return GoldDoc(str(d["id"]), [ends[e - 1] for e in d["segment_ends"][:-1]], ends[-1], ends)
    key = d.get("doc_id") or d.get("source")
    if key is None or not isinstance(d.get("boundaries"), list):
        raise ValueError('a gold line needs "doc_id" or "source", and "boundaries" (a list of offsets)')
    return GoldDoc(str(key), [int(b) for b in d["boundaries"]], d.get("length"), d.get("unit_ends"))


def chunk_boundaries(ends: Iterable[int]) -> list[int]:
    """Predicted boundaries of one document: every chunk end except the last one."""
    ordered = sorted(set(ends))
    return ordered[:-1]


def score_triple(gold: GoldDoc, chunk_ends: Sequence[int]) -> tuple[list[int], list[int], int]:
    """(gold, predicted, n) in units when the gold has them, else in characters."""
    pred = chunk_boundaries(chunk_ends)
    if gold.unit_ends:
        return snap_to_units(gold.boundaries, gold.unit_ends), snap_to_units(pred, gold.unit_ends), len(gold.unit_ends)
    n = gold.length or max([*chunk_ends, *gold.boundaries, 0])
    return gold.boundaries, pred, n
