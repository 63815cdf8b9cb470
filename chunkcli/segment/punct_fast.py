"""`--by punct-fast`: the small punctuation-agnostic model, for speed and for de/fr/es/zh.

The shipped network (chunkcli/models/punct.*, a convolution + bidirectional
GRU over word features, trained by `python -m chunkcli.train.punct` on clean,
flat, lowercased and punctuation-stripped UD text in en/de/fr/es/zh) scores
every gap between tokens, so it finds boundaries in lowercase text without
punctuation or newlines, at ~200 k characters/s. On text that does have
sentence punctuation, the `sentence` strategy's decisions (rules + its model)
take precedence at the gaps it considers, and the network decides everywhere
else. `--threshold` sets the probability needed to cut (default: tuned on the
dev sets, one value for punctuated text and one for text without
punctuation); each unit's meta.score is the probability of its end boundary.
`--by punct` uses this model for every language but English.
"""

from __future__ import annotations

import heapq
import math
from typing import Callable, Iterable, Iterator

from .base import register
from .sentence import Sentences

Probs = Iterable[tuple[int, float]]


@register("punct-fast", "punctuation-agnostic sentences, small fast model (en/de/fr/es/zh; --threshold, meta.score)")
class FastPunctSentences(Sentences):
    name = "punct-fast"
    model = "punct"

    def probs(self, model, text: str) -> Iterator[tuple[int, float]]:
        from .punct_features import is_bare
        from .punct_model import gap_probs

        return sentence_decisions_first(text, is_bare(text), gap_probs(model, text), model.threshold)


def sentence_decisions_first(text: str, bare: bool, model_probs: Probs, threshold: float,
                             rules_only: bool = False) -> Iterator[tuple[int, float]]:
    """A punct model's gap probabilities, overruled by the `sentence` strategy at the gaps it
    decides on punctuated text; on bare text (its rules assume punctuation and case) the model's alone.

    With `rules_only`, only the `sentence` rules overrule: the gaps they leave open (":" before
    a capital, a word before a capital...) go to the punct model rather than to `sentence`'s own
    small network — right for a punct model that answers those better (the MiniLM one does, the
    `punct-fast` one does not; docs/sentences.md).
    `sentence` scores are rescaled so that its own threshold falls on `threshold` (the punct
    model's): at the default thresholds it cuts where `--by sentence` would, at the gaps it decides."""
    from .punct_model import load_model

    if bare:
        return iter(model_probs)
    sentence = load_model("sentence")
    rescale = threshold_map(sentence.threshold, threshold)
    decided = Sentences().rule_probs(text) if rules_only else Sentences().probs(sentence, text)
    return prefer_first(((e, rescale(p)) for e, p in decided), model_probs)


def threshold_map(source: float, target: float) -> Callable[[float], float]:
    """The increasing piecewise-linear map of [0, 1] onto itself that sends `source` to `target`."""
    if not (0 < source < 1 and 0 < target < 1):
        return lambda p: p
    low, high = target / source, (1 - target) / (1 - source)
    below = math.nextafter(target, 0.0)  # p * low may round up to `target`: keep p's side of the cut
    return lambda p: min(p * low, below) if p < source else target + (p - source) * high


def prefer_first(first: Probs, second: Probs) -> Iterator[tuple[int, float]]:
    """Two streams of (end, p) in increasing order, merged; where both score a gap, `first` wins."""
    tagged = heapq.merge(((e, 0, p) for e, p in first), ((e, 1, p) for e, p in second))
    last = -1
    for end, _, p in tagged:
        if end != last:
            yield end, p
            last = end
