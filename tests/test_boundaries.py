"""Boundary scoring as the shared seg README §1.2 defines it."""

from __future__ import annotations

from chunkcli.boundaries import Score, normalise, score


def test_whitespace_on_either_side_is_the_same_boundary() -> None:
    text = "Hi. There. Bye."
    assert normalise(text, [4]) == normalise(text, [3]) == {3}
    assert score(text, [3, 10], [4, 11]) == Score(tp=2, fp=0, fn=0)


def test_start_and_end_of_text_are_not_counted() -> None:
    text = "One. Two.  \n"
    assert normalise(text, [0, 4, 9, len(text)]) == {4}


def test_precision_recall_f1() -> None:
    text = "a. b. c. d. e."
    s = score(text, gold_ends=[2, 5, 8, 11], pred_ends=[2, 5, 7])
    assert (s.tp, s.fp, s.fn) == (2, 1, 2)
    assert round(s.precision, 2) == 66.67 and s.recall == 50.0
    assert round(s.f1, 2) == 57.14


def test_micro_average_adds_counts() -> None:
    total = Score(1, 0, 1) + Score(3, 1, 0)
    assert (total.tp, total.fp, total.fn) == (4, 1, 1)
    assert total.f1 == 80.0


def test_empty_prediction_scores_zero() -> None:
    assert score("a. b.", [2], []).f1 == 0.0
