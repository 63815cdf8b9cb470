"""Segment a stream of records, reporting bad documents without stopping."""

from __future__ import annotations

from typing import Callable, Iterable, Iterator

from ..errors import InputError
from ..records import Chunk, Document, Record
from ..tokens import TokenCounter
from .base import SegmentOptions
from .pipeline import segment_document


def segment_records(
    records: Iterable[Record], opts: SegmentOptions, counter: TokenCounter,
    on_error: Callable[[InputError], None],
) -> Iterator[Chunk]:
    for rec in records:
        if not isinstance(rec, Document):
            on_error(InputError(rec.source, "already a chunk; segment reads documents"))
            continue
        try:
            yield from segment_document(rec, opts.strategy, opts, counter)
        except InputError as err:  # one bad document never stops the batch
            on_error(err)
