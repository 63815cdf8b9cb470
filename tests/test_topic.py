"""`--by topic`: boundaries where the topic changes, scores in meta, packing, and the offset contract.

Runs with the deterministic hashing embedder (word overlap), so topics below
are made of disjoint vocabularies and the expected cuts are unambiguous.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chunkcli.records import Document
from chunkcli.segment import REGISTRY, SegmentOptions, load_all, segment_document
from chunkcli.segment.topic_score import choose_boundaries, depth_scores, window_similarity
from chunkcli.segment.topic_units import CANDIDATE_P, _fallback_spans, paragraph_gaps, splitters

TOPICS = [
    ["bee", "hive", "honey", "queen", "nectar", "pollen", "wax", "colony"],
    ["train", "railway", "station", "locomotive", "ticket", "freight", "track", "wagon"],
    ["bread", "flour", "dough", "yeast", "oven", "loaf", "crust", "knead"],
    ["planet", "orbit", "comet", "telescope", "galaxy", "star", "moon", "asteroid"],
]


def topic_text(sizes: list[int], sep: str = " ") -> tuple[str, list[int]]:
    """Sentences of words from one topic per segment; returns text and gold segment end offsets."""
    sents, ends = [], []
    for t, n in enumerate(sizes):
        words = TOPICS[t % len(TOPICS)]
        for i in range(n):
            sents.append(" ".join(words[(i + j) % 8] for j in range(5)).capitalize() + ".")
        ends.append(len(sep.join(sents)))
    return sep.join(sents), ends[:-1]


def topic_chunks(text: str, **kw) -> list:
    from chunkcli.tokens import counter_for_model

    opts = SegmentOptions(strategy="topic", **{"max_tokens": 0, **kw})
    return list(segment_document(Document("t.txt", text), "topic", opts, counter_for_model(None)))


def test_cuts_exactly_where_the_topic_changes() -> None:
    text, gold = topic_text([6, 5, 7])
    chunks = topic_chunks(text)
    assert [c.end for c in chunks[:-1]] == gold
    assert [c.meta["segment"] for c in chunks] == [0, 1, 2]
    assert chunks[0].meta["boundary_score"] is None
    assert all(c.meta["boundary_score"] > 0 for c in chunks[1:])


def test_capped_chunks_never_cross_a_topic_and_record_their_segment() -> None:
    text, gold = topic_text([8, 8, 8])
    chunks = topic_chunks(text, max_tokens=20)
    assert len(chunks) > 3 and all(c.n_tokens <= 20 for c in chunks)
    for c in chunks:
        assert not any(c.start < g < c.end for g in gold), "a chunk spans a topic boundary"
        seg = sum(g < c.start for g in gold)
        assert c.meta["segment"] == seg
    opened = [c for c in chunks if c.start > 0 and any(text[:c.start].rstrip().__len__() == g for g in gold)]
    assert opened and all(c.meta["boundary_score"] > 0 for c in opened)


def test_explain_emits_one_curve_point_per_sentence() -> None:
    from chunkcli.segment.topic_units import sentence_spans
    from chunkcli.tokens import counter_for_model

    text, _ = topic_text([4, 4])
    spans = sentence_spans(Document("t.txt", text), SegmentOptions(), counter_for_model(None))
    for max_tokens in (0, 30):
        chunks = topic_chunks(text, max_tokens=max_tokens, explain=True)
        points = [p for c in chunks for p in c.meta["curve"]]
        assert [p["start"] for p in points] == [s for s, _ in spans]
        assert points[0]["gain"] is None and all(p["gain"] >= -1e-6 for p in points[1:])
        assert all(p["score"] == round(p["gain"] + p["cue"], 4) for p in points[1:])
        openers = [c for k, c in enumerate(chunks) if k and c.meta["segment"] != chunks[k - 1].meta["segment"]]
        assert openers and all(c.meta["curve"][0]["score"] == c.meta["boundary_score"] for c in openers)
        assert all(c.start <= p["start"] < c.end for c in chunks for p in c.meta["curve"])
    plain = topic_chunks(text)
    assert "curve" not in plain[0].meta


def test_threshold_and_min_tokens_limit_the_cuts() -> None:
    text, _ = topic_text([4, 4, 4, 4])
    assert len(topic_chunks(text, threshold=99.0)) == 1
    assert len(topic_chunks(text, threshold=0.0)) >= 4
    big = topic_chunks(text, min_tokens=60)
    assert all(c.n_tokens >= 60 for c in big) and len(big) < 4


def test_empty_and_single_sentence_documents() -> None:
    assert topic_chunks("   \n ") == []
    [one] = topic_chunks("Just one sentence here.")
    assert one.meta["segment"] == 0 and one.text == "Just one sentence here."


def test_curve_dips_at_the_change_and_depth_finds_it() -> None:
    import numpy as np

    vecs = np.array([[1, 0]] * 5 + [[0, 1]] * 5, dtype=np.float32)
    sim = window_similarity(vecs, 2)
    assert int(np.argmin(sim)) == 4  # gap before unit 5
    depth = depth_scores(sim)
    assert choose_boundaries(depth, [1] * 10, cutoff=0.5, min_tokens=0) == [5]
    assert choose_boundaries(depth, [1] * 10, cutoff=0.5, min_tokens=6) == []


def test_fallback_sentences_and_paragraph_gaps() -> None:
    text = "One. Two? Three!\nFour 四。五"
    spans = list(_fallback_spans(text))
    assert [text[s:e] for s, e in spans] == ["One.", "Two?", "Three!", "Four 四。五"]
    assert paragraph_gaps(text, spans) == [False, False, True]


@pytest.mark.skipif("sentence" not in (load_all() or REGISTRY), reason="sentence strategy not installed")
def test_units_cut_wherever_a_sentence_strategy_does() -> None:
    from chunkcli.segment.topic_units import sentence_spans
    from chunkcli.tokens import counter_for_model

    doc = Document("s.txt", "Dr. Smith arrived at 5 p.m. today. He left soon after.\n\nNew part here")
    counter = counter_for_model(None)
    spans = sentence_spans(doc, SegmentOptions(threshold=0.0), counter)
    ends = {e for _, e in spans}
    for name in ("sentence", "punct"):
        if name in REGISTRY:  # a topic --threshold must not leak into the sentence models
            assert {u.end for u in REGISTRY[name]().units(doc, SegmentOptions(), counter)} <= ends
    fast = splitters()[-1]  # the punctuation-agnostic model's weaker candidates are cuts too
    weak = SegmentOptions(strategy=fast, threshold=CANDIDATE_P)
    assert {u.end for u in REGISTRY[fast]().units(doc, weak, counter)} <= ends
    assert all(doc.text[s:e] == doc.text[s:e].strip() and s < e for s, e in spans)


class _EveryWord:
    """Stands in for the punctuation-agnostic splitter: a candidate cut after every word."""

    def units(self, doc: Document, opts: SegmentOptions, counter: object) -> list:
        from chunkcli.segment.base import Unit

        return [Unit(m.start(), m.end(), {}) for m in re.finditer(r"\S+", doc.text)]


@pytest.mark.skipif("sentence" not in (load_all() or REGISTRY), reason="sentence strategy not installed")
def test_paragraph_text_compares_the_sentence_strategys_own_sentences(monkeypatch: pytest.MonkeyPatch) -> None:
    from chunkcli.segment import topic_units
    from chunkcli.tokens import counter_for_model

    monkeypatch.setitem(REGISTRY, "every-word", _EveryWord)
    monkeypatch.setattr(topic_units, "splitters", lambda: ["sentence", "every-word"])
    para = "The team met on Monday. They chose a date. Everyone agreed."
    text = "\n\n".join([para, para.replace("Monday", "Friday"), para.replace("team", "club")])
    doc, counter = Document("p.txt", text), counter_for_model(None)
    spans, allowed = topic_units.topic_spans(doc, SegmentOptions(), counter)
    assert [e for _, e in spans] == [u.end for u in REGISTRY["sentence"]().units(doc, SegmentOptions(), counter)]
    assert allowed == paragraph_gaps(text, spans) and sum(allowed) == 2
    flat = Document("f.txt", text.replace("\n\n", " "))  # no paragraphs: every candidate is a unit end
    spans, allowed = topic_units.topic_spans(flat, SegmentOptions(), counter)
    assert allowed is None and len(spans) == len(flat.text.split())


NASTY = st.one_of(
    st.sampled_from(["日本語の文です。次の文！", "😀👍🏽 emoji 🇫🇷.", "e\u0301 a\u0308\u0323. ", "line\r\nCRLF\r\n",
                     "NUL\x00byte. ", "\u2028 sep. ", "x" * 400, "Bee hive honey. ", "Train station track. "]),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=120),
)


@pytest.mark.parametrize("max_tokens", [0, 12, 254])
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.lists(NASTY, min_size=1, max_size=14).map("".join))
def test_offset_contract_on_nasty_text(max_tokens: int, text: str) -> None:
    chunks = topic_chunks(text, max_tokens=max_tokens, explain=True)
    prev = 0
    for c in chunks:
        assert text[c.start:c.end] == c.text and c.text.strip()
        assert c.start >= prev
        prev = c.start
        assert not max_tokens or c.n_tokens <= max_tokens
    assert [c.id for c in topic_chunks(text, max_tokens=max_tokens, explain=True)] == [c.id for c in chunks]


def test_default_threshold_grows_with_document_length_only_past_60_sentences() -> None:
    from chunkcli.segment.topic import default_penalty

    assert default_penalty(1) == default_penalty(60) == 1.25
    assert 1.25 < default_penalty(120) < default_penalty(600)


def test_chunks_do_not_overlap_without_overlap() -> None:
    text = "日本語の文です。次の文！0:0:0:0::0:.\r\x1b\r0"
    chunks = topic_chunks(text, max_tokens=12)
    assert all(a.end <= b.start for a, b in zip(chunks, chunks[1:]))
