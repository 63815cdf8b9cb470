"""Exact token counts for BERT-style tokenizers, memoised per word.

A BERT tokenizer (BertNormalizer + BertPreTokenizer + WordPiece) never lets a
token cross ASCII whitespace, and it isolates every ASCII punctuation mark.
Its normalisation (control-character removal, CJK padding, lowercasing,
accent stripping) acts on single characters and never removes an ASCII space
or punctuation mark. So a text splits at those characters into pieces whose
token counts and spans simply add up — the same numbers the tokenizer gives
for the whole text — and a piece seen once (`self`, `return`, `(`) never has
to be encoded again. Source code and prose repeat their words constantly, so
this runs several times faster than re-encoding every slice; anything else
(non-ASCII, control characters, 100-character words) sits inside a piece and
is still decided by the real tokenizer.
"""

from __future__ import annotations

import re
from itertools import accumulate
from typing import Any, Callable, Sequence

import numpy as np

from .piece_sums import PieceSums

Span = tuple[int, int]
SPACE = " \t\n\r"  # the ASCII whitespace no token crosses
PUNCT = "!-/:-@\\[-`{-~"  # (a regex class body) every printable ASCII character not a letter, digit or space
# A run of anything that is neither ASCII whitespace nor ASCII punctuation.
WORD = rf"[^{SPACE}{PUNCT}]+"
# One ASCII punctuation mark, or a word.
_PIECE = rf"[{PUNCT}]|{WORD}"
MAX_CACHED = 400_000  # pieces remembered before the memo is dropped (bounded memory on odd input)
LONG_PIECE = 64  # longer pieces are rare (minified code, base64): encoded, not remembered
VECTOR_MIN = 256  # shorter texts are indexed by the regex: numpy's fixed cost would dominate


def piece_pattern(config: dict[str, Any]) -> re.Pattern[str] | None:
    """The splitter for a tokenizer.json whose counts add up over pieces (see module doc), or None."""
    norm, pre, model = (config.get(k) or {} for k in ("normalizer", "pre_tokenizer", "model"))
    if (norm.get("type"), pre.get("type"), model.get("type")) != ("BertNormalizer", "BertPreTokenizer",
                                                                    "WordPiece"):
        return None
    added = config.get("added_tokens") or ()
    if not all(_splits_cleanly(t) for t in added):
        return None
    # Added tokens ([MASK], [SEP]) are matched in the raw text before anything else: so are they here.
    contents = sorted((t["content"] for t in added), key=len, reverse=True)
    specials = "".join(re.escape(c) + "|" for c in contents)
    return re.compile(specials + _PIECE)


def _splits_cleanly(token: dict[str, Any]) -> bool:
    """An added token matched verbatim and bounded by punctuation starts and ends a piece anyway."""
    content = token.get("content") or ""
    bounded = bool(content) and all(re.fullmatch(f"[{PUNCT}]", c) for c in (content[0], content[-1]))
    return bounded and not any(token.get(k) for k in ("normalized", "lstrip", "rstrip", "single_word"))


def _char_classes() -> np.ndarray:
    """Class of each ASCII code: 0 whitespace (space, tab, newline, return), 1 punctuation, 2 other."""
    table = np.full(128, 2, dtype=np.int8)
    table[[ord(c) for c in SPACE]] = 0
    table[[i for i in range(128) if re.fullmatch(f"[{PUNCT}]", chr(i))]] = 1
    return table


_CLASSES = _char_classes()


def tile_bounds(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Tile starts and each tile's class, as the tiles pattern (without added tokens) would cut.

    Vectorised over the code points (`code_points`): a regex match per tile dominated the cost of
    indexing source code (about 3 characters per tile)."""
    if codes.dtype == np.uint8:  # ASCII: every code has a class in the table
        cls = _CLASSES[codes]
    else:
        cls = np.where(codes < 128, _CLASSES[np.minimum(codes, 127)], 2).astype(np.int8)
    new = np.empty(len(cls), dtype=bool)
    new[:1] = True
    np.not_equal(cls[1:], cls[:-1], out=new[1:])
    new |= cls == 1  # every punctuation mark is a tile of its own
    starts = np.flatnonzero(new)
    return starts, cls[starts]


def code_points(text: str) -> np.ndarray:
    """The code points of `text`: one byte each when it is ASCII (a quarter of the memory traffic)."""
    if text.isascii():
        return np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)  # lone surrogates too


# Characters str.split() cuts at but a piece does not (WORD keeps them inside a word).
_SPLIT_ONLY = "".join(c for c in map(chr, range(0x3001)) if c.isspace() and c not in SPACE)
_SPLIT_ONLY_ASCII = "".join(c for c in _SPLIT_ONLY if c.isascii())
_BLANKED = SPACE + "".join(chr(i) for i in range(128) if _CLASSES[i] == 1)  # what separates words
_TO_SPACE = str.maketrans(_BLANKED, " " * len(_BLANKED))
_BYTES_TO_SPACE = bytes(_TO_SPACE.get(i, i) for i in range(256))


def _words(text: str) -> list[str]:
    """WORD matches of `text`, in order, without a regex scan of every position (3-4x faster):
    whitespace and punctuation turned into spaces by a translate table, then str.split()."""
    ascii = text.isascii()
    if any(c in text for c in (_SPLIT_ONLY_ASCII if ascii else _SPLIT_ONLY)):
        return re.findall(WORD, text)
    if ascii:
        return text.translate(_TO_SPACE).split()
    # UTF-8 keeps ASCII bytes for ASCII characters only, so a byte table blanks exactly the same.
    blanked = text.encode("utf-8", "surrogatepass").translate(_BYTES_TO_SPACE)
    return blanked.decode("utf-8", "surrogatepass").split()


class PieceCache:
    """Per-piece memo of the real tokenizer's spans; counts and spans of any text from it."""

    def __init__(self, pattern: re.Pattern[str], encode_batch: Callable[[list[str]], list[Sequence[Span]]],
                 specials: Sequence[str] = (), count_batch: Callable[[list[str]], list[int]] | None = None) -> None:
        self._pieces = pattern
        self._specials = tuple(specials)  # added tokens ([MASK]): text holding one takes the regex path
        # The same pieces plus the whitespace between them (zero tokens): their lengths tile the text.
        self._tiles = re.compile(pattern.pattern + rf"|[{SPACE}]+")
        self._encode_batch = encode_batch
        # Counting needs no spans: a cheaper path when the counter has one.
        self._count_batch = count_batch or (lambda pieces: [len(s) for s in encode_batch(pieces)])
        self._spans: dict[str, tuple[Span, ...]] = {}
        self._counts: dict[str, int] = {}
        self._marks: np.ndarray | None = None

    def count(self, text: str) -> int:
        return sum(self._counts_of(self._pieces.findall(text)))

    def piece_sums(self, text: str) -> PieceSums:
        """Running token counts of the text's tiles: pieces, and the whitespace runs between them
        (zero tokens), so that the tiles cover the text."""
        starts, counts = self.tiles(text)
        return PieceSums.of_tiles(len(text), starts, counts)

    def tiles(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Start offset and token count of every tile, in order."""
        if len(text) < VECTOR_MIN or any(sp in text for sp in self._specials):
            return self._tiles_regex(text)
        return self._tiles_vector(text)

    def _tiles_vector(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        codes = code_points(text)
        starts, cls = tile_bounds(codes)
        first = codes[starts]
        # Every tile's count from its first character (right for marks, 0 for whitespace), then the
        # words' own counts over theirs.
        counts = self._mark_counts()[first if first.dtype == np.uint8 else np.minimum(first, 255)]
        counts[cls == 2] = self._word_counts(_words(text))
        return starts, counts

    def _tiles_regex(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        tiles = self._tiles.findall(text)
        starts = np.fromiter(accumulate(map(len, tiles), initial=0), dtype=np.int64, count=len(tiles) + 1)
        return starts[:-1], np.array(self._counts_of(tiles), dtype=np.int64)

    def _word_counts(self, words: list[str]) -> np.ndarray:
        counts = self._counts
        for _ in range(2):  # every word known (the common case), or known once the new ones are learnt
            try:  # straight from the memo into the array
                return np.fromiter(map(counts.__getitem__, words), dtype=np.int64, count=len(words))
            except KeyError:
                self._learn_counts(words)
        return np.array(self._counts_of(words), dtype=np.int64)  # words too long to remember

    def _mark_counts(self) -> np.ndarray:
        """Tokens of each ASCII punctuation mark alone, from the tokenizer (1 for BERT vocabularies),
        indexed by code (256 entries, 0 but for the marks)."""
        if self._marks is None:
            marks = [chr(i) for i in range(128) if _CLASSES[i] == 1]
            table = np.zeros(256, dtype=np.int64)
            table[[ord(m) for m in marks]] = self._counts_of(marks)
            self._marks = table
        return self._marks

    def spans(self, text: str) -> list[Span]:
        out: list[Span] = []
        matches = list(self._pieces.finditer(text))
        self._learn([m.group() for m in matches])
        known = self._spans
        for m in matches:
            piece, base = m.group(), m.start()
            rel = known.get(piece)
            if rel is None:  # a long piece, never remembered
                rel = self._encode_one(piece)
            if len(rel) == 1 and rel[0] == (0, len(piece)):
                out.append((base, base + len(piece)))
            else:
                out.extend((base + s, base + e) for s, e in rel)
        return out

    def _counts_of(self, pieces: list[str]) -> list[int]:
        counts = self._counts
        try:  # the common case, every piece known: one C-level pass
            return list(map(counts.__getitem__, pieces))
        except KeyError:
            self._learn_counts(pieces)
        try:  # again at C speed: only pieces too long to remember are still missing
            return list(map(counts.__getitem__, pieces))
        except KeyError:
            return [counts[p] if p in counts else len(self._encode_one(p)) for p in pieces]

    def _learn(self, pieces: list[str]) -> None:
        """Remember the spans (and counts) of the pieces not seen with spans yet."""
        known = self._spans
        new = self._unseen(pieces, known)
        for piece, rel in zip(new, self._encode_batch(new)):
            known[piece] = tuple(rel)
            self._counts[piece] = len(rel)

    def _learn_counts(self, pieces: list[str]) -> None:
        """Remember the counts of the pieces not counted yet (spans are learnt when asked for)."""
        counts = self._counts
        new = self._unseen(pieces, counts)
        for piece, n in zip(new, self._count_batch(new)):
            counts[piece] = n

    def _unseen(self, pieces: list[str], known: dict[str, Any]) -> list[str]:
        """Distinct pieces missing from `known`, short enough to remember; both memos are dropped
        when they would outgrow MAX_CACHED (bounded memory on odd input)."""
        missing = {p: None for p in pieces if p not in known}  # one pass; first-seen order
        new = [p for p in missing if len(p) <= LONG_PIECE]
        if len(known) + len(new) > MAX_CACHED:
            self._spans.clear()
            self._counts.clear()
            # Everything is new again, the batch's known pieces too: else they would be encoded
            # one occurrence at a time by the fallbacks.
            new = [p for p in dict.fromkeys(pieces) if len(p) <= LONG_PIECE]
        return new

    def _encode_one(self, piece: str) -> tuple[Span, ...]:
        return tuple(self._encode_batch([piece])[0])
