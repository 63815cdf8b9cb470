"""Edges of `query` and `select` arguments: absurd -k, HNSW with deleted or filtered-out entries,
unknown --format, empty queries."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chunkcli import search
from chunkcli.cli import app

runner = CliRunner()


def _words(n: int, rng: random.Random) -> str:
    return " ".join(f"w{rng.randint(0, 5000)}" for _ in range(n))


def _index(folder: Path, db: Path) -> None:
    result = runner.invoke(app, ["index", str(folder), "--db", str(db), "--by", "fixed", "--max-tokens", "5",
                                 "--model", "hash", "-q"])
    assert result.exit_code == 0, result.stderr


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """~1200 tiny chunks; re-indexing b.txt marks ~200 HNSW entries deleted (under the 20 % rebuild share)."""
    root = tmp_path_factory.mktemp("edges")
    folder, path, rng = root / "docs", root / "edges.db", random.Random(0)
    folder.mkdir()
    (folder / "a.txt").write_text(_words(1000, rng), encoding="utf-8")
    (folder / "b.txt").write_text(_words(200, rng), encoding="utf-8")
    _index(folder, path)
    with open(folder / "b.txt", "a", encoding="utf-8") as f:
        f.write(" w1\n")
    _index(folder, path)
    return path


def _records(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


def _chunk_count(db: Path) -> int:
    result = runner.invoke(app, ["export", "--db", str(db)])
    assert result.exit_code == 0, result.stderr
    return len(result.stdout.splitlines())


def _deleted(db: Path) -> list[int]:
    return json.loads(Path(f"{db}.hnsw.json").read_text(encoding="utf-8"))["deleted"]


@pytest.mark.parametrize("mode", ["dense", "hybrid"])
def test_huge_k_after_deletions_returns_every_chunk(db: Path, mode: str) -> None:
    result = runner.invoke(app, ["query", "w1", "--db", str(db), "-k", "100000", "--mode", mode])
    assert result.exit_code == 0, result.stderr
    recs = _records(result.stdout)
    assert _deleted(db), "the fixture must leave deleted entries in the HNSW file"
    assert len({r["id"] for r in recs}) == len(recs) == _chunk_count(db)
    if mode == "dense":
        scores = [r["score"] for r in recs]
        assert scores == sorted(scores, reverse=True)


def test_filtered_hnsw_query_with_huge_k_returns_every_match(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "EXACT_BELOW", 0)  # force the HNSW label filter instead of the exact scan
    result = runner.invoke(app, ["query", "w1", "--db", str(db), "-k", "100000", "--mode", "dense",
                                 "--source", "*a.txt"])
    assert result.exit_code == 0, result.stderr
    recs = _records(result.stdout)
    assert recs and {r["source"] for r in recs} == {str(db.parent / "docs" / "a.txt")}
    everything = _records(runner.invoke(app, ["export", "--db", str(db), "--source", "*a.txt"]).stdout)
    assert len(recs) == len(everything)


@pytest.mark.parametrize("k, mode", [("9223372036854775807", "hybrid"), ("9223372036854775808", "lexical"),
                                     ("99999999999999999999999", "dense")])
def test_absurd_k_is_clamped_to_the_store(db: Path, k: str, mode: str) -> None:
    result = runner.invoke(app, ["query", "w1", "--db", str(db), "-k", k, "--mode", mode])
    assert result.exit_code == 0, result.stderr
    recs = _records(result.stdout)
    assert recs and len(recs) <= _chunk_count(db)


def test_select_refuses_an_unknown_format(db: Path) -> None:
    result = runner.invoke(app, ["select", "w1", "--db", str(db), "--budget", "20", "--format", "xml"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.strip() == "chunkcli: error: unknown format 'xml'; choose one of: jsonl, text, markdown"


@pytest.mark.parametrize("command", [["query"], ["select", "--budget", "20"]])
@pytest.mark.parametrize("text", ["", "  \t "])
def test_empty_query_is_a_usage_error(db: Path, command: list[str], text: str) -> None:
    result = runner.invoke(app, [command[0], text, "--db", str(db), *command[1:]])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.strip() == "chunkcli: error: the query is empty; give the words to search for"


def test_batch_skips_blank_lines_and_blank_json_queries(db: Path) -> None:
    stdin = '\n   \n\t\n{"query": "  ", "id": "blank"}\nw1\n{"text": "w2", "id": "q2"}\n'
    result = runner.invoke(app, ["query", "-", "--db", str(db), "-k", "2"], input=stdin)
    assert result.exit_code == 0, result.stderr
    recs = _records(result.stdout)
    assert [(r["query"], r.get("query_id")) for r in recs] == [("w1", None)] * 2 + [("w2", "q2")] * 2
