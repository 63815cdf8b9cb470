"""Sentence-boundary precision, recall and F1, scored as the shared seg data README §1.2 says.

A boundary is a sentence end offset. Gold and predicted offsets are both moved
left over whitespace before comparison (so "Hi. |There" and "Hi.| There" are
the same boundary); offset 0 and the end of the text are not counted. Scores are
micro-averaged over all boundaries of a file (or of several, via `Score.__add__`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable


@dataclass(frozen=True)
class Score:
    """Boundary counts; precision/recall/F1 derive from them (as percentages)."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def __add__(self, other: "Score") -> "Score":
        return Score(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    @property
    def precision(self) -> float:
        return 100.0 * self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return 100.0 * self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def normalise(text: str, ends: Iterable[int]) -> set[int]:
    """End offsets moved left over whitespace, without offset 0 and the end of the (stripped) text."""
    last = len(text.rstrip())
    out = set()
    for e in ends:
        e = min(max(e, 0), len(text))
        while e > 0 and text[e - 1].isspace():
            e -= 1
        if 0 < e < last:
            out.add(e)
    return out


def score(text: str, gold_ends: Iterable[int], pred_ends: Iterable[int]) -> Score:
    gold, pred = normalise(text, gold_ends), normalise(text, pred_ends)
    tp = len(gold & pred)
    return Score(tp=tp, fp=len(pred) - tp, fn=len(gold) - tp)


@dataclass(frozen=True)
class GoldFile:
    """One `segbench-sentences-v1` text file with its gold sentence ends."""

    name: str
    text: str
    ends: list[int]
    lang: str
    variant: str


def load_gold(gold_json: Path) -> GoldFile:
    meta = json.loads(gold_json.read_text(encoding="utf-8"))
    text = (gold_json.parent / meta["text_file"]).read_text(encoding="utf-8")
    return GoldFile(name=meta["text_file"], text=text, ends=list(meta["sentence_ends"]),
                    lang=meta["lang"], variant=meta["variant"])


def gold_path(folder: Path, treebank_split: str, variant: str) -> Path:
    """e.g. (ud, "en_ewt.dev", "flat") → ud/en_ewt.dev.flat.gold.json; "structured" has no infix."""
    infix = "" if variant == "structured" else f".{variant}"
    return folder / f"{treebank_split}{infix}.gold.json"
