"""Retrieval over the store: dense (HNSW), lexical (FTS5 BM25) and hybrid (reciprocal-rank fusion).

Results are the stored chunk records plus `score` and `rank` (1-based); with
`explain`, each record also says how every retriever ranked and scored it.
User text never reaches FTS5 syntax: it is split into words, each quoted.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np

from . import index as hnsw
from . import store
from .errors import ModelError, UsageError

MODES = ("dense", "lexical", "hybrid")
EXACT_BELOW = 20000  # filtered dense search scans the allowed vectors exactly under this many
RRF_K = 60
COMMON_SHARE = 0.1  # lexical: query words in more chunks than this share are dropped (see _selective)


@dataclass(frozen=True)
class Filters:
    source: str | None = None  # glob on the chunk source
    format: str | None = None
    lang: str | None = None
    doc: str | None = None

    def sql(self) -> tuple[str, list[str]]:
        """A WHERE fragment over `c` (chunks) and `d` (documents), and its parameters."""
        parts = [("c.source GLOB ?", self.source), ("d.format = ?", self.format),
                 ("d.lang = ?", self.lang), ("c.doc_id = ?", self.doc)]
        used = [(sql, v) for sql, v in parts if v is not None]
        return " AND ".join(s for s, _ in used) or "1", [v for _, v in used]

    def __bool__(self) -> bool:
        return any(v is not None for v in (self.source, self.format, self.lang, self.doc))


@dataclass(frozen=True)
class SearchOptions:
    k: int = 10
    mode: str = "hybrid"
    filters: Filters = field(default_factory=Filters)
    dense_weight: float = 1.0
    lexical_weight: float = 1.0
    explain: bool = False

    @property
    def pool(self) -> int:
        """Candidates each retriever contributes before fusion."""
        return max(50, 3 * self.k)


Ranked = list[tuple[int, float]]  # (chunk rowid, score), best first


def fts_query(text: str | Sequence[str]) -> str:
    """Any user text (or its words) as a safe FTS5 query: every word quoted, joined with OR."""
    words = re.findall(r"\w+", text) if isinstance(text, str) else text
    return " OR ".join('"' + w.replace('"', '""') + '"' for w in words)


class Searcher:
    """Opens a store once and answers many queries (the model and HNSW file load lazily)."""

    def __init__(self, db: Path | str, model: str | None = None, log: Callable[[str], None] | None = None) -> None:
        self.db, self.log = Path(db), log
        self.conn = store.connect(db, create=False)
        self.model, self.dim = store.store_model(self.conn)
        if model and self.model and _canonical(model) != self.model:
            raise ModelError(f"the store was built with model {self.model!r}, not {model!r}; "
                             f"query it with --model {self.model} (or omit --model)")
        self._embedder = None
        self._dense: hnsw.DenseIndex | None | bool = False
        self._tokenizer_ready, self._count = False, None

    def embedder(self):
        if self._embedder is None:
            from .query_embed import query_embedder

            self._embedder = query_embedder(self.model)
        return self._embedder

    def dense_index(self) -> hnsw.DenseIndex | None:
        if self._dense is False:
            self._dense = hnsw.open_index(self.conn, self.db, self.log)
        return self._dense  # type: ignore[return-value]

    def search(self, query: str, opts: SearchOptions) -> list[dict[str, Any]]:
        check_query(query)  # before the model loads
        vec = self.embed([query])[0] if opts.mode != "lexical" else None
        return self.search_vector(query, vec, opts)

    def embed(self, queries: Sequence[str]) -> np.ndarray:
        if not self.model:
            raise ModelError(f"{self.db}: the store has no embedding model recorded; index something first")
        return self.embedder().embed(list(queries))

    def search_many(self, queries: Sequence[str], opts: SearchOptions) -> Iterator[tuple[str, list[dict[str, Any]]]]:
        """Queries embedded in one batch, answered in order."""
        vecs = self.embed(queries) if opts.mode != "lexical" and queries else [None] * len(queries)
        for query, vec in zip(queries, vecs):
            yield query, self.search_vector(query, vec, opts)

    def search_vector(self, query: str, vec: np.ndarray | None, opts: SearchOptions) -> list[dict[str, Any]]:
        fused, lists = self.rank(query, vec, opts)
        return self._records(fused[:opts.k], lists if opts.explain else None)

    def rank(self, query: str, vec: np.ndarray | None, opts: SearchOptions) -> tuple[Ranked, dict[str, Ranked]]:
        """The fused ranking (rowid, score) and each retriever's own list."""
        if opts.mode not in MODES:
            raise UsageError(f"unknown mode {opts.mode!r}; choose one of: {', '.join(MODES)}")
        if opts.k < 1:
            raise UsageError(f"k must be at least 1, not {opts.k}")
        check_query(query)
        # No list can be longer than the store, so an absurd -k costs nothing (and fits SQLite and hnswlib).
        size = min(opts.pool if opts.mode == "hybrid" else opts.k, self._chunk_count())
        lists: dict[str, Ranked] = {}
        if opts.mode in ("dense", "hybrid"):
            lists["dense"] = self.dense(vec, size, opts.filters)
        if opts.mode in ("lexical", "hybrid"):
            lists["lexical"] = self.lexical(query, size, opts.filters)
        return (lists[opts.mode] if opts.mode != "hybrid" else rrf(lists, _weights(opts))), lists

    def dense(self, vec: np.ndarray, k: int, filters: Filters) -> Ranked:
        allowed = self.allowed(filters) if filters else None
        if allowed is not None and len(allowed) <= EXACT_BELOW:
            return exact(self.conn, vec, sorted(allowed), k)
        dense = self.dense_index()
        if dense is None or dense.size == 0:
            return []
        try:
            return dense.knn(vec, k, allowed)
        except RuntimeError:  # the graph reached fewer than k live, allowed labels: the exact answer instead
            return exact_scan(self.conn, vec, k, allowed)

    def lexical(self, query: str, k: int, filters: Filters) -> Ranked:
        match = fts_query(self._selective(re.findall(r"\w+", query)))
        if not match:
            return []
        if not filters:  # no join: FTS5 alone ranks faster
            sql = "SELECT rowid, rank FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY rank LIMIT ?"
            return [(r[0], -float(r[1])) for r in self.conn.execute(sql, (match, k))]
        where, args = filters.sql()
        sql = ("SELECT c.rowid, bm25(chunks_fts) FROM chunks_fts JOIN chunks c ON c.rowid = chunks_fts.rowid "
               f"JOIN documents d ON d.id = c.doc_id WHERE chunks_fts MATCH ? AND {where} "
               "ORDER BY bm25(chunks_fts) LIMIT ?")
        return [(r[0], -float(r[1])) for r in self.conn.execute(sql, [match, *args, k])]

    def _selective(self, words: list[str]) -> list[str]:
        """Drop words whose term is in more than COMMON_SHARE of the chunks: BM25 gives them almost
        no weight, yet matching them scores most of the index (~0.5 s at 100k chunks). The rarest
        word always stays."""
        if len(words) < 2:
            return words
        df = self._term_counts(words)
        total = self._chunk_count()
        keep = [w for w in words if df.get(w, 0) <= COMMON_SHARE * total]
        return keep or [min(words, key=lambda w: df.get(w, 0))]

    def _term_counts(self, words: list[str]) -> dict[str, int]:
        """Chunks containing each word's FTS term (stemmed by FTS5 itself, through a temp table)."""
        if not self._tokenizer_ready:
            self.conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.qwords USING fts5(w, "
                              "tokenize='porter unicode61 remove_diacritics 2')")
            self.conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.qterms USING fts5vocab(temp, qwords, instance)")
            self._tokenizer_ready = True
        self.conn.execute("DELETE FROM temp.qwords")
        self.conn.executemany("INSERT INTO temp.qwords(rowid, w) VALUES (?, ?)", list(enumerate(words)))
        terms = {doc: term for doc, term in self.conn.execute("SELECT doc, term FROM temp.qterms")}
        marks = ",".join("?" * len(set(terms.values())))
        df = dict(self.conn.execute(f"SELECT term, doc FROM chunks_vocab WHERE term IN ({marks})",
                                    sorted(set(terms.values()))))
        return {w: df.get(terms.get(i, ""), 0) for i, w in enumerate(words)}

    def _chunk_count(self) -> int:
        if self._count is None:
            self._count = self.conn.execute("SELECT count(*) FROM chunks").fetchone()[0]
        return self._count

    def allowed(self, filters: Filters) -> set[int]:
        where, args = filters.sql()
        sql = f"SELECT c.rowid FROM chunks c JOIN documents d ON d.id = c.doc_id WHERE {where}"
        return {r[0] for r in self.conn.execute(sql, args)}

    def _records(self, ranked: Ranked, lists: dict[str, Ranked] | None) -> list[dict[str, Any]]:
        rows = store.chunks_by_rowid(self.conn, [r for r, _ in ranked])
        out = []
        for rank, (rowid, score) in enumerate(ranked, 1):
            rec = {**store.chunk_record(rows[rowid]), "score": round(score, 6), "rank": rank}
            if lists is not None:
                rec["explain"] = _explain(rowid, lists)
            out.append(rec)
        return out


def _weights(opts: SearchOptions) -> dict[str, float]:
    return {"dense": opts.dense_weight, "lexical": opts.lexical_weight}


def rrf(lists: dict[str, Ranked], weights: dict[str, float], k0: int = RRF_K) -> Ranked:
    """Reciprocal-rank fusion: sum of weight / (k0 + rank) over the retrievers that found a chunk."""
    scores: dict[int, float] = {}
    for name, ranked in lists.items():
        for rank, (rowid, _) in enumerate(ranked, 1):
            scores[rowid] = scores.get(rowid, 0.0) + weights.get(name, 1.0) / (k0 + rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


def exact(conn: sqlite3.Connection, vec: np.ndarray, rowids: Sequence[int], k: int) -> Ranked:
    """Brute-force inner product over the given chunks (small filtered sets, and recall checks)."""
    if not rowids:
        return []
    vecs = store.vectors_for(conn, rowids)
    ids = [r for r in rowids if r in vecs]
    return _top(ids, np.stack([vecs[r] for r in ids]) @ vec, k)


def _top(ids: Sequence[int], sims: np.ndarray, k: int) -> Ranked:
    """The k best (id, similarity), best first; equal similarities keep the order of `ids`."""
    top = np.argsort(-sims, kind="stable")[:k]
    return [(ids[i], float(sims[i])) for i in top]


def exact_scan(conn: sqlite3.Connection, vec: np.ndarray, k: int, allowed: set[int] | None = None) -> Ranked:
    """Brute-force inner product over every stored vector (or the allowed ones), streamed in batches;
    ties go to the lower rowid, as in `exact`."""
    best: Ranked = []
    for labels, vecs in hnsw.vector_batches(conn):
        keep = [i for i, label in enumerate(labels) if allowed is None or label in allowed]
        hits = _top([labels[i] for i in keep], vecs[keep] @ vec, k)
        best = sorted(best + hits, key=lambda h: (-h[1], h[0]))[:k]
    return best


def check_query(query: str) -> None:
    """An empty query matches nothing, yet dense search would still rank arbitrary chunks for it."""
    if not query.strip():
        raise UsageError("the query is empty; give the words to search for")


def _explain(rowid: int, lists: dict[str, Ranked]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, ranked in lists.items():
        hit = next(((i, s) for i, (r, s) in enumerate(ranked, 1) if r == rowid), None)
        out[name] = {"rank": hit[0], "score": round(hit[1], 6)} if hit else None
    return out


def _canonical(model: str) -> str:
    from .models import resolve_model

    return resolve_model(model).name


def parse_queries(lines: Iterable[str]) -> Iterator[dict[str, Any]]:
    """Batch input: one query per line, plain text or JSON with a "query" (or "text") field.
    Blank lines, and JSON lines whose query is blank, are skipped: there is nothing to search for."""
    for line in lines:
        line = line.strip()
        if not line:
            continue
        obj = _json_query(line)
        if obj is None:
            yield {"query": line}
        elif obj["query"].strip():
            yield obj


def _json_query(line: str) -> dict[str, Any] | None:
    """The line as a JSON query record, or None when it is plain text (even text that starts with '{')."""
    import json

    if not line.startswith("{"):
        return None
    try:
        obj = json.loads(line)
    except ValueError:
        return None
    text = obj.get("query", obj.get("text")) if isinstance(obj, dict) else None
    return {**obj, "query": text} if isinstance(text, str) else None
