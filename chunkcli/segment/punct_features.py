"""Tokens and per-token features for the learned sentence-boundary model (no torch here).

The model decides, for the gap after each token, whether a sentence ends there.
Tokens are CJK characters, runs of word characters, or single other
non-space characters, so every sentence end (after moving left over
whitespace) is a token end. Each token gets three ids: its lowercased form,
its lowercased 3-character suffix (for unseen words), and a shape that also
encodes the whitespace after it (none, space, newline, blank line) — the
strongest evidence in structured text, absent in flat text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
TOKEN_RE = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+|[^\w\s]")
_CJK_RE = re.compile(rf"[{_CJK}]")

PAD, UNK = 0, 1
CJK_TERMINALS = frozenset("。！？；…")
SHAPES = ("punct", "digit", "title", "upper", "lower", "cjk", "other")
N_GAPS = 4  # none, space, newline, blank line
N_SHAPES = len(SHAPES) * N_GAPS + 1  # +1: padding


@dataclass
class Tokens:
    """Tokens of one text window: absolute end offsets and the three id arrays the model reads."""

    ends: np.ndarray
    words: np.ndarray
    suffixes: np.ndarray
    shapes: np.ndarray
    candidates: np.ndarray  # bool: gaps `--by sentence` may cut (see _candidates)
    breakable: np.ndarray   # bool: gaps where any sentence may end (whitespace, or CJK on either side)


def shape_of(tok: str) -> int:
    c = tok[0]
    if c.isdigit():
        return 1
    if c.isalpha() or c == "_":
        if _CJK_RE.match(c):
            return 5
        if c.isupper():
            return 3 if len(tok) > 1 and tok.isupper() else 2
        return 4 if c.islower() else 6
    return 0 if not c.isalnum() else 6


_shape = lru_cache(maxsize=65536)(shape_of)  # tokens repeat: classify each form once


def _gap_kinds(text: str, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """`gap_kind` for every token at once (numpy), from newline counts between tokens."""
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    newlines = np.concatenate([[0], np.cumsum(codes == 10)])
    following = np.append(starts[1:], len(text))
    nl = newlines[following] - newlines[ends]
    kinds = np.where(following > ends, np.where(nl == 0, 1, np.where(nl == 1, 2, 3)), 0)
    return np.where(ends >= len(text), 3, kinds).astype(np.int64)


def gap_kind(text: str, end: int) -> int:
    """0 no whitespace after the token, 1 spaces, 2 one newline, 3 two or more newlines (or end)."""
    if end >= len(text):
        return 3
    if not text[end].isspace():
        return 0
    j, newlines = end, 0
    while j < len(text) and text[j].isspace():
        newlines += text[j] == "\n"
        j += 1
    return 1 if newlines == 0 else (2 if newlines == 1 else 3)


def tokenize(text: str, base: int, vocab: dict[str, int], suffixes: dict[str, int]) -> Tokens:
    """Tokens of `text` (a window starting at absolute offset `base`) with their feature ids."""
    matches = list(TOKEN_RE.finditer(text))
    raw = [m.group() for m in matches]
    forms = [t.lower() for t in raw]
    ends = np.fromiter((m.end() for m in matches), dtype=np.int64, count=len(matches))
    starts = np.fromiter((m.start() for m in matches), dtype=np.int64, count=len(matches))
    words = [vocab.get(f, UNK) for f in forms]
    sufs = [suffixes.get(f[-3:], UNK) for f in forms]
    classes = np.asarray([_shape(t) for t in raw], dtype=np.int64)
    gaps = _gap_kinds(text, starts, ends)
    terminal = np.asarray([f in CJK_TERMINALS for f in forms], dtype=bool)
    return Tokens(ends=ends + base, words=np.asarray(words, dtype=np.int64),
                  suffixes=np.asarray(sufs, dtype=np.int64), shapes=1 + classes * N_GAPS + gaps,
                  candidates=_candidates(classes, gaps, terminal),
                  breakable=_breakable(classes, gaps, terminal))


def _candidates(classes: np.ndarray, gaps: np.ndarray, terminal: np.ndarray) -> np.ndarray:
    """Gaps `--by sentence` considers: punctuation + whitespace, CJK terminals, line ends, and a
    space between a word and a capitalised word or a number (sentences without final punctuation)."""
    next_cls = np.append(classes[1:], 0)
    word_gap = (classes != 0) & (gaps == 1) & ((next_cls == 1) | (next_cls == 2) | (next_cls == 3))
    return ((classes == 0) & ((gaps >= 1) | terminal)) | (gaps >= 2) | word_gap


def _breakable(classes: np.ndarray, gaps: np.ndarray, terminal: np.ndarray) -> np.ndarray:
    """Outside CJK text a sentence never ends inside a run of non-space characters ("$3.50")."""
    cjk = classes == 5
    next_cjk = np.append(cjk[1:], False)
    return (gaps >= 1) | cjk | next_cjk | terminal


_SENTENCE_PUNCT_RE = re.compile(r"[.!?…](?=\s|$)|[。！？]")


def is_bare(text: str, per_100_chars: float = 0.2) -> bool:
    """Text without sentence punctuation (ASR output, corrupted text): under `per_100_chars`
    sentence-ending marks per 100 characters (clean prose has about one)."""
    marks = sum(1 for _ in _SENTENCE_PUNCT_RE.finditer(text))  # counted, not listed: inputs may be huge
    return marks < per_100_chars * len(text) / 100
