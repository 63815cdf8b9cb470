"""The units topic segmentation compares: sentences, and where paragraph breaks let it cut.

Sentences come from the registered `sentence` and fast punctuation-agnostic strategies. When
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
from .pack import strip_span

Span = tuple[int, int]

# A sentence ends after . ! ? (or their CJK forms), optional closing quotes/brackets, then whitespace.
_FALLBACK_END = re.compile(r"(?<=[.!?\u3002\uff01\uff1f])[\"'\u201d\u2019)\]]*\s+|\n\s*")
# A paragraph break: a blank line, or any line break when the text is sentence-per-paragraph.
_PARAGRAPH = re.compile(r"\n")
# The punct model's boundary probability that is enough for a *candidate* topic cut. Far below its
# own sentence threshold: a spare cut costs one more (shorter) embedding, a missing one makes a
# topic change unreachable. On flat Choi-style EWT dev text 0.05 makes 84 % of passage ends unit
# ends (81 % at the default); lower values add units without reaching more (docs/topic.md).
CANDIDATE_P = 0.05


def topic_spans(doc: Document, opts: SegmentOptions, counter: TokenCounter) -> tuple[list[Span], list[bool] | None]:
    """The units topic segmentation compares, and the gaps where it may cut (None: any gap).

    When the `sentence` strategy's own sentences form paragraphs of several sentences, cuts
    are only made at paragraph breaks, and the units are those sentences alone: the weaker
    candidates of the punctuation-agnostic model exist to make unpunctuated passage ends
    reachable, which a paragraph break already does, and would only fragment the sentences
    (on EWT dev with paragraphs on their own lines: 1.16 units per gold sentence instead of
    0.98, Pk 19.6 instead of 18.8; docs/topic.md). Otherwise the units are `sentence_spans`.
    """
    ends = _ends_by_splitter(doc, opts, counter)
    primary = _spans(doc.text, ends[0])
    gaps = paragraph_gaps(doc.text, primary)
    if use_paragraphs(gaps):
        return primary, gaps
    return _spans(doc.text, set().union(*ends)), None


def sentence_spans(doc: Document, opts: SegmentOptions, counter: TokenCounter) -> list[Span]:
    """Ordered, non-empty (start, end) sentence spans of `doc.text`, whitespace trimmed.

    Cuts wherever the `sentence` strategy ends a sentence or the fast punctuation-agnostic
    model gives a gap at least CANDIDATE_P: a topic boundary can only fall between units,
    and web text often ends a passage without punctuation, which only that model sees.
    """
    return _spans(doc.text, set().union(*_ends_by_splitter(doc, opts, counter)))


def use_paragraphs(gaps: list[bool]) -> bool:
    """Cut only at paragraph breaks when the text has paragraphs of several sentences."""
    return 0 < sum(gaps) <= 0.6 * len(gaps)


def _ends_by_splitter(doc: Document, opts: SegmentOptions, counter: TokenCounter) -> list[set[int]]:
    from . import load_all

    load_all()  # registers the sentence strategies
    out = []
    for name in splitters():
        # --threshold means a topic cut here, not a sentence model's boundary probability.
        opts_n = replace(opts, strategy=name, threshold=None if name == "sentence" else CANDIDATE_P)
        out.append({u.end for u in REGISTRY[name]().units(doc, opts_n, counter)})
    return out


def _spans(text: str, ends: set[int]) -> list[Span]:
    spans = _cut_at(text, ends) if ends else list(_fallback_spans(text))
    return [s for s in (strip_span(text, a, b) for a, b in spans) if s[0] < s[1]]


def splitters() -> list[str]:
    """`sentence` and the fast punctuation-agnostic model, `punct-fast` (never the MiniLM `punct`:
    a second transformer pass would break the speed budget of embedding once)."""
    return ["sentence", "punct-fast"]


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


def paragraph_gaps(text: str, spans: list[Span]) -> list[bool]:
    """For each gap before unit i (i >= 1): does a line break separate it from unit i-1?"""
    return [bool(_PARAGRAPH.search(text, spans[i - 1][1], spans[i][0])) for i in range(1, len(spans))]
