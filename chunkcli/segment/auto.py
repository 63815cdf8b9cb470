"""`--by auto`: the code strategy for source files, sentence packing for everything else."""

from __future__ import annotations

from typing import Any, Sequence

from ..records import Document
from ..tokens import TokenCounter
from .base import SegmentOptions, Strategy, Unit, get_strategy, register
from .code_languages import GRAMMARS, language_for, normalise
from .pack import common_meta


def is_source_code(doc: Document) -> bool:
    """Extraction marked it as code, or its language or file extension has a syntax grammar."""
    if doc.format == "code":
        return True
    return normalise(doc.lang) in GRAMMARS or language_for(None, doc.source) in GRAMMARS


@register("auto", "code for source files, sentence packing for prose")
class AutoChunks:
    name = "auto"

    def __init__(self) -> None:
        self._impl: Strategy | None = None

    def units(self, doc: Document, opts: SegmentOptions, counter: TokenCounter) -> list[Unit]:
        self._impl = get_strategy("code" if is_source_code(doc) else "sentence")
        return list(self._impl.units(doc, opts, counter))

    def merge_meta(self, units: Sequence[Unit]) -> dict[str, Any]:
        merge = getattr(self._impl, "merge_meta", None)
        return merge(units) if merge else common_meta(units)

