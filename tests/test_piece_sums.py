"""PieceSums: constant-time span counts agree with summing the pieces by hand."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from chunkcli.piece_sums import PieceSums


@st.composite
def tiled(draw: st.DrawFn) -> tuple[int, list[tuple[int, int, int]]]:
    """A text length and pieces tiling it (start, end, tokens), zero-token pieces included."""
    sizes = draw(st.lists(st.integers(1, 7), max_size=40))
    counts = draw(st.lists(st.integers(0, 3), min_size=len(sizes), max_size=len(sizes)))
    pieces, pos = [], 0
    for size, n in zip(sizes, counts):
        pieces.append((pos, pos + size, n))
        pos += size
    return pos, pieces


def by_hand(pieces: list[tuple[int, int, int]], start: int, end: int) -> tuple[int, bool]:
    inside = sum(n for s, e, n in pieces if start <= s and e <= end)
    cut = any(s < edge < e for s, e, _ in pieces for edge in (start, end))
    return inside, cut


@settings(max_examples=300, deadline=None)
@given(tiled(), st.data())
def test_tiles_tokens_and_cuts_match_the_pieces(text: tuple[int, list[tuple[int, int, int]]], data: st.DataObject) -> None:
    length, pieces = text
    arr = np.array(pieces, dtype=np.int64).reshape(-1, 3)
    sums = PieceSums.of_tiles(length, arr[:, 0], arr[:, 2])
    start = data.draw(st.integers(0, length))
    end = data.draw(st.integers(start, length))
    n, cut = by_hand(pieces, start, end)
    assert (sums.tokens(start, end), sums.cuts(start, end)) == (n, cut)
    assert sums.tokens(0, length) == sum(p[2] for p in pieces)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(1, 4)), max_size=30), st.data())
def test_token_spans_with_gaps_count_one_each(steps: list[tuple[int, int]], data: st.DataObject) -> None:
    """A counter that only gives token spans (gaps between them allowed): each token is a piece."""
    spans, pos = [], 0
    for gap, size in steps:
        spans.append((pos + gap, pos + gap + size))
        pos += gap + size
    length = pos + data.draw(st.integers(0, 3))
    sums = PieceSums.of_spans(length, spans)
    start = data.draw(st.integers(0, length))
    end = data.draw(st.integers(start, length))
    assert (sums.tokens(start, end), sums.cuts(start, end)) == by_hand([(s, e, 1) for s, e in spans], start, end)


def test_an_empty_text_has_no_tokens() -> None:
    sums = PieceSums.of_spans(0, [])
    assert sums.tokens(0, 0) == 0 and not sums.cuts(0, 0)


def test_an_empty_token_inside_a_wider_one_leaves_it_cut() -> None:
    sums = PieceSums.of_spans(10, [(0, 10), (5, 5)])
    assert sums.cuts(5, 10) and sums.cuts(0, 5)
