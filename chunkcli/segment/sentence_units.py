"""Boundary probabilities → sentence units (shared by `--by sentence` and `--by punct`)."""

from __future__ import annotations

from typing import Any, Iterable, Iterator, Sequence

from .base import Unit
from .pack import strip_span


def units_from_probs(text: str, probs: Iterable[tuple[int, float]], threshold: float) -> Iterator[Unit]:
    """Cut `text` after every gap whose probability reaches `threshold`; the end of text always cuts.

    Each unit is a stripped, non-empty span; meta["score"] is the probability of
    the boundary that ends it (1.0 at the end of the text, which is certain).
    """
    start, last = 0, _stripped_end(text)
    for end, p in probs:
        if p >= threshold:
            unit = _unit(text, start, end, 1.0 if end >= last else p)
            if unit:
                yield unit
            start = end
    unit = _unit(text, start, len(text), 1.0)
    if unit:
        yield unit


def _stripped_end(text: str) -> int:
    """len(text.rstrip()) without copying the whole text (a 100 MB input): strip from the end piece by piece."""
    end = len(text)
    while end > 0:
        piece = text[max(0, end - 4096):end]
        kept = len(piece.rstrip())
        if kept:
            return end - len(piece) + kept
        end -= len(piece)
    return 0


def _unit(text: str, start: int, end: int, p: float) -> Unit | None:
    start, end = strip_span(text, start, end)
    return Unit(start, end, {"score": round(p, 4)}) if start < end else None


def merge_sentence_meta(units: Sequence[Unit]) -> dict[str, Any]:
    """A packed chunk: how many sentences, and the probability that its end is a sentence end."""
    return {"units": len(units), "score": units[-1].meta.get("score", 1.0)}
