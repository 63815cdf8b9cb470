"""Dev-set scoring of a boundary model: F1 per language and variant, and threshold tuning."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable, Iterator

from ..boundaries import Score, gold_path, load_gold, score
from ..segment.punct_features import is_bare
from ..segment.punct_model import GapModel
from .data import DEV_SETS, VARIANTS, Labelled

Probs = list[tuple[int, float]]
ProbsFn = Callable[[GapModel, str], Iterator[tuple[int, float]]]  # a strategy's gap probabilities


def dev_probs(model: GapModel, ud: Path, probs_fn: ProbsFn,
              sets: Iterable[str] = DEV_SETS) -> dict[tuple[str, str], tuple[str, list[int], Probs]]:
    """Gap probabilities for every dev file, as the strategy computes them: {(set, variant): (text, gold, probs)}."""
    out = {}
    for tb in sets:
        for variant in VARIANTS:
            g = load_gold(gold_path(ud, tb, variant))
            out[(tb, variant)] = (g.text, g.ends, list(probs_fn(model, g.text)))
    return out


def labelled_probs(model: GapModel, texts: Iterable[Labelled], probs_fn: ProbsFn) -> dict[tuple[str, str], tuple[str, list[int], Probs]]:
    """The same for other labelled texts named "<set>.<variant>.<tag>" (e.g. held-out train):
    {("en_ewt.train.held_out", "flat"): (text, gold, probs)}."""
    out = {}
    for t in texts:
        variant = next(v for v in VARIANTS if f".{v}." in f"{t.name}.")
        out[(t.name.replace(f".{variant}", ""), variant)] = (t.text, t.ends, list(probs_fn(model, t.text)))
    return out


def f1_table(probs: dict, threshold: float, bare: float | None = None) -> dict[str, float]:
    """{"en_ewt.dev/flat": F1, ...}; text without punctuation is cut at `bare` (as the strategy does)."""
    table = {}
    for (tb, variant), (text, gold, p) in probs.items():
        t = bare if bare is not None and is_bare(text) else threshold
        s: Score = score(text, gold, [e for e, q in p if q >= t])
        table[f"{tb}/{variant}"] = round(s.f1, 2)
    return table


def tune_threshold(probs: dict, keys: Iterable[str]) -> float | None:
    """The threshold maximising the mean F1 over `keys` (a coarse grid is enough); None without keys."""
    keys = list(keys)
    if not keys:
        return None
    grid = [i / 100 for i in range(5, 96, 5)] + [0.98, 0.99]
    return max(grid, key=lambda t: sum(f1_table(probs, t)[k] for k in keys))
