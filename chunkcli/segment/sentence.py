"""`--by sentence`: sentences of well-formed text, fast (≥ 1 M characters/s).

A small learned model (chunkcli/models/sentence.*, trained by
`python -m chunkcli.train.punct`) scores only the gaps where a sentence can
end in punctuated text: after punctuation followed by whitespace, after CJK
terminals, and at newlines. It learns abbreviations, initials, lowercase
sentence starts, quotes and list items from UD data instead of hand rules;
decimals, URLs and e-mail addresses have no whitespace after their dots, so
they are never candidates. Each unit's meta carries the boundary probability.
"""

from __future__ import annotations

from typing import Iterable, Iterator, Sequence

from ..records import Document
from ..tokens import TokenCounter
from .base import SegmentOptions, Unit, register
from .sentence_units import merge_sentence_meta, units_from_probs


@register("sentence", "sentences (learned model at punctuation and newlines; meta.score = boundary probability)")
class Sentences:
    name = "sentence"
    model = "sentence"
    candidates_only = True

    def units(self, doc: Document, opts: SegmentOptions, counter: TokenCounter) -> Iterable[Unit]:
        from .punct_model import load_model

        model = load_model(self.model)
        threshold = model.threshold if opts.threshold is None else opts.threshold
        return units_from_probs(doc.text, self.probs(model, doc.text), threshold)

    def probs(self, model, text: str) -> Iterator[tuple[int, float]]:
        from .punct_model import gap_probs
        from .sentence_rules import adjust

        for end, p in gap_probs(model, text, self.candidates_only):
            yield end, adjust(text, end, p)

    def merge_meta(self, units: Sequence[Unit]) -> dict:
        return merge_sentence_meta(units)
