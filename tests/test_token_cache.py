"""The memoised counter must give exactly what the model's tokenizer gives, on any text."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tokenizers import Tokenizer

from chunkcli.models import resolve_model
from chunkcli.token_cache import piece_pattern
from chunkcli.tokens import HFTokenCounter, _layout, counter_for_model

NASTY = ["[MASK]", "[SEP]", "[mask]", "[[CLS]]", "a" * 120, "e\u0301", "\u0301", "İ", "ß", "ﬁ", "中文",
         "😀", "\u200b", "\ufeff", "\ufffd", "\u037e", "—", "…", "\u00a0", "\u3000", "\u2028", "\x85",
         "\x00", "\x0b", "\x0c", "\x1c", "\x7f", "\r\n", "\t", "self", "return", "Foo_bar9", "ǅ"]
pieces = st.one_of(st.sampled_from(NASTY), st.sampled_from(list("ab Z9_ \n.,;:!?()[]{}\"'`~-+=/\\|@#$%^&*<>")),
                   st.text(max_size=6))


@pytest.fixture(scope="module")
def pair() -> tuple[HFTokenCounter, Tokenizer]:
    spec = resolve_model("all-MiniLM-L6-v2")
    raw = Tokenizer.from_file(str(spec.tokenizer_file))
    raw.no_truncation()
    raw.no_padding()
    return counter_for_model("all-MiniLM-L6-v2"), raw


@settings(max_examples=400, deadline=None)
@given(st.lists(pieces, max_size=30).map("".join))
def test_counts_and_spans_match_the_tokenizer(pair: tuple[HFTokenCounter, Tokenizer], text: str) -> None:
    counter, raw = pair
    want = raw.encode(text, add_special_tokens=False)
    assert counter.count(text) == len(want.ids)
    assert list(counter.spans(text)) == list(want.offsets)
    starts, counts = counter._cache.tiles(text)
    assert sum(counts) == len(want.ids) and all(n >= 0 for n in counts)
    assert list(starts[:1]) in ([], [0]) and all(a < b for a, b in zip(starts, [*starts[1:], len(text)]))
    sums = counter.piece_sums(text)
    assert sums.tokens(0, len(text)) == len(want.ids)


def test_memo_is_used_for_bert_tokenizers_only(pair, tmp_path) -> None:
    spec = resolve_model("all-MiniLM-L6-v2")
    config = json.loads(spec.tokenizer_file.read_text(encoding="utf-8"))
    assert piece_pattern(config) is not None
    # The counter reads the layout from the loaded tokenizer: it must see what the file says.
    assert piece_pattern(_layout(pair[1])).pattern == piece_pattern(config).pattern
    assert pair[0].additive
    config["pre_tokenizer"] = {"type": "Whitespace"}
    assert piece_pattern(config) is None
    config = json.loads(spec.tokenizer_file.read_text(encoding="utf-8"))
    config["added_tokens"].append({"content": "zzz", "normalized": False})  # not bounded by punctuation
    assert piece_pattern(config) is None


def test_repeated_text_counts_stay_exact_after_the_memo_fills(pair, monkeypatch) -> None:
    import chunkcli.token_cache as tc

    counter, raw = pair
    monkeypatch.setattr(tc, "MAX_CACHED", 5)  # forces the memo to be dropped mid-text
    text = " ".join(f"word{i} (x{i % 7})" for i in range(200))
    assert counter.count(text) == len(raw.encode(text, add_special_tokens=False).ids)


def test_a_big_cold_text_stays_exact(pair) -> None:
    counter, raw = pair
    fresh = HFTokenCounter(resolve_model("all-MiniLM-L6-v2").tokenizer_file, "fresh")
    vocab = sorted(raw.get_vocab(with_added_tokens=False))
    words = [w for w in vocab if w.isascii()][::5]  # whole words, ##pieces, punctuation, [unused1]…
    text = " ".join(f"{w} {w.upper()}{i % 10}" for i, w in enumerate(words))
    want = raw.encode(text, add_special_tokens=False)
    assert fresh.count(text) == len(want.ids)
    assert list(fresh.spans(text)) == list(want.offsets)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.from_regex(r"[A-Za-z0-9]{1,130}|[!-/:-@\[-`{-~]|[ \t\n\r]{1,3}", fullmatch=True),
                min_size=1, max_size=20))
def test_plain_ascii_words_skip_the_pipeline_exactly(pair, words: list[str]) -> None:
    """Plain ASCII words go to the WordPiece model directly (cold path): same spans as the pipeline."""
    counter, raw = pair
    got = counter._encode_offsets(words)  # what the memo learns from: no memo in between
    assert [list(s) for s in got] == [list(e.offsets) for e in raw.encode_batch(words, add_special_tokens=False)]


@settings(max_examples=300, deadline=None)
@given(st.lists(pieces, max_size=80).map("".join))
def test_vector_tiles_equal_the_regex_ones(pair, text: str) -> None:
    """The numpy tiler (long texts without added tokens) cuts and counts exactly as the regex does."""
    counter, raw = pair
    cache = counter._cache
    while any(sp in text for sp in cache._specials):  # text with added tokens takes the regex path
        text = text.replace("]", ")")
    starts, counts = cache._tiles_vector(text)
    want_starts, want_counts = cache._tiles_regex(text)
    assert starts.tolist() == want_starts.tolist() and counts.tolist() == want_counts.tolist()
    assert sum(counts) == len(raw.encode(text, add_special_tokens=False).ids)


@settings(max_examples=200, deadline=None)
@given(st.lists(pieces, min_size=1, max_size=20))
def test_counting_without_spans_gives_the_same_counts(pair, words: list[str]) -> None:
    """The count-only path (no offsets read) agrees with the spans path, piece by piece."""
    counter, raw = pair
    words = [w for w in words if w]
    assert counter._count_pieces(words) == [len(s) for s in counter._encode_offsets(words)]


def test_spans_of_pieces_first_learnt_by_count(pair) -> None:
    """A piece remembered by its count only still gets its real spans when they are asked for."""
    _, raw = pair
    fresh = HFTokenCounter(resolve_model("all-MiniLM-L6-v2").tokenizer_file, "fresh")
    text = "unfathomably quixotic zygomorphic " * 12
    assert fresh.piece_sums(text).tokens(0, len(text)) == len(raw.encode(text, add_special_tokens=False).ids)
    assert list(fresh.spans(text)) == list(raw.encode(text, add_special_tokens=False).offsets)


def test_a_batch_that_overflows_the_memo_is_learnt_whole(pair, monkeypatch) -> None:
    """When the memo is dropped mid-batch, the batch's already known pieces are learnt again with
    the new ones (not left to the one-piece-at-a-time fallback)."""
    import chunkcli.token_cache as tc

    _, raw = pair
    monkeypatch.setattr(tc, "MAX_CACHED", 60)
    fresh = HFTokenCounter(resolve_model("all-MiniLM-L6-v2").tokenizer_file, "fresh")
    first = " ".join(f"w{i}x" for i in range(40))
    second = first + " " + " ".join(f"v{i}y" for i in range(30))
    for text in (first, second):
        assert fresh.count(text) == len(raw.encode(text, add_special_tokens=False).ids)
    assert all(w in fresh._cache._counts for w in second.split())
