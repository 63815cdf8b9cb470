"""Pk, WindowDiff and boundary F1 on hand-computed cases, plus their invariants."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chunkcli.segmetrics import match_boundaries, pk, score_documents, snap_to_units, window_k, windowdiff


def test_window_k_is_half_mean_segment_length_rounded_at_least_1() -> None:
    assert window_k([5, 10], 15) == 2  # mean 5 → 2.5 → round-half-even 2
    assert window_k([4], 12) == 3
    assert window_k([], 1) == 1
    assert window_k([1, 2, 3], 4) == 1


def test_perfect_prediction_scores_zero() -> None:
    assert pk([3, 6], [3, 6], 9) == 0.0
    assert windowdiff([3, 6], [3, 6], 9) == 0.0


def test_pk_by_hand() -> None:
    # n=6, gold boundary before atom 3, k=2 → pairs (0,2),(1,3),(2,4),(3,5).
    # Gold "different" for (1,3),(2,4); no prediction says all same → 2 of 4 wrong.
    assert pk([3], [], 6, k=2) == pytest.approx(0.5)
    # Predicting the boundary one atom late: (1,3) wrong, (3,5) wrong → 0.5 as well.
    assert pk([3], [4], 6, k=2) == pytest.approx(0.5)


def test_windowdiff_counts_boundaries_not_just_presence() -> None:
    # Two predicted boundaries where gold has one inside the same window: Pk forgives, WindowDiff does not.
    assert pk([3], [2, 3], 6, k=3) < windowdiff([3], [2, 3], 6, k=3)


def test_boundary_f1_with_tolerance_is_one_to_one() -> None:
    exact = match_boundaries([5, 10], [6, 10], 20, tolerance=0)
    assert (exact.tp, exact.fp, exact.fn) == (1, 1, 1)
    near = match_boundaries([5, 10], [6, 10], 20, tolerance=1)
    assert near.f1 == 1.0
    # Two predictions near one gold boundary: only one of them matches.
    twice = match_boundaries([5], [4, 6], 20, tolerance=1)
    assert (twice.tp, twice.fp) == (1, 1)


def test_score_documents_averages_pk_and_micro_averages_f1() -> None:
    s = score_documents([([3], [3], 6), ([3], [], 6)], tolerance=0)
    assert s.pk == pytest.approx((0 + pk([3], [], 6)) / 2)
    assert (s.precision, s.recall) == (1.0, 0.5)
    assert s.as_percent()["documents"] == 2


def test_snap_to_units_moves_offsets_to_nearest_unit_end() -> None:
    ends = [10, 25, 40, 60]
    assert snap_to_units([11, 24, 59, 60], ends) == [1, 2]  # 59/60 → after the last unit: not a boundary


BOUNDS = st.lists(st.integers(1, 59), max_size=15)


@given(gold=BOUNDS, pred=BOUNDS)
def test_metrics_are_bounded_and_zero_on_self(gold: list[int], pred: list[int]) -> None:
    for metric in (pk, windowdiff):
        assert 0.0 <= metric(gold, pred, 60) <= 1.0
        assert metric(gold, gold, 60) == 0.0
    assert pk(gold, pred, 60) <= windowdiff(gold, pred, 60)
