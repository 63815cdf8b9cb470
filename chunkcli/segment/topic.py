"""`--by topic`: split where the topic changes, and say how strongly it changed.

Sentences are embedded once each (batched, cached for the run); the cuts are
the globally best segmentation of the sentence vectors (`topic_dp`), so each
boundary's score is its *gain* (how much better the two sides fit as
separate topics than as one, in "sentences' worth" of coherence) plus a
learned *cue* (`topic_cues`: how much the gap looks like a change of topic
to a small model trained on EWT documents, plus `topic_cross`: the same
question asked of the two sentences read together by one trained BERT layer;
0 for embedding models they were not trained on). `--threshold` is the smallest score worth a cut (default
1.25, more for documents over 60 sentences). Each topic segment opens
with a hard break so the packer never merges two topics; its units carry
`{"segment": i, "boundary_score": gain + cue}` (null for the first segment).
`--max-tokens 0` emits whole segments; `--explain` adds the curve, one point
per unit: `{"start", "similarity", "gain", "cue", "score"}` for the gap before
it, where similarity compares the 3 sentences on each side and score = gain + cue.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from ..records import Document
from ..tokens import TokenCounter
from .base import SegmentOptions, Unit, register
from .topic_cues import load_cues
from .topic_dp import Prefix, dp_boundaries, gap_gains
from .topic_embed import count_tokens, embed_texts, embed_with_gaps, vector_space
from .topic_score import window_similarity
from .topic_units import Span, topic_spans

# Default --threshold: 1.25 up to 60 sentences, growing with log(length) beyond, since longer
# documents have longer topics. Chosen on Choi-style documents and ewt_docs from EWT *train* (docs/topic.md).
PENALTY, SHORT_DOC, LENGTH_SLOPE = 1.25, 60, 2.0
WINDOW = 3  # sentences per side for the explained similarity curve


@dataclass(frozen=True)
class TopicResult:
    """Where segments start (unit indices, first is 0), their scores, and per-gap curves."""

    starts: list[int]
    scores: list[float | None]
    similarity: np.ndarray
    gain: np.ndarray
    cue: np.ndarray


def segment_vectors(
    vecs: np.ndarray, tokens: Sequence[int], opts: SegmentOptions, paragraphs: Sequence[bool] | None = None,
    cross: np.ndarray | None = None,
) -> TopicResult:
    """Topic segmentation of units given their embeddings (by `opts.model`) and token counts;
    cuts only where `paragraphs`, one flag per gap, allows; `cross` is the cross-gap cue of each gap
    (`topic_embed.embed_with_gaps`); `opts.cues=False` leaves the learned cues (both kinds) out."""
    prefix = Prefix.of(vecs)
    penalty = default_penalty(len(vecs)) if opts.threshold is None else opts.threshold
    cue = cue_bonus(vecs, opts.model, cross) if opts.cues else np.zeros(max(len(vecs) - 1, 0))
    bounds = dp_boundaries(prefix, tokens, penalty, opts.min_tokens, 1, paragraphs, cue)
    gains = gap_gains(prefix, bounds)
    scores = [None] + [round(float(gains[b - 1] + cue[b - 1]), 4) for b in bounds]
    return TopicResult([0, *bounds], scores, window_similarity(vecs, WINDOW), gains, cue)


def cue_bonus(vecs: np.ndarray, model: str | None, cross: np.ndarray | None = None) -> np.ndarray:
    """The learned per-gap cues (logistic, plus `cross` when given), centred on the document;
    zeros when neither exists for this embedding model."""
    found = load_cues(vector_space(model))
    bonus = found.bonus(vecs) if found is not None else np.zeros(max(len(vecs) - 1, 0))
    # Centred like the logistic cues, so the cues re-rank a document's cuts without moving their number.
    return bonus + (cross - cross.mean()) if cross is not None and len(cross) else bonus


def default_penalty(n_units: int) -> float:
    return PENALTY * (1 + LENGTH_SLOPE * max(0.0, math.log(max(n_units, 1) / SHORT_DOC)))


@register("topic", "topic segments: optimal cuts where sentence embeddings change "
                   "(meta.boundary_score = gain + learned cue)")
class TopicSegments:
    name = "topic"

    def units(self, doc: Document, opts: SegmentOptions, counter: TokenCounter) -> list[Unit]:
        spans, allowed = topic_spans(doc, opts, counter)
        if not spans:
            return []
        texts = [doc.text[s:e] for s, e in spans]
        vecs, cross = embed_with_gaps(texts, opts.model) if opts.cues else (embed_texts(texts, opts.model), None)
        result = segment_vectors(vecs, count_tokens(texts, counter), opts, allowed, cross)
        if opts.max_tokens <= 0:
            return _segment_units(spans, result, opts.explain)
        return _sentence_units(spans, result, opts.explain)

    def merge_meta(self, units: Sequence[Unit]) -> dict[str, Any]:
        first = units[0].meta
        meta = {"segment": first["segment"], "boundary_score": first["boundary_score"], "units": len(units)}
        if "curve" in first:
            meta["curve"] = [p for u in units for p in u.meta["curve"]]
        return meta


def _points(spans: Sequence[Span], r: TopicResult, lo: int, hi: int) -> list[dict[str, Any]]:
    """Curve points for units lo..hi-1: the gap before each unit (none before the first unit)."""
    return [{"start": spans[i][0], **(_gap_point(r, i - 1) if i else dict.fromkeys(_POINT_KEYS))}
            for i in range(lo, hi)]


_POINT_KEYS = ("similarity", "gain", "cue", "score")


def _gap_point(r: TopicResult, g: int) -> dict[str, float]:
    gain, cue = float(r.gain[g]), float(r.cue[g])
    return {"similarity": round(float(r.similarity[g]), 4), "gain": round(gain, 4),
            "cue": round(cue, 4), "score": round(gain + cue, 4)}


def _segment_units(spans: Sequence[Span], r: TopicResult, explain: bool) -> list[Unit]:
    ends = [*r.starts[1:], len(spans)]
    out = []
    for i, (lo, hi) in enumerate(zip(r.starts, ends)):
        meta: dict[str, Any] = {"segment": i, "boundary_score": r.scores[i], "units": hi - lo}
        if explain:
            meta["curve"] = _points(spans, r, lo, hi)
        out.append(Unit(spans[lo][0], spans[hi - 1][1], meta, hard_break=True))
    return out


def _sentence_units(spans: Sequence[Span], r: TopicResult, explain: bool) -> list[Unit]:
    opened = dict(zip(r.starts, range(len(r.starts))))
    out, seg = [], 0
    for i, (s, e) in enumerate(spans):
        seg = opened.get(i, seg)
        meta: dict[str, Any] = {"segment": seg, "boundary_score": r.scores[seg]}
        if explain:
            meta["curve"] = _points(spans, r, i, i + 1)
        out.append(Unit(s, e, meta, hard_break=i in opened))
    return out
