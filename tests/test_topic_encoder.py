"""The topic-tuned MiniLM: inference matches the training path and the installed model, training moves it."""

from __future__ import annotations

import random

import numpy as np
import pytest

from chunkcli.models import DEFAULT_MODEL
from chunkcli.segment.topic_cues import load_cues
from chunkcli.segment.topic_embed import embed_texts, vector_space
from chunkcli.segment.topic_encoder import TUNED_SPACE, TunedEncoder, load_layer, tuned_available

pytestmark = pytest.mark.real_model

SENTENCES = [
    "The harbour froze early that winter.",
    "Fishermen dragged their boats onto the ice, swearing at the wind.",
    "ok",
    "Preheat the oven to 200 °C and grease a loaf tin — a long one, if you have it.",
    "Wie spät ist es?",
    "x" * 3000,  # longer than the model's 256 positions: truncated as sentence-transformers does
]


def _untuned() -> TunedEncoder:
    from chunkcli.segment.punct_lm_encoder import load_encoder

    return TunedEncoder(load_encoder(6), {})


def test_tuned_encoder_with_the_original_weights_is_the_installed_sentence_embedding() -> None:
    """Pooling, truncation and normalisation match sentence-transformers', so the tuned
    layer is the only difference between the two spaces."""
    from chunkcli.embed import get_embedder

    ours = _untuned().embed(SENTENCES)
    ref = get_embedder(DEFAULT_MODEL).embed(SENTENCES)
    assert np.allclose(np.einsum("ij,ij->i", ours, ref), 1.0, atol=1e-4)


def test_training_forward_pass_equals_inference(monkeypatch: pytest.MonkeyPatch) -> None:
    """The frozen states + the tuned layer (training) give the vectors `TunedEncoder` gives
    (both in float32 here; where inference runs in bfloat16 the test above bounds the difference)."""
    from chunkcli.segment.punct_lm_encoder import load_encoder
    from chunkcli.train.topic_encoder import frozen_states, tuned_forward

    base = load_encoder(6)
    monkeypatch.setattr(base, "bf16", False)
    got = tuned_forward(base, frozen_states(base, SENTENCES)).detach().numpy()
    assert np.allclose(got, _untuned().embed(SENTENCES), atol=1e-4)


def test_shipped_layer_is_the_default_topic_space_and_has_its_cues() -> None:
    assert tuned_available()
    weights = load_layer()
    assert weights and all(k.startswith("encoder.layer.5.") for k in weights)
    assert vector_space(DEFAULT_MODEL) == TUNED_SPACE and vector_space("hash") == "hash-384"
    assert load_cues(TUNED_SPACE) is not None and load_cues(DEFAULT_MODEL) is None


def test_tuned_vectors_differ_from_the_plain_embedding_but_stay_close() -> None:
    tuned = embed_texts(SENTENCES[:4], DEFAULT_MODEL)
    plain = _untuned().embed(SENTENCES[:4])
    cos = np.einsum("ij,ij->i", tuned, plain)
    assert np.all(cos < 0.9999) and np.all(cos > 0.5)
    assert np.allclose(np.linalg.norm(tuned, axis=1), 1.0, atol=1e-5)


def test_contrastive_loss_prefers_vectors_grouped_by_document() -> None:
    import torch

    from chunkcli.train.topic_encoder import supcon

    labels = torch.tensor([0, 0, 1, 1, 2, 2])
    centres = torch.nn.functional.normalize(torch.randn(3, 8, generator=torch.Generator().manual_seed(0)), dim=1)
    grouped = centres[labels]
    shuffled = centres[torch.tensor([0, 1, 2, 0, 1, 2])]
    assert supcon(grouped, labels) < supcon(shuffled, labels)


def test_a_few_training_steps_change_only_the_tuned_layer() -> None:
    from chunkcli.segment.punct_lm_encoder import load_encoder
    from chunkcli.train.topic_encoder import frozen_states, split_states, train_layer

    rng = random.Random(3)
    words = ["river", "bank", "loan", "rate", "tide", "stone", "music", "choir", "tax", "boat"]
    docs = [[" ".join(rng.choices(words, k=6)) + "." for _ in range(3)] for _ in range(6)]
    base = load_encoder(6)
    before = {k: v.clone() for k, v in base.w.items()}
    states = split_states(frozen_states(base, [s for d in docs for s in d]), docs)
    weights = train_layer(states, steps=2, log=False, n_docs=4)
    assert set(weights) == {k for k in before if k.startswith("encoder.layer.5.")}
    assert any(not np.allclose(weights[k], before[k].numpy()) for k in weights)
    assert all(np.isfinite(w).all() for w in weights.values())
    assert all(torch_equal(base.w[k], before[k]) for k in before)  # the shared encoder is untouched


def torch_equal(a, b) -> bool:
    return bool((a == b).all())
