"""Model features for a few gathered gaps, without tokenizing the whole text.

The `sentence` model is a convolution that reads `reach` tokens on each side
of a gap. `--by sentence` asks it about a small fraction of gaps, so only a
short slice around each of them is tokenized (same tokens and feature ids as
`punct_features.tokenize`), and all gaps of a document are scored in one batch.
"""

from __future__ import annotations

import re
import numpy as np

from .punct_features import N_GAPS, PAD, TOKEN_RE, UNK, shape_of
from .punct_model import GapModel

_TOKEN_SPACE_RE = re.compile(rf"({TOKEN_RE.pattern})(\s*)")  # a token and the whitespace after it
CHARS_PER_TOKEN = 8  # slice width per token of reach; longer tokens just mean less context
PAD_SLOT = (PAD, PAD, PAD)


class LocalFeatures:
    """Feature ids of (token, whitespace after it) pairs, cached per model (pairs repeat; bounded)."""

    def __init__(self, model: GapModel, limit: int = 200_000) -> None:
        self.model, self.pairs, self.limit = model, {}, limit

    def _pair(self, pair: tuple[str, str]) -> tuple[int, int, int]:
        """(word id, suffix id, shape id with the kind of whitespace after the token)."""
        if len(self.pairs) >= self.limit:
            self.pairs.clear()
        tok, ws = pair
        low, newlines = tok.lower(), ws.count("\n")
        kind = 0 if not ws else (1 if newlines == 0 else (2 if newlines == 1 else 3))
        got = self.pairs[pair] = (self.model.vocab.get(low, UNK), self.model.suffixes.get(low[-3:], UNK),
                                  1 + shape_of(tok) * N_GAPS + kind)
        return got

    def windows(self, text: str, gaps: list[tuple[int, int]]) -> np.ndarray:
        """(len(gaps), 3, 2*reach+1) ids of the tokens around each gap (end, next non-space); PAD beyond."""
        r, pairs, new = self.model.cfg.reach, self.pairs, self._pair
        slots: list[tuple[int, int, int]] = []
        for end, nxt in gaps:  # the hot path of --by sentence: one cached lookup per token
            left, right = _around(text, end, r)
            left[-1] = (left[-1][0], text[end:nxt])  # its own gap (nxt < len(text) for a candidate)
            slots += [PAD_SLOT] * (r + 1 - len(left))
            slots += [pairs.get(pair) or new(pair) for pair in left]
            slots += [pairs.get(pair) or new(pair) for pair in right]
            slots += [PAD_SLOT] * (r - len(right))
        return np.array(slots, dtype=np.int64).reshape(len(gaps), 2 * r + 1, 3).transpose(0, 2, 1)


def _around(text: str, end: int, r: int) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The r+1 (token, whitespace after it) pairs ending at `end` and the r after it, read from a
    short slice; a token cut by the slice edge is dropped, the text's last token gets the end-of-text kind."""
    width, n = r * CHARS_PER_TOKEN, len(text)
    lo, hi = max(0, end - width), min(n, end + width)
    left = _TOKEN_SPACE_RE.findall(text, lo, end)
    right = _TOKEN_SPACE_RE.findall(text, end, hi)
    if lo > 0 and text[lo - 1].isalnum() and text[lo].isalnum() and len(left) > 1:
        left = left[1:]  # (a token longer than the slice is kept, cut: the gap needs a left token)
    if right and hi < n and text[hi - 1].isalnum() and text[hi].isalnum():
        right = right[:-1]
    elif right and hi >= n and not right[-1][1]:
        right[-1] = (right[-1][0], "\n\n")
    return left[-(r + 1):], right[:r]


def score_gaps(model: GapModel, text: str, gaps: list[tuple[int, int]]) -> np.ndarray:
    """Boundary probabilities of `gaps` ((end, next non-space); each end is a token end), one batch."""
    if not gaps:
        return np.zeros(0, dtype=np.float32)
    feats = model.__dict__.setdefault("local_features", LocalFeatures(model))  # its cache lives with the model
    ids = feats.windows(text, gaps)
    return model.run(ids[:, 0], ids[:, 1], ids[:, 2])[:, 0]
