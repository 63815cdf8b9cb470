"""Extraction: one module per format behind one registry; `extract_item` dispatches."""

from __future__ import annotations

import importlib
from typing import Callable

from ..errors import InputError
from ..inputs import InputItem, looks_binary
from ..records import Document
from .base import REGISTRY, ExtractOptions, get_extractor, register
from .detect import detect_format

EXTRACTOR_MODULES = ("text", "html", "pdf")

__all__ = ["ExtractOptions", "REGISTRY", "extract_item", "get_extractor", "register"]


def load_all() -> None:
    for name in EXTRACTOR_MODULES:
        importlib.import_module(f"{__name__}.{name}")


def extract_item(item: InputItem, opts: ExtractOptions, warn: Callable[[str], None]) -> Document:
    """Read and extract one input; any problem with it raises InputError naming it."""
    try:
        data = item.read()
    except OSError as exc:
        raise InputError(item.source, exc.strerror or str(exc)) from None
    if not data:
        raise InputError(item.source, "empty file")
    fmt = opts.format or detect_format(item, data[:4096])[0]
    if fmt in ("text", "markdown", "code") and looks_binary(data[:8192]):
        raise InputError(item.source, "binary file (NUL bytes); not text")
    return get_extractor(fmt)(item, data, opts, warn)
