"""Token counting with the embedding model's own tokenizer.

Chunk sizes are measured in the tokens the embedding model sees, so a chunk
under the cap is never truncated when it is embedded. The counter is injected
everywhere (never hard-wired), and loads only the `tokenizers` library: no
torch, so `segment --by fixed` starts fast.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Protocol, Sequence

from .errors import ModelError

Span = tuple[int, int]


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

    def count(self, text: str) -> int:
        return len(self._tok.encode(text, add_special_tokens=False).ids)

    def count_batch(self, texts: list[str]) -> list[int]:
        encs = self._tok.encode_batch(texts, add_special_tokens=False)
        return [len(e.ids) for e in encs]

    def spans(self, text: str) -> Sequence[Span]:
        return self._tok.encode(text, add_special_tokens=False).offsets


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
