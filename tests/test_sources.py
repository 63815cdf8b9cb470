"""Record streams between stages: detection, bad lines reported and skipped, field types, one line per record."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chunkcli.cli import app
from chunkcli.errors import InputError
from chunkcli.records import Document, dumps, read_records
from chunkcli.sources import is_record_stream

runner = CliRunner()


def doc_line(source: str, text: str, **extra) -> bytes:
    return json.dumps({"type": "document", "source": source, "text": text, **extra}).encode() + b"\n"


def test_a_document_record_longer_than_a_mebibyte_is_a_record_stream() -> None:
    text = "Word after word. " * 100_000  # 1.7 MB on the first line
    assert is_record_stream(dumps(Document(source="big", text=text)).encode())
    assert is_record_stream(b'\n  {"source": "x", "type": "chunk"}')  # other key order: parsed
    assert not is_record_stream(b'{"type": "note"}\n') and not is_record_stream(b"plain {text}\n")


def test_bad_lines_are_reported_and_the_rest_still_read() -> None:
    lines = [doc_line("a", "One."), b'{"type": "document", "source": "b", "text": "Caf\xe9."}\n', b"not json\n",
             doc_line("c", None), doc_line("d", 123), doc_line("e", "Ok.", lang=5), doc_line("f", "Lone \ud800."),
             b"[1, 2]\n", b"\n", doc_line("g", "Two.")]
    errors: list[InputError] = []
    got = list(read_records(io.BytesIO(b"".join(lines)), "in.jsonl", errors.append))
    assert [d.source for d in got] == ["a", "g"]
    assert [e.source for e in errors] == [f"in.jsonl:{n}" for n in range(2, 9)]
    reasons = [e.reason for e in errors]
    assert "utf-8" in reasons[0] and '"text" must be str, not NoneType' in reasons[2]
    assert '"text" must be str, not int' in reasons[3] and '"lang" must be str or null, not int' in reasons[4]
    assert "lone surrogate (U+D800)" in reasons[5] and "JSON object" in reasons[6]


def test_without_a_handler_the_first_bad_line_raises() -> None:
    with pytest.raises(InputError, match="in.jsonl:2: bad JSONL record"):
        list(read_records(io.StringIO('{"type":"document","source":"a","text":"x"}\n{"type":"chunk","start":"0"}\n'),
                          "in.jsonl"))


def test_segment_goes_on_after_a_bad_record_and_exits_non_zero(tmp_path: Path) -> None:
    (tmp_path / "in.jsonl").write_bytes(doc_line("a", "One. Two.") + b"oops\n" + doc_line("c", "Three."))
    (tmp_path / "b.txt").write_text("Four.\n")
    result = runner.invoke(app, ["segment", "--by", "sentence", "--max-tokens", "0",
                                 str(tmp_path / "in.jsonl"), str(tmp_path / "b.txt")])
    assert result.exit_code == 1
    assert [json.loads(line)["text"] for line in result.stdout.splitlines()] == ["One.", "Two.", "Three.", "Four."]
    assert result.stderr.count("\n") == 1 and "in.jsonl:2: bad JSONL record" in result.stderr


def test_records_escape_line_and_paragraph_separators() -> None:
    line = dumps(Document(source="s", text="a\u2028b\u2029c"))
    assert len(line.splitlines()) == 1 and json.loads(line)["text"] == "a\u2028b\u2029c"
