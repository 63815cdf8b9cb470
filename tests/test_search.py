"""query: dense, lexical, hybrid, filters, explain, safe FTS parsing, batch queries from stdin."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from typer.testing import CliRunner

from chunkcli.cli import app
from chunkcli.indexer import Indexer, IndexOptions
from chunkcli.records import Document
from chunkcli.search import Filters, Searcher, SearchOptions, exact, fts_query, rrf
from chunkcli.segment import SegmentOptions

DOCS = {
    "notes/sqlite.md": ("markdown", "SQLite stores the chunks and an FTS5 table for lexical search."),
    "notes/hnsw.md": ("markdown", "The HNSW graph answers nearest neighbour queries over embeddings."),
    "src/pdf.py": ("code", "def open_pdf(path):\n    raise CorruptPdf(path)  # a corrupt PDF is reported"),
    "notes/cron.txt": ("text", "Cron re-indexes the folder every night; unchanged files are skipped."),
}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("search") / "s.db"
    docs = [Document(src, text, fmt, lang="en") for src, (fmt, text) in DOCS.items()]
    Indexer(IndexOptions(path, SegmentOptions(max_tokens=64, strategy="fixed", model="hash")),
            on_error=pytest.fail).run(docs)
    return path


def _query(db: Path, *args: str, input: str | None = None) -> list[dict]:
    res = CliRunner().invoke(app, ["query", *args, "--db", str(db)], input=input)
    assert res.exit_code == 0, res.stderr
    return [json.loads(line) for line in res.stdout.splitlines()]


@pytest.mark.parametrize("mode", ["dense", "lexical", "hybrid"])
def test_each_mode_finds_the_matching_chunk_first(db: Path, mode: str) -> None:
    got = _query(db, "nearest neighbour embeddings HNSW", "--mode", mode, "-k", "2")
    assert got[0]["source"] == "notes/hnsw.md" and got[0]["rank"] == 1 and got[0]["type"] == "chunk"
    assert [r["rank"] for r in got] == list(range(1, len(got) + 1))
    assert all(a["score"] >= b["score"] for a, b in zip(got, got[1:]))


def test_filters_and_explain(db: Path) -> None:
    got = _query(db, "corrupt PDF chunks", "--source", "notes/*", "--explain")
    assert got and all(r["source"].startswith("notes/") for r in got)
    assert set(got[0]["explain"]) == {"dense", "lexical"}
    assert {r["source"] for r in _query(db, "anything", "--format", "code")} == {"src/pdf.py"}
    assert _query(db, "anything", "--lang", "de") == []
    doc_id = _query(db, "cron", "-k", "1")[0]["doc_id"]
    assert {r["doc_id"] for r in _query(db, "SQLite", "--doc", doc_id)} == {doc_id}


def test_batch_queries_are_tagged(db: Path) -> None:
    got = _query(db, "-", "-k", "1", input='SQLite FTS5\n{"query": "cron night", "id": "q2"}\n\n')
    assert [(r["query"], r.get("query_id"), r["source"]) for r in got] == [
        ("SQLite FTS5", None, "notes/sqlite.md"), ("cron night", "q2", "notes/cron.txt")]


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=40))
def test_any_user_text_is_a_valid_lexical_query(db: Path, text: str) -> None:
    searcher = Searcher(db)
    searcher.lexical(text, 5, Filters())  # must never raise an FTS5 syntax error
    assert fts_query('"NEAR(a b)" OR *') == '"NEAR" OR "a" OR "b" OR "OR"'


def test_rrf_sums_weighted_reciprocal_ranks() -> None:
    fused = rrf({"dense": [(1, 0.9), (2, 0.8)], "lexical": [(2, 5.0), (3, 4.0)]}, {"dense": 1.0, "lexical": 2.0})
    assert [r for r, _ in fused] == [2, 3, 1]
    assert fused[0][1] == pytest.approx(1 / 62 + 2 / 61)


def test_hnsw_agrees_with_exact_search(db: Path) -> None:
    searcher = Searcher(db)
    rowids = sorted(searcher.allowed(Filters()))
    for text in ["SQLite", "corrupt pdf", "cron nightly folder"]:
        vec = searcher.embed([text])[0]
        # Scores, not ids: the hashing model gives many exact ties.
        got = [s for _, s in searcher.dense(vec, 3, Filters())]
        assert got == pytest.approx([s for _, s in exact(searcher.conn, vec, rowids, 3)], abs=1e-5)
        assert np.isclose(np.linalg.norm(vec), 1.0)


def test_words_found_almost_everywhere_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    docs = [Document(f"d{i}", f"common filler text number {i}") for i in range(30)]
    docs.append(Document("target", "common rare"))
    Indexer(IndexOptions(path, SegmentOptions(strategy="fixed", model="hash")), on_error=pytest.fail).run(docs)
    searcher = Searcher(path)
    assert searcher._selective(["Common", "rare", "unseen"]) == ["rare", "unseen"]
    assert searcher._selective(["common", "filler"]) == ["filler"]  # never drop every word: keep the rarest
    assert searcher.lexical("common rare", 1, Filters())[0][0] == searcher.allowed(Filters(doc=docs[-1].id)).pop()
