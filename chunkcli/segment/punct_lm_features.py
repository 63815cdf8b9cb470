"""What MiniLM cannot see, per word piece: letter case and the whitespace after the piece.

MiniLM is uncased and treats every whitespace run alike, but capitals and
newlines are strong sentence evidence in clean text. Each piece gets one
small categorical id = (case class, word start?, gap after it), embedded by
the head next to the encoder's vector. A piece is *breakable* when a
sentence may end after it: whitespace (or the end of the text) follows, or
it touches CJK text, which has no spaces.
"""

from __future__ import annotations

import re

import numpy as np

CASES = ("punct", "digit", "title", "upper", "lower", "other")
N_GAPS = 4  # none, space, one newline, two or more newlines (or the end of the text)
N_IDS = len(CASES) * 2 * N_GAPS
_CJK_RE = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")


def case_class(piece: str) -> int:
    c = piece[0] if piece else " "
    if c.isdigit():
        return 1
    if c.isupper():
        return 3 if len(piece) > 1 and piece.isupper() else 2
    if c.islower():
        return 4
    return 5 if c.isalnum() else 0


def gap_kinds(text: str, ends: np.ndarray, next_starts: np.ndarray) -> np.ndarray:
    """0 no whitespace after the piece, 1 spaces, 2 one newline, 3 more, or the end of `text`."""
    between = [text[e:s] for e, s in zip(ends.tolist(), next_starts.tolist())]
    kinds = np.asarray([0 if not g else 1 + min(g.count("\n"), 2) for g in between], dtype=np.int64)
    kinds[next_starts >= len(text)] = 3
    return kinds


def piece_features(text: str, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(categorical id, breakable) for each piece of `text` (offsets relative to `text`)."""
    if len(starts) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
    next_starts = np.append(starts[1:], len(text))
    gaps = gap_kinds(text, ends, next_starts)
    cases = np.asarray([case_class(text[s:e]) for s, e in zip(starts.tolist(), ends.tolist())], dtype=np.int64)
    word_start = np.asarray([s == 0 or text[s - 1].isspace() for s in starts.tolist()], dtype=np.int64)
    cjk = np.asarray([bool(_CJK_RE.match(text[s:s + 1])) for s in starts.tolist()], dtype=bool)
    breakable = (gaps >= 1) | cjk | np.append(cjk[1:], False)
    return (cases * 2 + word_start) * N_GAPS + gaps, breakable
