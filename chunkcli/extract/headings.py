"""Heading ranges shared by the HTML and PDF extractors: `[start, end, level, text]`."""

from __future__ import annotations


def section_ranges(heads: list[tuple[int, int, str]], text: str) -> list[list[int | str]]:
    """Each heading's range runs from its own start to the next heading of the same or a higher
    level (or the end of the text), trailing whitespace excluded; a chunk's heading path is then
    every heading whose range contains the chunk's start."""
    result: list[list[int | str]] = []
    for i, (start, level, title) in enumerate(heads):
        stop = next((s for s, lv, _ in heads[i + 1:] if lv <= level), len(text))
        while stop > start and text[stop - 1].isspace():
            stop -= 1
        result.append([start, stop, level, title])
    return result
