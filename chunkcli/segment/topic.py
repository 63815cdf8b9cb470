"""`--by topic`: split where the topic changes, and say how strongly it changed.

Sentences are embedded once each (batched, cached for the run); the score
curve compares windows of sentences on both sides of every gap
(`topic_score`). Each topic segment opens with a hard break so the packer
never merges two topics; its units carry `{"segment": i, "boundary_score": s}`
where `s` is the depth of the valley that opened it (null for the first).
`--max-tokens 0` emits whole segments; `--explain` adds the curve
(`[{"start", "similarity", "depth"}]`, one point per unit) so it can be plotted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from ..records import Document
from ..tokens import TokenCounter
from .base import SegmentOptions, Unit, register
from .topic_embed import count_tokens, embed_texts
from .topic_score import Curve, choose_boundaries, curve, default_cutoff
from .topic_units import Span, paragraph_gaps, sentence_spans

WINDOW = 3  # sentences per side of a gap; tuned on synthetic dev documents (docs/topic.md)
SPREAD = 0.5  # default cutoff: mean depth + SPREAD standard deviations
MIN_UNITS = 2  # a topic segment of one sentence is almost always a false cut


@dataclass(frozen=True)
class TopicResult:
    """Where segments start (unit indices, first is 0), their scores, and the curve."""

    starts: list[int]
    scores: list[float | None]
    curve: Curve


def segment_vectors(
    vecs: np.ndarray, tokens: Sequence[int], opts: SegmentOptions, paragraphs: Sequence[bool] | None = None,
) -> TopicResult:
    """Topic segmentation of units given their embeddings and token counts."""
    c = curve(vecs, WINDOW)
    cutoff = opts.threshold if opts.threshold is not None else default_cutoff(c.depth, SPREAD)
    bounds = choose_boundaries(c.depth, tokens, cutoff, opts.min_tokens, MIN_UNITS, paragraphs)
    starts = [0, *bounds]
    return TopicResult(starts, [None] + [round(float(c.depth[b - 1]), 4) for b in bounds], c)


def use_paragraphs(gaps: Sequence[bool]) -> bool:
    """Restrict cuts to paragraph breaks only when the text has paragraphs of several sentences."""
    return 0 < sum(gaps) <= 0.6 * len(gaps)


@register("topic", "topic segments: cut where sentence-embedding similarity drops (scores in meta)")
class TopicSegments:
    name = "topic"

    def units(self, doc: Document, opts: SegmentOptions, counter: TokenCounter) -> list[Unit]:
        spans = sentence_spans(doc, opts, counter)
        if not spans:
            return []
        texts = [doc.text[s:e] for s, e in spans]
        vecs = embed_texts(texts, opts.model)
        gaps = paragraph_gaps(doc.text, spans)
        result = segment_vectors(vecs, count_tokens(texts, counter), opts, gaps if use_paragraphs(gaps) else None)
        if opts.max_tokens <= 0:
            return _segment_units(spans, result, opts.explain)
        return _sentence_units(spans, result, opts.explain)

    def merge_meta(self, units: Sequence[Unit]) -> dict[str, Any]:
        first = units[0].meta
        meta = {"segment": first["segment"], "boundary_score": first["boundary_score"], "units": len(units)}
        if "curve" in first:
            meta["curve"] = [p for u in units for p in u.meta["curve"]]
        return meta


def _points(spans: Sequence[Span], c: Curve, lo: int, hi: int) -> list[dict[str, Any]]:
    """Curve points for units lo..hi-1: the gap before each unit (none before the first unit)."""
    return [{"start": spans[i][0],
             "similarity": round(float(c.similarity[i - 1]), 4) if i else None,
             "depth": round(float(c.depth[i - 1]), 4) if i else None} for i in range(lo, hi)]


def _segment_units(spans: Sequence[Span], r: TopicResult, explain: bool) -> list[Unit]:
    ends = [*r.starts[1:], len(spans)]
    out = []
    for i, (lo, hi) in enumerate(zip(r.starts, ends)):
        meta: dict[str, Any] = {"segment": i, "boundary_score": r.scores[i], "units": hi - lo}
        if explain:
            meta["curve"] = _points(spans, r.curve, lo, hi)
        out.append(Unit(spans[lo][0], spans[hi - 1][1], meta, hard_break=True))
    return out


def _sentence_units(spans: Sequence[Span], r: TopicResult, explain: bool) -> list[Unit]:
    opened = dict(zip(r.starts, range(len(r.starts))))
    out, seg = [], 0
    for i, (s, e) in enumerate(spans):
        seg = opened.get(i, seg)
        meta: dict[str, Any] = {"segment": seg, "boundary_score": r.scores[seg]}
        if explain:
            meta["curve"] = _points(spans, r.curve, i, i + 1)
        out.append(Unit(s, e, meta, hard_break=i in opened))
    return out
