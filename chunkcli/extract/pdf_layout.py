"""One PDF page → text blocks in reading order, with tables as Markdown.

Reading order: pymupdf's blocks sorted top to bottom, except where a band of the
page holds two columns (blocks wholly left and wholly right of the centre line,
between full-width blocks): there the left column is read before the right.
A word hyphenated at a line end is joined again (MuPDF's own flag misses
hyphens at the end of text lines in many generated PDFs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# A letter, a hyphen at the end of a line, a lower-case letter: a word broken by the typesetter.
_HYPHEN_BREAK = re.compile(r"([^\W\d_])[-\u2010]\n(?=[a-zà-ÿß])")
GUTTER = 10.0  # points a column block may cross the centre line


@dataclass(frozen=True)
class Block:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str


def page_blocks(page: Any, tables: bool = True) -> list[Block]:
    import pymupdf

    flags = pymupdf.TEXT_DEHYPHENATE | pymupdf.TEXT_MEDIABOX_CLIP
    raw = [Block(*b[:4], _tidy(b[4])) for b in page.get_text("blocks", flags=flags) if b[6] == 0]
    raw = [b for b in raw if b.text]
    found = _tables(page) if tables and _has_rules(page) else []
    if found:
        raw = [b for b in raw if not any(_inside(b, t) for t in found)] + found
    return reading_order(raw, page.rect.width)


def _tidy(text: str) -> str:
    lines = (line.rstrip() for line in text.replace("\u00ad", "").split("\n"))
    return _HYPHEN_BREAK.sub(r"\1", "\n".join(line for line in lines if line.strip()).strip())


def _has_rules(page: Any) -> bool:
    """Table finding costs ~10x text extraction; pages without vector lines have no ruled tables."""
    return bool(page.get_cdrawings())


def _tables(page: Any) -> list[Block]:
    result = []
    for tab in page.find_tables().tables:
        md = tab.to_markdown(clean=False).strip()
        if md and tab.row_count > 1:
            result.append(Block(*tab.bbox, md))
    return result


def _inside(b: Block, t: Block) -> bool:
    cx, cy = (b.x0 + b.x1) / 2, (b.y0 + b.y1) / 2
    return t.x0 <= cx <= t.x1 and t.y0 <= cy <= t.y1


def reading_order(blocks: list[Block], width: float) -> list[Block]:
    """Top to bottom; inside a two-column band, the whole left column before the right."""
    mid = width / 2
    out: list[Block] = []
    band: list[Block] = []
    for b in sorted(blocks, key=lambda b: (b.y0, b.x0)):
        if b.x1 <= mid + GUTTER or b.x0 >= mid - GUTTER:
            band.append(b)
            continue
        out += _columns(band, mid)
        band = []
        out.append(b)
    return out + _columns(band, mid)


def _columns(band: list[Block], mid: float) -> list[Block]:
    left = [b for b in band if b.x1 <= mid + GUTTER]
    right = [b for b in band if b not in left]
    if not left or not right:
        return band
    return left + right
