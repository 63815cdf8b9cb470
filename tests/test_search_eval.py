"""eval retrieval: token-level recall/precision/IoU and document recall@k/MRR on a store with known answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chunkcli.cli import app
from chunkcli.errors import UsageError
from chunkcli.indexer import Indexer, IndexOptions
from chunkcli.records import Document
from chunkcli.retrieval_eval import GoldQuery, Units, read_gold, score_query
from chunkcli.search import Searcher
from chunkcli.segment import SegmentOptions

A = "alpha beta gamma delta. " * 3
B = "zeta eta theta iota. " * 3


@pytest.fixture()
def db(tmp_path: Path) -> Path:
    path = tmp_path / "e.db"
    Indexer(IndexOptions(path, SegmentOptions(max_tokens=8, strategy="fixed", model="hash")),
            on_error=pytest.fail).run([Document("a.txt", A), Document("b.txt", B)])
    return path


def test_scores_against_known_spans(db: Path, counter) -> None:
    units = Units(Searcher(db), counter)
    hit = {"source": "a.txt", "start": 0, "end": 23}
    s = score_query(GoldQuery("q", [("a.txt", 0, 23)]), [hit], units)
    assert (s["recall"], s["precision"], s["iou"], s["rr"], s["doc_recall"]) == (1.0, 1.0, 1.0, 1.0, 1.0)
    half = score_query(GoldQuery("q", [("a.txt", 0, 11)]), [{"source": "b.txt", "start": 0, "end": 5}, hit], units)
    n_gold, n_got = len(units.of([("a.txt", 0, 11)])), len(units.of([("a.txt", 0, 23), ("b.txt", 0, 5)]))
    assert half["recall"] == 1.0 and half["precision"] == pytest.approx(n_gold / n_got)
    assert half["iou"] == pytest.approx(n_gold / n_got) and half["rr"] == 0.5


def test_cli_summary_and_per_query(db: Path, tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"query": "theta iota", "source": "b.txt", "start": 0, "end": 20}) + "\n"
                    + json.dumps({"query": "gamma", "evidence": [{"source": "a.txt", "start": 0, "end": 23}]}) + "\n")
    res = CliRunner().invoke(app, ["eval", "retrieval", str(gold), "--db", str(db), "-k", "2", "--per-query"])
    assert res.exit_code == 0, res.stderr
    lines = [json.loads(l) for l in res.stdout.splitlines()]
    assert [l.get("query") for l in lines[:2]] == ["theta iota", "gamma"]
    summary = lines[-1]
    assert summary["queries"] == 2 and summary["mrr"] == 1.0 and summary["recall@2"] == 1.0
    assert 0 < summary["precision"] <= 1 and 0 < summary["iou"] <= summary["recall"]


def test_bad_gold_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="gold:1"):
        read_gold(['{"query": "x"}'])
    assert read_gold(['{"query":"x","source":"s","start":0,"end":1}', '{"query":"x","source":"t","start":2,"end":3}'])[
        0].evidence == [("s", 0, 1), ("t", 2, 3)]
