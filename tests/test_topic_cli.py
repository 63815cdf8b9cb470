"""`segment --by topic` and `eval segments` through the CLI: exit codes, JSONL stdout, exact scores."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chunkcli.cli import app

FIX = Path(__file__).resolve().parent.parent / "fixtures" / "topic"
runner = CliRunner()


def chunk_line(source: str, start: int, end: int) -> str:
    return json.dumps({"type": "chunk", "doc_id": "d-" + source, "source": source, "start": start, "end": end,
                       "text": "x" * (end - start), "strategy": "topic", "n_tokens": 1, "meta": {}})


def write(path: Path, lines: list[str]) -> str:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def test_eval_segments_scores_exactly(tmp_path: Path) -> None:
    gold = write(tmp_path / "g.jsonl", [json.dumps({"source": "a", "boundaries": [3], "unit_ends": [1, 2, 3, 4, 5, 6]})])
    pred = write(tmp_path / "p.jsonl", [chunk_line("a", 0, 4), chunk_line("a", 4, 6)])
    res = runner.invoke(app, ["eval", "segments", pred, "--gold", gold, "--tolerance", "0"])
    assert res.exit_code == 0, res.output
    scores = json.loads(res.stdout)
    # Boundary after unit 4 instead of 3, k=2 over 6 units: hand-computed Pk 50, WindowDiff 50, F1 0.
    assert scores == {"pk": 50.0, "windowdiff": 50.0, "precision": 0.0, "recall": 0.0, "f1": 0.0,
                      "documents": 1, "tolerance": 0}


def test_eval_segments_reports_a_document_without_predictions(tmp_path: Path) -> None:
    gold = write(tmp_path / "g.jsonl", [json.dumps({"doc_id": "d-a", "boundaries": [10], "length": 20}),
                                        json.dumps({"source": "missing", "boundaries": [5], "length": 20})])
    pred = write(tmp_path / "p.jsonl", [chunk_line("a", 0, 10), chunk_line("a", 11, 20)])
    res = runner.invoke(app, ["eval", "segments", pred, "--gold", gold])
    assert res.exit_code == 1
    assert "missing: no predicted chunks" in res.stderr
    assert json.loads(res.stdout)["documents"] == 2


def test_eval_segments_bad_gold_is_a_usage_error(tmp_path: Path) -> None:
    gold = write(tmp_path / "g.jsonl", ['{"boundaries": [1]}'])
    pred = write(tmp_path / "p.jsonl", [chunk_line("a", 0, 4)])
    res = runner.invoke(app, ["eval", "segments", pred, "--gold", gold])
    assert res.exit_code == 2 and "bad gold line" in res.stderr


def test_segment_by_topic_then_eval_on_the_fixture(tmp_path: Path) -> None:
    src = FIX / "three_topics.txt"
    res = runner.invoke(app, ["segment", str(src), "--by", "topic", "--max-tokens", "0", "--explain"])
    assert res.exit_code == 0, res.stderr
    chunks = [json.loads(line) for line in res.stdout.splitlines()]
    text = src.read_text(encoding="utf-8")
    assert all(text[c["start"]:c["end"]] == c["text"] for c in chunks)
    assert [c["meta"]["segment"] for c in chunks] == list(range(len(chunks)))
    assert all("curve" in c["meta"] for c in chunks)
    gold = json.loads((FIX / "three_topics.gold.jsonl").read_text())
    gold["source"] = chunks[0]["source"]
    g = write(tmp_path / "g.jsonl", [json.dumps(gold)])
    p = write(tmp_path / "p.jsonl", res.stdout.splitlines())
    scored = runner.invoke(app, ["eval", "segments", p, "--gold", g, "--tolerance", "2"])
    assert scored.exit_code == 0 and json.loads(scored.stdout)["documents"] == 1


@pytest.mark.real_model  # the cues exist for the default model's vectors only
def test_no_cues_leaves_the_learned_cues_out() -> None:
    src = str(FIX / "three_topics.txt")
    curves = {}
    for flag in ("--cues", "--no-cues"):
        res = runner.invoke(app, ["segment", src, "--by", "topic", "--max-tokens", "0", "--explain", flag])
        assert res.exit_code == 0, res.stderr
        curves[flag] = [p["cue"] for line in res.stdout.splitlines() for p in json.loads(line)["meta"]["curve"]]
    assert any(curves["--cues"]) and not any(curves["--no-cues"])
    assert len(curves["--cues"]) == len(curves["--no-cues"])
