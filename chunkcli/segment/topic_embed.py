"""Sentence embeddings for topic segmentation, cached for the run.

Each distinct sentence is embedded once per vector space, in batches; repeated
sentences (boilerplate, a document segmented twice in a pipeline) cost nothing.
With the default model the vectors come from its topic-tuned variant
(`topic_encoder`), when that layer is installed.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..embed import get_embedder
from ..models import DEFAULT_MODEL, resolve_model
from ..tokens import TokenCounter
from .topic_encoder import TUNED_SPACE, tuned_available, tuned_encoder

_CACHE: dict[tuple[str, str], np.ndarray] = {}
_CACHE_LIMIT = 200_000  # vectors (~300 MB at 384 dims); cleared wholesale when reached


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


def count_tokens(texts: Sequence[str], counter: TokenCounter) -> list[int]:
    batch = getattr(counter, "count_batch", None)
    return list(batch(texts)) if batch else [counter.count(t) for t in texts]
