"""CLI manners: exact JSONL on stdout, one line per bad input on stderr, exit codes, fast start."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chunkcli.cli import app

runner = CliRunner()


def jsonl(out: str) -> list[dict]:
    lines = out.rstrip("\n").split("\n") if out else []  # not splitlines(): U+2028 may be data
    assert all(line.startswith("{") for line in lines), f"non-JSON on stdout: {out!r}"
    return [json.loads(line) for line in lines]


def test_help_lists_every_command() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for cmd in ("extract", "segment"):
        assert cmd in result.stdout


def test_segment_fixed_emits_exact_records(tmp_path: Path) -> None:
    src = tmp_path / "a.txt"
    src.write_text("Hello there. General Kenobi!\n", encoding="utf-8")
    result = runner.invoke(app, ["segment", "--by", "fixed", "--max-tokens", "4", str(src)])
    assert result.exit_code == 0, result.stderr
    recs = jsonl(result.stdout)
    assert [(r["start"], r["end"], r["text"], r["n_tokens"]) for r in recs] == [
        (0, 20, "Hello there. General", 4), (21, 28, "Kenobi!", 4)]
    assert {r["type"] for r in recs} == {"chunk"} and {r["strategy"] for r in recs} == {"fixed"}
    assert result.stderr == ""


def test_bad_inputs_are_reported_and_the_rest_processed(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("fine text", encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02binary")
    args = ["extract", str(tmp_path / "missing.txt"), str(tmp_path / "empty.txt"), str(tmp_path / "bin.txt"),
            str(good)]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert [r["source"] for r in jsonl(result.stdout)] == [str(good)]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 3
    assert lines[0].endswith("missing.txt: no such file or directory")
    assert "empty.txt: empty" in lines[1] and "bin.txt: binary" in lines[2]


def test_documents_piped_into_segment(tmp_path: Path) -> None:
    src = tmp_path / "a.md"
    src.write_text("# Title\n\nSome words here.\n", encoding="utf-8")
    docs = runner.invoke(app, ["extract", str(src)]).stdout
    result = runner.invoke(app, ["segment", "--by", "fixed", "--max-tokens", "3", "-"], input=docs)
    assert result.exit_code == 0
    doc = json.loads(docs)
    for rec in jsonl(result.stdout):
        assert doc["text"][rec["start"]:rec["end"]] == rec["text"] and rec["doc_id"] == doc["id"]


def test_unknown_strategy_is_a_usage_error(tmp_path: Path) -> None:
    src = tmp_path / "a.txt"
    src.write_text("x", encoding="utf-8")
    result = runner.invoke(app, ["segment", "--by", "nope", str(src)])
    assert result.exit_code == 2
    assert "unknown strategy 'nope'" in result.stderr and "fixed" in result.stderr


def test_bad_jsonl_line_names_the_line() -> None:
    result = runner.invoke(app, ["segment", "--by", "fixed", "-"], input='{"type":"document","text":1}\n')
    assert result.exit_code == 1
    assert "-:1: bad JSONL record" in result.stderr


@pytest.mark.parametrize("by, value, ok", [("sentence", "2", False), ("punct", "-0.1", False), ("sentence", "nan", False),
                                           ("punct-fast", "inf", False), ("sentence", "0.5", True), ("topic", "2", True)])
def test_threshold_is_a_probability_for_the_sentence_strategies(by: str, value: str, ok: bool) -> None:
    result = runner.invoke(app, ["segment", "--by", by, "--threshold", value, "--model", "hash", "-"],
                           input="One. Two.\n")
    assert result.exit_code == (0 if ok else 2), result.stderr
    assert ok or ("--threshold" in result.stderr and result.stdout == "")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
def test_a_full_disk_under_stdout_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    src = tmp_path / "a.txt"
    src.write_text("One. Two.\n", encoding="utf-8")
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "chunkcli", "segment", "--by", "fixed", str(src)],
                              stdout=full, stderr=subprocess.PIPE, timeout=120)
    assert proc.returncode == 1
    assert proc.stderr.decode() == "chunkcli: error: cannot write the output: No space left on device\n"


def run_cli(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess:
    code = "import sys, runpy; sys.argv = ['chunkcli', *sys.argv[1:]]; " \
           "import chunkcli.cli as c\ntry:\n    c.main()\nfinally:\n" \
           "    print(sorted(m for m in ('torch', 'sentence_transformers', 'spacy') if m in sys.modules), " \
           "file=sys.stderr)"
    return subprocess.run([sys.executable, "-c", code, *args], input=stdin, capture_output=True, timeout=120)


@pytest.mark.parametrize("args", [["--help"], ["segment", "--by", "fixed", "-"], ["extract", "-"]])
def test_fast_paths_do_not_import_torch(args: list[str]) -> None:
    proc = run_cli(*args, stdin=b"some plain text to chunk")
    assert proc.stderr.decode().strip().splitlines()[-1] == "[]"


def test_broken_pipe_ends_quietly(tmp_path: Path) -> None:
    src = tmp_path / "big.txt"
    src.write_text("word " * 200_000, encoding="utf-8")
    cmd = f"{sys.executable} -m chunkcli segment --by fixed --max-tokens 8 {src} | head -1"
    proc = subprocess.run(["bash", "-c", f"set -o pipefail; {cmd}"], capture_output=True, timeout=120)
    assert proc.stdout.count(b"\n") == 1
    assert b"Traceback" not in proc.stderr and b"Broken pipe" not in proc.stderr


@pytest.mark.parametrize("only, module, expected_out", [
    ("punct-lm", "punct_lm", ["--out", "OUT/punct_lm"]),  # the MiniLM head trainer: --out is a file stem
    ("sentence", "punct", ["--out", "OUT", "--only", "sentence"]),
])
def test_train_segmenter_routes_only_to_its_trainer(tmp_path, monkeypatch, only, module, expected_out) -> None:
    import importlib

    seen: dict[str, list[str]] = {}
    for name in ("punct", "punct_lm"):
        mod = importlib.import_module(f"chunkcli.train.{name}")
        monkeypatch.setattr(mod, "main", lambda argv, name=name: seen.setdefault(name, argv) and 0)
    (tmp_path / "ud").mkdir()
    out = tmp_path / "models"
    result = runner.invoke(app, ["train", "segmenter", "--data", str(tmp_path), "--out", str(out),
                                 "--minutes", "1", "--only", only])
    assert result.exit_code == 0, result.output
    assert list(seen) == [module]
    want = [a.replace("OUT", str(out)) for a in expected_out]
    assert seen[module] == ["--data", str(tmp_path), "--minutes", "1.0", *want]


def test_train_segmenter_only_topic_trains_the_layer_its_cues_and_the_cross_gap_cue_from_the_folder_above_seg(
        tmp_path, monkeypatch) -> None:
    import chunkcli.train.topic as topic
    import chunkcli.train.topic_cross as topic_cross
    import chunkcli.train.topic_encoder as topic_encoder

    seen: list[tuple[str, list[str]]] = []
    monkeypatch.setattr(topic_encoder, "main", lambda argv: seen.append(("layer", argv)))
    monkeypatch.setattr(topic, "main", lambda argv: seen.append(("cues", argv)))
    monkeypatch.setattr(topic_cross, "main", lambda argv: seen.append(("cross", argv)))
    seg = tmp_path / "seg"
    (seg / "ud").mkdir(parents=True)
    result = runner.invoke(app, ["train", "segmenter", "--data", str(seg), "--out", str(tmp_path / "m"),
                                 "--only", "topic"])
    assert result.exit_code == 0, result.output
    data, m = str(tmp_path.resolve()), tmp_path / "m"
    assert seen == [("layer", ["--data", data, "--out", str(m / "topic_layer")]),
                    ("cues", ["--data", data, "--out", str(m / "topic"), "--layer", str(m / "topic_layer")]),
                    ("cross", ["--data", data, "--out", str(m / "topic_cross")])]
