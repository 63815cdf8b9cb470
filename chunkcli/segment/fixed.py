"""`--by fixed`: windows of N model tokens with an overlap of M tokens."""

from __future__ import annotations

from typing import Iterable, Iterator

from ..errors import UsageError
from ..records import Chunk, Document
from ..tokens import TokenCounter
from .base import SegmentOptions, Unit, register
from .pack import token_windows


@register("fixed", "windows of --max-tokens model tokens, overlapping by --overlap tokens")
class FixedWindows:
    name = "fixed"

    def units(self, doc: Document, opts: SegmentOptions, counter: TokenCounter) -> Iterable[Unit]:
        return [Unit(s, e) for s, e, _ in self._windows(doc, opts, counter)]

    def chunks(self, doc: Document, opts: SegmentOptions, counter: TokenCounter) -> Iterator[Chunk]:
        for s, e, n in self._windows(doc, opts, counter):
            yield Chunk(doc_id=doc.id, source=doc.source, start=s, end=e, text=doc.text[s:e],
                        strategy=self.name, n_tokens=n, meta={})

    def _windows(self, doc: Document, opts: SegmentOptions, counter: TokenCounter):
        if opts.max_tokens <= 0:
            raise UsageError("--by fixed needs --max-tokens greater than 0")
        if not 0 <= opts.overlap < opts.max_tokens:
            raise UsageError("--overlap must be at least 0 and smaller than --max-tokens")
        return token_windows(doc.text, 0, len(doc.text), counter, opts.max_tokens, opts.overlap)
