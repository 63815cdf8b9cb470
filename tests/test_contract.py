"""The offset contract, for every registered strategy, on nasty text.

For every chunk: `doc.text[start:end] == text`, non-empty, ordered, never over the
cap (recounted with the real tokenizer), `n_tokens` exact, ids deterministic.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chunkcli.records import Document
from chunkcli.segment import REGISTRY, SegmentOptions, load_all, segment_document

load_all()
STRATEGIES = sorted(REGISTRY)

NASTY = st.one_of(
    st.sampled_from([
        "日本語の文です。次の文！", "😀👍🏽 emoji 🇫🇷 flags", "e\u0301 combining a\u0308\u0323", "line\r\nCRLF\r\n",
        "NUL\x00byte", "\t tabs \u00a0nbsp \u2028 sep", "Dr. Smith paid $3.50 at 5 p.m. Then left...",
        "def f(x):\n    return x\n", "\n\n\n", " ", "ﷺ Arabic العربية mixed", "x" * 600, "a.b.c. d!e?f",
    ]),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=200),
)
TEXTS = st.lists(NASTY, min_size=1, max_size=12).map("".join)


def check_chunks(doc: Document, strategy: str, opts: SegmentOptions, counter) -> list:
    chunks = list(segment_document(doc, strategy, opts, counter))
    prev_start = -1
    for ch in chunks:
        assert doc.text[ch.start:ch.end] == ch.text
        assert ch.text.strip(), "empty chunk"
        assert ch.start >= prev_start, "chunks out of order"
        prev_start = ch.start
        assert ch.doc_id == doc.id and ch.strategy
        if opts.max_tokens:
            assert ch.n_tokens <= opts.max_tokens
            assert counter.count(ch.text) <= opts.max_tokens
        assert ch.n_tokens == counter.count(ch.text)
    again = [c.id for c in segment_document(doc, strategy, opts, counter)]
    assert again == [c.id for c in chunks], "ids not deterministic"
    return chunks


def non_space_covered(doc: Document, chunks: list) -> bool:
    covered = bytearray(len(doc.text))
    for ch in chunks:
        covered[ch.start:ch.end] = b"\1" * (ch.end - ch.start)
    return all(covered[i] or c.isspace() for i, c in enumerate(doc.text))


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("max_tokens", [0, 16, 254])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXTS)
def test_contract_on_nasty_text(strategy: str, max_tokens: int, text: str, counter) -> None:
    if strategy == "fixed" and max_tokens == 0:
        return
    doc = Document(source="nasty.txt", text=text)
    check_chunks(doc, strategy, SegmentOptions(max_tokens=max_tokens, strategy=strategy), counter)


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_one_megabyte_single_line(strategy: str, counter) -> None:
    text = ("word " * 50 + "日本語😀\u0301 ") * (1_000_000 // 265)
    text = text.replace(" ", "x")[: 1_000_000]  # one line, no spaces: the worst case for splitting
    doc = Document(source="long.txt", text=text)
    chunks = check_chunks(doc, strategy, SegmentOptions(max_tokens=254, strategy=strategy), counter)
    assert non_space_covered(doc, chunks), "text lost"


@pytest.mark.parametrize("overlap", [0, 5, 31])
@settings(max_examples=40, deadline=None)
@given(text=TEXTS)
def test_fixed_windows_cover_text_and_overlap(overlap: int, text: str, counter) -> None:
    doc = Document(source="f.txt", text=text)
    chunks = check_chunks(doc, "fixed", SegmentOptions(max_tokens=32, overlap=overlap), counter)
    assert non_space_covered(doc, chunks)
    for a, b in zip(chunks, chunks[1:]):
        assert (b.start < a.end) if overlap else (b.start >= a.end)
