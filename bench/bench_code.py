"""`--by code` against LangChain's RecursiveCharacterTextSplitter.from_language and fixed line windows.

Corpora are third-party sources already on the machine (nothing of ours):
Python from the venv's site-packages (rich, click, typer), JavaScript from the
npm CLI's bundled node_modules, Go from the Go standard library source
(`apt-get install golang-1.19-src`). A language whose sources are absent is skipped.

Per language and method: chunks, mean/max size, split rate (functions that fit
under the cap but are cut across chunks), coverage (non-blank characters inside
some chunk), recall@5 on doc-comment → function retrieval with the real
embedding model, and MB/s of chunking (no embedding). Doc comments are stripped
from the code before chunking, so the query never matches its own text.
"""

from __future__ import annotations

import glob
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from chunkcli.records import Document
from chunkcli.segment import SegmentOptions, segment_document
from chunkcli.segment.code_languages import is_definition, parser_for, symbol_name
from chunkcli.segment.code_tree import SourceMap, parse
from chunkcli.tokens import counter_for_model

MODEL = "all-MiniLM-L6-v2"
CAP = 254
MAX_BYTES = 260_000  # per language: keeps embedding three methods to a few minutes on 2 cores
SITE = Path(sys.prefix) / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
CORPORA: dict[str, tuple[str, list[str]]] = {
    "python": (".py", [str(SITE / p / "**" / "*.py") for p in ("rich", "click", "typer")]),
    "javascript": (".js", ["/usr/lib/node_modules/npm/node_modules/**/*.js"]),
    "go": (".go", [f"/usr/share/go-*/src/{p}/*.go" for p in
                   ("strings", "bufio", "bytes", "sort", "strconv", "net/url", "path/filepath", "text/template",
                    "encoding/json", "encoding/csv", "flag")]),
}
FUNCTION_WORDS = ("function", "method")


@dataclass
class Fn:
    doc: int  # index of the document in the corpus
    start: int
    end: int
    query: str | None


@dataclass
class Span:
    doc: int
    start: int
    end: int
    text: str
    embed_text: str


def run(data: Path) -> str:
    parts = ["## Code chunking (`--by code`)\n",
             f"Cap {CAP} model tokens ({MODEL}); baselines tuned to the same mean chunk size in characters. "
             "Split rate: functions under the cap cut across chunks. Recall@5: doc comment's first sentence → "
             "a top-5 chunk holding the function's first line.\n"]
    for lang, (ext, patterns) in CORPORA.items():
        files = pick_files(patterns, ext)
        if not files:
            parts.append(f"_{lang}: no sources found ({', '.join(patterns)}); skipped._\n")
            continue
        parts.append(bench_language(lang, files))
    parts.append(speed_section())
    return "\n".join(parts)


# --- speed: parsing + chunking only, on larger corpora ---------------------------------------------------

SPEED_BYTES = 3_000_000  # per language
SPEED_REPEATS = 3  # cold + warm pairs per corpus, each with a fresh token counter
HUGE_FILE = SITE / "pymupdf" / "__init__.py"  # one ~25 000-line library module


def speed_section() -> str:
    rows = []
    for lang, (ext, patterns) in CORPORA.items():
        files = pick_files(patterns, ext, SPEED_BYTES, 1_000, 400_000)
        if files:
            rows.append(speed_row(f"{lang}: {len(files)} files", lang, files))
    if HUGE_FILE.exists():
        rows.append(speed_row(f"python: one {len(HUGE_FILE.read_text().splitlines())}-line file", "python",
                              [HUGE_FILE]))
    return ("\n### Speed of parsing + chunking (no embedding), one core\n\n"
            "CPU seconds of this process (so other load on the machine does not count); *cold* is a fresh "
            "token counter (every word piece seen for the first time), *warm* a second pass; medians of "
            f"{SPEED_REPEATS} cold + warm pairs.\n\n"
            "| corpus | MB | chunks | cold MB/s | warm MB/s | wall MB/s (warm) |\n|---|---|---|---|---|---|\n"
            + "".join(rows))


def speed_row(name: str, lang: str, files: list[Path]) -> str:
    from chunkcli.models import resolve_model
    from chunkcli.tokens import HFTokenCounter

    docs = [Document(source=str(p), text=p.read_text(encoding="utf-8", errors="replace"), format="code",
                     lang=lang) for p in files]
    mb = sum(len(d.text.encode()) for d in docs) / 1e6
    opts = SegmentOptions(max_tokens=CAP, strategy="code")
    runs = []
    for _ in range(SPEED_REPEATS):  # the VM's clock drifts by tens of percent: report medians
        fresh = HFTokenCounter(resolve_model(MODEL).tokenizer_file, MODEL)  # not the shared, warm one
        runs.append([cpu_timed(lambda: [c for d in docs for c in segment_document(d, "code", opts, fresh)])
                     for _ in range(2)])
    chunks = runs[0][0][0]
    cold, warm, wall = (float(np.median([mb / pair[i][j] for pair in runs])) for i, j in ((0, 1), (1, 1), (1, 2)))
    return f"| {name} | {mb:.2f} | {len(chunks)} | {cold:.2f} | {warm:.2f} | {wall:.2f} |\n"


def cpu_timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    c0, t0 = time.process_time(), time.perf_counter()
    out = fn()
    return out, time.process_time() - c0, time.perf_counter() - t0


def pick_files(patterns: list[str], ext: str, budget: int = MAX_BYTES, low: int = 2_000,
               high: int = 60_000) -> list[Path]:
    paths = sorted({Path(p) for pat in patterns for p in glob.glob(pat, recursive=True)})
    paths = [p for p in paths if p.suffix == ext and not re.search(r"(_test\.go|\.min\.js|/tests?/)", str(p))]
    out, total = [], 0
    for p in paths:
        size = p.stat().st_size
        if low <= size <= high and total + size <= budget:
            out.append(p)
            total += size
    return out


def bench_language(lang: str, files: list[Path]) -> str:
    counter = counter_for_model(MODEL)
    docs, fns = prepare(lang, files)
    ours, secs = timed(lambda: chunk_ours(docs, counter, context=False))
    ctx = chunk_ours(docs, counter, context=True)
    mean_chars = float(np.mean([len(s.text) for s in ours]))
    lc, lc_secs, lc_size = langchain_near(docs, lang, mean_chars)
    lines, n_lines = line_windows_near(docs, mean_chars)
    mb = sum(len(d.text.encode()) for d in docs) / 1e6
    _, tok_secs = timed(lambda: [counter.count(d.text) for d in docs])  # one tokenizer pass, for scale
    rows = [("ours (code)", ours, mb / secs), ("ours + --context embed_text", ctx, None),
            (f"LangChain from_language ({lc_size} chars)", lc, mb / lc_secs), (f"line windows ({n_lines} lines)", lines, None)]
    queries = [f for f in fns if f.query]
    head = (f"\n### {lang}: {len(files)} files, {mb * 1000:.0f} kB, {len(fns)} functions, "
            f"{len(queries)} doc-comment queries; the model tokenizer alone, one pass: "
            f"{mb / tok_secs:.2f} MB/s\n\n"
            "| method | chunks | mean tokens | max tokens | mean chars | split rate | coverage | recall@5 | MB/s (wall, cold) |\n"
            "|---|---|---|---|---|---|---|---|---|\n")
    embed = embedder()
    return head + "".join(table_row(name, spans, docs, fns, queries, counter, embed, speed)
                          for name, spans, speed in rows)


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


# --- corpus: documents with doc comments stripped, and the functions in them -------------------------

def prepare(lang: str, files: list[Path]) -> tuple[list[Document], list[Fn]]:
    docs, fns = [], []
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        stripped, queries = strip_doc_comments(lang, text)
        doc = Document(source=str(path), text=stripped, format="code", lang=lang)
        spans = function_spans(lang, stripped)
        if len(spans) != len(queries):  # stripping changed the parse: keep the functions, drop the queries
            queries = [None] * len(spans)
        fns += [Fn(len(docs), s, e, q) for (s, e), q in zip(spans, queries)]
        docs.append(doc)
    return docs, fns


def function_nodes(lang: str, text: str) -> tuple[SourceMap, list[Any]]:
    src = SourceMap(text)
    root = parse(parser_for(lang), src)
    out, todo = [], [root]
    while todo:
        node = todo.pop()
        if is_definition(lang, node) and any(w in node.type for w in FUNCTION_WORDS + ("declarator",)):
            out.append(node)
        todo.extend(reversed(node.children))
    return src, out


def function_spans(lang: str, text: str) -> list[tuple[int, int]]:
    src, nodes = function_nodes(lang, text)
    return [(src.char(n.start_byte), src.char(n.end_byte)) for n in nodes]


def strip_doc_comments(lang: str, text: str) -> tuple[str, list[str | None]]:
    """Text without the functions' doc comments, and each function's query (first doc sentence)."""
    src, nodes = function_nodes(lang, text)
    cuts: list[tuple[int, int, str]] = []
    queries: list[str | None] = []
    for node in nodes:
        found = docstring(src, node) if lang == "python" else leading_comment(src, node)
        queries.append(first_sentence(found[2]) if found else None)
        if found:
            cuts.append(found)
    for s, e, _ in sorted(cuts, reverse=True):
        text = text[:s] + ("..." if lang == "python" else "") + text[e:]
    return text, queries


def docstring(src: SourceMap, node: Any) -> tuple[int, int, str] | None:
    body = node.child_by_field_name("body")
    first = body.named_children[0] if body is not None and body.named_children else None
    if first is None or first.type != "expression_statement" or first.named_children[0].type != "string":
        return None
    s, e = src.char(first.start_byte), src.char(first.end_byte)
    return s, e, src.text[s:e]


def leading_comment(src: SourceMap, node: Any) -> tuple[int, int, str] | None:
    anchor = node.parent if node.parent is not None and node.parent.type in (
        "export_statement", "variable_declarator", "lexical_declaration") else node
    if anchor.type == "variable_declarator" and anchor.parent is not None:
        anchor = anchor.parent
    comments, cur = [], anchor.prev_sibling
    while cur is not None and cur.type == "comment" and src.line(src.char(cur.end_byte)) >= src.line(
            src.char((comments[-1] if comments else anchor).start_byte)) - 1:
        comments.append(cur)
        cur = cur.prev_sibling
    if not comments:
        return None
    s, e = src.line_start(src.char(comments[-1].start_byte)), src.line_start(src.char(anchor.start_byte))
    return s, e, src.text[s:e]


def first_sentence(comment: str) -> str | None:
    lines = [re.sub(r"^\s*(/\*\*?|\*/|\*|//+|\"\"\"|''')?", "", ln).strip() for ln in comment.splitlines()]
    text = " ".join(ln for ln in lines if ln and not ln.startswith("@")).replace('"""', "").replace("*/", "")
    sentence = re.split(r"(?<=[.!?])\s|\n", text.strip(), maxsplit=1)[0]
    words = sentence.split()
    return " ".join(words[:30]) if len(words) >= 4 else None


# --- the three methods --------------------------------------------------------------------------------

def chunk_ours(docs: list[Document], counter: Any, context: bool) -> list[Span]:
    opts = SegmentOptions(max_tokens=CAP, strategy="code", context=context)
    return [Span(i, c.start, c.end, c.text, c.meta.get("embed_text", c.text))
            for i, d in enumerate(docs) for c in segment_document(d, "code", opts, counter)]


def langchain_chunks(docs: list[Document], lang: str, size: int) -> list[Span]:
    from langchain_text_splitters import Language, RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter.from_language(Language(lang if lang != "javascript" else "js"),
                                                            chunk_size=size, chunk_overlap=0)
    out = []
    for i, d in enumerate(docs):
        pos = 0
        for piece in splitter.split_text(d.text):
            s = d.text.find(piece, pos)
            s = d.text.find(piece) if s < 0 else s
            out.append(Span(i, s, s + len(piece), piece, piece))
            pos = s + 1
    return out


def langchain_near(docs: list[Document], lang: str, mean_chars: float) -> tuple[list[Span], float, int]:
    """LangChain at the chunk_size whose mean chunk length is closest to ours."""
    best = None
    for size in (400, 600, 800, 1000, 1200, 1500, 2000):
        spans, secs = timed(lambda: langchain_chunks(docs, lang, size))
        gap = abs(float(np.mean([len(s.text) for s in spans])) - mean_chars)
        if best is None or gap < best[0]:
            best = (gap, spans, secs, size)
    return best[1], best[2], best[3]


def line_windows_near(docs: list[Document], mean_chars: float) -> tuple[list[Span], int]:
    per_line = np.mean([len(ln) + 1 for d in docs for ln in d.text.splitlines() if ln.strip()])
    n = max(1, round(mean_chars / per_line * 0.8))  # windows include blank lines: aim a little lower
    out = []
    for i, d in enumerate(docs):
        starts = [0] + [m.end() for m in re.finditer("\n", d.text)]
        for k in range(0, len(starts), n):
            s, e = starts[k], starts[k + n] if k + n < len(starts) else len(d.text)
            piece = d.text[s:e]
            if piece.strip():
                s += len(piece) - len(piece.lstrip())
                e -= len(piece) - len(piece.rstrip())
                out.append(Span(i, s, e, d.text[s:e], d.text[s:e]))
    return out, n


# --- metrics ------------------------------------------------------------------------------------------

def table_row(name: str, spans: list[Span], docs: list[Document], fns: list[Fn], queries: list[Fn],
              counter: Any, embed: Any, speed: float | None) -> str:
    sizes = counter.count_batch([s.text for s in spans])
    recall = recall_at_5(spans, queries, embed) if embed else None
    return (f"| {name} | {len(spans)} | {np.mean(sizes):.0f} | {max(sizes)} | "
            f"{np.mean([len(s.text) for s in spans]):.0f} | {split_rate(spans, docs, fns, counter):.1%} | "
            f"{coverage(spans, docs):.2%} | {'n/a' if recall is None else f'{recall:.3f}'} | "
            f"{'' if speed is None else f'{speed:.2f}'} |\n")


def split_rate(spans: list[Span], docs: list[Document], fns: list[Fn], counter: Any) -> float:
    fits = [f for f in fns if counter.count(docs[f.doc].text[f.start:f.end]) <= CAP]
    by_doc: dict[int, list[Span]] = {}
    for s in spans:
        by_doc.setdefault(s.doc, []).append(s)
    cut = [f for f in fits if not any(s.start <= f.start and f.end <= s.end for s in by_doc.get(f.doc, []))]
    return len(cut) / max(1, len(fits))


def coverage(spans: list[Span], docs: list[Document]) -> float:
    covered = total = 0
    for i, d in enumerate(docs):
        mask = np.zeros(len(d.text), dtype=bool)
        for s in spans:
            if s.doc == i:
                mask[s.start:s.end] = True
        solid = np.array([not c.isspace() for c in d.text], dtype=bool)
        covered += int((mask & solid).sum())
        total += int(solid.sum())
    return covered / max(1, total)


def embedder() -> Any:
    from chunkcli.embed import get_embedder
    from chunkcli.errors import ModelError

    try:
        return get_embedder(MODEL)
    except ModelError:
        return None


def recall_at_5(spans: list[Span], queries: list[Fn], embed: Any) -> float:
    chunks = embed.embed([s.embed_text for s in spans])
    asks = embed.embed([f.query for f in queries])
    top = np.argsort(-(asks @ chunks.T), axis=1)[:, :5]
    hits = [any(spans[j].doc == f.doc and spans[j].start <= f.start < spans[j].end for j in row)
            for f, row in zip(queries, top)]
    return float(np.mean(hits)) if hits else 0.0
