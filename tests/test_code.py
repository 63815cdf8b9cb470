"""`--by code`: syntax-tree chunks keep functions whole, cover every line once, and carry scope meta."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chunkcli.extract.detect import CODE_EXT
from chunkcli.records import Chunk, Document
from chunkcli.segment import SegmentOptions, segment_document
from chunkcli.segment.code_languages import parser_for
from chunkcli.segment.code_tree import SourceMap, parse



CODE = Path(__file__).resolve().parent.parent / "fixtures" / "code"
SOURCES = sorted(p for p in CODE.iterdir() if p.name != "broken.py")


def load(path: Path) -> Document:
    return Document(source=str(path), text=path.read_text(encoding="utf-8"), format="code",
                    lang=CODE_EXT[path.suffix])


def chunk(doc: Document, counter, **kw) -> list[Chunk]:
    chunks = list(segment_document(doc, "code", SegmentOptions(strategy="code", **kw), counter))
    for ch in chunks:
        assert doc.text[ch.start:ch.end] == ch.text and ch.text.strip()
        assert ch.n_tokens == counter.count(ch.text)
        if kw.get("max_tokens", 254):
            assert ch.n_tokens <= kw.get("max_tokens", 254)
    return chunks


def line_owners(doc: Document, chunks: list[Chunk]) -> dict[int, set[int]]:
    """For each non-blank line (by start offset), the chunks holding any of its characters."""
    owners: dict[int, set[int]] = {}
    pos = 0
    for line in doc.text.splitlines(keepends=True):
        if line.strip():
            s = pos + len(line) - len(line.lstrip())
            e = pos + len(line.rstrip())
            owners[pos] = {i for i, ch in enumerate(chunks) if ch.start < e and ch.end > s}
            # and every non-space character of the line must be inside one of them
            for k in range(s, e):
                assert doc.text[k].isspace() or any(ch.start <= k < ch.end for ch in chunks)
        pos += len(line)
    return owners


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_every_fixture_parses_cleanly(path: Path) -> None:
    lang = CODE_EXT[path.suffix]
    root = parse(parser_for(lang), SourceMap(path.read_text(encoding="utf-8")))
    assert not root.has_error, f"{path.name} should be valid {lang}"


@pytest.mark.parametrize("cap", [12, 40, 254])
@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_each_non_blank_line_in_exactly_one_chunk(path: Path, cap: int, counter) -> None:
    doc = load(path)
    chunks = chunk(doc, counter, max_tokens=cap)
    owners = line_owners(doc, chunks)
    split_lines = [k for k, v in owners.items() if len(v) != 1]
    if cap >= 40:  # only a single line over the cap may be cut
        assert not split_lines


def definitions(doc: Document) -> list[tuple[int, int, str]]:
    """(start, end, name) of every function/method/class node, from the syntax tree itself."""
    from chunkcli.segment.code_languages import is_definition, symbol_name

    src = SourceMap(doc.text)
    root = parse(parser_for(doc.lang), src)
    out, todo = [], [root]
    while todo:
        node = todo.pop()
        if is_definition(doc.lang, node):
            out.append((src.char(node.start_byte), src.char(node.end_byte), symbol_name(node) or "?"))
        todo.extend(node.children)
    return out


@pytest.mark.parametrize("cap", [24, 48, 96])
@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_no_definition_under_the_cap_is_cut(path: Path, cap: int, counter) -> None:
    doc = load(path)
    chunks = chunk(doc, counter, max_tokens=cap)
    for s, e, name in definitions(doc):
        if counter.count(doc.text[s:e]) <= cap:
            assert any(ch.start <= s and e <= ch.end for ch in chunks), f"{name} was split"


EXPECTED_SYMBOLS = {
    "shapes.py": "shapes.Rectangle.scaled", "inventory.js": "inventory.Inventory.total",
    "queue.ts": "queue.BoundedQueue.push", "badge.tsx": "badge.Badge", "stack.go": "stack.Pop",
    "matrix.rs": "matrix.Matrix.det", "Counter.java": "Counter.Counter.add", "ring.c": "ring.ring_push",
    "shapes.cpp": "shapes.geo.Circle.area", "Greeter.cs": "Greeter.Example.Greetings.Greeter.Hello",
    "ledger.rb": "ledger.Books.Ledger.add", "cart.php": "cart.Cart.add",
}


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_meta_names_symbols_lines_and_language(path: Path, counter) -> None:
    doc = load(path)
    chunks = chunk(doc, counter, max_tokens=254)
    symbols = [s for ch in chunks for s in ch.meta["symbols"]]
    assert EXPECTED_SYMBOLS[path.name] in symbols
    lines = doc.text.splitlines()
    for ch in chunks:
        a, b = ch.meta["lines"]
        assert ch.meta["language"] == doc.lang and "warning" not in ch.meta
        assert lines[a - 1].strip().startswith(ch.text.splitlines()[0].strip()[:20])
        assert b - a == ch.text.count("\n")
        assert ch.meta["nonws_chars"] == len("".join(ch.text.split()))


def test_split_method_carries_scope_signatures_and_context(counter) -> None:
    doc = load(CODE / "shapes.py")
    chunks = chunk(doc, counter, max_tokens=40, context=True)
    body = next(ch for ch in chunks if "raise ValueError" in ch.text)
    assert body.meta["scope_path"] == "shapes.Rectangle.scaled"
    assert body.meta["scope"] == ["class Rectangle:", '    def scaled(self, factor: float) -> "Rectangle":']
    assert body.meta["embed_text"] == "\n".join(body.meta["scope"] + [body.text])
    assert "class Rectangle" not in body.text


def test_doc_comments_and_decorators_stay_with_their_definition(counter) -> None:
    for name, comment, code in [("inventory.js", "Count the items", "function countLow"),
                                ("stack.go", "// Push adds", "func (s *Stack) Push"),
                                ("matrix.rs", "/// A 2x2", "pub struct Matrix"),
                                ("shapes.py", "@property", "def perimeter")]:
        chunks = chunk(load(CODE / name), counter, max_tokens=60)
        holder = next(ch for ch in chunks if code in ch.text)
        assert comment in holder.text, f"{name}: {comment!r} separated from {code!r}"


def test_max_tokens_zero_emits_one_record_per_top_level_unit(counter) -> None:
    chunks = chunk(load(CODE / "shapes.py"), counter, max_tokens=0)
    first_lines = [ch.text.splitlines()[0] for ch in chunks]
    assert "# Area of a circle; a comment attached to the function below." in first_lines
    assert "@dataclass" in first_lines and "def total_area(shapes: list) -> float:" in first_lines
    assert len(chunks) == 7  # docstring, 2 imports, constant, commented def, class, def


def test_syntax_errors_fall_back_to_lines_with_a_warning(counter) -> None:
    doc = load(CODE / "broken.py")
    chunks = chunk(doc, counter, max_tokens=8)
    assert chunks and all("syntax errors" in ch.meta["warning"] for ch in chunks)
    assert all(len(v) == 1 for v in line_owners(doc, chunks).values())


def test_unknown_language_falls_back_and_warns_through_options(counter) -> None:
    doc = Document(source="notes.kt", text="fun main() {\n  println(1)\n}\n\nval x = 2\n", format="code",
                   lang="kotlin")
    chunks = chunk(doc, counter, max_tokens=254)
    assert "no syntax grammar for 'kotlin'" in chunks[0].meta["warning"]


def test_oversized_leaf_becomes_line_then_token_windows(counter) -> None:
    blob = "\n".join(f"    word{i} " * 3 for i in range(200)) + "\n" + "alpha beta " * 300
    text = f'def f():\n    return 1\n\nBIG = """\n{blob}\n"""\n\ndef g():\n    return 2\n'
    doc = Document(source="big.py", text=text, format="code", lang="python")
    chunks = chunk(doc, counter, max_tokens=32)
    for fn in ("def f():\n    return 1", "def g():\n    return 2"):
        assert any(fn in ch.text for ch in chunks), f"{fn!r} was cut"
    owners = line_owners(doc, chunks)
    assert sum(len(v) > 1 for v in owners.values()) == 1  # only the 600-word line is token-windowed


def test_minified_line_is_cut_between_syntax_nodes(counter) -> None:
    fns = ";".join(f"function f{i}(a){{return a*{i}+g(a,{i})}}" for i in range(300))
    doc = Document(source="app.min.js", text=fns + "\n", format="code", lang="javascript")
    chunks = chunk(doc, counter, max_tokens=64)
    assert len(chunks) > 10
    starts = {ch.start for ch in chunks}
    for i in range(300):  # every function is whole, and chunks start at a function boundary
        s = doc.text.index(f"function f{i}(")
        e = doc.text.index("}", s) + 1
        assert any(ch.start <= s and e <= ch.end for ch in chunks)
    assert all(doc.text[s:].startswith(("function", ";")) for s in starts)


def test_huge_file_in_bounded_time(counter) -> None:
    body = "".join(f"def fn_{i}(x):\n    '''Return x plus {i}.'''\n    return x + {i}\n\n\n" for i in range(3500))
    text = f"class Huge:\n" + "".join("    " + ln + "\n" if ln else "\n" for ln in body.splitlines())
    doc = Document(source="huge.py", text=text, format="code", lang="python")
    t0 = time.perf_counter()
    chunks = chunk(doc, counter, max_tokens=254)
    assert time.perf_counter() - t0 < 30
    assert text.count("\n") > 17000 and len(chunks) > 100
    assert all(ch.meta["scope"] == ["class Huge:"] for ch in chunks[1:])


NASTY = st.sampled_from(["日本語", "😀👍🏽", "e\u0301", "\r\n", "\x00", "\t", "\u2028", "ﷺ", "x" * 300, "'", "\\"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parts=st.lists(st.tuples(NASTY, st.text(max_size=30)), min_size=1, max_size=8),
       cap=st.sampled_from([0, 8, 64]))
def test_offsets_on_nasty_text_inside_code(parts, cap, counter) -> None:
    lines = []
    for i, (nasty, free) in enumerate(parts):
        lines.append(f"def f{i}(x):\n    # {nasty}{free!r}\n    return {nasty!r} + {free!r}\n")
    text = "\r\n".join(lines)
    doc = Document(source="nasty.py", text=text, format="code", lang="python")
    chunks = chunk(doc, counter, max_tokens=cap)
    line_owners(doc, chunks)
    assert [c.id for c in chunks] == [c.id for c in chunk(doc, counter, max_tokens=cap)]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300),
       lang=st.sampled_from(["python", "javascript", "go", "c", "ruby", "php"]))
def test_any_text_in_any_language_keeps_the_contract(text, lang, counter) -> None:
    if not text.strip():
        return
    doc = Document(source="any", text=text, format="code", lang=lang)
    line_owners(doc, chunk(doc, counter, max_tokens=16))


def test_cli_segment_by_code(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from chunkcli.cli import app

    result = CliRunner().invoke(app, ["segment", str(CODE / "stack.go"), "--by", "code", "--max-tokens", "64"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert records and all(r["type"] == "chunk" and r["strategy"] == "code" for r in records)
    assert any("stack.Pop" in r["meta"]["symbols"] for r in records)


def test_cli_warns_on_stderr_for_a_file_with_syntax_errors() -> None:
    from typer.testing import CliRunner

    from chunkcli.cli import app

    result = CliRunner().invoke(app, ["segment", str(CODE / "broken.py"), "--by", "code"])
    assert result.exit_code == 0
    assert "broken.py: python syntax errors; chunked by lines" in result.stderr
    assert all(json.loads(line)["meta"]["warning"] for line in result.stdout.splitlines())


@pytest.mark.parametrize("cap", [0, 4, 6, 64])  # 4 and 6 put unit edges inside `1if`
def test_counts_stay_exact_when_a_node_edge_cuts_a_word_piece(cap: int, counter) -> None:
    # `1if` is two Python tokens but one word piece run: unit counts stop adding up, chunks are recounted.
    text = "".join(f"def f{i}(y):\n    return 1if y else 2\n\nz{i} = [1for _ in y]\n\n" for i in range(30))
    doc = Document(source="cut.py", text=text, format="code", lang="python")
    assert not parse(parser_for("python"), SourceMap(text)).has_error
    chunks = chunk(doc, counter, max_tokens=cap)
    assert len(chunks) > 1
    line_owners(doc, chunks)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab(\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x00 \x85\u00a0\u2028é")), max_size=40))
def test_nonws_counts_what_str_split_keeps(text: str) -> None:
    from chunkcli.segment.code import nonws

    assert nonws(text) == len("".join(text.split()))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab(\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x00 \x85\u00a0\u2028\u3000\u3001é😀")),
               max_size=40), st.data())
def test_source_map_nonws_matches_the_slices(text: str, data: st.DataObject) -> None:
    """The file-wide running counts give what nonws() gives on the slice, for any span."""
    from chunkcli.segment.code import nonws

    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    assert SourceMap(text).nonws(start, end) == nonws(text[start:end])
