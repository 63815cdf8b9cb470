"""Document → chunks for any registered strategy."""

from __future__ import annotations

from typing import Iterator

from ..records import Chunk, Document
from ..tokens import TokenCounter
from .base import SegmentOptions, get_strategy
from .pack import common_meta, pack


def segment_document(
    doc: Document, strategy: str, opts: SegmentOptions, counter: TokenCounter
) -> Iterator[Chunk]:
    """Chunks of `doc` by `strategy`; every chunk is the exact slice `doc.text[start:end]`."""
    impl = get_strategy(strategy)
    own = getattr(impl, "chunks", None)
    if own is not None:  # strategies whose unit *is* the window (fixed) pack themselves
        yield from own(doc, opts, counter)
        return
    merge = getattr(impl, "merge_meta", common_meta)
    yield from pack(doc, impl.units(doc, opts, counter), counter, opts, impl.name, merge)
