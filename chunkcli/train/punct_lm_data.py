"""Training rows for the MiniLM punct head: frozen encoder vectors computed once, with labels.

Each text (EWT train structured and corrupted; the last `HOLDOUT` of each kept
apart for early stopping and thresholds) is cut exactly as the strategy cuts
it at run time (punct_lm.prepare), the encoder runs once, and the rows are
cached as .npz so the head can be retrained in minutes. Flat and lowercased
variants need no encoder pass of their own: MiniLM is uncased and blind to
newlines, so they differ only in the head's categorical features, which the
trainer perturbs on the fly (punct_lm.augment).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

from ..boundaries import gold_path, load_gold, normalise
from ..segment.punct_lm import CHAR_MARGIN, CHAR_WINDOW, Prepared, prepare
from ..segment.punct_lm_encoder import WINDOW, Encoder
from ..segment.punct_model import windows
from .punct_lm_aux import classes_after_words

HOLDOUT = 0.1
TRAIN_TEXTS = (("en_ewt.train", "structured"), ("en_ewt.train", "corrupted"))


@dataclass
class Rows:
    """Model windows of one text: encoder vectors (float16), feature ids, labels (-1 = not scored)."""

    hidden: np.ndarray  # (n, WINDOW, 384)
    cats: np.ndarray    # (n, WINDOW)
    labels: np.ndarray  # (n, WINDOW) int8
    aux: np.ndarray | None = None  # (n, WINDOW) int8 punct_lm_aux class after the piece (-1 = none known)

    @staticmethod
    def concat(parts: list["Rows"]) -> "Rows":
        joined = (np.concatenate([getattr(p, f) for p in parts]) for f in ("hidden", "cats", "labels"))
        if all(p.aux is None for p in parts):
            return Rows(*joined)
        return Rows(*joined, np.concatenate([p.aux_or_unknown() for p in parts]))

    def aux_or_unknown(self) -> np.ndarray:
        return self.aux if self.aux is not None else np.full(self.labels.shape, -1, dtype=np.int8)

    def take(self, idx: np.ndarray) -> "Rows":
        return Rows(self.hidden[idx], self.cats[idx], self.labels[idx], None if self.aux is None else self.aux[idx])


def featurize(enc: Encoder, text: str, gold_ends: list[int], taps: tuple[int, ...]) -> tuple[Rows, dict[int, np.ndarray]]:
    """Rows of `text` (hidden: the first tap) and the encoder vectors after each layer in `taps`."""
    gold = np.fromiter(normalise(text, gold_ends), dtype=np.int64)
    parts, hidden = [], {t: [] for t in taps}
    for prep, scored in _model_windows(enc, text):
        table = _table(prep, scored, np.isin(prep.pieces.ends, gold))
        ids = prep.rows(prep.pieces.ids)  # always WINDOW wide, so rows of all windows stack
        vectors = enc.encode(ids, prep.lengths, taps)[:, 1:WINDOW + 1].half().numpy()
        for i, t in enumerate(taps):
            hidden[t].append(vectors[..., 384 * i:384 * (i + 1)])
        parts.append(Rows(vectors[..., :0], prep.rows(prep.cats), table))
    rows = Rows.concat(parts)
    return rows, {t: np.concatenate(v) for t, v in hidden.items()}


def aux_table(enc: Encoder, text: str, classes: np.ndarray) -> np.ndarray:
    """`classes` (one per character offset, punct_lm_aux) at the end of every scored piece, laid
    out as `featurize` lays out the labels; tokenizing only, no encoder pass."""
    parts = [_table(prep, scored, classes[prep.pieces.ends]) for prep, scored in _model_windows(enc, text)]
    return np.concatenate(parts) if parts else np.zeros((0, WINDOW), dtype=np.int8)


def _model_windows(enc: Encoder, text: str) -> Iterator[tuple[Prepared, np.ndarray]]:
    """Each character window as the strategy reads it at run time, with the pieces it scores."""
    for lo, hi, keep_lo, keep_hi in windows(text, CHAR_WINDOW, CHAR_MARGIN):
        prep = prepare(enc, text[lo:hi], lo)
        if prep.plan:
            ends = prep.pieces.ends
            yield prep, prep.breakable & (ends > keep_lo) & (ends <= keep_hi)


def _table(prep: Prepared, scored: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Per-piece `values` where scored (else -1), in the model windows: a piece counts once, in the
    window it is read from at run time."""
    rows, cols = prep.kept()
    table = np.full((len(prep.plan), WINDOW), -1, dtype=np.int8)
    table[rows, cols] = np.where(scored, values, -1)
    return table


def split_holdout(text: str, ends: list[int]) -> tuple[tuple[str, list[int]], tuple[str, list[int]]]:
    """(train part, held-out part), cut at the sentence end nearest to (1 - HOLDOUT) of the text."""
    cut = min(ends, key=lambda e: abs(e - (1 - HOLDOUT) * len(text)))
    return (text[:cut], [e for e in ends if e <= cut]), (text[cut:], [e - cut for e in ends if e > cut])


def cached_rows(ud: Path, cache: Path, enc: Encoder, taps: tuple[int, ...],
                log: Callable[[str], None], aux: bool = False) -> dict[str, Rows]:
    """{"<set>.<variant>.train|val": Rows} with the vectors of `taps` side by side; each (text, layer)
    is encoded once and kept in `cache` (the layers missing there are computed in one pass).
    With `aux`, the corrupted training rows also carry punct_lm_aux classes (kept in `cache` too)."""
    out = {}
    cache.mkdir(parents=True, exist_ok=True)
    for tb, variant in TRAIN_TEXTS:
        g = load_gold(gold_path(ud, tb, variant))
        for part, (text, ends) in zip(("train", "val"), split_holdout(g.text, g.ends)):
            key = f"{tb}.{variant}.{part}"
            out[key] = encoded_rows(cache, key, text, ends, enc, taps, log)
            if aux and variant == "corrupted" and part == "train":
                out[key].aux = _cached_aux(cache, key, text, partial(_ewt_classes, ud, tb, g.text, len(text)), enc)
    return out


def _ewt_classes(ud: Path, tb: str, corrupted: str, n: int) -> np.ndarray:
    """punct_lm_aux classes of the first `n` characters of treebank split `tb`'s `corrupted` text,
    read against the flat text of the whole split."""
    return classes_after_words(load_gold(gold_path(ud, tb, "flat")).text, corrupted)[:n + 1]


def _cached_aux(cache: Path, key: str, text: str, classes: Callable[[], np.ndarray], enc: Encoder) -> np.ndarray:
    """The aux table of `text`, kept in `cache` under `key`; `classes()` gives its punct_lm_aux
    class per character offset when the table has to be made."""
    path = cache / f"{key}.aux.npy"
    if not path.is_file():
        np.save(path, aux_table(enc, text, classes()))
    return np.load(path)


def encoded_rows(cache: Path, key: str, text: str, ends: list[int], enc: Encoder, taps: tuple[int, ...],
                 log: Callable[[str], None]) -> Rows:
    """Rows of one labelled text, encoded once per layer and kept in `cache` under `key`."""
    missing = tuple(t for t in taps if not (cache / f"{key}.L{t}.npy").is_file())
    if missing or not (cache / f"{key}.rows.npz").is_file():
        log(f"encoding {key}: {len(text):,} characters, layers {missing}")
        rows, hidden = featurize(enc, text, ends, missing or taps[:1])
        np.savez(cache / f"{key}.rows.npz", cats=rows.cats, labels=rows.labels)
        for t, h in hidden.items():
            np.save(cache / f"{key}.L{t}.npy", h)
    with np.load(cache / f"{key}.rows.npz") as z:
        hidden = np.concatenate([np.load(cache / f"{key}.L{t}.npy", mmap_mode="r") for t in taps], axis=-1)
        return Rows(hidden, z["cats"], z["labels"])


def extra_rows(source: str, chars: int, per_source: int, cache: Path, enc: Encoder, taps: tuple[int, ...],
               log: Callable[[str], None], aux: bool = False) -> dict[str, Rows]:
    """{"extra2-<source>-<chars>-<per_source>.corrupted.train": Rows} of harvested prose with silver
    labels (punct_lm_extra.py); the corrupted text is kept in `cache` too (harvesting takes minutes).
    The key holds ".corrupted." (the text is corrupted) and starts with "extra" (the trainer reads
    a share of it per pass). With `aux`, the rows also carry punct_lm_aux classes, read against
    the uncorrupted sentences."""
    key = f"extra2-{re.sub(r'[^A-Za-z0-9]+', '_', source).strip('_')}-{chars}-{per_source}.corrupted.train"
    path = cache / f"{key}.json"
    cache.mkdir(parents=True, exist_ok=True)
    data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    if not data or (aux and "clean" not in data):  # caches of older versions lack the clean text
        data = _harvest(source, chars, per_source, data.get("text"), log)
        path.write_text(json.dumps(data), encoding="utf-8")
    rows = encoded_rows(cache, key, data["text"], data["ends"], enc, taps, log)
    if aux:
        rows.aux = _cached_aux(cache, key, data["text"], lambda: classes_after_words(data["clean"], data["text"]), enc)
    return {key: rows}


def _harvest(source: str, chars: int, per_source: int, cached: str | None, log: Callable[[str], None]) -> dict[str, Any]:
    """{"text", "ends", "clean"} of the prose harvested from `source`; it must be `cached` when
    given (the encoder vectors kept for that text are reused)."""
    from .punct_lm_extra import auto_roots, corrupted_text, harvest

    log(f"harvesting up to {chars:,} characters of prose from {source} ({per_source:,} per package)")
    roots = auto_roots() if source == "auto" else [Path(source)]
    text, ends, clean = corrupted_text(harvest(roots, chars, per_source))
    if cached is not None and cached != text:
        raise ValueError(f"the prose harvested from {source} is not the cached text any more: remove the cache")
    return {"text": text, "ends": ends, "clean": clean}
