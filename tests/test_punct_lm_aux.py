"""Training the MiniLM punct heads with SaT's auxiliary task: labels, row layout, the extra loss."""

from __future__ import annotations

import numpy as np
import pytest

from chunkcli.train.punct_lm_aux import CLASSES, N_CLASSES, classes_after_words, punct_class

torch = pytest.importorskip("torch")


def test_the_punctuation_removed_after_each_word_is_recovered() -> None:
    corrupted = "hello world how are you al zaman said a search engine"
    flat = "Hello, world. How are you? Al-Zaman: said a search-engine"
    got = classes_after_words(flat, corrupted)
    ends = [i for i in range(1, len(corrupted) + 1) if i == len(corrupted) or corrupted[i] == " "]
    names = [CLASSES[got[e]] for e in ends]
    assert names == [",", ".", "none", "none", "?", "other", ":;", "none", "none", "other", "none"]


def test_sentence_final_marks_win_and_whitespace_alone_is_no_punctuation() -> None:
    assert CLASSES[punct_class('." (')] == "." and CLASSES[punct_class(" ")] == "none"
    assert CLASSES[punct_class("?!")] == "?" and CLASSES[punct_class(";")] == ":;"


def test_texts_that_do_not_align_are_refused() -> None:
    with pytest.raises(ValueError):
        classes_after_words("Hello, world.", "hello there")


def test_rows_without_aux_labels_join_rows_with_them_as_unknown() -> None:
    from chunkcli.train.punct_lm_data import Rows

    plain = Rows(np.zeros((2, 3, 1)), np.zeros((2, 3)), np.zeros((2, 3), np.int8))
    known = Rows(np.zeros((1, 3, 1)), np.zeros((1, 3)), np.zeros((1, 3), np.int8), np.ones((1, 3), np.int8))
    both = Rows.concat([plain, known])
    assert both.aux is not None and both.aux.tolist() == [[-1] * 3, [-1] * 3, [1] * 3]
    assert Rows.concat([plain, plain]).aux is None
    assert both.take(np.array([2])).aux.tolist() == [[1] * 3]


def test_aux_labels_sit_where_the_boundary_labels_are_scored() -> None:
    """Same windows, same scored pieces: the aux table lines up with featurize's labels."""
    from chunkcli.segment.punct_lm_encoder import load_encoder
    from chunkcli.train.punct_lm_data import aux_table, featurize

    enc = load_encoder(6)
    text = " ".join(["so we went home and it rained all night"] * 300)  # several model windows
    rows, _ = featurize(enc, text, [len(text)], (6,))
    classes = np.arange(len(text) + 1) % N_CLASSES
    table = aux_table(enc, text, classes.astype(np.int8))
    assert table.shape == rows.labels.shape and ((table >= 0) == (rows.labels >= 0)).all()
    ends = [i for i in range(1, len(text) + 1) if i == len(text) or text[i] == " "]
    assert sorted(set(table[table >= 0].tolist())) == sorted({int(classes[e]) for e in ends})


def _train_once(aux_weight: float) -> tuple[np.ndarray, np.ndarray]:
    """Aux and boundary output weights before and after one pass of `_epoch` on random rows."""
    import time

    from chunkcli.segment.punct_lm_head import HeadConfig, build_head
    from chunkcli.train.punct_lm import _epoch
    from chunkcli.train.punct_lm_data import Rows

    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    net = build_head(HeadConfig(aux=N_CLASSES)).train()
    rows = Rows(rng.normal(size=(8, 16, 384)).astype(np.float16), rng.integers(0, 4, (8, 16)),
                rng.integers(0, 2, (8, 16)).astype(np.int8), rng.integers(-1, N_CLASSES, (8, 16)).astype(np.int8))
    before = net.aux.weight.detach().clone().numpy()
    opt = torch.optim.AdamW(net.parameters(), lr=1e-2)
    _epoch(net, opt, rows, torch.Generator().manual_seed(0), time.monotonic() + 60, crop=16, aux_weight=aux_weight)
    return before, net.aux.weight.detach().numpy()


def test_the_aux_output_learns_only_when_weighted() -> None:
    before, after = _train_once(0.5)
    assert not np.allclose(before, after)
    before, after = _train_once(0.0)
    assert np.array_equal(before, after)


def test_heads_with_the_aux_output_run_like_any_other_at_inference() -> None:
    """A head trained with the aux task runs like any other at inference (one logit per piece)."""
    from chunkcli.segment.punct_lm_head import HeadConfig, build_head

    net = build_head(HeadConfig(aux=N_CLASSES, heads=2)).eval()
    out = net(torch.zeros(1, 5, 384), torch.zeros(1, 5, dtype=torch.long))
    assert tuple(out.shape) == (1, 5)
    assert HeadConfig().aux == 0 and build_head(HeadConfig()).aux is None


FLOOD = ("The river rose slowly during the night, and by morning the lower fields were under water. "
         "Farmers moved their animals to the hills; most of them had done it before. Was anyone surprised? "
         "Not really: the same thing happens in this valley almost every spring, and the old stone houses "
         "were built on the slopes for that reason!")


def test_harvested_prose_keeps_what_its_corruption_removed() -> None:
    from chunkcli.train.punct_lm_extra import corrupted_text

    text, ends, clean = corrupted_text([FLOOD])
    classes = classes_after_words(clean, text)
    assert [CLASSES[classes[e]] for e in ends] == [".", ".", "?", "!"]
    marked = {text[:e].rsplit(" ", 1)[-1]: CLASSES[c] for e, c in enumerate(classes) if c}
    assert marked == {"night": ",", "water": ".", "hills": ":;", "before": ".", "surprised": "?",
                      "really": ":;", "spring": ",", "reason": "!"}


def test_harvested_rows_carry_aux_labels_and_older_caches_gain_them(tmp_path) -> None:
    """The aux table of the harvested prose lines up with its boundary labels; a cache written
    without the clean text (older versions) is harvested again, and must still hold that text."""
    import json

    from chunkcli.segment.punct_lm_encoder import load_encoder
    from chunkcli.train.punct_lm_data import extra_rows

    docs, cache = tmp_path / "docs", tmp_path / "cache"
    docs.mkdir()
    (docs / "README.md").write_text(FLOOD + "\n", encoding="utf-8")
    enc, log = load_encoder(6), lambda m: None
    plain = extra_rows(str(docs), 10**6, 10**6, cache, enc, (6,), log)
    (key, rows), = plain.items()
    assert rows.aux is None
    data = json.loads((cache / f"{key}.json").read_text(encoding="utf-8"))
    (cache / f"{key}.json").write_text(json.dumps({"text": data["text"], "ends": data["ends"]}), encoding="utf-8")
    rows = extra_rows(str(docs), 10**6, 10**6, cache, enc, (6,), log, aux=True)[key]
    assert rows.aux is not None and rows.aux.shape == rows.labels.shape
    assert ((rows.aux >= 0) == (rows.labels >= 0)).all()
    # every sentence end but the last (the end of the text is no gap to score)
    assert sorted(CLASSES[c] for c in rows.aux[rows.labels == 1]) == sorted([".", ".", "?"])
    (cache / f"{key}.aux.npy").unlink()
    (cache / f"{key}.json").write_text(json.dumps({"text": data["text"] + " x", "ends": data["ends"]}), encoding="utf-8")
    with pytest.raises(ValueError):
        extra_rows(str(docs), 10**6, 10**6, cache, enc, (6,), log, aux=True)
