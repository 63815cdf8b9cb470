"""export: chunk records in document order, source globs, vectors on request."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings, strategies as st
from typer.testing import CliRunner

from chunkcli import store
from chunkcli.cli import app
from chunkcli.embed import get_embedder
from chunkcli.indexer import Indexer, IndexOptions
from chunkcli.records import Document
from chunkcli.segment import SegmentOptions

NASTY = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=300) | st.sampled_from([
    "漢字かな交じり文。" * 50, "emoji 🙂👍🏽 " * 40, "e\u0301\u0308 combining " * 30, "crlf\r\nline\r\n" * 30,
    "nul\0byte " * 30, "x" * 5000])


def _export(db: Path, *args: str) -> list[dict]:
    res = CliRunner().invoke(app, ["export", "--db", str(db), *args])
    assert res.exit_code == 0, res.stderr
    return [json.loads(line) for line in res.stdout.split("\n") if line]  # not splitlines: U+0085 is data


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(NASTY, min_size=1, max_size=3))
def test_stored_chunks_slice_their_documents(tmp_path: Path, texts: list[str]) -> None:
    db = tmp_path / f"x{abs(hash(tuple(texts)))}.db"
    docs = [Document(f"dir/{i}.txt", t) for i, t in enumerate(texts)]
    opts = IndexOptions(db, SegmentOptions(max_tokens=32, strategy="fixed", model="hash"))
    assert Indexer(opts, on_error=print).run(docs).failed == 0
    by_source = {d.source: d.text for d in docs}
    recs = _export(db)
    assert all(by_source[r["source"]][r["start"]:r["end"]] == r["text"] for r in recs)
    assert store.check_consistency(store.connect(db)) == []
    assert [(r["source"], r["start"]) for r in recs] == sorted((r["source"], r["start"]) for r in recs)


def test_source_glob_and_vectors(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    docs = [Document("a/one.txt", "first document text"), Document("b/two.txt", "second document text")]
    Indexer(IndexOptions(db, SegmentOptions(strategy="fixed", model="hash")), on_error=print).run(docs)
    assert [r["source"] for r in _export(db, "--source", "b/*")] == ["b/two.txt"]
    rec = _export(db, "--source", "a/*", "--with-vectors")[0]
    want = get_embedder("hash").embed(["first document text"])[0]
    assert np.allclose(rec["embedding"], want, atol=1e-6) and len(rec["embedding"]) == 384
