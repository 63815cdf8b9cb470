"""Sentence-end probabilities from MiniLM + the trained head, streamed over any text size.

The text is read in character windows (punct_model.windows: ~20 k characters
plus context on both sides, cut between tokens); each window becomes word
pieces, the pieces overlapping model windows of 254 (punct_lm_encoder), and
one batch through the encoder and the head. Memory is bounded by the window,
never by the input.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterator

import numpy as np

from .punct_lm_encoder import WINDOW, Encoder, Pieces, load_encoder, plan_windows
from .punct_lm_features import piece_features
from .punct_lm_head import HeadModel, load_head

MODEL_PATH = Path(__file__).resolve().parent.parent / "models" / "punct_lm"
CHAR_WINDOW, CHAR_MARGIN = 20_000, 600  # ~5 k pieces per batch; ~150 pieces of context at the cuts


@dataclass
class Prepared:
    """One character window as model input: pieces, per-piece features, and the model windows."""

    pieces: Pieces
    cats: np.ndarray       # (n,) categorical feature id per piece
    breakable: np.ndarray  # (n,) a sentence may end after the piece
    plan: list[tuple[int, int, int, int]]
    ids: np.ndarray        # (windows, WINDOW) piece ids, 0-padded
    lengths: np.ndarray    # (windows,)

    def rows(self, values: np.ndarray, fill: int = 0, width: int = WINDOW) -> np.ndarray:
        """Per-piece `values` laid out as the model windows (windows, width)."""
        out = np.full((len(self.plan), width), fill, dtype=values.dtype)
        for r, (lo, hi, _, _) in enumerate(self.plan):
            out[r, :hi - lo] = values[lo:hi]
        return out

    def kept(self) -> tuple[np.ndarray, np.ndarray]:
        """(row, column) of every piece in the window it is read from, in piece order."""
        rows = np.concatenate([np.full(b - a, r) for r, (_, _, a, b) in enumerate(self.plan)] or [np.zeros(0, int)])
        cols = np.concatenate([np.arange(a - lo, b - lo) for lo, _, a, b in self.plan] or [np.zeros(0, int)])
        return rows.astype(np.int64), cols.astype(np.int64)


def prepare(enc: Encoder, text: str, base: int = 0) -> Prepared:
    """Model input for `text` (a window starting at absolute offset `base`)."""
    pieces = enc.pieces(text, base)
    cats, breakable = piece_features(text, pieces.starts - base, pieces.ends - base)
    plan = plan_windows(len(pieces.ids))
    prep = Prepared(pieces, cats, breakable, plan, np.zeros((0, WINDOW), np.int64), np.zeros(0, np.int64))
    prep.lengths = np.asarray([hi - lo for lo, hi, _, _ in plan], dtype=np.int64)
    prep.ids = prep.rows(pieces.ids, width=int(prep.lengths.max(initial=0)))  # short texts: no padding to run
    return prep


def piece_probs(model: HeadModel, enc: Encoder, prep: Prepared) -> np.ndarray:
    """Sentence-end probability after every piece of a prepared window."""
    import torch

    if not prep.plan:
        return np.zeros(0, dtype=np.float32)
    width = prep.ids.shape[1]
    hidden = enc.encode(prep.ids, prep.lengths, model.encoder_taps)[:, 1:width + 1]
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a GRU steps once per piece: on a busy machine a 2nd thread only waits (~15x slower)
    try:
        with torch.inference_mode():
            logits = model.net(hidden, torch.from_numpy(prep.rows(prep.cats, width=width)))
    finally:
        torch.set_num_threads(threads)
    rows, cols = prep.kept()
    return torch.sigmoid(logits[rows, cols]).numpy()


def gap_probs(model: HeadModel, text: str) -> Iterator[tuple[int, float]]:
    """(end offset, probability) at every breakable gap of `text`, in increasing order."""
    from .punct_model import windows

    enc = load_encoder(model.cfg.frozen)
    for lo, hi, keep_lo, keep_hi in windows(text, CHAR_WINDOW, CHAR_MARGIN):
        prep = prepare(enc, text[lo:hi], lo)
        probs = piece_probs(model, enc, prep)
        ends = prep.pieces.ends
        idx = np.flatnonzero(prep.breakable & (ends > keep_lo) & (ends <= keep_hi))
        yield from zip(ends[idx].tolist(), probs[idx].tolist())


@lru_cache(maxsize=1)
def load_lm_model() -> HeadModel:
    return load_head(MODEL_PATH)
