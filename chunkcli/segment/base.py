"""The segmentation protocol: strategies propose units, one packer makes chunks.

A strategy turns a Document into `Unit`s — non-overlapping, ordered spans of
the document text (sentences, topic segments, syntactic units). It never
enforces the token cap: `chunkcli.segment.pack` does that for every strategy,
so "chunk over the limit" bugs cannot exist in one strategy and not another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Protocol

from ..errors import UsageError
from ..records import Document
from ..tokens import TokenCounter


@dataclass(frozen=True, slots=True)
class Unit:
    """A span [start, end) of the document text; `meta` is copied onto chunks."""

    start: int
    end: int
    meta: dict[str, Any] = field(default_factory=dict)
    # Units that must never share a chunk with the previous unit (e.g. topic boundaries).
    hard_break: bool = False
    # Token count when the strategy already knows it (saves a tokenizer pass). The packer
    # recounts every packed chunk unless the strategy promises exact sums (pack's exact_sums).
    n_tokens: int | None = None


@dataclass(frozen=True)
class SegmentOptions:
    """Every option a strategy may read; each strategy ignores what it does not use."""

    max_tokens: int = 254
    overlap: int = 0
    min_tokens: int = 0
    threshold: float | None = None
    lang: str | None = None
    explain: bool = False
    context: bool = False
    model: str | None = None
    strategy: str = "auto"
    # topic: add the learned boundary cues. Options added after stores existed are marked
    # fingerprint="if_changed": they enter an index's fingerprint only when not at their default,
    # so upgrading chunkcli never re-embeds a store that does not use them (indexer.segment_config).
    cues: bool = field(default=True, metadata={"fingerprint": "if_changed"})
    # Where a strategy reports a recoverable problem (e.g. a syntax error → line fallback);
    # the CLI prints it on stderr, library callers may collect it.
    warn: Callable[[str], None] = field(default=lambda message: None, compare=False, repr=False)


class Strategy(Protocol):
    name: str

    def units(self, doc: Document, opts: SegmentOptions, counter: TokenCounter) -> Iterable[Unit]:
        """Ordered, non-overlapping, non-empty spans of `doc.text`."""


StrategyFactory = Callable[[], Strategy]
REGISTRY: dict[str, StrategyFactory] = {}
DESCRIPTIONS: dict[str, str] = {}


def register(name: str, description: str) -> Callable[[StrategyFactory], StrategyFactory]:
    def deco(factory: StrategyFactory) -> StrategyFactory:
        REGISTRY[name] = factory
        DESCRIPTIONS[name] = description
        return factory

    return deco


def get_strategy(name: str) -> Strategy:
    from . import load_all

    load_all()
    if name not in REGISTRY:
        raise UsageError(f"unknown strategy {name!r}; choose one of: {', '.join(sorted(REGISTRY))}")
    return REGISTRY[name]()
