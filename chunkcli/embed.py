"""Embedders: one `embed_batch` per model, batching and normalisation shared.

Vectors are float32 and L2-normalised, so inner product is cosine similarity
everywhere (HNSW space "ip", exact search, MMR).
"""

from __future__ import annotations

import hashlib
import os
import re
from functools import lru_cache
from typing import Callable, Sequence

import numpy as np

from .errors import ModelError
from .models import ModelSpec, downloads_allowed, resolve_model

Progress = Callable[[int], None]


class Embedder:
    """Base class: subclasses implement `embed_batch` on at most `batch_size` texts."""

    name: str = ""
    dim: int = 0
    batch_size: int = 32

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        raise NotImplementedError

    def embed(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        # Sorting by length keeps padding low inside each batch (a large share of encode time).
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for lo in range(0, len(order), self.batch_size):
            idx = order[lo:lo + self.batch_size]
            out[idx] = _normalise(self.embed_batch([texts[i] for i in idx]))
            if progress:
                progress(len(idx))
        return out


def _normalise(vecs: np.ndarray) -> np.ndarray:
    vecs = np.asarray(vecs, dtype=np.float32)
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    return vecs / np.maximum(norms, 1e-12)


class HashEmbedder(Embedder):
    """Feature-hashing bag of words: no neural model, deterministic, instant.

    For tests and for lexical-only setups on machines without torch; its
    "similarity" is word overlap, so use it knowingly.
    """

    batch_size = 1024

    def __init__(self, dim: int = 384) -> None:
        self.dim, self.name = dim, f"hash-{dim}"

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                h = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")
                out[row, h % self.dim] += 1.0 if (h >> 63) else -1.0
        return out


class SentenceTransformerEmbedder(Embedder):
    """Any sentence-transformers model, loaded lazily and offline unless downloads are allowed."""

    def __init__(self, spec: ModelSpec) -> None:
        self.name, self._spec = spec.name, spec
        self._model = None
        self.dim = spec.dim or self._load().get_sentence_embedding_dimension()

    def _load(self):
        if self._model is None:
            if not downloads_allowed():
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            # The library never shows progress on its own: transformers' "Loading weights" bar is stderr noise.
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
            from sentence_transformers import SentenceTransformer

            try:
                self._model = SentenceTransformer(self._spec.path, device="cpu")
            except OSError as exc:
                raise ModelError(f"cannot load model {self.name!r}: {exc}") from None
        return self._model

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        return self._load().encode(list(texts), batch_size=self.batch_size, convert_to_numpy=True,
                                   normalize_embeddings=False, show_progress_bar=False)


def get_embedder(model: str | None = None) -> Embedder:
    """The embedder for a model name, directory or None (CHUNKCLI_MODEL, else the default)."""
    # Resolve before caching: a cached None would pin whatever CHUNKCLI_MODEL said first.
    return _embedder_for(resolve_model(model))


@lru_cache(maxsize=4)
def _embedder_for(spec: ModelSpec) -> Embedder:
    if spec.kind == "hash":
        return HashEmbedder(spec.dim or 384)
    return SentenceTransformerEmbedder(spec)
