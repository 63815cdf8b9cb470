"""`--by punct`: punctuation-agnostic sentences (ASR transcripts, OCR, chat, flattened PDFs).

The shipped model (chunkcli/models/punct.*, trained by
`python -m chunkcli.train.punct` on clean, flat, lowercased and
punctuation-stripped UD text in en/de/fr/es/zh) scores every gap between
tokens, so it finds boundaries in lowercase text without punctuation or
newlines. `--threshold` sets the probability needed to cut (default: tuned on
the dev sets); each unit's meta.score is the probability of its end boundary.
"""

from __future__ import annotations

from .base import register
from .sentence import Sentences


@register("punct", "punctuation-agnostic sentences (learned model at every gap; --threshold, meta.score)")
class PunctSentences(Sentences):
    name = "punct"
    model = "punct"
    candidates_only = False

    def probs(self, model, text: str):
        from .punct_model import gap_probs

        return gap_probs(model, text)  # no rules: they assume punctuation and case
