"""Documents besides EWT for the topic trainers: manual files as sentence lists, and how
the tuned layer's trainer mixes them into its batches."""

import random
from pathlib import Path

import pytest

from chunkcli.train.topic_docs import SYSTEM_DOCS, collection, describe, extra_roots, manual_documents

PARAGRAPH = ("The installer asks for the name of the machine and then for the network it is on. "
             "It is safe to accept the defaults when you are not sure what they mean for the system. "
             "You can change all of them later from the configuration files in the usual place, "
             "and the manual explains each of these files in a chapter of its own.")


def test_manual_documents_are_files_of_prose_split_into_sentences(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "guide.txt").write_text("\n\n".join([PARAGRAPH] * 3), encoding="utf-8")
    (tmp_path / "pkg" / "short.txt").write_text(PARAGRAPH, encoding="utf-8")  # 3 sentences: too few
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "a.md").write_text("\n\n".join([PARAGRAPH] * 4), encoding="utf-8")
    docs = manual_documents([tmp_path])
    assert [len(d) for d in docs] == [12, 9]  # path order: other/a.md, then pkg/guide.txt
    assert docs[1][0].startswith("The installer asks") and docs[1][0].endswith("it is on.")
    assert manual_documents([tmp_path], per_package=0) == []
    assert len(manual_documents([tmp_path], max_sentences=5)) == 1



def test_extra_roots_and_describe(tmp_path: Path) -> None:
    assert extra_roots("auto") == list(SYSTEM_DOCS) and extra_roots("none") == []
    assert extra_roots(str(tmp_path)) == [tmp_path]
    assert describe([["a", "b"], ["c"]], [tmp_path]) == f"2 manual files (3 sentences) from {tmp_path}"
    assert describe([], []) == "0 manual files (0 sentences) from none"


def test_the_layer_draws_a_share_of_its_batches_from_the_extra_documents() -> None:
    from chunkcli.train.topic_encoder import MANUALS

    docs, extra = [["ewt"]], [["manual"]]
    rng = random.Random(0)
    picks = [collection(rng, docs, extra, MANUALS) for _ in range(2000)]
    assert all(p is docs or p is extra for p in picks)  # one collection per batch
    assert abs(sum(p is extra for p in picks) / len(picks) - MANUALS) < 0.03
    rng, untouched = random.Random(0), random.Random(0)
    assert all(collection(rng, docs, [], MANUALS) is docs for _ in range(50))
    assert rng.random() == untouched.random()  # no extra documents: the seed's batches as before


TRAINERS = {"layer": ("topic_encoder", "train_layer", "save_layer"), "cross": ("topic_cross", "train_cross", "save_cross")}


@pytest.mark.parametrize("trainer", TRAINERS)
@pytest.mark.parametrize("choice", ["DIR", "none"])
def test_trainers_extra_docs_read_the_folder_given_or_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              trainer: str, choice: str) -> None:
    """`--extra-docs DIR` trains on that folder's files as documents; `none` on EWT alone."""
    import importlib

    module_name, train, save = TRAINERS[trainer]
    module = importlib.import_module(f"chunkcli.train.{module_name}")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "guide.txt").write_text("\n\n".join([PARAGRAPH] * 3), encoding="utf-8")
    seen: dict = {}
    from chunkcli.train import topic_encoder  # both trainers read through its training_states

    monkeypatch.setattr(topic_encoder, "ewt_train_states", lambda data: [["ewt"]])
    monkeypatch.setattr(topic_encoder, "document_states", lambda docs: [["states"] * len(d) for d in docs])
    monkeypatch.setattr(module, train, lambda docs, steps, seed, extra: seen.update(extra=extra) or "model")
    monkeypatch.setattr(module, save, lambda out, model, info: seen.update(info=info))
    module.main(["--data", str(tmp_path), "--extra-docs", str(tmp_path) if choice == "DIR" else "none", "--steps", "3"])
    if choice == "DIR":
        assert seen["extra"] == [["states"] * 9] and seen["info"]["manuals_share"] == module.MANUALS
        assert "1 manual files (9 sentences)" in seen["info"]["trained_on"]
    else:
        assert seen["extra"] == [] and seen["info"]["manuals_share"] == 0.0 and seen["info"]["steps"] == 3
