"""Line-aware fallback for code without a usable syntax tree (unknown language, syntax errors).

Units are blocks of non-blank lines; a block over the cap is cut where the
indentation returns to the block's own level (its top-level statements), and
a piece still over the cap becomes single lines, which the shared packer
token-windows if one line alone is too long. Boundaries are always line ends.
"""

from __future__ import annotations

import re
from typing import Iterator, Sequence

from ..tokens import TokenCounter
from .pack import strip_span

Span = tuple[int, int]
_LINE = re.compile(r"[^\n]*\n?")


def line_spans(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Non-blank lines of text[start:end], trimmed of surrounding whitespace."""
    end = len(text) if end is None else end
    spans = []
    for m in _LINE.finditer(text, start, end):
        s, e = strip_span(text, m.start(), m.end())
        if s < e:
            spans.append((s, e))
    return spans


def line_units(text: str, counter: TokenCounter, cap: int) -> list[Span]:
    """Blocks of consecutive non-blank lines, split further while over the cap."""
    out: list[Span] = []
    for block in _blocks(text, line_spans(text)):
        out.extend(_fit(text, block, counter, cap))
    return out


def _blocks(text: str, lines: Sequence[Span]) -> Iterator[list[Span]]:
    block: list[Span] = []
    for span in lines:
        if block and "\n\n" in _gap(text, block[-1][1], span[0]):
            yield block
            block = []
        block.append(span)
    if block:
        yield block


def _fit(text: str, lines: list[Span], counter: TokenCounter, cap: int) -> list[Span]:
    whole = (lines[0][0], lines[-1][1])
    if cap <= 0 or len(lines) == 1 or counter.count(text[whole[0]:whole[1]]) <= cap:
        return [whole]
    parts = _by_indent(text, lines)
    if len(parts) == 1:  # no top-level statement starts inside: every line on its own
        return [(s, e) for s, e in lines]
    return [span for part in parts for span in _fit(text, part, counter, cap)]


def _by_indent(text: str, lines: list[Span]) -> list[list[Span]]:
    """Cut before each line indented no deeper than the block's least-indented line."""
    depth = [_indent(text, s) for s, _ in lines]
    least = min(depth)
    parts: list[list[Span]] = []
    for span, d in zip(lines, depth):
        if not parts or d == least:
            parts.append([])
        parts[-1].append(span)
    return parts


def _indent(text: str, s: int) -> int:
    line_start = text.rfind("\n", 0, s) + 1
    return s - line_start


def _gap(text: str, a: int, b: int) -> str:
    return re.sub(r"[^\S\n]", "", text[a:b])

