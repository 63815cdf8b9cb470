"""Sentence embeddings for topic segmentation, cached for the run.

Each distinct sentence is embedded once per vector space, in batches; repeated
sentences (boilerplate, a document segmented twice in a pipeline) cost nothing.
With the default model the vectors come from its topic-tuned variant
(`topic_encoder`), when that layer is installed; `embed_with_gaps` also gives
the cross-gap cue (`topic_cross`) from the same encoder pass.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..embed import get_embedder
from ..models import DEFAULT_MODEL, resolve_model
from ..tokens import TokenCounter
from .topic_cross import CrossGap, load_cross
from .topic_encoder import TUNED_SPACE, tuned_available, tuned_encoder

_CACHE: dict[tuple[str, str], np.ndarray] = {}
_GAPS: dict[tuple[str, str], float] = {}  # cross-gap log-odds by (text before, text after)
_CACHE_LIMIT = 200_000  # vectors (~300 MB at 384 dims); cleared wholesale when reached
GAP_BLOCK = 2048  # consecutive units whose frozen states are held at once by `embed_with_gaps`


def vector_space(model: str | None) -> str:
    """Name of the vectors topic segmentation uses for `model`: the topic-tuned space for the default."""
    # Resolve first: None means "whatever CHUNKCLI_MODEL says now".
    name = resolve_model(model).name
    return TUNED_SPACE if name == DEFAULT_MODEL and tuned_available() else name


def embed_texts(texts: Sequence[str], model: str | None) -> np.ndarray:
    """One L2-normalised float32 row per text, in `vector_space(model)`."""
    return embed_in_space(texts, vector_space(model))


def embed_in_space(texts: Sequence[str], space: str) -> np.ndarray:
    """One L2-normalised float32 row per text, in a `vector_space` name (TUNED_SPACE or a model name)."""
    missing = list(dict.fromkeys(t for t in texts if (space, t) not in _CACHE))
    if missing:
        if len(_CACHE) + len(missing) > _CACHE_LIMIT:
            _CACHE.clear()
        embed = tuned_encoder().embed if space == TUNED_SPACE else get_embedder(space).embed
        for text, vec in zip(missing, embed(missing)):
            _CACHE[(space, text)] = vec
    return np.stack([_CACHE[(space, t)] for t in texts])


def embed_with_gaps(texts: Sequence[str], model: str | None) -> tuple[np.ndarray, np.ndarray | None]:
    """`embed_texts`, and the cross-gap cue (its weight × log-odds) for every gap between
    consecutive texts (None when the vectors are not the topic-tuned ones or the model is not installed).

    The cross-gap model reads the frozen layers' outputs the vectors are computed from, so
    both come from one encoder pass over blocks of GAP_BLOCK consecutive texts (each distinct
    text of a block encoded once); the states of a block's last text carry to the next block.
    Gap log-odds are cached for the run by their pair of texts, like the vectors by their text.
    """
    space = vector_space(model)
    cross = load_cross() if space == TUNED_SPACE else None
    if cross is None or len(texts) < 2:
        return embed_in_space(texts, space), None
    pairs = list(zip(texts[:-1], texts[1:]))
    if not all(p in _GAPS for p in pairs):
        _encode_with_gaps(texts, cross)
    return embed_in_space(texts, space), cross.weight * np.array([_GAPS[p] for p in pairs])


def _encode_with_gaps(texts: Sequence[str], cross: CrossGap) -> None:
    """Fill the vector and gap caches for `texts` from one encoder pass, block by block."""
    if len(_CACHE) + len(texts) > _CACHE_LIMIT:
        clear_cache()
    carry: tuple[str, np.ndarray] | None = None
    for lo in range(0, len(texts), GAP_BLOCK):
        block = list(texts[lo:lo + GAP_BLOCK])
        distinct = list(dict.fromkeys(block))
        vecs, states = tuned_encoder().embed_states(distinct)
        found = dict(zip(distinct, states))
        for text, vec in zip(distinct, vecs):
            _CACHE[(TUNED_SPACE, text)] = vec
        seq = ([carry] if carry else []) + [(t, found[t]) for t in block]
        states_before, states_after = [x for _, x in seq[:-1]], [x for _, x in seq[1:]]
        for (a, _), (b, _), z in zip(seq, seq[1:], cross.logits(states_before, states_after)):
            _GAPS[(a, b)] = float(z)
        carry = seq[-1]


def clear_cache() -> None:
    """Forget every cached vector and gap (timings that must pay for the encoder)."""
    _CACHE.clear()
    _GAPS.clear()


def count_tokens(texts: Sequence[str], counter: TokenCounter) -> list[int]:
    batch = getattr(counter, "count_batch", None)
    return list(batch(texts)) if batch else [counter.count(t) for t in texts]
