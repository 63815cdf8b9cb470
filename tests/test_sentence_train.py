"""Training data of the `sentence` model: only the gaps its rules leave open, layouts that keep offsets."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from chunkcli.segment.sentence_gaps import ASK, candidate_gaps, decide
from chunkcli.segment.sentence_units import _stripped_end
from chunkcli.train.data import Labelled, _drop_newlines, asked_gaps, encode

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
@given(text=st.text(alphabet=st.sampled_from(list("ab \n\t\r\u3000é😀")), max_size=9000))
def test_stripped_end_equals_rstrip(text: str) -> None:
    assert _stripped_end(text) == len(text.rstrip())
