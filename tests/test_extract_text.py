"""Text, Markdown and code: text unchanged, language from extension or shebang, encodings; CLI paths."""

from __future__ import annotations

import functools
import http.server
import json
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from chunkcli.cli import app
from chunkcli.errors import InputError
from chunkcli.extract import ExtractOptions, extract_item
from chunkcli.inputs import InputItem

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def extract(name: str, data: bytes, warnings: list | None = None, **opts):
    item = InputItem(name, functools.partial(bytes, data))
    return extract_item(item, ExtractOptions(**opts), (warnings if warnings is not None else []).append)


@pytest.mark.parametrize("name,data,fmt,lang", [
    ("tool.py", b"def f():\n    return 1\n", "code", "python"),
    ("run", b"#!/usr/bin/env python3\nprint(1)\n", "code", "python"),
    ("deploy", b"#!/bin/bash\necho hi\n", "code", "bash"),
    ("main.rs", b"fn main() {}\n", "code", "rust"),
    ("notes.md", b"# Title\n\ntext\n", "markdown", None),
    ("notes.txt", b"plain\r\nlines\r\n", "text", None),
])
def test_format_and_language(name: str, data: bytes, fmt: str, lang: str | None) -> None:
    doc = extract(name, data)
    assert (doc.format, doc.lang, doc.text) == (fmt, lang, data.decode())


def test_bom_and_legacy_encodings() -> None:
    assert extract("a.txt", "\ufeffcaf\u00e9".encode("utf-8")).text == "caf\u00e9"
    assert extract("a.txt", "h\u00e9llo w\u00f6rld".encode("utf-16")).text == "h\u00e9llo w\u00f6rld"
    warnings: list[str] = []
    doc = extract("fr.txt", "Caf\u00e9 cr\u00e8me br\u00fbl\u00e9e, na\u00efve fa\u00e7ade.\n".encode("latin-1"), warnings)
    assert doc.text == "Caf\u00e9 cr\u00e8me br\u00fbl\u00e9e, na\u00efve fa\u00e7ade.\n"
    assert warnings == ["fr.txt: not UTF-8; decoded as cp1252"]


def test_utf8_with_a_stray_byte_stays_utf8() -> None:
    warnings: list[str] = []
    doc = extract("mixed.txt", "caf\u00e9 ".encode() * 50 + b"\xe9t\xe9\n", warnings)
    assert doc.text == "caf\u00e9 " * 50 + "\ufffdt\ufffd\n"  # not 50 garbled "café" from a code page
    assert warnings == ["mixed.txt: UTF-8 with 2 invalid byte sequence(s) (first at offset 300); each read as U+FFFD"]


def test_an_html_page_without_a_charset_is_decoded_like_a_text_file() -> None:
    body = "<p>Gr\u00fc\u00dfe aus K\u00f6ln. \u00c7a va tr\u00e8s bien, na\u00efve caf\u00e9.</p>" * 5
    warnings: list[str] = []
    doc = extract("l.html", f"<html><body><article>{body}</article></body></html>".encode("latin-1"), warnings)
    assert "\u00c7a va tr\u00e8s bien, na\u00efve caf\u00e9." in doc.text  # trafilatura alone: "trčs", "Naďve"
    assert warnings == ["l.html: not UTF-8; decoded as cp1252"]


@pytest.mark.parametrize("data,reason", [
    (bytes(range(128, 256)) * 4, "undecodable bytes: not UTF-8 (invalid byte at offset 0) and no other encoding fits"),
    (b"ELF\0\0\x01binary", "binary file (NUL bytes); not text"),
    (b"", "empty file"),
    (b"  \n\t\n", "empty (no text)"),
])
def test_bad_text_inputs(data: bytes, reason: str) -> None:
    with pytest.raises(InputError) as info:
        extract("bad.txt", data)
    assert str(info.value) == f"bad.txt: {reason}"


nasty = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"), min_size=1).filter(
    lambda t: t.strip())


@settings(max_examples=80, deadline=None)
@given(nasty, st.sampled_from(["a.txt", "a.py", "a.md", "-"]))
def test_text_is_unchanged(text: str, name: str) -> None:
    """Offsets into raw files must point into the file: the document text is the decoded file."""
    if name == "-" and text.lstrip("\ufeff \t\r\n").lower().startswith(("<", "%pdf")):
        return  # stdin sniffing may rightly call this HTML or PDF
    assert extract(name, text.encode("utf-8")).text == text


def test_long_lines_and_crlf_survive() -> None:
    text = ("x" * 200_000) + "\r\n\u00e9\u0301 \U0001f600 \u4e2d\u6587\r\n"
    assert extract("long.txt", text.encode()).text == text


def cli(*args: str, input: bytes | None = None):
    return CliRunner().invoke(app, ["extract", *args], input=input)


def test_stdin_is_sniffed() -> None:
    html = (FIXTURES / "html" / "news.html").read_bytes()
    pdf = (FIXTURES / "pdf" / "report.pdf").read_bytes()
    for data, fmt in ((html, "html"), (pdf, "pdf"), (b"just words\n", "text")):
        result = cli("-", input=data)
        assert result.exit_code == 0, result.stderr
        assert json.loads(result.stdout)["format"] == fmt
    forced = cli("-", "--format", "text", input=html)
    assert json.loads(forced.stdout)["text"] == html.decode()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # keep the test's stderr for chunkcli's lines
        pass


@pytest.fixture
def server():
    handler = functools.partial(_QuietHandler, directory=str(FIXTURES / "html"))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_urls_are_fetched(server: str) -> None:
    result = cli(f"{server}/article.html", f"{server}/missing.html", "--jobs", "2")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["source"] == f"{server}/article.html" and doc["format"] == "html"
    assert "## Choosing M" in doc["text"]
    assert result.stderr.strip() == f"chunkcli: {server}/missing.html: download failed (HTTP 404)"


def test_cli_stdout_is_only_jsonl() -> None:
    result = cli(str(FIXTURES / "html"), str(FIXTURES / "pdf"))
    assert result.exit_code == 0, result.stderr
    docs = [json.loads(line) for line in result.stdout.splitlines()]
    assert [Path(d["source"]).name for d in docs] == ["article.html", "news.html", "tricky.html", "make_pdfs.py",
                                                 "report.pdf"]
