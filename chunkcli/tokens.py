"""Token counting with the embedding model's own tokenizer.

Chunk sizes are measured in the tokens the embedding model sees, so a chunk
under the cap is never truncated when it is embedded. The counter is injected
everywhere (never hard-wired), and loads only the `tokenizers` library: no
torch, so `segment --by fixed` starts fast.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Protocol, Sequence, TypeVar

from .errors import ModelError
from .piece_sums import PieceSums
from .token_cache import PUNCT, SPACE, PieceCache, piece_pattern

Span = tuple[int, int]
T = TypeVar("T")
# A piece the normaliser can only lowercase and the pre-tokenizer cannot split: its tokens are
# the WordPiece model's tokens of the lowercased piece, offsets unchanged (same length). An
# ASCII whitespace run (a tile of piece_sums) has none.
_PLAIN_WORD = re.compile(rf"[A-Za-z0-9]+|[{PUNCT}]|[{SPACE}]+")


class TokenCounter(Protocol):
    name: str

    def count(self, text: str) -> int:
        """Number of tokens in `text`, special tokens excluded."""

    def spans(self, text: str) -> Sequence[Span]:
        """Character offsets of each token in `text`, in order."""


class HFTokenCounter:
    """Counts with a Hugging Face `tokenizer.json` (truncation and padding off)."""

    def __init__(self, tokenizer_file: Path, name: str) -> None:
        from tokenizers import Tokenizer

        self.name = name
        self._tok = Tokenizer.from_file(str(tokenizer_file))
        # The packaged file pins truncation/padding at 128; counting must see every token.
        self._tok.no_truncation()
        self._tok.no_padding()
        layout = _layout(self._tok)
        pattern = piece_pattern(layout)
        specials = [t["content"] for t in layout["added_tokens"]]
        self._cache = PieceCache(pattern, self._encode_offsets, specials, self._count_pieces) if pattern else None
        self._word = _WordPiece(self._tok) if pattern else None

    @property
    def additive(self) -> bool:
        """True when counts add up over pieces that no token crosses (see token_cache)."""
        return self._cache is not None

    def count(self, text: str) -> int:
        if self._cache is not None:
            return self._cache.count(text)
        return len(self._tok.encode(text, add_special_tokens=False).ids)

    def count_batch(self, texts: list[str]) -> list[int]:
        if self._cache is not None:
            return [self._cache.count(t) for t in texts]
        encs = self._tok.encode_batch(texts, add_special_tokens=False)
        return [len(e.ids) for e in encs]

    def spans(self, text: str) -> Sequence[Span]:
        if self._cache is not None:
            return self._cache.spans(text)
        return self._tok.encode(text, add_special_tokens=False).offsets

    def piece_sums(self, text: str) -> PieceSums:
        """Token counts of any span of `text` from pieces no token crosses (see token_cache)."""
        if self._cache is not None:
            return self._cache.piece_sums(text)
        return PieceSums.of_spans(len(text), self.spans(text))

    def _encode_offsets(self, texts: list[str]) -> list[Sequence[Span]]:
        """Spans of each piece; plain ASCII words skip the full pipeline (about 20x cheaper)."""
        return self._per_piece(texts, self._word.offsets if self._word else None, lambda enc: enc.offsets)

    def _count_pieces(self, texts: list[str]) -> list[int]:
        """Tokens of each piece, as _encode_offsets would give, without building their spans
        (reading a token's offsets from the library costs as much as finding the token)."""
        return self._per_piece(texts, self._word.count if self._word else None, lambda enc: len(enc.ids))

    def _per_piece(self, texts: list[str], plain_way: Callable[[str], T] | None,
                   encoded: Callable[[Any], T]) -> list[T]:
        """`plain_way` (the WordPiece model alone) for plain pieces; the rest through the full
        pipeline, in one batch, read by `encoded`."""
        plain = _PLAIN_WORD.fullmatch
        out: list[T | None] = [plain_way(t) if plain_way and plain(t) else None for t in texts]
        rest = [i for i, done in enumerate(out) if done is None]
        if rest:
            encs = self._tok.encode_batch([texts[i] for i in rest], add_special_tokens=False)
            for i, enc in zip(rest, encs):
                out[i] = encoded(enc)
        return out  # type: ignore[return-value]  # every slot is filled above


def _layout(tok: Any) -> dict[str, Any]:
    """What piece_pattern reads of tokenizer.json, taken from the loaded tokenizer (no second parse)."""
    added = [{"content": t.content, "normalized": t.normalized, "lstrip": t.lstrip, "rstrip": t.rstrip,
              "single_word": t.single_word} for t in tok.get_added_tokens_decoder().values()]
    return {"normalizer": {"type": type(tok.normalizer).__name__},
            "pre_tokenizer": {"type": type(tok.pre_tokenizer).__name__},
            "model": {"type": type(tok.model).__name__}, "added_tokens": added}


class _WordPiece:
    """The WordPiece model alone, for pieces matching _PLAIN_WORD (the BERT layout piece_pattern accepts)."""

    def __init__(self, tok: Any) -> None:
        self._tokenize = tok.model.tokenize
        self._lower = bool(tok.normalizer.lowercase)
        # WordPiece matches the longest vocabulary entry first: a word that is one is one token.
        limit = tok.model.max_input_chars_per_word
        self._whole = {w for w in tok.get_vocab(with_added_tokens=False) if len(w) <= limit}

    def offsets(self, word: str) -> list[Span]:
        if word[0] in SPACE:
            return []
        key = word.lower() if self._lower else word
        return [(0, len(word))] if key in self._whole else [t.offsets for t in self._tokenize(key)]

    def count(self, word: str) -> int:
        if word[0] in SPACE:
            return 0
        key = word.lower() if self._lower else word
        return 1 if key in self._whole else len(self._tokenize(key))


def counter_for_model(model: str | None = None) -> TokenCounter:
    """The token counter matching an embedding model name or directory."""
    from .models import resolve_model

    spec = resolve_model(model)  # resolved first: None means CHUNKCLI_MODEL *now*, not at first call
    if spec.tokenizer_file is None:
        raise ModelError(f"model {spec.name!r} has no tokenizer.json; cannot count its tokens")
    return _counter(spec.tokenizer_file, spec.name)


@lru_cache(maxsize=8)
def _counter(tokenizer_file: Path, name: str) -> HFTokenCounter:
    return HFTokenCounter(tokenizer_file, name)
