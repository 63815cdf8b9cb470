"""Training data of the `sentence` model: only the gaps its rules leave open, layouts that keep offsets."""

from __future__ import annotations

import json
import random
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from chunkcli.segment.sentence_gaps import ASK, candidate_gaps, decide
from chunkcli.segment.sentence_units import _stripped_end
from chunkcli.boundaries import gold_path, load_gold
from chunkcli.train.data import Labelled, _drop_final_punct, _drop_newlines, asked_gaps, encode, held_out, split_docs

TEXT = ("We met Dr. Lindqvist at 5 PM Bob said hi. It rained.\nAnother line: Then more\n\n"
        "The U.S. Army came. Prices rose 3.5 % in May Nobody cared")


def test_asked_gaps_are_the_gaps_rules_leave_open() -> None:
    want = [end for end, nxt in candidate_gaps(TEXT) if decide(TEXT, end, nxt) == ASK]
    assert asked_gaps(TEXT).tolist() == want and want  # e.g. "U.S.| Army", "PM| Bob", "line:| Then"


def test_encode_asked_only_marks_exactly_those_gaps_among_all_candidates() -> None:
    vocab, sufs = ["<pad>", "<unk>"], ["<pad>", "<unk>"]
    text = Labelled("t", TEXT, [len(TEXT)])
    every = encode([text], vocab, sufs, reach=2)
    asked = encode([text], vocab, sufs, reach=2, asked_only=True)
    assert asked.candidates.sum() == len(asked_gaps(TEXT))
    assert not (asked.candidates & ~every.candidates).any()  # a subset of the candidate gaps
    assert (asked.labels == every.labels).all()


@settings(max_examples=50, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("ab \n.Z")), max_size=200), seed=st.integers(0, 99))
def test_dropping_newlines_keeps_length_and_blank_lines(text: str, seed: int) -> None:
    out = _drop_newlines(text, random.Random(seed), 0.5)
    assert len(out) == len(text)  # gold offsets stay valid
    assert all(a == b or (a == "\n" and b == " ") for a, b in zip(text, out))
    runs = [i for i, c in enumerate(text) if c == "\n" and "\n" in text[max(0, i - 1):i] + text[i + 1:i + 2]]
    assert all(out[i] == "\n" for i in runs)  # blank lines (paragraph breaks) survive


@settings(max_examples=80, deadline=None)
@given(sentences=st.lists(st.text(alphabet=st.sampled_from(list("ab Z.!?3é")), min_size=1, max_size=12), max_size=12),
       seed=st.integers(0, 99), p=st.sampled_from([0.0, 0.5, 1.0]))
def test_dropping_final_punctuation_keeps_each_sentence_but_its_final_marks(sentences: list[str], seed: int,
                                                                            p: float) -> None:
    text = " ".join(sentences)
    ends = [sum(len(s) + 1 for s in sentences[:i + 1]) - 1 for i in range(len(sentences))]
    out = _drop_final_punct(Labelled("t", text, ends), random.Random(seed), p)
    starts = [0, *ends[:-1]]
    got = [out.text[a:b] for a, b in zip([0, *out.ends[:-1]], out.ends)]
    for orig, new in zip((text[a:b] for a, b in zip(starts, ends)), got):
        stripped = orig.rstrip(".!?")
        assert new in (orig, stripped)  # a sentence loses its final marks or nothing
        assert new == orig or (stripped and stripped[-1].isalnum())  # only after a word
    assert out.text == "".join(got)
    if p == 0.0:
        assert out.text == text and out.ends == ends


@settings(max_examples=80, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("ab \n\t\r\u3000é😀")), max_size=9000))
def test_stripped_end_equals_rstrip(text: str) -> None:
    assert _stripped_end(text) == len(text.rstrip())


def _write_gold(ud: Path, name: str, variant: str, sentences: list[str], seps: list[str]) -> None:
    text, ends = "", []
    for sep, sent in zip(seps, sentences):
        text += sep + sent
        ends.append(len(text))
    stem = name if variant == "structured" else f"{name}.{variant}"
    (ud / f"{stem}.txt").write_text(text, encoding="utf-8")
    meta = {"text_file": f"{stem}.txt", "sentence_ends": ends, "lang": "en", "variant": variant}
    (ud / f"{stem}.gold.json").write_text(json.dumps(meta), encoding="utf-8")


def test_held_out_documents_are_every_nth_document_in_every_layout(tmp_path: Path) -> None:
    sents = [f"Doc {d} says {i}." for d in range(6) for i in range(2)]
    struct_seps = ["" if k == 0 else ("\n\n" if k % 2 == 0 else "\n") for k in range(len(sents))]
    _write_gold(tmp_path, "en_ewt.train", "structured", sents, struct_seps)
    _write_gold(tmp_path, "en_ewt.train", "flat", sents, [""] + [" "] * (len(sents) - 1))
    for variant in ("structured", "flat"):
        g = load_gold(gold_path(tmp_path, "en_ewt.train", variant))
        kept, held = split_docs(tmp_path, Labelled(variant, g.text, g.ends), 0.5)
        for part in (kept, held):  # each part's offsets end its own sentences
            assert all(part.text[:e].rstrip().endswith(".") for e in part.ends)
        assert [held.text[a:b].strip() for a, b in zip([0] + held.ends, held.ends)] == \
            [s for s in sents if int(s.split()[1]) % 2 == 1]
        assert len(kept.ends) + len(held.ends) == len(sents)
    assert [t.name for t in held_out(tmp_path, 0.5)] == ["en_ewt.train.structured.held_out", "en_ewt.train.flat.held_out"]
