"""The fast `--by sentence` path: candidate gaps, rules, local model features, numpy forward pass."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chunkcli.segment.punct_features import N_SHAPES
from chunkcli.segment.punct_model import PAD, SURE, build_net, load_model
from chunkcli.segment.sentence_gaps import (ASK, BLANK_LINE, NEWLINE, NO, SENTENCE_END, candidate_gaps,
                                            decide)
from chunkcli.segment.sentence_local import LocalFeatures

NASTY = st.lists(
    st.sampled_from(list("ab Z.!?,\n\r\t\0…。！？中😀é\u0301\"'()-:")
                    + ["\r\n", "Dr. ", "3.5", "x" * 300, "http://a.b/c ", " www.d.e", "https:"]),
    max_size=80,
).map("".join)


@settings(max_examples=60, deadline=None)
@given(text=NASTY)
def test_candidate_gaps_are_whitespace_or_cjk_gaps(text: str) -> None:
    last = 0
    for end, nxt in candidate_gaps(text):
        assert last < end <= nxt < len(text)
        assert not text[end - 1].isspace() and not text[nxt].isspace()
        assert text[end:nxt].isspace() or (end == nxt and text[end - 1] in "。！？；…")
        last = end


def _decision(text: str, marker: str = "|") -> float:
    """decide() for the gap written as `|` in `text` (the marker is removed)."""
    end = text.index(marker)
    text = text.replace(marker, "")
    gaps = dict(candidate_gaps(text))
    assert end in gaps, (text, end)
    return decide(text, end, gaps[end])


@pytest.mark.parametrize("text,expected", [
    ("It rained all day.| We stayed in.", SENTENCE_END),
    ("We met Dr.| Lindqvist at noon.", NO),
    ("signed by Karen J.| Holloway today.", NO),
    ("apples,| pears and plums", NO),
    ("First paragraph|\n\nSecond one", BLANK_LINE),
    ("A short line|\nAnother line", NEWLINE),
    ("This line is long enough to look hard wrapped by a mail|\nclient at seventy columns", ASK),
    ("A paragraph of one long line, longer than any hard wrap column, which ends without a stop and then "
     "simply goes on and on|\nnext paragraph in lowercase", NEWLINE),  # lines over 100 chars are paragraphs, not wraps
    ("x" * 150 + "\nThis line is long enough to look hard wrapped by a mail|\nclient at seventy", NEWLINE),
    ('"Stop!"| he said.', NO),
    ("He works for the U.S.| Army now.", ASK),
    ("The meeting is at 5 PM| I will be late", ASK),
    ("Pictures: http://a.example/1.html| http://a.example/2.html", SENTENCE_END),
    ("Pictures: www.example.com/a| https://example.org/b ok", SENTENCE_END),
    # scripts without capitals: their own terminals, or "." between two letters
    ("यह एक वाक्य है।| यह दूसरा है।", SENTENCE_END),
    ("هذه جملة أخرى؟| نعم.", SENTENCE_END),
    ("اردو جملہ ہے۔| دوسرا جملہ۔", SENTENCE_END),
    ("이것은 문장입니다.| 이것도 문장입니다.", SENTENCE_END),
    ("שלום.| מה שלומך?", SENTENCE_END),
    ("We met at 5.| 이것은", ASK),  # after a digit: the model decides, as before a capital
])
def test_rules(text: str, expected: float) -> None:
    assert _decision(text) == expected


@pytest.mark.parametrize("text", [
    "Mr. Okafor bought a bike. It was blue, and fast!\nHe rode it to work at 9 AM every day. Fine.",
    "See you at 5 PM Bob\n\n  Next: a list;\r\n1) one 2) two 。好！是 End Of Text Ok",
])
def test_local_features_equal_whole_text_features(text: str) -> None:
    """The ids gathered around one gap are those the model sees when the whole text is tokenized."""
    model = load_model("sentence")
    toks = model.tokens(text)
    r = model.cfg.reach
    padded = [np.pad(a, (r, r), constant_values=PAD) for a in (toks.words, toks.suffixes, toks.shapes)]
    gaps = list(candidate_gaps(text))
    got = LocalFeatures(model).windows(text, gaps)
    for row, (end, _) in enumerate(gaps):
        i = int(np.flatnonzero(toks.ends == end)[0])
        want = np.stack([a[i:i + 2 * r + 1] for a in padded])
        assert (got[row] == want).all(), text[:end]


def test_numpy_forward_equals_torch() -> None:
    """The shipped model (an ensemble: the mean of its members' probabilities where the first
    network is unsure) in numpy = in torch."""
    torch = pytest.importorskip("torch")
    model = load_model("sentence")
    rng = np.random.default_rng(0)
    width = 2 * model.cfg.reach + 5
    ids = [rng.integers(0, n, (7, width)) for n in (len(model.vocab), len(model.suffixes), N_SHAPES)]
    want = []
    for state in (model.state, *model.members):
        net = build_net(model.cfg, len(model.vocab), len(model.suffixes))
        net.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
        with torch.inference_mode():
            want.append(torch.sigmoid(net.eval()(*(torch.from_numpy(a) for a in ids))).numpy())
    # the other members only answer the rows where the first network is unsure of some gap
    sure = ((want[0] <= SURE) | (want[0] >= 1 - SURE)).all(axis=1, keepdims=True)
    assert np.allclose(model.run(*ids), np.where(sure, want[0], np.mean(want, axis=0)), atol=1e-5)


def test_url_rule_needs_a_url_before_and_after() -> None:
    text = "Pictures: http://a.example/1.html and more"
    assert text.index(" and") not in dict(candidate_gaps(text))  # a URL before a lowercase word: no candidate
    assert _decision("See the page| www.example.com for more") == ASK  # a word before a URL: the model decides


@pytest.mark.parametrize("text", ["a" * 400 + " Zed went home.", "Go " + "b" * 400 + ". Then stop.", "x" * 100 + "\nY"])
def test_a_token_longer_than_the_feature_slice_still_gets_features(text: str) -> None:
    model = load_model("sentence")
    gaps = list(candidate_gaps(text))
    ids = LocalFeatures(model).windows(text, gaps)
    assert ids.shape == (len(gaps), 3, 2 * model.cfg.reach + 1)
    assert (ids[:, :, model.cfg.reach] != PAD).all()  # the token before each gap is always there
