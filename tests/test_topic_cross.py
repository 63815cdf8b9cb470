"""The cross-gap cue: inference = training, one encoder pass in blocks, saved = loaded, and it reads pairs."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from chunkcli.models import DEFAULT_MODEL
from chunkcli.segment import topic_embed
from chunkcli.segment.base import SegmentOptions
from chunkcli.segment.topic import segment_vectors
from chunkcli.segment.topic_cross import MAX_PIECES, load_cross, save_cross, trim
from chunkcli.segment.topic_encoder import tuned_encoder

pytestmark = pytest.mark.real_model

STORY = [
    "The harbour froze early that winter.",
    "Fishermen dragged their boats onto the ice, swearing at the wind.",
    "By January the gulls had gone south.",
    "Only the ferry still ran, twice a week, breaking a black lane through the white.",
]
RECIPE = [
    "Preheat the oven to 200 °C and grease a loaf tin.",
    "Whisk the eggs with the sugar until pale.",
    "Fold in the flour, pour the batter into the tin and bake for forty minutes.",
]


def test_trim_keeps_both_ends_of_a_long_sentence() -> None:
    s = np.arange(300 * 2, dtype=np.float16).reshape(300, 2)
    t = trim(s)
    assert len(t) == 2 * MAX_PIECES and (t[:MAX_PIECES] == s[:MAX_PIECES]).all() and (t[-1] == s[-1]).all()
    assert trim(s[:10]) is not None and len(trim(s[:10])) == 10


def test_inference_logits_equal_the_training_forward_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    """The states the topic vectors are computed from, fed to the training path's forward pass,
    give the logits `embed_with_gaps` caches (float32 here: bfloat16 is bounded elsewhere)."""
    import torch

    from chunkcli.segment.punct_lm_encoder import load_encoder
    from chunkcli.train.topic_encoder import frozen_states

    float32_encoders(monkeypatch)
    cross = load_cross()
    topic_embed.clear_cache()
    texts = STORY + RECIPE
    _, cue = topic_embed.embed_with_gaps(texts, DEFAULT_MODEL)
    states = frozen_states(load_encoder(6), texts)
    with torch.no_grad():
        direct = cross.forward(states[:-1], states[1:]).numpy()
    assert cue is not None and np.allclose(cue, cross.weight * direct, atol=1e-3)


def float32_encoders(monkeypatch: pytest.MonkeyPatch) -> None:
    """Exact arithmetic for tests of the plumbing: in bfloat16 a product's rounding depends on the
    batch it is computed in (up to 2e-4 in a gap logit on an AVX512-BF16 CPU)."""
    from chunkcli.segment.punct_lm_encoder import load_encoder

    cross = load_cross()
    assert cross is not None
    for enc in (cross.enc, load_encoder(6), tuned_encoder().enc):
        monkeypatch.setattr(enc, "bf16", False)


def test_blocks_give_the_same_gaps_as_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    """States carried across GAP_BLOCK boundaries; repeated sentences encoded once."""
    float32_encoders(monkeypatch)
    texts = (STORY + RECIPE) * 3
    topic_embed.clear_cache()
    vecs, whole = topic_embed.embed_with_gaps(texts, DEFAULT_MODEL)
    monkeypatch.setattr(topic_embed, "GAP_BLOCK", 4)
    topic_embed.clear_cache()
    vecs2, blocked = topic_embed.embed_with_gaps(texts, DEFAULT_MODEL)
    assert whole is not None and blocked is not None and whole.shape == (len(texts) - 1,)
    assert np.allclose(whole, blocked, atol=1e-5) and np.allclose(vecs, vecs2, atol=1e-6)
    assert np.allclose(vecs, topic_embed.embed_texts(texts, DEFAULT_MODEL), atol=1e-6)


def test_a_join_of_two_texts_scores_above_the_gaps_inside_them() -> None:
    topic_embed.clear_cache()
    _, cue = topic_embed.embed_with_gaps(STORY + RECIPE, DEFAULT_MODEL)
    assert cue is not None
    join = len(STORY) - 1
    assert cue[join] > max(np.delete(cue, join))


def test_only_the_tuned_space_gets_cross_cues() -> None:
    vecs, cue = topic_embed.embed_with_gaps(STORY, "hash")
    assert cue is None and vecs.shape[0] == len(STORY)
    assert topic_embed.embed_with_gaps(STORY[:1], DEFAULT_MODEL)[1] is None


def test_no_cues_leaves_the_cross_cue_out_too() -> None:
    vecs, cue = topic_embed.embed_with_gaps(STORY + RECIPE, DEFAULT_MODEL)
    opts = SegmentOptions(max_tokens=0, model=DEFAULT_MODEL, cues=False)
    assert not segment_vectors(vecs, [10] * len(vecs), opts, None, cue).cue.any()
    with_cues = segment_vectors(vecs, [10] * len(vecs), SegmentOptions(max_tokens=0, model=DEFAULT_MODEL), None, cue)
    without_cross = segment_vectors(vecs, [10] * len(vecs), SegmentOptions(max_tokens=0, model=DEFAULT_MODEL))
    assert cue is not None and np.allclose(with_cues.cue - without_cross.cue, cue - cue.mean())


def test_saved_model_loads_back(tmp_path: Path) -> None:
    cross = load_cross()
    assert cross is not None
    save_cross(tmp_path / "x", cross, {"trained_on": "test"})
    back = load_cross(tmp_path / "x")
    assert back is not None and back.weight == cross.weight
    rng = np.random.default_rng(0)
    left = [rng.normal(size=(n, 384)).astype(np.float16) for n in (5, 30)]
    right = [rng.normal(size=(n, 384)).astype(np.float16) for n in (12, 3)]
    assert np.allclose(back.logits(left, right), cross.logits(left, right), atol=1e-3)
    assert load_cross(tmp_path / "missing") is None


def test_sample_draws_extra_documents_at_their_share_and_never_joins_two_collections() -> None:
    from chunkcli.train import topic_cross as tc

    ewt = [[np.full((3, 2), 10 * d + i, np.float16) for i in range(4)] for d in range(5)]
    manuals = [[np.full((3, 2), -(10 * d + i + 1), np.float16) for i in range(4)] for d in range(5)]
    gaps = tc.sample(random.Random(3), ewt, 2000, extra=manuals, extra_share=0.25)
    from_manuals = [g for g in gaps if g[0][0, 0] < 0]
    assert 0.2 < len(from_manuals) / len(gaps) < 0.3
    assert all((a[0, 0] < 0) == (b[0, 0] < 0) for a, b, _ in gaps)
    inside = [(a[0, 0], b[0, 0]) for a, b, y in gaps if y == 0.0]
    assert all(abs(b - a) == 1 and abs(a) // 10 == abs(b) // 10 for a, b in inside if a >= 0)
    assert tc.sample(random.Random(3), ewt, 50, extra=[]) and all(g[0][0, 0] >= 0 for g in tc.sample(random.Random(3), ewt, 50))


def test_training_lowers_the_loss_on_its_own_batches() -> None:
    """A few steps on toy documents: joins of two documents learn to score above their insides."""
    import torch

    from chunkcli.segment.punct_lm_encoder import load_encoder
    from chunkcli.train import topic_cross as tc
    from chunkcli.train.topic_encoder import frozen_states, split_states

    docs = [STORY, RECIPE, ["Wie spät ist es?", "Es ist schon acht Uhr.", "Dann müssen wir gehen."]]
    states = split_states(frozen_states(load_encoder(6), [s for d in docs for s in d]), docs)
    gaps = tc.sample(random.Random(1), states, 32)
    assert {g[2] for g in gaps} == {0.0, 1.0}

    def loss(model: tc.CrossGap) -> float:
        with torch.no_grad():
            z = model.forward([g[0] for g in gaps], [g[1] for g in gaps])
            return float(torch.nn.functional.binary_cross_entropy_with_logits(z, torch.tensor([g[2] for g in gaps])))

    assert loss(tc.train_cross(states, steps=8, seed=1, log=False)) < np.log(2)
