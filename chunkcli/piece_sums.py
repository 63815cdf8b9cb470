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

    def __init__(self, length: int, closing: np.ndarray, opening: np.ndarray, inside: np.ndarray) -> None:
        """Per position (length + 1 each): tokens of pieces ending there, tokens of pieces starting
        one position before, and whether the position is strictly inside a piece."""
        small = max(length, int(closing.sum())) < 2**31  # counts can outnumber characters (Hangul: 3 a char)
        dtype, code = (np.int32, "i") if small else (np.int64, "q")
        # array, not numpy: indexing it gives a Python int without a numpy scalar in between.
        self.closed = _array(code, np.cumsum(closing, dtype=dtype))  # [e]: tokens of pieces ending <= e
        self.opened = _array(code, np.cumsum(opening, dtype=dtype))  # [s]: tokens of pieces starting < s
        self.inside = inside.tobytes()  # a span edge there cuts a piece (its count may not add)

    @classmethod
    def of_tiles(cls, length: int, starts: np.ndarray, counts: np.ndarray) -> PieceSums:
        """Pieces that tile the text (each ends where the next starts): no two share an edge."""
        ends = np.append(starts[1:], length) if len(starts) else starts
        closing, opening = np.zeros(length + 1, dtype=counts.dtype), np.zeros(length + 1, dtype=counts.dtype)
        closing[ends] = counts
        opening[starts + 1] = counts
        inside = np.ones(length + 1, dtype=bool)
        inside[starts] = False
        inside[[0, length]] = False
        return cls(length, closing, opening, inside)

    @classmethod
    def of_spans(cls, length: int, spans: Sequence[Span]) -> PieceSums:
        """For a counter that only gives token spans (gaps between them allowed): one token each.
        Exact when no span nests inside another (tokenizers' offsets do not nest)."""
        pairs = np.array(spans, dtype=np.int64).reshape(-1, 2)
        starts, ends = pairs[:, 0], pairs[:, 1]
        size = length + 1
        opening = np.bincount(starts + 1, minlength=size)[:size]
        closing = np.bincount(ends, minlength=size)
        wide = ends > starts  # an empty token has no inside (and must not cancel a wider one's)
        entered = np.bincount(starts[wide] + 1, minlength=size)[:size]
        depth = np.cumsum(entered - np.bincount(ends[wide], minlength=size))
        return cls(length, closing, opening, depth > 0)

    def tokens(self, start: int, end: int) -> int:
        """Tokens of the pieces lying wholly inside [start, end)."""
        n = self.closed[end] - self.opened[start]
        return n if n > 0 else 0  # a span inside one piece holds no whole piece

    def cuts(self, start: int, end: int) -> bool:
        """Whether an edge of [start, end) falls inside a piece (`1if` in Python)."""
        return bool(self.inside[start] or self.inside[end])


def _array(code: str, values: np.ndarray) -> array[int]:
    out = array(code)
    out.frombytes(memoryview(values).cast("B"))  # one copy, straight from numpy's buffer
    return out
