"""`--by punct` on English: MiniLM windows, piece features, the trained head, routing, offsets."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chunkcli.records import Document
from chunkcli.segment import SegmentOptions, get_strategy
from chunkcli.segment.punct_lang import guess_language, is_english
from chunkcli.segment.punct_lm_encoder import STRIDE, WINDOW, plan_windows
from chunkcli.segment.punct_lm_features import N_GAPS, piece_features

pytest.importorskip("torch")


@given(n=st.integers(0, 3000))
def test_every_piece_is_read_once_from_a_window_holding_it(n: int) -> None:
    plan = plan_windows(n)
    kept = [i for lo, hi, a, b in plan for i in range(a, b)]
    assert kept == list(range(n))
    for lo, hi, a, b in plan:
        assert 0 <= lo <= a <= b <= hi <= n and hi - lo <= WINDOW
        if n > WINDOW and a < b:  # context on both sides, except at the ends of the text
            margin = (WINDOW - STRIDE) // 2
            assert (a - lo >= margin or lo == 0) and (hi - b >= margin or hi == n)


def test_piece_features_see_case_and_newlines() -> None:
    text = "Hello there. yes\nNo 中文\n\nend"
    starts = np.array([0, 6, 11, 13, 17, 20, 21, 24])
    ends = np.array([5, 11, 12, 16, 19, 21, 22, 27])
    cats, breakable = piece_features(text, starts, ends)
    gaps, cases = cats % N_GAPS, cats // (2 * N_GAPS)
    assert gaps.tolist() == [1, 0, 1, 2, 1, 0, 3, 3]
    assert cases.tolist() == [2, 4, 0, 4, 2, 5, 5, 4]
    assert breakable.tolist() == [True, False, True, True, True, True, True, True]


def test_language_routing() -> None:
    assert guess_language("so we went to the shop and it was closed then we went home") == "en"
    assert guess_language("und dann sind wir nach hause gegangen weil es nicht offen war und die") == "de"
    assert guess_language("nous sommes allés dans la maison et les enfants ne sont pas là pour le dîner") == "fr"
    assert guess_language("我们去了商店但是它关门了所以我们回家了") == "zh"
    assert is_english("der die das und ist nicht", "en") and not is_english("the and of it", "de")
    assert is_english("the cat sat on the mat and it was happy", "python")  # a code language says nothing


@pytest.fixture(scope="module")
def punct():
    return get_strategy("punct")


def _sentences(strategy, text: str, **opts) -> list[str]:
    units = strategy.units(Document(source="t.txt", text=text), SegmentOptions(**opts), None)
    return [text[u.start:u.end] for u in units]


def test_finds_sentences_without_punctuation_or_case(punct) -> None:
    review = ("i love this restaurant the food is great and the staff are friendly "
              "we will definitely come back next month")
    assert _sentences(punct, review) == ["i love this restaurant", "the food is great and the staff are friendly",
                                         "we will definitely come back next month"]
    note = "the meeting is at noon please bring your laptop i will bring the slides"
    assert _sentences(punct, note) == ["the meeting is at noon", "please bring your laptop", "i will bring the slides"]


def test_threshold_and_scores(punct) -> None:
    text = "we went home it was late the dog was asleep"
    assert _sentences(punct, text, threshold=1.01) == [text]
    every = punct.units(Document(source="t", text=text), SegmentOptions(threshold=0.0), None)
    assert len(list(every)) == len(text.split())  # every gap after a word cuts
    units = list(punct.units(Document(source="t", text=text), SegmentOptions(), None))
    assert all(0.0 <= u.meta["score"] <= 1.0 for u in units) and units[-1].meta["score"] == 1.0


def test_other_languages_get_the_fast_model(punct) -> None:
    text = "wir sind nach hause gegangen und dann haben wir gegessen es war spät und die kinder schliefen schon"
    fast = get_strategy("punct-fast")
    assert _sentences(punct, text) == _sentences(fast, text)
    assert _sentences(punct, text, lang="de") == _sentences(fast, text)


def test_streamed_windows_give_the_same_cuts(punct, monkeypatch: pytest.MonkeyPatch) -> None:
    from chunkcli.segment import punct_lm

    text = " ".join(["i called the office on monday nobody answered so i wrote an email instead"] * 40)
    whole = dict(punct_lm.gap_probs(punct_lm.load_lm_model(), text))
    monkeypatch.setattr(punct_lm, "CHAR_WINDOW", 700)  # ~5 windows, each with 600 characters of context
    parts = dict(punct_lm.gap_probs(punct_lm.load_lm_model(), text))
    assert list(parts) == list(whole)
    # Not identical: a piece near a window edge sees less context (≥ 31 pieces), but cuts rarely move.
    diffs = np.array([abs(parts[e] - whole[e]) for e in whole])
    assert diffs.mean() < 0.05 and (diffs > 0.3).mean() < 0.05


NASTY = st.lists(st.one_of(
    st.sampled_from(["and then we left ", "Dr. Smith paid $3.50. ", "日本語です。", "😀👍🏽 ", "e\u0301 ", "\r\n", "\x00",
                     "x" * 300, "\n\n", "ok so ", "U.S. ", "i think so "]),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60)), max_size=10).map("".join)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(text=NASTY, threshold=st.sampled_from([None, 0.0, 0.5, 1.0]))
def test_units_slice_the_text_in_order(punct, text: str, threshold: float | None) -> None:
    units = list(punct.units(Document(source="n", text=text), SegmentOptions(lang="en", threshold=threshold), None))
    prev = 0
    for u in units:
        assert prev <= u.start < u.end <= len(text) and text[u.start:u.end].strip() == text[u.start:u.end]
        prev = u.end
    covered = "".join(text[u.start:u.end] for u in units)
    assert "".join(text.split()) == "".join(covered.split())  # no visible character lost


def test_encoder_returns_layers_in_the_order_asked() -> None:
    """The head reads [frozen output, taps...]: the training cache stacks them in that order too."""
    from chunkcli.segment.punct_lm_encoder import load_encoder

    enc = load_encoder(6)
    pieces = enc.pieces("so we went home and then it rained")
    ids, lengths = pieces.ids[None, :], np.array([len(pieces.ids)])
    both = enc.encode(ids, lengths, (6, 3)).numpy()
    six, three = enc.encode(ids, lengths, (6,)).numpy(), enc.encode(ids, lengths, (3,)).numpy()
    assert np.allclose(both, np.concatenate([six, three], axis=-1), atol=1e-5)


@pytest.mark.parametrize("bf16", [False, True], ids=["float32", "bfloat16"])
def test_encoder_matches_the_numpy_bert_of_the_query_path(bf16: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """Our torch layers are BERT: same vectors as chunkcli.query_embed's reference implementation
    (exactly in float32; within bfloat16 rounding where the CPU runs that)."""
    from chunkcli.models import default_model_dir
    from chunkcli.query_embed import NumpyBertEmbedder
    from chunkcli.segment.punct_lm_encoder import CLS, SEP, bf16_native, load_encoder

    if bf16 and not bf16_native():
        pytest.skip("this CPU has no native bfloat16: inference stays float32")
    enc = load_encoder(6)
    monkeypatch.setattr(enc, "bf16", bf16)
    pieces = enc.pieces("Where's the point? Segment any text.")
    ref = NumpyBertEmbedder(default_model_dir(), "ref")
    ids = np.array([[CLS, *pieces.ids, SEP]])
    want = ref._encode(ids, np.ones(ids.shape, dtype=np.float32))[0]
    got = enc.encode(pieces.ids[None, :], np.array([len(pieces.ids)])).numpy()[0]
    if not bf16:
        assert np.abs(got - want).max() < 1e-3
    else:
        cos = np.einsum("ij,ij->i", got, want) / np.linalg.norm(got, axis=1) / np.linalg.norm(want, axis=1)
        assert cos.min() > 0.999 and np.abs(got - want).max() < 0.05


def test_bfloat16_weights_are_converted_once_and_again_after_an_in_place_change() -> None:
    import torch

    from chunkcli.segment.punct_lm_encoder import _bf16

    w = torch.ones(4, 4)
    first = _bf16(w)
    assert first.dtype == torch.bfloat16 and _bf16(w) is first
    w.mul_(2)  # a training step changes the weight in place
    again = _bf16(w)
    assert again is not first and float(again[0, 0]) == 2.0
    with torch.inference_mode():  # an encoder first loaded inside inference mode: no version counter
        frozen = torch.ones(4, 4)
    assert _bf16(frozen) is _bf16(frozen)


def test_float32_can_be_forced(monkeypatch: pytest.MonkeyPatch) -> None:
    from chunkcli.segment.punct_lm_encoder import bf16_native

    monkeypatch.setenv("CHUNKCLI_FLOAT32", "1")
    assert bf16_native() is False


def test_gradients_flow_in_float32_even_where_inference_uses_bfloat16(monkeypatch: pytest.MonkeyPatch) -> None:
    """Training calls bert_layer outside inference mode: float32 outputs and weight gradients."""
    import torch

    from chunkcli.segment.punct_lm_encoder import bert_layer, load_encoder

    enc = load_encoder(6)
    name = "encoder.layer.5.intermediate.dense.weight"
    weight = torch.nn.Parameter(enc.w[name].clone())
    monkeypatch.setitem(enc.w, name, weight)
    h, mask = torch.randn(2, 5, 384), torch.ones(2, 1, 1, 5, dtype=torch.bool)
    monkeypatch.setattr(enc, "bf16", False)
    want = bert_layer(enc, h, mask, "encoder.layer.5.").detach()
    monkeypatch.setattr(enc, "bf16", True)
    out = bert_layer(enc, h, mask, "encoder.layer.5.")
    out.sum().backward()
    assert out.dtype == torch.float32 and torch.allclose(out, want, atol=1e-6)
    assert weight.grad is not None and bool(weight.grad.abs().sum() > 0)


def test_selection_prefers_corrupted_f1_only_while_clean_text_stays_above_the_bar() -> None:
    from chunkcli.train.punct_lm import selection_score

    good, broken = {"structured": 95.0, "flat": 91.0, "corrupted": 60.0}, {"structured": 95.0, "flat": 89.0, "corrupted": 70.0}
    assert selection_score(good, "corrupted") == 60.0
    assert selection_score(good, "corrupted") > selection_score(broken, "corrupted")
    assert selection_score(broken, "mean") > selection_score(good, "mean")


def test_a_training_pass_keeps_every_corrupted_row_and_a_share_of_the_clean_ones() -> None:
    import torch

    from chunkcli.train.punct_lm import pass_rows
    from chunkcli.train.punct_lm_data import Rows

    def rows(n: int, mark: int) -> Rows:
        return Rows(np.full((n, 4, 2), mark, np.float16), np.full((n, 4), mark), np.zeros((n, 4), np.int8))

    train = {"en.structured.train": rows(10, 1), "en.corrupted.train": rows(6, 2)}
    picked = pass_rows(train, 0.5, torch.Generator().manual_seed(0))
    assert sorted(picked.cats[:, 0].tolist()) == [1] * 5 + [2] * 6
    assert picked.hidden.shape == (11, 4, 2) and picked.labels.shape == (11, 4)


def test_an_ensemble_averages_the_logits_of_its_heads() -> None:
    import torch

    from chunkcli.segment.punct_lm_head import HeadConfig, build_head

    net = build_head(HeadConfig(taps=(3,), heads=3, dropout=0.3)).eval()
    hidden, cats = torch.randn(2, 7, 768), torch.randint(0, 48, (2, 7))
    with torch.inference_mode():
        want = torch.stack([head(hidden, cats) for head in net.heads]).mean(0)
        assert torch.allclose(net(hidden, cats), want, atol=1e-6) and want.shape == (2, 7)


# --- extra training text (chunkcli/train/punct_lm_extra.py) ---------------------------------------

PROSE = ("The parser reads the whole file before it starts. It then walks the tree once and keeps "
         "every name it meets in a table. When a name is used before it is defined, the parser "
         "reports it and goes on with the next statement, so one mistake does not hide the others.")


def test_corrupt_deletes_punctuation_tokens_as_the_ewt_files_do() -> None:
    from chunkcli.train.punct_lm_extra import corrupt

    assert corrupt("Hello, World!") == "hello world"
    assert corrupt("A search-engine and/or (maybe) \"that\".") == "a search engine and or maybe that"
    # punctuation inside a token survives, symbols are kept
    assert corrupt("The U.S. grew 3.5 times, e.g. $5 vs 1,000; don't.") == "the u.s. grew 3.5 times e.g. $5 vs 1,000 don't"


def test_only_paragraphs_of_prose_are_kept() -> None:
    from chunkcli.train.punct_lm_extra import paragraphs

    code = "def f(x):\n    return x + 1;\n"
    table = "| a | b |\n|---|---|\n| 1 | 2 |"
    licence = PROSE + " THE SOFTWARE IS PROVIDED WITHOUT WARRANTY OF ANY KIND."
    links = PROSE + " See https://example.org for the details of this."
    short = "Too short. Really."
    cut = PROSE.index(" ", 90)
    wrapped = PROSE[:cut] + "\n" + PROSE[cut + 1:]
    text = "\n\n".join([code, table, licence, links, short, wrapped, "- " + PROSE, PROSE])
    assert list(paragraphs(text)) == [PROSE, PROSE]  # the hard-wrapped one, unwrapped, and the last


def test_harvest_reads_docs_and_docstrings_once(tmp_path) -> None:
    from chunkcli.train.punct_lm_extra import harvest

    (tmp_path / "README.md").write_text("# Title\n\n" + PROSE + "\n", encoding="utf-8")
    (tmp_path / "mod.py").write_text(f'"""{PROSE}"""\n\ndef g():\n    """Short."""\n', encoding="utf-8")
    (tmp_path / "data.bin").write_bytes(b"\x00\xff" * 50)
    assert harvest([tmp_path], 10**6) == [PROSE]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=120), max_size=5))
def test_corrupted_text_ends_are_offsets_of_its_sentences(paras: list[str]) -> None:
    import unicodedata

    from chunkcli.train.punct_lm_extra import corrupted_text

    text, ends, _ = corrupted_text(paras + [PROSE])
    assert ends == sorted(set(ends)) and ends[-1] == len(text) and len(ends) >= 3
    assert all(text[e] == " " for e in ends[:-1])
    assert text == " ".join(text.split()) and text == text.lower()
    # no punctuation token is left standing alone
    assert not any(w and all(unicodedata.category(c).startswith("P") for c in w) for w in text.split())


def test_a_training_pass_reads_a_share_of_the_harvested_prose() -> None:
    import torch

    from chunkcli.train.punct_lm import pass_rows
    from chunkcli.train.punct_lm_data import Rows

    def rows(n: int, mark: int) -> Rows:
        return Rows(np.full((n, 4, 2), mark, np.float16), np.full((n, 4), mark), np.zeros((n, 4), np.int8))

    train = {"en.corrupted.train": rows(6, 2), "extra2-auto-8-2.corrupted.train": rows(10, 3)}
    picked = pass_rows(train, 0.5, torch.Generator().manual_seed(0), extra_share=0.3)
    assert sorted(picked.cats[:, 0].tolist()) == [2] * 6 + [3] * 3


PROSE2 = ("A second manual tells another story. It is written in plain words and it explains what the "
          "tool does, why it does it that way, and what a user should try when the result is not the "
          "one they expected from it.")
PROSE3 = ("The third text is about the weather in the hills. It rains there in the spring and the roads "
          "turn to mud, so the farmers wait for the summer before they bring their sheep up from the "
          "valley to the high fields.")


def test_markup_is_reduced_to_the_text_a_reader_sees() -> None:
    from chunkcli.train.punct_lm_extra import clean_markup

    assert clean_markup("Call :func:`~os.path.join` or :ref:`the guide <guide>` now.") == "Call join or the guide now."
    assert clean_markup("Use ``ls -l`` and `the site`_ or `x`, **bold** *em*.") == "Use ls -l and the site or x, bold em."
    assert clean_markup("See *note Legal Matters:: and \u201cquotes\u201d \u2014 it\u2019s fine.") == \
        "See Legal Matters and \"quotes\"  -  it's fine."
    assert clean_markup("a * b * c and 2*3") == "a * b * c and 2*3"  # not emphasis


def test_html_pages_give_their_paragraphs_only() -> None:
    from chunkcli.train.punct_lm_extra import html_paragraphs, paragraphs

    page = (f"<html><h1>Title</h1><p class='x'>{PROSE[:60]}<a href='#'>{PROSE[60:]}</a></p>"
            "<pre>code();</pre><ul><li>item</li></ul><p>Fish &amp; chips \u2018here\u2019.</p>"
            f'<div class="title">Head</div><div class="para">{PROSE2}</div></html>')
    assert html_paragraphs(page) == PROSE + "\n\nFish & chips 'here'.\n\n" + PROSE2
    assert list(paragraphs(html_paragraphs(page))) == [PROSE, PROSE2]


def test_prose_in_other_languages_is_not_kept() -> None:
    from chunkcli.train.punct_lm_extra import is_prose

    german = ("Der Parser liest die ganze Datei, bevor er beginnt. Dann geht er einmal durch den Baum und "
              "merkt sich jeden Namen in einer Tabelle. Wird ein Name vor seiner Definition benutzt, meldet "
              "er das und macht mit der Anweisung danach weiter, damit ein Fehler keine anderen verdeckt.")
    assert is_prose(PROSE) and is_prose(PROSE2) and not is_prose(german)


def test_harvest_reads_html_and_info_files_balances_packages_and_drops_copies(tmp_path) -> None:
    import gzip

    from chunkcli.train.punct_lm_extra import harvest

    big, small, info = tmp_path / "docs" / "big-doc", tmp_path / "docs" / "small-doc", tmp_path / "info"
    for d in (big / "html", big / "more", small, info):
        d.mkdir(parents=True)
    (big / "a.rst.txt").write_text(PROSE.replace("parser", "``parser``") + "\n", encoding="utf-8")
    (big / "html" / "a.html").write_text(f"<p>{PROSE}</p><p>{PROSE2}</p>", encoding="utf-8")  # a copy, and more
    (big / "more" / "b.md").write_text(PROSE3 + "\n", encoding="utf-8")
    (small / "notes.text").write_text(PROSE3 + "\n", encoding="utf-8")
    (info / "small.info-1.gz").write_bytes(gzip.compress(f"File: x\n\n   {PROSE2}\n".encode()))
    assert harvest([tmp_path / "docs"], 10**6) == [PROSE, PROSE2, PROSE3]
    # big-doc's files are skipped once it has given 100 characters, so the small package gets its turn
    assert harvest([tmp_path / "docs"], len(PROSE) + len(PROSE3), per_source=100) == [PROSE, PROSE3]
    assert harvest([info], 10**6) == [PROSE2]
