"""Page furniture: running headers, footers and page numbers, found by repetition across pages.

A block is furniture when it sits in the top or bottom margin of its page and
either reads as a page number ("12", "Page 3 of 9", "- iv -") or its text, with
digits masked, recurs in the margins of at least half the pages (odd/even running
heads each reach half). Body text outside the margins is never touched.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from .pdf_layout import Block

MARGIN = 0.09  # fraction of the page height at top and bottom
_ROMAN = r"(?=[ivxlcdm])m{0,3}(?:cm|cd|d?c{0,3})(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})"
_PAGE_NO = re.compile(rf"^[\s\-–—|.]*(?:page|seite|p\.)?\s*(?:\d{{1,5}}|{_ROMAN})"
                      r"(?:\s*(?:/|of|von|sur)\s*\d{1,5})?[\s\-–—|.]*$", re.IGNORECASE)


def margin_key(block: Block, height: float) -> str | None:
    """The repetition key of a margin block (digits masked), or None for body blocks."""
    if block.y1 > height * MARGIN and block.y0 < height * (1 - MARGIN):
        return None
    return re.sub(r"\s+", " ", re.sub(r"\d+", "#", block.text.lower())).strip()


def repeated_keys(keys_per_page: list[set[str]]) -> set[str]:
    n = len(keys_per_page)
    if n < 2:
        return set()
    counts = Counter(k for keys in keys_per_page for k in keys)
    need = max(2, math.ceil(n / 2))
    return {k for k, c in counts.items() if c >= need}


def is_furniture(block: Block, height: float, repeated: set[str]) -> bool:
    key = margin_key(block, height)
    if key is None:
        return False
    return key in repeated or bool(_PAGE_NO.match(block.text))
