"""The extraction protocol: bytes in, one Document out, behind a registry by format."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol

from ..errors import UsageError
from ..inputs import InputItem
from ..records import Document


@dataclass(frozen=True)
class ExtractOptions:
    format: str | None = None  # override detection
    # HTML main content: "precision" (trafilatura's best setting on article benchmarks), "balanced" or "recall"
    favor: str | None = "precision"
    lang: str | None = None  # override language detection for code
    jobs: int = 1  # worker processes
    timeout: float | None = None  # seconds one input may take before it is abandoned


class Extractor(Protocol):
    def __call__(self, item: InputItem, data: bytes, opts: ExtractOptions, warn: Callable[[str], None]) -> Document:
        """Turn the raw bytes of `item` into a Document; raise InputError on bad input."""


REGISTRY: dict[str, Extractor] = {}


def register(*formats: str) -> Callable[[Extractor], Extractor]:
    def deco(fn: Extractor) -> Extractor:
        for fmt in formats:
            REGISTRY[fmt] = fn
        return fn

    return deco


def get_extractor(fmt: str) -> Extractor:
    from . import load_all

    load_all()
    if fmt not in REGISTRY:
        raise UsageError(f"unknown format {fmt!r}; choose one of: {', '.join(sorted(REGISTRY))}")
    return REGISTRY[fmt]
