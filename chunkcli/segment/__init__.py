"""Segmentation strategies behind one protocol, and the shared packer.

Strategy modules register themselves on import; `load_all` imports them
lazily (each keeps its heavy imports inside its functions).
"""

from __future__ import annotations

import importlib

from .base import DESCRIPTIONS, REGISTRY, SegmentOptions, Strategy, Unit, get_strategy, register
from .pipeline import segment_document

# Modules that define strategies (each keeps its heavy imports inside its functions).
STRATEGY_MODULES = ("fixed", "sentence", "punct", "punct_fast", "topic", "code", "auto")

__all__ = [
    "DESCRIPTIONS", "REGISTRY", "SegmentOptions", "Strategy", "Unit", "get_strategy",
    "load_all", "register", "segment_document",
]


def load_all() -> None:
    for name in STRATEGY_MODULES:
        importlib.import_module(f"{__name__}.{name}")
