"""`--by sentence`: sentences of well-formed text, fast (≥ 1 M characters/s).

Candidate gaps (punctuation + whitespace, CJK terminals, line ends) are found
by one regex; rules settle most of them (sentence_gaps.py), and a small learned
model (chunkcli/models/sentence.*: five convolutional networks, the second to
fifth asked only where the first is unsure; trained by `python -m
chunkcli.train.punct`) scores the rest in batches — ":" before a capital, "." after a capital or a
number, "?" before a lowercase word, hard-wrapped lines. The model learned
those from UD data; the rules carry what UD cannot teach (abbreviations,
initials, list markers). Each unit's meta carries its boundary probability.
"""

from __future__ import annotations

from typing import Iterable, Iterator, Sequence

from ..records import Document
from ..tokens import TokenCounter
from .base import SegmentOptions, Unit, register
from .line_breaks import newline_view
from .sentence_units import merge_sentence_meta, units_from_probs

BATCH = 2048  # model questions scored at once: bounded memory on any input size


@register("sentence", "sentences (rules + a learned model at ambiguous punctuation; meta.score = boundary probability)")
class Sentences:
    name = "sentence"
    model = "sentence"

    def units(self, doc: Document, opts: SegmentOptions, counter: TokenCounter) -> Iterable[Unit]:
        from .punct_model import load_model

        model = load_model(self.model)
        view = newline_view(doc.text)
        threshold = model.threshold_for(view) if opts.threshold is None else opts.threshold
        return units_from_probs(doc.text, self.probs(model, view), threshold)

    def probs(self, model, text: str) -> Iterator[tuple[int, float]]:
        from .sentence_gaps import ASK

        pending: list[tuple[int, float]] = []
        asked: list[tuple[int, int]] = []
        for end, nxt, p in _rule_decisions(text):
            pending.append((end, p))
            if p == ASK:
                asked.append((end, nxt))
                if len(asked) >= BATCH:
                    yield from _answer(model, text, pending, asked)
                    pending, asked = [], []
        yield from _answer(model, text, pending, asked)

    def rule_probs(self, text: str) -> Iterator[tuple[int, float]]:
        """(end, p) at the candidate gaps the rules decide, in order; the gaps they leave to the
        model are skipped (a stronger model than this strategy's own can answer those)."""
        from .sentence_gaps import ASK

        return ((end, p) for end, _, p in _rule_decisions(text) if p != ASK)

    def merge_meta(self, units: Sequence[Unit]) -> dict:
        return merge_sentence_meta(units)


def _rule_decisions(text: str) -> Iterator[tuple[int, int, float]]:
    """(end, next start, p) at every candidate gap, p being the rules' probability or ASK."""
    from .sentence_gaps import candidate_gaps, decide

    return ((end, nxt, decide(text, end, nxt)) for end, nxt in candidate_gaps(text))


def _answer(model, text: str, pending: list[tuple[int, float]], asked: list[tuple[int, int]]) -> Iterator[tuple[int, float]]:
    """The pending gaps in order, with the model's probabilities filled in where rules asked for them."""
    from .sentence_gaps import ASK
    from .sentence_local import score_gaps

    answers = iter(score_gaps(model, text, asked).tolist())
    for end, p in pending:
        yield end, (next(answers) if p == ASK else p)
