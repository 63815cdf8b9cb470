"""select: never over budget (property test), strategies, dedup, merging, document order, rendering."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from typer.testing import CliRunner

from chunkcli.cli import app
from chunkcli.indexer import Indexer, IndexOptions
from chunkcli.records import Document
from chunkcli.search import Searcher
from chunkcli.segment import SegmentOptions
from chunkcli.select import SelectOptions, citation, render, select, total_tokens

TEXT = ("Storage keeps chunks in SQLite. " * 6 + "\n\nA corrupt PDF is reported on stderr and skipped. " * 4
        + "\n\nHybrid search fuses BM25 and vectors. " * 5)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("select") / "s.db"
    docs = [Document("guide.md", TEXT, "markdown"), Document("copy.md", TEXT, "markdown"),
            Document("other.txt", "Unrelated words about gardening and tomatoes.\n" * 5)]
    Indexer(IndexOptions(path, SegmentOptions(max_tokens=24, strategy="fixed", model="hash")),
            on_error=pytest.fail).run(docs)
    return path


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(budget=st.integers(0, 400), strategy=st.sampled_from(["topk", "sage", "mmr"]),
       query=st.sampled_from(["corrupt PDF", "SQLite storage", "hybrid BM25 vectors", "tomatoes", "x"]))
def test_output_never_exceeds_budget(db: Path, counter, budget: int, strategy: str, query: str) -> None:
    recs = select(Searcher(db), query, SelectOptions(budget, strategy), counter)
    assert sum(counter.count(r["text"]) for r in recs) <= budget
    assert total_tokens(recs) == sum(counter.count(r["text"]) for r in recs)
    texts = {"guide.md": TEXT, "copy.md": TEXT}
    for r in recs:  # offsets still slice the document, and output is in document order
        assert texts.get(r["source"], r["text"])[r["start"]:r["end"]] == r["text"] or r["source"] == "other.txt"
    assert [(r["source"], r["start"]) for r in recs] == sorted((r["source"], r["start"]) for r in recs)


def test_budget_is_filled_and_duplicates_dropped(db: Path, counter) -> None:
    recs = select(Searcher(db), "corrupt PDF reported", SelectOptions(120, "topk"), counter)
    used = total_tokens(recs)
    assert 120 - 16 < used <= 120
    spans = [(r["source"], r["start"], r["end"]) for r in recs]
    assert len(spans) == len(set(spans))


def test_adjacent_chunks_are_merged(db: Path, counter) -> None:
    recs = select(Searcher(db), "SQLite storage corrupt PDF", SelectOptions(200, "topk", duplicate=1.01), counter)
    merged = [r for r in recs if "merged_from" in r]
    assert merged and all(TEXT[r["start"]:r["end"]] == r["text"] for r in merged)


def test_a_merged_or_trimmed_passage_cites_its_own_lines(tmp_path: Path, counter) -> None:
    code = "".join(f'def func{i}(x):\n    """Compute value {i}."""\n    y = x * {i}\n    return y + {i}\n\n\n'
                   for i in range(6))
    db = tmp_path / "code.db"
    Indexer(IndexOptions(db, SegmentOptions(max_tokens=30, strategy="code", model="hash")),
            on_error=pytest.fail).run([Document("m.py", code, "code", "python")])
    for budget in (2000, 30, 4):  # merged passages, whole chunks, a trimmed chunk
        recs = select(Searcher(db), "compute value func", SelectOptions(budget, "topk"), counter)
        assert recs
        for r in recs:  # the code strategy's own meta.lines were kept for the whole merged passage
            first = code.count("\n", 0, r["start"]) + 1
            assert r["meta"]["lines"] == [first, first + r["text"].count("\n")]


def test_sage_cuts_at_steep_drop(db: Path, counter) -> None:
    sage = select(Searcher(db), "tomatoes gardening", SelectOptions(1000, "sage"), counter)
    topk = select(Searcher(db), "tomatoes gardening", SelectOptions(1000, "topk"), counter)
    assert {r["source"] for r in sage} == {"other.txt"} and len(topk) > len(sage)


def test_markdown_rendering_cites_source_and_lines(db: Path) -> None:
    res = CliRunner().invoke(app, ["select", "corrupt PDF", "--db", str(db), "--budget", "60", "--format", "markdown"])
    assert res.exit_code == 0, res.stderr
    assert res.stdout.startswith("**[1]** ") and "line" in res.stdout and "\n> " in res.stdout
    assert json.loads(res.stderr.splitlines()[-1])["tokens"] <= 60


def test_citation_uses_pages_lines_and_headings() -> None:
    rec = {"source": "a.pdf", "text": "", "meta": {"pages": [2, 3], "heading_path": ["Intro", "Scope"], "lines": [4, 9]}}
    assert citation(rec) == "a.pdf, lines 4-9, pages 2-3, Intro › Scope"
    assert render([{**rec, "rank": 1, "text": "hi"}], "text") == "[1] a.pdf, lines 4-9, pages 2-3, Intro › Scope\nhi\n"
