"""The real offline model end to end, and the lean query path against sentence-transformers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import FIXTURES

pytestmark = pytest.mark.real_model
MODEL = "all-MiniLM-L6-v2"
TEXTS = ["how are chunks stored and searched", "what happens to a corrupt PDF", "Ünïcödé 漢字 🙂 e\u0301",
         "a\r\nb\tc\0d", "word " * 400, ""]


def test_lean_query_vectors_match_sentence_transformers() -> None:
    from chunkcli.embed import get_embedder
    from chunkcli.query_embed import NumpyBertEmbedder, query_embedder

    lean = query_embedder(MODEL)
    assert isinstance(lean, NumpyBertEmbedder)
    cos = (lean.embed(TEXTS) * get_embedder(MODEL).embed(TEXTS)).sum(1)
    assert cos.min() >= 0.999, cos


def test_query_process_never_imports_torch(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    env = {k: v for k, v in os.environ.items() if k != "CHUNKCLI_MODEL"}
    subprocess.run([sys.executable, "-m", "chunkcli", "index", str(FIXTURES / "corpus"), "--db", str(db), "-q"],
                   check=True, env=env)
    probe = ("import sys, json; from chunkcli.search import Searcher, SearchOptions; "
             f"hits = Searcher({str(db)!r}).search('how are chunks stored and searched', SearchOptions(k=3)); "
             "print(json.dumps([h['source'] for h in hits])); "
             "print(json.dumps(sorted(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", probe], check=True, env=env, capture_output=True, text=True).stdout
    sources, heavy = map(json.loads, out.splitlines())
    assert heavy == []
    assert Path(sources[0]).name in {"storage.md", "searching.md"}
    sel = subprocess.run([sys.executable, "-m", "chunkcli", "select", "what happens to a corrupt PDF", "--db", str(db),
                          "--budget", "200"], check=True, env=env, capture_output=True, text=True).stdout
    chosen = [json.loads(line) for line in sel.splitlines()]
    assert "failures.txt" in {Path(r["source"]).name for r in chosen}
    assert sum(r["n_tokens"] for r in chosen) <= 200
