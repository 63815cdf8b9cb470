"""Sentence embeddings for topic segmentation, cached for the run.

Each distinct sentence is embedded once per model, in batches; repeated
sentences (boilerplate, a document segmented twice in a pipeline) cost nothing.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..embed import get_embedder
from ..models import resolve_model
from ..tokens import TokenCounter

_CACHE: dict[tuple[str, str], np.ndarray] = {}
_CACHE_LIMIT = 200_000  # vectors (~300 MB at 384 dims); cleared wholesale when reached


def embed_texts(texts: Sequence[str], model: str | None) -> np.ndarray:
    """One L2-normalised float32 row per text."""
    # Resolve first: get_embedder caches by argument, and None means "whatever CHUNKCLI_MODEL says now".
    name = resolve_model(model).name
    missing = list(dict.fromkeys(t for t in texts if (name, t) not in _CACHE))
    if missing:
        if len(_CACHE) + len(missing) > _CACHE_LIMIT:
            _CACHE.clear()
        for text, vec in zip(missing, get_embedder(name).embed(missing)):
            _CACHE[(name, text)] = vec
    return np.stack([_CACHE[(name, t)] for t in texts])


def count_tokens(texts: Sequence[str], counter: TokenCounter) -> list[int]:
    batch = getattr(counter, "count_batch", None)
    return list(batch(texts)) if batch else [counter.count(t) for t in texts]
