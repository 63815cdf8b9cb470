"""The store and the incremental indexer: schema, fingerprints, prune, model checks, HNSW lifecycle."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chunkcli import index as hnsw
from chunkcli import store
from chunkcli.cli import app
from chunkcli.errors import ModelError, StoreError
from chunkcli.indexer import Indexer, IndexOptions, segment_config
from chunkcli.records import Chunk, Document
from chunkcli.segment import SegmentOptions


def _write_corpus(root: Path, n: int = 5) -> None:
    root.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (root / f"doc{i}.txt").write_text(f"Document {i} talks about topic{i}.\n\nIt has a second paragraph "
                                          f"about storage number {i}.\n", encoding="utf-8")


def _index(tmp_path: Path, *args: str) -> tuple[int, dict, str]:
    res = CliRunner().invoke(app, ["index", *args, "--db", str(tmp_path / "s.db"), "--by", "fixed"])
    summary_lines = [l for l in res.stderr.splitlines() if l.startswith('{"summary"')]
    return res.exit_code, json.loads(summary_lines[-1])["summary"] if summary_lines else {}, res.stderr


def test_index_then_rerun_is_unchanged_and_prune_removes(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    _write_corpus(corpus)
    code, s, _ = _index(tmp_path, str(corpus))
    assert code == 0 and (s["new"], s["unchanged"], s["chunks"]) == (5, 0, 5)
    code, s, _ = _index(tmp_path, str(corpus))
    assert (s["new"], s["updated"], s["unchanged"], s["chunks"]) == (0, 0, 5, 0)
    (corpus / "doc0.txt").write_text("Changed text.\n", encoding="utf-8")
    (corpus / "doc1.txt").unlink()
    code, s, _ = _index(tmp_path, str(corpus), "--prune")
    assert (s["updated"], s["unchanged"], s["removed"]) == (1, 3, 1)
    conn = store.connect(tmp_path / "s.db")
    assert store.all_sources(conn) == sorted(str(corpus / f"doc{i}.txt") for i in (0, 2, 3, 4))
    assert store.check_consistency(conn) == []


def test_changed_configuration_reembeds(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    _write_corpus(corpus, 2)
    _index(tmp_path, str(corpus))
    _, s, _ = _index(tmp_path, str(corpus), "--max-tokens", "8")
    assert s["updated"] == 2 and s["chunks"] > 2


def test_options_added_later_leave_existing_fingerprints_alone(tmp_path: Path) -> None:
    # The settings fingerprinted before `cues` existed, exactly: stores built then must not re-embed.
    assert segment_config(SegmentOptions()) == {"max_tokens": 254, "overlap": 0, "min_tokens": 0, "threshold": None,
                                                "lang": None, "context": False, "strategy": "auto"}
    assert segment_config(SegmentOptions(cues=False))["cues"] is False
    corpus = tmp_path / "c"
    _write_corpus(corpus, 2)
    _index(tmp_path, str(corpus))
    _, s, _ = _index(tmp_path, str(corpus), "--cues")
    assert (s["updated"], s["unchanged"]) == (0, 2)
    _, s, _ = _index(tmp_path, str(corpus), "--no-cues")
    assert (s["updated"], s["unchanged"]) == (2, 0)
    _, s, _ = _index(tmp_path, str(corpus), "--no-cues")
    assert (s["updated"], s["unchanged"]) == (0, 2)


def test_failed_input_is_reported_and_rest_is_indexed(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    _write_corpus(corpus, 2)
    (corpus / "empty.txt").write_bytes(b"")
    code, s, err = _index(tmp_path, str(corpus), str(tmp_path / "missing.txt"))
    assert code == 1 and s["new"] == 2 and s["failed"] == 2
    assert "missing.txt: no such file or directory" in err and "empty.txt: empty file" in err


def test_report_file_and_chunk_jsonl_input(tmp_path: Path) -> None:
    doc = Document("mem.txt", "alpha beta gamma. delta epsilon.")
    chunks = [Chunk(doc.id, doc.source, 0, 17, doc.text[:17], "manual", 4),
              Chunk(doc.id, doc.source, 18, 32, doc.text[18:32], "manual", 3)]
    jsonl = tmp_path / "chunks.jsonl"
    jsonl.write_text("".join(json.dumps(c.to_dict()) + "\n" for c in chunks), encoding="utf-8")
    res = CliRunner().invoke(app, ["index", str(jsonl), "--db", str(tmp_path / "s.db"),
                                   "--report", str(tmp_path / "r.json")])
    assert res.exit_code == 0, res.stderr
    assert json.loads((tmp_path / "r.json").read_text())["summary"]["new"] == 1
    out = CliRunner().invoke(app, ["export", "--db", str(tmp_path / "s.db")])
    got = [json.loads(l) for l in out.stdout.splitlines()]
    assert got == [c.to_dict() for c in chunks]


def test_model_mismatch_is_a_clear_error(tmp_path: Path) -> None:
    conn = store.connect(tmp_path / "s.db")
    store.check_model(conn, "hash-384", 384)
    with pytest.raises(ModelError, match="built with model 'hash-384'"):
        store.check_model(conn, "all-MiniLM-L6-v2", 384)
    res = CliRunner().invoke(app, ["index", "-", "--db", str(tmp_path / "s.db"), "--model", "hash-64"],
                             input="some text\n")
    assert res.exit_code == 1 and "built with model 'hash-384'" in res.stderr


def test_missing_store_is_an_error_not_created(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no such store"):
        store.connect(tmp_path / "nope.db", create=False)
    res = CliRunner().invoke(app, ["query", "x", "--db", str(tmp_path / "nope.db")])
    assert res.exit_code == 1 and "no such store" in res.stderr and not (tmp_path / "nope.db").exists()


def _run(tmp_path: Path, texts: dict[str, str]) -> Path:
    db = tmp_path / "s.db"
    docs = [Document(src, text) for src, text in texts.items()]
    Indexer(IndexOptions(db, SegmentOptions(max_tokens=16, strategy="fixed", model="hash")),
            on_error=pytest.fail).run(docs)
    return db


def test_hnsw_file_is_tagged_repaired_and_rebuilt(tmp_path: Path) -> None:
    db = _run(tmp_path, {f"d{i}": f"word{i} " * 40 for i in range(6)})
    conn = store.connect(db)
    index_file, tag_file = hnsw.paths(db)
    tag = json.loads(tag_file.read_text())
    assert tag["generation"] == store.generation(conn) and tag["count"] > 0
    _run(tmp_path, {"d0": "entirely new words here " * 10})  # d0 replaced: stale labels must go
    dense = hnsw.open_index(conn, db)
    live = set(map(int, dense.index.get_ids_list())) - dense.deleted
    assert live == {r[0] for r in conn.execute("SELECT rowid FROM chunks")}
    index_file.write_bytes(b"garbage")  # a corrupt file is rebuilt, never trusted
    tag_file.unlink()
    dense = hnsw.open_index(conn, db)
    assert dense.size == conn.execute("SELECT count(*) FROM chunks").fetchone()[0]


def test_an_index_file_that_came_out_empty_never_replaces_the_good_one(tmp_path: Path) -> None:
    db = _run(tmp_path, {f"d{i}": f"word{i} " * 40 for i in range(6)})
    conn = store.connect(db)
    index_file, tag_file = hnsw.paths(db)
    good, good_tag = index_file.read_bytes(), tag_file.read_text()
    dense = hnsw.open_index(conn, db)

    class DiskFull:  # hnswlib writes an empty file on a full disk and raises nothing
        dim = dense.index.dim

        def save_index(self, path: str) -> None:
            Path(path).write_bytes(b"")

    with pytest.raises(OSError, match="came out empty"):
        hnsw.save(hnsw.DenseIndex(DiskFull()), db, {"generation": 0})
    assert index_file.read_bytes() == good and tag_file.read_text() == good_tag
    assert sorted(p.name for p in tmp_path.iterdir() if ".tmp-" in p.name) == []


def test_replace_is_atomic_on_failure(tmp_path: Path) -> None:
    db = _run(tmp_path, {"a": "first version " * 20})
    conn = store.connect(db)
    before = conn.execute("SELECT id, text FROM chunks ORDER BY rowid").fetchall()
    doc = Document("a", "second version")
    bad = [Chunk(doc.id, "a", 0, 6, "second", "x", 1), Chunk(doc.id, "a", 0, 6, "second", "x", 1)]  # same id
    with pytest.raises(sqlite3.IntegrityError):
        store.replace_document(conn, doc, "fp", bad, [[0.0] * 384] * 2)
    assert conn.execute("SELECT id, text FROM chunks ORDER BY rowid").fetchall() == before
    assert store.check_consistency(conn) == []


def test_untouched_files_are_skipped_unread_and_touched_ones_rehashed(tmp_path: Path, monkeypatch) -> None:
    corpus = tmp_path / "c"
    _write_corpus(corpus, 3)
    _index(tmp_path, str(corpus))
    reads: list[str] = []
    real = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: reads.append(self.name) or real(self))
    _, s, _ = _index(tmp_path, str(corpus))
    assert s["unchanged"] == 3 and not [r for r in reads if r.startswith("doc")]
    os.utime(corpus / "doc0.txt", ns=(1, 1))  # touched, same content: read, found unchanged, stat refreshed
    _, s, _ = _index(tmp_path, str(corpus))
    assert (s["unchanged"], s["updated"]) == (3, 0) and "doc0.txt" in reads
    reads.clear()
    _, s, _ = _index(tmp_path, str(corpus))
    assert "doc0.txt" not in reads
    _, s, _ = _index(tmp_path, str(corpus), "--checksum")
    assert s["unchanged"] == 3 and {"doc0.txt", "doc1.txt", "doc2.txt"} <= set(reads)
