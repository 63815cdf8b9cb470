"""Auxiliary training labels for the MiniLM punct heads: which punctuation followed each word.

SaT (Frohmann et al. 2024) trains its segmenter to also predict the punctuation that
corruption removed. The corrupted EWT text keeps no trace of it, so it is recovered
by aligning the corrupted text with the flat one (the same sentences before
corruption, shared seg README §1.3): every character of the corrupted text is the
lowercased next matching character of the flat text, and what the alignment skips
between two words is the removed punctuation. Only training reads these labels;
the shipped heads do not predict punctuation at run time.
"""

from __future__ import annotations

import numpy as np

# none , . ? ! (: or ;) other — sentence-final marks win when several were removed.
CLASSES = ("none", ",", ".", "?", "!", ":;", "other")
N_CLASSES = len(CLASSES)


def punct_class(removed: str) -> int:
    """The class of the punctuation removed between two words."""
    if not removed.strip():
        return 0
    for mark in "?!.":
        if mark in removed:
            return CLASSES.index(mark)
    if "," in removed:
        return 1
    return 5 if ":" in removed or ";" in removed else 6


def classes_after_words(flat: str, corrupted: str) -> np.ndarray:
    """For every offset e of `corrupted` that ends a word: the class of the punctuation that
    followed that word in `flat` (0 elsewhere). Raises ValueError when the texts do not align."""
    out = np.zeros(len(corrupted) + 1, dtype=np.int8)
    i, word_end = 0, None
    for j, c in enumerate(corrupted):
        if c == " ":
            continue
        start = i
        while i < len(flat) and flat[i].lower() != c:
            i += 1
        if i >= len(flat):
            raise ValueError(f"corrupted text does not align with the flat text at offset {j}")
        if word_end is not None and corrupted[j - 1] == " ":  # first letter of the next word
            out[word_end] = punct_class(flat[start:i])
        i += 1
        if j + 1 == len(corrupted) or corrupted[j + 1] == " ":
            word_end = j + 1
    if word_end is not None:
        out[word_end] = punct_class(flat[i:])
    return out
