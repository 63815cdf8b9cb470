"""The boundary network: recurrent pieces, weight files, bare-text thresholds, windows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chunkcli.segment.punct_features import PAD, is_bare
from chunkcli.segment.punct_model import GapModel, NetConfig, build_net, load_model_from, save_model, windows

torch = pytest.importorskip("torch")
CFG = NetConfig(k=2, word_dim=8, suffix_dim=4, shape_dim=4, hidden=16, wide=0, rnn=8)


def _model(cfg: NetConfig = CFG) -> GapModel:
    torch.manual_seed(0)
    vocab = ["<pad>", "<unk>", *"abcdefghij"]
    return GapModel(cfg, vocab, ["<pad>", "<unk>", "x"], build_net(cfg, len(vocab), 3).eval(), 0.5)


def test_recurrent_pieces_approximate_one_long_sequence() -> None:
    """Pieces run as one batch give the probabilities of one pass over the whole sequence,
    up to the padding around each piece (the GRU state at a piece edge starts from context)."""
    model = _model()
    rng = np.random.default_rng(1)
    n, r = 50, CFG.reach
    ids = [np.pad(rng.integers(2, hi, n), (r, r), constant_values=PAD) for hi in (12, 3, 29)]
    whole = model.run(*(a[None, :] for a in ids))[0]
    for piece in (8, 16, 64):
        got = model._run_pieces(ids, n, piece=piece, context=8)
        assert got.shape == whole.shape and np.abs(got - whole).max() < 0.05


def test_saved_weights_round_trip(tmp_path: Path) -> None:
    model = _model()
    save_model(tmp_path / "m", CFG, list(model.vocab), list(model.suffixes), model.net, 0.4, {}, 0.2)
    back = load_model_from(tmp_path / "m")
    ids = [np.array([[2, 3, 4, 5, 6, 7, 8, 9]]), np.array([[1] * 8]), np.array([[5] * 8])]
    assert np.allclose(back.run(*ids), model.run(*ids), atol=1e-2)  # float16 weights
    assert (back.threshold, back.threshold_bare) == (0.4, 0.2)


def test_bare_text_gets_its_own_threshold() -> None:
    model = GapModel(CFG, ["<pad>", "<unk>"], ["<pad>", "<unk>"], None, 0.6, None, 0.3)
    assert is_bare("so we went home then we ate it was late " * 5)
    assert not is_bare("We went home. Then we ate! It was late. " * 5)
    assert model.threshold_for("no punctuation at all here " * 4) == 0.3
    assert model.threshold_for("One. Two. Three. Four. ") == 0.6


def test_windows_cover_the_text_without_cutting_words() -> None:
    text = ("alpha beta gamma. " * 3000)[:-1]
    parts = list(windows(text, size=5000, margin=100))
    assert parts[0][2] == 0 and parts[-1][3] == len(text)
    assert all(a[3] == b[2] for a, b in zip(parts, parts[1:]))
    assert not any(text[keep - 1].isalnum() and text[keep].isalnum() for _, _, _, keep in parts[:-1])


def test_prefer_first_merges_in_order_and_first_wins() -> None:
    from chunkcli.segment.punct import prefer_first

    got = list(prefer_first([(3, 0.9), (8, 0.0)], [(1, 0.2), (3, 0.1), (5, 0.7), (8, 0.95)]))
    assert got == [(1, 0.2), (3, 0.9), (5, 0.7), (8, 0.0)]


def test_punct_uses_sentence_rules_only_on_punctuated_text() -> None:
    from chunkcli.records import Document
    from chunkcli.segment import SegmentOptions, get_strategy

    strat = get_strategy("punct")
    text = "We met Dr. Lindqvist at noon. She was late."
    units = list(strat.units(Document(source="t", text=text), SegmentOptions(), None))
    assert [text[u.start:u.end] for u in units] == ["We met Dr. Lindqvist at noon.", "She was late."]


def test_rules_only_leaves_the_open_questions_to_the_punct_model() -> None:
    """With `rules_only` (the MiniLM `punct`), a gap the `sentence` rules decide keeps their
    decision, and a gap they leave to a model ("Vladimir Putin": a word before a capital) takes
    the punct model's probability, not `sentence`'s own network's."""
    from chunkcli.segment.punct_fast import sentence_decisions_first
    from chunkcli.segment.sentence import Sentences

    text = "We met President Vladimir Putin today. He smiled at us: Thanks for coming"
    vladimir, today, us = (text.index(w) + len(w) for w in ("Vladimir", "today.", "us:"))
    model = [(vladimir, 0.93), (today, 0.02), (us, 0.61)]
    rules = dict(Sentences().rule_probs(text))
    assert today in rules and vladimir not in rules and us not in rules  # asked gaps are skipped
    got = dict(sentence_decisions_first(text, False, iter(model), 0.5, rules_only=True))
    assert got[vladimir] == 0.93 and got[us] == 0.61  # the punct model answers the open questions
    assert got[today] > 0.5  # ". He": the rule's boundary, rescaled, beats the model's 0.02
    full = dict(sentence_decisions_first(text, False, iter(model), 0.5))
    assert full[vladimir] != 0.93 and full[us] != 0.61  # without it, `sentence`'s network answers


def test_numpy_path_matches_torch_for_a_dilated_convolution(tmp_path: Path) -> None:
    """`--by sentence` runs its model in numpy (no torch import): same probabilities as the torch net."""
    cfg = NetConfig(k=2, word_dim=8, suffix_dim=4, shape_dim=4, hidden=16, wide=8, wide_k=3, wide_dilation=2)
    model = _model(cfg)
    save_model(tmp_path / "m", cfg, list(model.vocab), list(model.suffixes), model.net, 0.5, {})
    back = load_model_from(tmp_path / "m")
    rng = np.random.default_rng(3)
    ids = [rng.integers(0, hi, (4, 2 * cfg.reach + 7)) for hi in (12, 3, 29)]
    got = back.run(*ids)
    assert got.shape == (4, 7) and back._net is None  # numpy only: the torch net was never built
    assert np.allclose(got, model.run(*ids), atol=1e-2)  # float16 weights


def test_an_ensemble_round_trips_and_averages_its_members(tmp_path: Path) -> None:
    cfg = NetConfig(k=2, word_dim=8, suffix_dim=4, shape_dim=4, hidden=16, wide=0)
    vocab, sufs = ["<pad>", "<unk>", *"abcdefghij"], ["<pad>", "<unk>", "x"]
    nets = []
    for seed in (0, 1, 2):
        torch.manual_seed(seed)
        nets.append(build_net(cfg, len(vocab), len(sufs)).eval())
    save_model(tmp_path / "e", cfg, vocab, sufs, nets[0], 0.5, {}, members=tuple(nets[1:]))
    back = load_model_from(tmp_path / "e")
    assert len(back.members) == 2
    ids = [np.array([[2, 3, 4, 5, 6]]), np.array([[1] * 5]), np.array([[5] * 5])]
    singles = [GapModel(cfg, vocab, sufs, net, 0.5).run(*ids) for net in nets]
    assert np.allclose(back.run(*ids), np.mean(singles, axis=0), atol=1e-2)  # float16 weights
    assert not np.allclose(singles[0], singles[1], atol=1e-3)  # the members differ: the mean is a real average


@given(st.floats(0.01, 0.99), st.floats(0.01, 0.99), st.lists(st.floats(0, 1), min_size=2, max_size=20))
def test_threshold_map_moves_the_decision_point_and_keeps_the_order(source: float, target: float,
                                                                   ps: list[float]) -> None:
    """`sentence` scores handed to a punct model keep their order and their cut/no-cut side."""
    from chunkcli.segment.punct_fast import threshold_map

    f = threshold_map(source, target)
    assert f(0.0) == 0.0 and abs(f(1.0) - 1.0) < 1e-9 and abs(f(source) - target) < 1e-9
    for a, b in zip(sorted(ps), sorted(ps)[1:]):
        assert f(a) <= f(b) + 1e-12
    assert all((f(p) >= target) == (p >= source) for p in ps)  # exactly: units cut at p >= threshold


def test_threshold_map_never_rounds_a_score_onto_the_cut() -> None:
    from math import nextafter

    from chunkcli.segment.punct_fast import threshold_map

    assert threshold_map(0.6, 0.609)(nextafter(0.6, 0.0)) < 0.609


def test_the_trainer_tunes_the_punct_model_through_punct_fast() -> None:
    """The `punct` model file serves `--by punct-fast`; the trainer must score it that way. (The
    `punct` strategy class inherits `sentence`'s probs, which on bare text ask about no gap at all:
    tuning through it gave thresholds of 0.05 and a corrupted F1 of 3.)"""
    from chunkcli.segment.punct_fast import FastPunctSentences
    from chunkcli.segment.punct_model import load_model
    from chunkcli.train.punct import _strategy_probs

    model, text = load_model("punct"), "the sun rose early we went home it was late and cold"
    got = list(_strategy_probs("punct")(model, text))
    assert got == list(FastPunctSentences().probs(model, text))
    assert len(got) >= text.count(" ")  # every gap between words is scored
