"""Token counts of any span of a text in constant time, from running sums per character position.

The code strategy asks for the size of every syntax node it considers (thousands per file).
With the file's pieces (runs no token crosses: see token_cache) indexed once, the tokens of the
pieces lying wholly inside [start, end) are

    (tokens of pieces ending at or before `end`) − (tokens of pieces starting before `start`),

two array reads. The arrays hold one running count per position (4 bytes each for texts under
2^31 characters), built by numpy without a Python object per piece.
"""

from __future__ import annotations

from array import array
from typing import Sequence

import numpy as np

Span = tuple[int, int]


class PieceSums:
    """Running token counts of a text's pieces, read at span edges."""

    __slots__ = ("closed", "opened", "inside")

    def __init__(self, length: int, starts: np.ndarray, ends: np.ndarray, counts: np.ndarray | None) -> None:
        """Pieces as sorted start and end offsets with their token counts (None: one token each)."""
        dtype, code = (np.int32, "i") if length < 2**31 else (np.int64, "q")
        size = length + 1
        # array, not numpy: indexing it gives a Python int without a numpy scalar in between.
        self.closed = _running(np.bincount(ends, counts, size), dtype, code)  # [e]: tokens of pieces ending <= e
        self.opened = _running(np.bincount(starts + 1, counts, size), dtype, code)  # [s]: starting < s
        # Positions strictly inside a piece: a span edge there cuts the piece (its count may not add).
        depth = np.cumsum(np.bincount(starts + 1, minlength=size) - np.bincount(ends, minlength=size))
        self.inside = (depth > 0).tobytes()

    @classmethod
    def of_spans(cls, length: int, spans: Sequence[Span]) -> PieceSums:
        """For a counter that only gives token spans: every token is a piece of one token."""
        pairs = np.array(spans, dtype=np.int64).reshape(-1, 2)
        return cls(length, pairs[:, 0], pairs[:, 1], None)

    def tokens(self, start: int, end: int) -> int:
        """Tokens of the pieces lying wholly inside [start, end)."""
        n = self.closed[end] - self.opened[start]
        return n if n > 0 else 0  # a span inside one piece holds no whole piece

    def cuts(self, start: int, end: int) -> bool:
        """Whether an edge of [start, end) falls inside a piece (`1if` in Python)."""
        return bool(self.inside[start] or self.inside[end])


def _running(counts: np.ndarray, dtype: type, code: str) -> array[int]:
    return array(code, np.cumsum(counts, dtype=dtype).tobytes())
