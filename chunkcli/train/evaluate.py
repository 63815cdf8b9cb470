"""Dev-set scoring of a boundary model: F1 per language and variant, and threshold tuning."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from ..boundaries import Score, gold_path, load_gold, score
from ..segment.punct_model import GapModel, gap_probs
from .data import DEV_SETS, VARIANTS

Probs = list[tuple[int, float]]


def dev_probs(model: GapModel, ud: Path, candidates_only: bool,
              sets: Iterable[str] = DEV_SETS) -> dict[tuple[str, str], tuple[str, list[int], Probs]]:
    """Gap probabilities for every dev file: {(set, variant): (text, gold ends, probs)}."""
    out = {}
    for tb in sets:
        for variant in VARIANTS:
            g = load_gold(gold_path(ud, tb, variant))
            out[(tb, variant)] = (g.text, g.ends, list(gap_probs(model, g.text, candidates_only)))
    return out


def f1_table(probs: dict, threshold: float) -> dict[str, float]:
    """{"en_ewt.dev/flat": F1, ...} at one threshold."""
    table = {}
    for (tb, variant), (text, gold, p) in probs.items():
        s: Score = score(text, gold, [e for e, q in p if q >= threshold])
        table[f"{tb}/{variant}"] = round(s.f1, 2)
    return table


def tune_threshold(probs: dict, keys: Iterable[str]) -> float:
    """The threshold maximising the mean F1 over `keys` (a coarse grid is enough)."""
    keys = list(keys)
    grid = [i / 100 for i in range(10, 91, 5)]
    return max(grid, key=lambda t: sum(f1_table(probs, t)[k] for k in keys))
