"""Model features for a few gathered gaps, without tokenizing the whole text.

The `sentence` model is a convolution that reads `reach` tokens on each side
of a gap. `--by sentence` asks it about a small fraction of gaps, so only a
short slice around each of them is tokenized (same tokens and feature ids as
`punct_features.tokenize`), and all gaps of a document are scored in one batch.
"""

from __future__ import annotations

import re
from bisect import bisect_left

import numpy as np

from .punct_features import N_GAPS, PAD, TOKEN_RE, UNK, shape_of
from .punct_model import GapModel

_SPACE_RE = re.compile(r"\s*")
CHARS_PER_TOKEN = 8  # slice width per token of reach; longer tokens just mean less context


class LocalFeatures:
    """Feature ids of token forms, cached per model (forms repeat; the cache is bounded)."""

    def __init__(self, model: GapModel, limit: int = 200_000) -> None:
        self.model, self.cache, self.limit = model, {}, limit

    def ids(self, tok: str) -> tuple[int, int, int]:
        low = tok.lower()
        if len(self.cache) >= self.limit:
            self.cache.clear()
        got = self.cache[tok] = (self.model.vocab.get(low, UNK), self.model.suffixes.get(low[-3:], UNK),
                                 shape_of(tok))
        return got

    def windows(self, text: str, ends: list[int]) -> np.ndarray:
        """(len(ends), 3, 2*reach+1) ids of the tokens around each gap (PAD beyond its slice)."""
        r, cache = self.model.cfg.reach, self.cache
        rows, cols, forms, tok_ends = [], [], [], []
        for row, end in enumerate(ends):
            toks = _slice_tokens(text, end, r * CHARS_PER_TOKEN)
            i = bisect_left([m.end() for m in toks], end)
            lo = max(0, i - r)
            for col, m in enumerate(toks[lo:i + r + 1], start=lo - i + r):
                rows.append(row)
                cols.append(col)
                forms.append(m.group())
                tok_ends.append(m.end())
        feats = np.array([cache.get(f) or self.ids(f) for f in forms], dtype=np.int64).reshape(-1, 3)
        feats[:, 2] = 1 + feats[:, 2] * N_GAPS + np.array([_gap_kind(text, e) for e in tok_ends], dtype=np.int64)
        out = np.full((len(ends), 2 * r + 1, 3), PAD, dtype=np.int64)
        out[rows, cols] = feats
        return out.transpose(0, 2, 1)


def _slice_tokens(text: str, end: int, width: int) -> list[re.Match]:
    """Tokens of text[end-width:end+width], without a token cut by either edge."""
    lo, hi = max(0, end - width), min(len(text), end + width)
    toks = list(TOKEN_RE.finditer(text, lo, hi))
    if toks and lo > 0 and toks[0].start() == lo and text[lo - 1].isalnum():
        toks = toks[1:]
    if toks and hi < len(text) and toks[-1].end() == hi and text[hi].isalnum():
        toks = toks[:-1]
    return toks


def _gap_kind(text: str, end: int) -> int:
    """As punct_features.gap_kind: 0 none, 1 spaces, 2 one newline, 3 more (or the end of the text)."""
    if end >= len(text):
        return 3
    if text[end] == " " and not text[end + 1:end + 2].isspace():
        return 1  # the common case, without a regex call
    stop = _SPACE_RE.match(text, end).end()
    if stop == end:
        return 0
    newlines = text.count("\n", end, stop)
    return 1 if newlines == 0 else (2 if newlines == 1 else 3)


def score_gaps(model: GapModel, text: str, ends: list[int]) -> np.ndarray:
    """Boundary probabilities of the gaps at `ends` (each the end of a token), one batch."""
    if not ends:
        return np.zeros(0, dtype=np.float32)
    feats = model.__dict__.setdefault("local_features", LocalFeatures(model))  # its cache lives with the model
    ids = feats.windows(text, ends)
    return model.run(ids[:, 0], ids[:, 1], ids[:, 2])[:, 0]
