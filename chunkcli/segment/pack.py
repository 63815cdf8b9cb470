"""The shared packer: units in, chunks out, never over the token cap.

Invariants (tested for every strategy): chunk text is the exact slice
`doc.text[start:end]`; chunks are ordered and non-empty; `n_tokens <= max_tokens`
always (a unit larger than the cap is split at token boundaries, never dropped);
chunk boundaries fall on unit boundaries unless a single unit exceeds the cap.
"""

from __future__ import annotations

import re
import unicodedata
from itertools import islice
from typing import Any, Callable, Iterable, Iterator, Sequence

from ..records import Chunk, Document
from ..token_cache import PUNCT
from ..tokens import TokenCounter
from .base import SegmentOptions, Unit

MergeMeta = Callable[[Sequence[Unit]], dict[str, Any]]
BATCH = 512  # units counted per tokenizer call while streaming
LONG_TOKEN = 100  # characters: WordPiece reads a longer word as one [UNK] (max_input_chars_per_word)
_LONG_RUN = re.compile(rf"[^\s{PUNCT}]{{{LONG_TOKEN + 1},}}")  # no token is longer than such a run


def common_meta(units: Sequence[Unit]) -> dict[str, Any]:
    """Default meta of a packed chunk: the keys all its units agree on, plus the unit count."""
    if len(units) == 1:
        return dict(units[0].meta)
    first = units[0].meta
    shared = {k: v for k, v in first.items() if all(u.meta.get(k, object()) == v for u in units[1:])}
    return {**shared, "units": len(units)}


def pack(
    doc: Document,
    units: Iterable[Unit],
    counter: TokenCounter,
    opts: SegmentOptions,
    strategy: str,
    merge_meta: MergeMeta = common_meta,
    exact_sums: bool = False,
) -> Iterator[Chunk]:
    """Chunks of `units`; `exact_sums` promises that every unit has an exact `n_tokens` and that the
    text from one unit's start to a later unit's end counts exactly the sum (no token spans a gap
    between units), so packed chunks need no recount."""
    text = doc.text  # a unit is dropped when blank; its first character settles most cases without a copy
    kept = (u for u in units if u.end > u.start and not (text[u.start].isspace() and text[u.start:u.end].isspace()))
    batches = _batched(kept, BATCH)  # streamed: the first chunks leave before the last units exist
    if opts.max_tokens <= 0:  # units are emitted as they are: count each exactly, ignore hints
        for batch in batches:
            for unit, n in zip(batch, _count_texts(doc.text, batch, counter)):
                yield _chunk(doc, unit.start, unit.end, n, strategy, dict(unit.meta))
        return
    sized = (pair for batch in batches for pair in zip(batch, _sizes(doc.text, batch, counter, opts.max_tokens)))
    for group in _groups(sized, opts):
        units_only = [u for u, _ in group]
        sizes = [n for _, n in group] if exact_sums else None
        yield from _emit_group(doc, units_only, counter, opts, strategy, merge_meta, sizes)


def _batched(items: Iterable[Unit], size: int) -> Iterator[list[Unit]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def _sizes(text: str, units: Sequence[Unit], counter: TokenCounter, cap: int) -> list[int]:
    """Token counts, with a unit holding a token longer than LONG_TOKEN characters made too big for
    the cap: it is then packed alone and cut (`_cuttable`), however few tokens it counts."""
    counts = _count_units(text, units, counter)
    return [cap + 1 if _long_token(text, u.start, u.end, counter) else n for u, n in zip(units, counts)]


def _long_token(text: str, start: int, end: int, counter: TokenCounter) -> bool:
    """Whether a token of text[start:end] is longer than LONG_TOKEN characters (a fast regex first)."""
    if not _LONG_RUN.search(text, start, end):
        return False
    return any(e - s > LONG_TOKEN for s, e in counter.spans(text[start:end]))


def _count_units(text: str, units: Sequence[Unit], counter: TokenCounter) -> list[int]:
    if all(u.n_tokens is not None for u in units):
        return [u.n_tokens for u in units]  # type: ignore[misc]
    return _count_texts(text, units, counter)


def _count_texts(text: str, units: Sequence[Unit], counter: TokenCounter) -> list[int]:
    texts = [text[u.start:u.end] for u in units]
    batch = getattr(counter, "count_batch", None)
    return list(batch(texts)) if batch else [counter.count(t) for t in texts]


Sized = tuple[Unit, int]


def _groups(sized: Iterable[Sized], opts: SegmentOptions) -> Iterator[list[Sized]]:
    """Greedy grouping by summed unit counts; overlap carries whole trailing units forward."""
    cap, group, total = opts.max_tokens, [], 0
    for unit, n in sized:
        if group and (unit.hard_break or total + n > cap or n > cap):
            yield group
            group = [] if unit.hard_break or n > cap else _carry(group, opts.overlap, cap - n)
            total = sum(k for _, k in group)
        group.append((unit, n))
        total += n
    if group:
        yield group


def _carry(group: list[Sized], overlap: int, room: int) -> list[Sized]:
    if overlap <= 0:  # not even zero-token units: without overlap, chunks never share text
        return []
    carried: list[Sized] = []
    budget = min(overlap, room)
    for unit, n in reversed(group[1:]):  # never carry the whole group: chunks must advance
        if n > budget:
            break
        budget -= n
        carried.insert(0, (unit, n))
    return carried


def _emit_group(
    doc: Document, group: list[Unit], counter: TokenCounter, opts: SegmentOptions,
    strategy: str, merge_meta: MergeMeta, sizes: list[int] | None = None,
) -> Iterator[Chunk]:
    cap = opts.max_tokens
    while group:
        start, end = group[0].start, group[-1].end
        n = sum(sizes) if sizes else counter.count(doc.text[start:end])
        if n <= cap and not (len(group) == 1 and _long_token(doc.text, start, end, counter)):
            yield _chunk(doc, start, end, n, strategy, merge_meta(group))
            return
        if len(group) == 1:  # a single unit over the cap: token windows, never dropped
            meta = {**group[0].meta, "split": True}
            # meta.score is the score of the boundary that ends a chunk: a cut inside the unit is none.
            inside = {**meta, "score": 0.0} if "score" in meta else meta
            for s, e, k in token_windows(doc.text, start, end, counter, cap, 0):
                yield _chunk(doc, s, e, k, strategy, meta if e >= end else inside)
            return
        # Summed unit counts can undercount a joined text (tokens merging across units): shrink.
        head = _fitting_prefix(doc.text, group, counter, cap)
        start, end = group[0].start, group[len(head) - 1].end
        yield _chunk(doc, start, end, counter.count(doc.text[start:end]), strategy, merge_meta(head))
        group, sizes = group[len(head):], sizes[len(head):] if sizes else None


def _fitting_prefix(text: str, group: list[Unit], counter: TokenCounter, cap: int) -> list[Unit]:
    for k in range(len(group) - 1, 0, -1):
        if counter.count(text[group[0].start:group[k - 1].end]) <= cap:
            return group[:k]
    return group[:1]  # the first unit alone is handled (and split if needed) on the next pass


def token_windows(
    text: str, start: int, end: int, counter: TokenCounter, cap: int, overlap: int
) -> Iterator[tuple[int, int, int]]:
    """Contiguous windows of at most `cap` tokens over text[start:end], as (start, end, n_tokens).

    Windows run from one token's start to the next window's first token, with
    surrounding whitespace trimmed, so characters the tokenizer ignores (control
    characters, odd spaces) stay inside a chunk instead of vanishing.
    """
    piece = text[start:end]
    spans = _cuttable(piece, list(counter.spans(piece)), counter)
    if not spans:
        s, e = strip_span(text, start, end)
        if s < e:
            yield s, e, 0
        return
    i, n = 0, len(spans)
    while i < n:
        j = _window_end(piece, spans, i, cap)
        s = start if i == 0 else start + spans[i][0]
        e = end if j >= n else start + spans[j][0]
        s, e = strip_span(text, s, e)
        k = counter.count(text[s:e])
        while k > cap and j - 1 > i:  # re-tokenizing a slice can differ at its edges
            j -= 1
            e = strip_span(text, s, start + spans[j][0])[1]
            k = counter.count(text[s:e])
        if s < e:
            yield s, e, k
        if j >= n:
            return
        i = max(i + 1, j - overlap) if overlap else j


def _cuttable(piece: str, spans: list[tuple[int, int]], counter: TokenCounter) -> list[tuple[int, int]]:
    """Token spans where a token longer than LONG_TOKEN characters is replaced by the tokens of its
    LONG_TOKEN-character slices. WordPiece reads such a word (a DNA or hex string, a run without
    spaces) as one [UNK]: without this a 3 MB run would be one chunk of one token, whatever the cap."""
    if all(e - s <= LONG_TOKEN for s, e in spans):
        return spans
    out: list[tuple[int, int]] = []
    for s, e in spans:
        if e - s <= LONG_TOKEN:
            out.append((s, e))
            continue
        a = s
        while a < e:
            b = _grapheme_edge(piece, a, min(a + LONG_TOKEN, e))
            out.extend([(a + x, a + y) for x, y in counter.spans(piece[a:b])] or [(a, b)])
            a = b
    return out


def _grapheme_edge(text: str, lo: int, hi: int) -> int:
    """`hi`, moved left while a cut there would split a character from the marks, joiners or
    selectors that join it (never as far as `lo`)."""
    cut = hi
    while lo + 1 < cut < len(text) and (_joins_previous(text[cut]) or text[cut - 1] == "\u200d"):
        cut -= 1
    return cut


def _joins_previous(c: str) -> bool:
    return (unicodedata.category(c) in ("Mn", "Mc", "Me") or c in "\u200c\u200d"
            or "\ufe00" <= c <= "\ufe0f" or "\U0001f3fb" <= c <= "\U0001f3ff")


def _window_end(piece: str, spans: Sequence[tuple[int, int]], i: int, cap: int) -> int:
    """Index of the first token after the window; prefers to stop before a word start."""
    j = min(i + cap, len(spans))
    if j >= len(spans):
        return j
    for cut in range(j, i + max(1, cap // 2), -1):
        if spans[cut - 1][1] < spans[cut][0]:  # a gap: the token at `cut` starts a new word
            return cut
    return j


def strip_span(text: str, s: int, e: int) -> tuple[int, int]:
    """The span [s, e) without leading and trailing whitespace."""
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


def _chunk(doc: Document, s: int, e: int, n: int, strategy: str, meta: dict[str, Any]) -> Chunk:
    return Chunk(doc_id=doc.id, source=doc.source, start=s, end=e, text=doc.text[s:e],
                 strategy=strategy, n_tokens=n, meta=meta)
