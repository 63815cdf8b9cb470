"""The shared packer: unit boundaries kept, cap enforced, hard breaks and overlap honoured."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chunkcli.records import Document
from chunkcli.segment.base import SegmentOptions, Unit
from chunkcli.segment.pack import LONG_TOKEN, pack, token_windows

WORDS = st.lists(st.sampled_from(["alpha", "beta", "γάμμα", "日本", "x", "unbelievably", "!"]), min_size=1,
                 max_size=40)


def units_of(sentences: list[str]) -> tuple[Document, list[Unit]]:
    text, units, pos = "", [], 0
    for i, s in enumerate(sentences):
        units.append(Unit(pos, pos + len(s), {"i": i}))
        text += s + " "
        pos = len(text)
    return Document(source="s", text=text), units


@settings(max_examples=60, deadline=None)
@given(sentences=st.lists(WORDS.map(" ".join), min_size=1, max_size=30), cap=st.integers(3, 60))
def test_chunks_end_on_unit_boundaries_unless_a_unit_is_too_big(sentences, cap, counter) -> None:
    doc, units = units_of(sentences)
    ends = {u.end for u in units}
    starts = {u.start for u in units}
    for ch in pack(doc, units, counter, SegmentOptions(max_tokens=cap), "t"):
        assert ch.n_tokens <= cap and doc.text[ch.start:ch.end] == ch.text
        if not ch.meta.get("split"):
            assert ch.start in starts and ch.end in ends


def test_hard_break_is_never_crossed(counter) -> None:
    doc, units = units_of(["one two", "three four", "five six"])
    units[1] = Unit(units[1].start, units[1].end, {}, hard_break=True)
    chunks = list(pack(doc, units, counter, SegmentOptions(max_tokens=100), "t"))
    assert [c.text for c in chunks] == ["one two", "three four five six"]


def test_max_tokens_zero_emits_units_with_their_meta(counter) -> None:
    doc, units = units_of(["a b", "c d"])
    chunks = list(pack(doc, units, counter, SegmentOptions(max_tokens=0), "t"))
    assert [(c.text, c.meta) for c in chunks] == [("a b", {"i": 0}), ("c d", {"i": 1})]


def test_packed_meta_keeps_shared_keys_and_counts_units(counter) -> None:
    doc = Document(source="s", text="a b. c d.")
    units = [Unit(0, 4, {"page": 1, "i": 0}), Unit(5, 9, {"page": 1, "i": 1})]
    (chunk,) = pack(doc, units, counter, SegmentOptions(max_tokens=50), "t")
    assert chunk.meta == {"page": 1, "units": 2}


def test_overlap_carries_whole_trailing_units(counter) -> None:
    doc, units = units_of(["red cat", "big dog", "old man", "new car"])
    chunks = list(pack(doc, units, counter, SegmentOptions(max_tokens=4, overlap=2), "t"))
    assert [c.text for c in chunks] == ["red cat big dog", "big dog old man", "old man new car"]


def test_oversized_unit_is_split_not_dropped(counter) -> None:
    doc, units = units_of(["word " * 30 + "end"])
    chunks = list(pack(doc, units, counter, SegmentOptions(max_tokens=8), "t"))
    assert all(c.meta["split"] and c.n_tokens <= 8 for c in chunks)
    assert "".join(c.text for c in chunks).replace(" ", "") == doc.text.replace(" ", "")


def test_token_windows_keep_characters_the_tokenizer_ignores(counter) -> None:
    text = "\x00\x01 abc \x00 def \x07"
    windows = list(token_windows(text, 0, len(text), counter, 1, 0))
    assert "".join(text[s:e] for s, e, _ in windows).replace(" ", "") == text.replace(" ", "")


@pytest.mark.parametrize("strategy", ["sentence", "fixed", "punct-fast"])
@pytest.mark.parametrize("run", ["ACGTTGCA" * 400, "e\u0301" * 1500, "x" * 101])
def test_a_word_longer_than_wordpiece_reads_is_still_cut_to_the_cap(strategy: str, run: str, counter) -> None:
    """WordPiece reads a word over 100 characters as one [UNK]: without the cut a 3 MB run without
    spaces was one chunk of 1 token, whatever --max-tokens said (and `select --budget` believed it)."""
    from chunkcli.segment import segment_document

    text = f"Before it. {run} After it."
    doc = Document(source="long", text=text)
    chunks = list(segment_document(doc, strategy, SegmentOptions(max_tokens=16, strategy=strategy), counter))
    assert all(doc.text[c.start:c.end] == c.text and c.n_tokens <= 16 for c in chunks)
    assert "".join(c.text for c in chunks).replace(" ", "") == text.replace(" ", "")
    assert max(len(c.text) for c in chunks) <= 2 * LONG_TOKEN and len(chunks) > len(run) // (2 * LONG_TOKEN)
    assert not any(c.text[0] == "\u0301" for c in chunks)  # never cut between a letter and its accent
