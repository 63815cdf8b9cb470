"""Shared test fixtures: a deterministic embedder by default, paths to generated fixtures and dev data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SHARED_DATA = Path(os.environ.get("CHUNKCLI_SHARED_DATA", ROOT.parent / "shared" / "data"))


@pytest.fixture(autouse=True)
def _hash_model_by_default(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    """Tests embed with the deterministic hashing model unless marked `real_model`."""
    if request.node.get_closest_marker("real_model") is None:
        monkeypatch.setenv("CHUNKCLI_MODEL", "hash")


@pytest.fixture
def shared_data() -> Path:
    """../shared/data, or skip: the tool and most tests must not need it."""
    if not (SHARED_DATA / "seg").is_dir():
        pytest.skip("../shared/data is not present")
    return SHARED_DATA


@pytest.fixture(scope="session")
def counter():
    from chunkcli.tokens import counter_for_model

    return counter_for_model("all-MiniLM-L6-v2")
