"""Budgeted selection: the chunks to put in an LLM context, never over the token budget.

Pipeline: hybrid candidates → order by strategy (`topk`: fused rank; `sage`:
relevance, cut where it drops steeply, after SAGE; `mmr`: maximal marginal
relevance with λ) → drop near-duplicates and overlapping spans → fill the
budget (tokens of the embedding tokenizer), trimming one last chunk to fill it
exactly → merge chunks adjacent in the same document → document order, with
provenance (source, lines, pages, heading path) for citation.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field, replace
from typing import Any, Sequence

import numpy as np

from . import store
from .errors import UsageError
from .records import chunk_id
from .search import Filters, Searcher, SearchOptions, check_query
from .tokens import TokenCounter

STRATEGIES = ("topk", "sage", "mmr")
FORMATS = ("jsonl", "text", "markdown")  # jsonl is written by the caller; `render` makes the other two
MIN_TRIM = 16  # a trimmed tail shorter than this many tokens is not worth its citation line


@dataclass(frozen=True)
class SelectOptions:
    budget: int
    strategy: str = "sage"
    mmr_lambda: float = 0.7
    candidates: int = 40
    duplicate: float = 0.95  # cosine at or above which a candidate repeats one already chosen
    drop: float = 2.0  # sage: cut at a gap this many times the mean gap
    filters: Filters = field(default_factory=Filters)
    merge: bool = True


@dataclass
class Piece:
    """One selected span of one document (a chunk, a trimmed chunk, or merged chunks)."""

    rec: dict[str, Any]
    vec: np.ndarray
    relevance: float
    n_tokens: int = 0
    ids: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, int]:
        return self.rec["source"], self.rec["start"]


def select(searcher: Searcher, query: str, opts: SelectOptions, counter: TokenCounter) -> list[dict[str, Any]]:
    """Chosen chunk records in document order; their token counts sum to at most `opts.budget`."""
    if opts.strategy not in STRATEGIES:
        raise UsageError(f"unknown strategy {opts.strategy!r}; choose one of: {', '.join(STRATEGIES)}")
    check_query(query)
    if opts.budget <= 0:
        return []
    qvec = searcher.embed([query])[0]
    pieces = candidates(searcher, query, qvec, opts)
    ordered = dedupe(order(pieces, opts), opts.duplicate)
    texts = document_texts(searcher.conn, {p.rec["doc_id"] for p in ordered})
    chosen = fill(ordered, opts.budget, counter, texts)
    if opts.merge:
        chosen = merge_adjacent(chosen, counter, texts)
    return [render_record(p, rank, texts) for rank, p in enumerate(sorted(chosen, key=lambda p: p.key), 1)]


def candidates(searcher: Searcher, query: str, qvec: np.ndarray, opts: SelectOptions) -> list[Piece]:
    fused, _ = searcher.rank(query, qvec, SearchOptions(k=opts.candidates, filters=opts.filters))
    fused = fused[:opts.candidates]
    rows = store.chunks_by_rowid(searcher.conn, [r for r, _ in fused])
    vecs = store.vectors_for(searcher.conn, [r for r, _ in fused])
    return [Piece(store.chunk_record(rows[r]), vecs[r], float(vecs[r] @ qvec), ids=[rows[r]["id"]])
            for r, _ in fused]


def order(pieces: list[Piece], opts: SelectOptions) -> list[Piece]:
    if opts.strategy == "topk":
        return pieces
    by_relevance = sorted(pieces, key=lambda p: -p.relevance)
    if opts.strategy == "sage":
        return sage_cut(by_relevance, opts.drop)
    return mmr(by_relevance, opts.mmr_lambda)


def sage_cut(pieces: list[Piece], drop: float) -> list[Piece]:
    """Keep the head of the relevance-sorted list, up to the first unusually steep drop (SAGE)."""
    scores = [p.relevance for p in pieces]
    gaps = [a - b for a, b in zip(scores, scores[1:])]
    if not gaps:
        return pieces
    mean = sum(gaps) / len(gaps)
    for i, gap in enumerate(gaps):
        if mean > 0 and gap >= drop * mean:
            return pieces[:i + 1]
    return pieces


def mmr(pieces: list[Piece], lam: float) -> list[Piece]:
    """Greedy maximal marginal relevance: λ·relevance − (1−λ)·max similarity to those chosen."""
    if not pieces:
        return []
    vecs = np.stack([p.vec for p in pieces])
    rel = np.array([p.relevance for p in pieces])
    left, out = list(range(len(pieces))), []
    closest = np.full(len(pieces), -np.inf)
    while left:
        gains = [lam * rel[i] - (1 - lam) * (closest[i] if out else 0.0) for i in left]
        best = left.pop(int(np.argmax(gains)))
        out.append(best)
        closest = np.maximum(closest, vecs @ vecs[best])
    return [pieces[i] for i in out]


def dedupe(pieces: list[Piece], threshold: float) -> list[Piece]:
    """Drop near-duplicates (cosine >= threshold) and spans mostly inside one already kept."""
    kept: list[Piece] = []
    for p in pieces:
        if any(float(p.vec @ k.vec) >= threshold or _overlap_share(p.rec, k.rec) > 0.5 for k in kept):
            continue
        kept.append(p)
    return kept


def _overlap_share(a: dict[str, Any], b: dict[str, Any]) -> float:
    if a["doc_id"] != b["doc_id"]:
        return 0.0
    inter = min(a["end"], b["end"]) - max(a["start"], b["start"])
    return max(0, inter) / max(1, min(a["end"] - a["start"], b["end"] - b["start"]))


def fill(pieces: list[Piece], budget: int, counter: TokenCounter, texts: dict[str, str]) -> list[Piece]:
    """Greedy in order, skipping what does not fit; then one trimmed piece fills the remainder."""
    chosen, left, spare = [], budget, None
    for p in pieces:
        p.n_tokens = counter.count(p.rec["text"])
        if p.n_tokens <= left:
            chosen.append(p)
            left -= p.n_tokens
        elif spare is None:
            spare = p
    worth_it = spare is not None and (left >= MIN_TRIM or not chosen)
    if worth_it and not any(_overlap_share(spare.rec, c.rec) for c in chosen):
        trimmed = trim(spare, left, counter, texts)
        if trimmed is not None:
            chosen.append(trimmed)
    return chosen


def trim(p: Piece, limit: int, counter: TokenCounter, texts: dict[str, str]) -> Piece | None:
    """The longest prefix of `p` (ending at a token boundary) that has at most `limit` tokens."""
    text = p.rec["text"]
    spans = list(counter.spans(text))
    for n in range(min(limit, len(spans)), 0, -1):
        end = spans[n - 1][1]
        if counter.count(text[:end]) <= limit:
            return _with_span(p, p.rec["start"], p.rec["start"] + end, counter, texts, truncated=True)
    return None


def merge_adjacent(pieces: list[Piece], counter: TokenCounter, texts: dict[str, str]) -> list[Piece]:
    """Join pieces of one document that touch or overlap (or are separated by whitespace only),
    unless the joined text would count more tokens than its parts."""
    out: list[Piece] = []
    for p in sorted(pieces, key=lambda p: (p.rec["doc_id"], p.rec["start"])):
        prev = out[-1] if out else None
        if prev and _joinable(prev.rec, p.rec, texts):
            joined = _with_span(prev, prev.rec["start"], max(prev.rec["end"], p.rec["end"]), counter, texts,
                                other=p)
            if joined is not None and joined.n_tokens <= prev.n_tokens + p.n_tokens:
                out[-1] = joined
                continue
        out.append(p)
    return out


def _joinable(a: dict[str, Any], b: dict[str, Any], texts: dict[str, str]) -> bool:
    if a["doc_id"] != b["doc_id"] or b["start"] > a["end"] and a["doc_id"] not in texts:
        return False
    text = texts.get(a["doc_id"], "")
    return b["start"] <= a["end"] or not text[a["end"]:b["start"]].strip()


def _with_span(p: Piece, start: int, end: int, counter: TokenCounter, texts: dict[str, str],
               other: Piece | None = None, truncated: bool = False) -> Piece | None:
    text = _span_text(p, other, start, end, texts)
    if text is None:
        return None
    rec = {**p.rec, "start": start, "end": end, "text": text, "id": chunk_id(p.rec["doc_id"], start, end)}
    if truncated:
        rec["meta"] = {**rec["meta"], "truncated": True}
    ids = p.ids + (other.ids if other else [])
    rel = max(p.relevance, other.relevance) if other else p.relevance
    return replace(p, rec=rec, n_tokens=counter.count(text), ids=ids, relevance=rel)


def _span_text(p: Piece, other: Piece | None, start: int, end: int, texts: dict[str, str]) -> str | None:
    doc = texts.get(p.rec["doc_id"])
    if doc is not None:
        return doc[start:end]
    if other is None:  # a prefix of p itself
        return p.rec["text"][:end - start]
    if other.rec["start"] > p.rec["end"]:
        return None  # the gap's text is unknown without the document
    return p.rec["text"] + other.rec["text"][p.rec["end"] - other.rec["start"]:][:max(0, end - p.rec["end"])]


def document_texts(conn: sqlite3.Connection, doc_ids: set[str]) -> dict[str, str]:
    ids = sorted(doc_ids)
    marks = ",".join("?" * len(ids))
    sql = f"SELECT id, text FROM documents WHERE text IS NOT NULL AND id IN ({marks})"
    return {r[0]: r[1] for r in conn.execute(sql, ids)} if ids else {}


def render_record(p: Piece, rank: int, texts: dict[str, str]) -> dict[str, Any]:
    """The chunk record plus relevance `score`, document-order `rank` and provenance."""
    rec = {**p.rec, "n_tokens": p.n_tokens, "score": round(p.relevance, 6), "rank": rank}
    if len(p.ids) > 1:
        rec["merged_from"] = p.ids
    doc = texts.get(p.rec["doc_id"])
    if doc is not None:  # the lines of this span: a merged or trimmed passage is not its first chunk's
        first = doc.count("\n", 0, rec["start"]) + 1
        rec["meta"] = {**rec["meta"], "lines": [first, first + rec["text"].count("\n")]}
    return rec


def total_tokens(records: Sequence[dict[str, Any]]) -> int:
    return sum(r["n_tokens"] for r in records)


def citation(rec: dict[str, Any]) -> str:
    """`source, lines a-b, pages p-q, Heading › Sub` from whatever provenance the chunk carries."""
    meta = rec.get("meta") or {}
    parts = [rec["source"]]
    lines = meta.get("lines") or _pair(meta.get("line_start"), meta.get("line_end"))
    if lines:
        parts.append(f"lines {lines[0]}-{lines[-1]}" if lines[0] != lines[-1] else f"line {lines[0]}")
    pages = meta.get("pages") or ([meta["page"]] if "page" in meta else None)
    if pages:
        parts.append(f"pages {pages[0]}-{pages[-1]}" if pages[0] != pages[-1] else f"page {pages[0]}")
    heading = _heading(meta)
    if heading:
        parts.append(heading)
    return ", ".join(str(p) for p in parts)


def _pair(a: Any, b: Any) -> list[Any] | None:
    return [a, b if b is not None else a] if a is not None else None


def _heading(meta: dict[str, Any]) -> str:
    for key in ("heading_path", "headings", "heading", "section", "scope", "symbol"):
        value = meta.get(key)
        if value:
            return " › ".join(map(str, value)) if isinstance(value, list) else str(value)
    return ""


def check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")


def render(records: Sequence[dict[str, Any]], fmt: str) -> str:
    """A context block for a prompt: numbered passages, each headed by its citation."""
    check_format(fmt)
    blocks = []
    for rec in records:
        cite = citation(rec)
        if fmt == "markdown":
            quoted = "\n".join("> " + line if line else ">" for line in rec["text"].splitlines())
            blocks.append(f"**[{rec['rank']}]** {cite}\n\n{quoted}\n")
        else:
            blocks.append(f"[{rec['rank']}] {cite}\n{rec['text']}\n")
    return "\n".join(blocks)
