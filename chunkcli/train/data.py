"""Training texts for the boundary models: UD train splits, clean and corrupted, SaT-style.

Every variant keeps the gold sentence ends valid: the given structured / flat /
corrupted files come with their own gold offsets, and the augmentations made
here (lowercasing, hard-wrapping lines, dropping newlines) never change the
text length, so the same offsets hold.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

from ..boundaries import gold_path, load_gold, normalise
from ..segment.punct_features import PAD, TOKEN_RE, tokenize

TRAIN_SETS = ("en_ewt.train", "de_pud.train", "fr_pud.train", "es_pud.train", "zh_pud.train")
DEV_SETS = ("en_ewt.dev", "de_gsd.dev", "fr_gsd.dev", "es_gsd.dev", "zh_gsdsimp.dev")
VARIANTS = ("structured", "flat", "corrupted")
HELD_OUT_SET = "en_ewt.train"  # thresholds are tuned on its last tenth when training holds it out
# Copies with unended sentences: web text (EWT) only. PUD's edited news and Wikipedia end their
# sentences (such copies cost fr/es ~1 F1 point), and Chinese has no space where a full stop goes.
UNENDED_SETS = ("en_ewt.train",)


@dataclass
class Labelled:
    name: str
    text: str
    ends: list[int]


def training_texts(ud: Path, seed: int = 13, holdout: float = 0.0) -> list[Labelled]:
    """Every train split in every layout; `holdout` > 0 keeps the last share of EWT train out (see held_out)."""
    rng = random.Random(seed)
    out: list[Labelled] = []
    for tb in TRAIN_SETS:
        for variant in VARIANTS:
            g = _train_part(ud, tb, variant, holdout)
            out.append(Labelled(f"{tb}.{variant}", g.text, g.ends))
            if variant == "corrupted":  # twice: the hardest case gets more weight
                out.append(Labelled(f"{tb}.{variant}.again", g.text, g.ends))
            if variant != "corrupted":
                lower = g.text.lower()
                if len(lower) == len(g.text):  # str.lower() can change length (İ): then skip
                    out.append(Labelled(f"{tb}.{variant}.lower", lower, g.ends))
        g = _train_part(ud, tb, "structured", holdout)
        out.append(Labelled(f"{tb}.wrapped", _wrap(g.text, rng), g.ends))
    return [t for t in out if t.text]


def _train_part(ud: Path, tb: str, variant: str, holdout: float) -> Labelled:
    """A train split, without its held-out documents when it is EWT (the only English train set)."""
    g = load_gold(gold_path(ud, tb, variant))
    whole = Labelled(f"{tb}.{variant}", g.text, g.ends)
    return split_docs(ud, whole, holdout)[0] if holdout and tb == HELD_OUT_SET else whole


def split_docs(ud: Path, t: Labelled, share: float) -> tuple[Labelled, Labelled]:
    """(kept, held out): every round(1/share)-th document of EWT train is held out, so the held-out
    part has every genre (the file runs genre by genre). The variants of a split have the same
    sentences, and the documents are read from the structured layout (blank lines)."""
    held = _held_sentences(ud, round(1 / share))
    return _select(t, [not h for h in held], t.name), _select(t, held, f"{t.name}.held_out")


def _held_sentences(ud: Path, every: int) -> list[bool]:
    """Per sentence of EWT train: does it belong to a held-out document?"""
    g = load_gold(gold_path(ud, HELD_OUT_SET, "structured"))
    doc, out = 0, []
    for piece in _sentences(g.text, g.ends):
        doc += "\n\n" in piece[:len(piece) - len(piece.lstrip())]  # the blank line before a new document
        out.append(doc % every == every - 1)
    return out


def _select(t: Labelled, keep: list[bool], name: str) -> Labelled:
    """The sentences marked in `keep`, each with the whitespace before it, joined; ends recomputed."""
    return _joined(name, (piece for piece, k in zip(_sentences(t.text, t.ends), keep) if k))


def _sentences(text: str, ends: list[int]) -> list[str]:
    """Each sentence with the whitespace before it: the text from the previous end to its own."""
    return [text[a:b] for a, b in zip([0, *ends[:-1]], ends)]


def _joined(name: str, pieces: Iterable[str], tail: str = "") -> Labelled:
    """Sentence pieces (as `_sentences` gives them) joined, with their ends, then `tail`."""
    parts, ends, at = [], [], 0
    for piece in pieces:
        parts.append(piece)
        at += len(piece)
        ends.append(at)
    return Labelled(name, "".join(parts) + tail, ends)


def held_out(ud: Path, share: float, variants: tuple[str, ...] = ("structured", "flat")) -> list[Labelled]:
    """The held-out documents of EWT train in each variant: for tuning thresholds without dev."""
    out = []
    for variant in variants:
        g = load_gold(gold_path(ud, HELD_OUT_SET, variant))
        out.append(split_docs(ud, Labelled(f"{HELD_OUT_SET}.{variant}", g.text, g.ends), share)[1])
    return out


def sentence_texts(ud: Path, seed: int = 13, holdout: float = 0.0, unended: float = 0.3) -> list[Labelled]:
    """`training_texts` plus more layouts of the EWT train text for the `sentence` model, which sees
    only the gaps its rules leave open: more varied contexts for those few questions generalise
    better (without the lowercased copies dev F1 drops ~0.7). Each keeps the text length."""
    rng = random.Random(seed + 1)
    out = training_texts(ud, seed, holdout)
    g = _train_part(ud, HELD_OUT_SET, "structured", holdout)
    out.append(Labelled("en_ewt.train.some_newlines", _drop_newlines(g.text, rng, 0.5), g.ends))
    out.append(Labelled("en_ewt.train.wrapped2", _wrap(_drop_newlines(g.text, rng, 0.3), rng), g.ends))
    return out + unended_copies(ud, seed, holdout, unended)


def punct_texts(ud: Path, seed: int = 13, holdout: float = 0.0, unended: float = 0.0,
                extra: Iterable[Labelled] = ()) -> list[Labelled]:
    """`training_texts` plus `unended_copies` (the punct model scores every gap, so it must see
    sentences that end without punctuation inside otherwise punctuated text), plus `extra` texts
    (harvested de/fr/es/zh prose, punct_extra_lang.extra_lang_texts)."""
    return training_texts(ud, seed, holdout) + unended_copies(ud, seed, holdout, unended) + list(extra)


def unended_copies(ud: Path, seed: int, holdout: float, p: float) -> list[Labelled]:
    """A flat copy of each train split in UNENDED_SETS with the final punctuation of a share `p` of its
    sentences removed (none when `p` is 0): web text often ends a passage or a document without
    it ("... so come early Stayed in the ..."), and topic units need such ends as candidate cuts."""
    if p <= 0:
        return []
    rng = random.Random(seed + 2)
    return [_drop_final_punct(Labelled(f"{tb}.flat.unended", g.text, g.ends), rng, p)
            for tb in UNENDED_SETS for g in [_train_part(ud, tb, "flat", holdout)]]


_FINAL = re.compile(r"[.!?]+$")


def _drop_final_punct(t: Labelled, rng: random.Random, p: float) -> Labelled:
    """Each sentence's trailing . ! ? run is deleted with probability `p` (when a word precedes it);
    the text gets shorter, so the sentence ends are recomputed."""
    def unended(piece: str) -> str:
        m = _FINAL.search(piece)
        if m and m.start() > 0 and piece[m.start() - 1].isalnum() and rng.random() < p:
            return piece[:m.start()]
        return piece

    tail = t.text[t.ends[-1]:] if t.ends else t.text
    return _joined(t.name, map(unended, _sentences(t.text, t.ends)), tail)


def _drop_newlines(text: str, rng: random.Random, p: float) -> str:
    """Each single newline becomes a space with probability `p` (paragraphs partly flattened)."""
    chars = list(text)
    for i, c in enumerate(chars):
        if c == "\n" and 0 < i < len(chars) - 1 and chars[i - 1] != "\n" and chars[i + 1] != "\n" and rng.random() < p:
            chars[i] = " "
    return "".join(chars)


def _wrap(text: str, rng: random.Random) -> str:
    """Hard-wrap lines at 40-90 columns (space → newline), as plain-text mail and PDFs do."""
    chars, col, width = list(text), 0, rng.randint(40, 90)
    for i, c in enumerate(chars):
        col = 0 if c == "\n" else col + 1
        if c == " " and col >= width:
            chars[i], col, width = "\n", 0, rng.randint(40, 90)
    return "".join(chars)


def build_vocab(texts: list[Labelled], size: int, suffix_size: int) -> tuple[list[str], list[str]]:
    words: Counter[str] = Counter()
    for t in texts:
        words.update(m.lower() for m in TOKEN_RE.findall(t.text))
    suffixes: Counter[str] = Counter()
    for w, n in words.items():
        suffixes[w[-3:]] += n
    top = [w for w, n in words.most_common(size) if n >= 2]
    top_s = [s for s, n in suffixes.most_common(suffix_size) if n >= 2]
    return ["<pad>", "<unk>", *top], ["<pad>", "<unk>", *top_s]


@dataclass
class Encoded:
    """All training texts as one token stream (PAD between texts) with labels (-1 = ignore)."""

    words: np.ndarray
    suffixes: np.ndarray
    shapes: np.ndarray
    labels: np.ndarray
    candidates: np.ndarray


def encode(texts: list[Labelled], vocab: list[str], suffixes: list[str], reach: int,
           asked_only: bool = False) -> Encoded:
    """`asked_only`: the candidates are only the gaps `--by sentence` asks its model about
    (its rules settle the others), so that model trains on exactly the questions it will get."""
    v = {w: i for i, w in enumerate(vocab)}
    s = {x: i for i, x in enumerate(suffixes)}
    parts: list[tuple[np.ndarray, ...]] = []
    for t in texts:
        toks = tokenize(t.text, 0, v, s)
        gold = normalise(t.text, t.ends) | {len(t.text.rstrip())}
        labels = np.isin(toks.ends, np.fromiter(gold, dtype=np.int64)).astype(np.int64)
        candidates = np.isin(toks.ends, asked_gaps(t.text)) if asked_only else toks.candidates
        parts.append((toks.words, toks.suffixes, toks.shapes, labels, candidates))
        pad = np.full(reach, PAD, dtype=np.int64)
        parts.append((pad, pad, pad, pad - 1, np.zeros(reach, dtype=bool)))
    cols = [np.concatenate(c) for c in zip(*parts)]
    return Encoded(*cols)


def asked_gaps(text: str) -> np.ndarray:
    """End offsets of the gaps whose decision the sentence rules leave to the model."""
    from ..segment.sentence_gaps import ASK, candidate_gaps, decide

    return np.fromiter((end for end, nxt in candidate_gaps(text) if decide(text, end, nxt) == ASK), dtype=np.int64)
