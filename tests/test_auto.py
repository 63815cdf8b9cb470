"""`--by auto`: source files go to the code strategy, prose to sentence packing."""

from __future__ import annotations

from pathlib import Path

import pytest

from chunkcli.records import Document
from chunkcli.segment import REGISTRY, SegmentOptions, load_all, segment_document
from chunkcli.segment.auto import is_source_code

CODE = Path(__file__).resolve().parent.parent / "fixtures" / "code"
load_all()


@pytest.mark.parametrize("doc, expected", [
    (Document(source="a.go", text="package a\n", format="code", lang="go"), True),
    (Document(source="-", text="x = 1\n", format="text", lang="python"), True),
    (Document(source="lib/util.rs", text="fn a() {}\n"), True),
    (Document(source="notes.txt", text="Hello there.\n"), False),
    (Document(source="page.html", text="Hello there.\n", format="html", lang="en"), False),
])
def test_is_source_code(doc: Document, expected: bool) -> None:
    assert is_source_code(doc) is expected


def test_auto_on_code_equals_code_strategy(counter) -> None:
    path = CODE / "stack.go"
    doc = Document(source=str(path), text=path.read_text(), format="code", lang="go")
    opts = SegmentOptions(max_tokens=64)
    auto = [(c.start, c.end, c.meta) for c in segment_document(doc, "auto", opts, counter)]
    code = [(c.start, c.end, c.meta) for c in segment_document(doc, "code", opts, counter)]
    assert auto == code
    assert all(c.strategy == "auto" for c in segment_document(doc, "auto", opts, counter))


@pytest.mark.skipif("sentence" not in REGISTRY, reason="sentence strategy not registered yet")
def test_auto_on_prose_equals_sentence_strategy(counter) -> None:
    text = "The cat sat on the mat. It was warm there.\n\nLater it rained. The cat went inside."
    doc = Document(source="story.txt", text=text)
    opts = SegmentOptions(max_tokens=12)
    auto = [(c.start, c.end) for c in segment_document(doc, "auto", opts, counter)]
    assert auto == [(c.start, c.end) for c in segment_document(doc, "sentence", opts, counter)]


def test_auto_on_prose_never_uses_code_meta(counter) -> None:
    text = "The cat sat on the mat. It was warm there.\n\nLater it rained. The cat went inside."
    doc = Document(source="story.txt", text=text)
    chunks = list(segment_document(doc, "auto", SegmentOptions(max_tokens=12), counter))
    assert chunks and "".join(c.text for c in chunks).replace(" ", "") == text.replace(" ", "").replace("\n", "")
    assert all("symbols" not in c.meta for c in chunks)
