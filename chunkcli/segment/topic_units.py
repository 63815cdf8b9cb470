"""The units topic segmentation compares: sentences, and where paragraph breaks fall.

Sentences come from the registered `sentence` and `punct` strategies. When
neither is installed, a small fallback splits at sentence-final punctuation followed by
whitespace and at line breaks, which is enough to find topic changes (a topic
boundary only needs a unit boundary nearby, not perfect sentences).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Iterator

from ..records import Document
from ..tokens import TokenCounter
from .base import REGISTRY, SegmentOptions

Span = tuple[int, int]

# A sentence ends after . ! ? (or their CJK forms), optional closing quotes/brackets, then whitespace.
_FALLBACK_END = re.compile(r"(?<=[.!?\u3002\uff01\uff1f])[\"'\u201d\u2019)\]]*\s+|\n\s*")
# A paragraph break: a blank line, or any line break when the text is sentence-per-paragraph.
_PARAGRAPH = re.compile(r"\n")


def sentence_spans(doc: Document, opts: SegmentOptions, counter: TokenCounter) -> list[Span]:
    """Ordered, non-empty (start, end) sentence spans of `doc.text`, whitespace trimmed.

    Cuts wherever the `sentence` or the `punct` strategy ends a sentence: a topic
    boundary can only fall between units, and web text often ends a passage
    without punctuation, which only the punctuation-agnostic model sees.
    """
    from . import load_all

    load_all()  # registers `sentence` and `punct` when their modules exist
    # --threshold means a topic cut here, not a sentence model's boundary probability.
    sub = replace(opts, threshold=None)
    ends: set[int] = set()
    for name in ("sentence", "punct"):
        if name in REGISTRY:
            ends.update(u.end for u in REGISTRY[name]().units(doc, replace(sub, strategy=name), counter))
    spans = _cut_at(doc.text, ends) if ends else list(_fallback_spans(doc.text))
    return [s for s in (_trim(doc.text, a, b) for a, b in spans) if s[0] < s[1]]


def _cut_at(text: str, ends: set[int]) -> list[Span]:
    bounds = [0, *sorted(e for e in ends if 0 < e < len(text)), len(text)]
    return list(zip(bounds, bounds[1:]))


def _fallback_spans(text: str) -> Iterator[Span]:
    start = 0
    for m in _FALLBACK_END.finditer(text):
        if m.start() > start:
            yield start, m.start()
        start = m.end()
    if start < len(text):
        yield start, len(text)


def _trim(text: str, s: int, e: int) -> Span:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


def paragraph_gaps(text: str, spans: list[Span]) -> list[bool]:
    """For each gap before unit i (i >= 1): does a line break separate it from unit i-1?"""
    return [bool(_PARAGRAPH.search(text, spans[i - 1][1], spans[i][0])) for i in range(1, len(spans))]
