"""The SQLite store: the source of truth for documents, chunks, embeddings and settings.

Schema changes are numbered migrations (PRAGMA user_version). Embeddings live in
their own table (`vectors`, same rowid as the chunk) so chunk scans and FTS stay
lean. `chunks.rowid` is AUTOINCREMENT: a label is never reused, which is what
lets the HNSW file (chunkcli.index) be repaired by set difference.

Every change to one document is one transaction that also bumps the store
`generation`; a crash leaves the previous version intact (WAL journal).
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np

from .errors import ModelError, StoreError, os_reason
from .records import Chunk, Document

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE documents (
        id TEXT PRIMARY KEY, source TEXT NOT NULL UNIQUE, format TEXT, lang TEXT, title TEXT,
        sha256 TEXT NOT NULL, fingerprint TEXT NOT NULL, meta TEXT NOT NULL DEFAULT '{}', text TEXT);
    CREATE TABLE chunks (
        rowid INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
        doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        source TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, text TEXT NOT NULL,
        strategy TEXT NOT NULL, n_tokens INTEGER NOT NULL, meta TEXT NOT NULL DEFAULT '{}');
    CREATE INDEX chunks_doc ON chunks(doc_id, start);
    CREATE TABLE vectors (
        rowid INTEGER PRIMARY KEY REFERENCES chunks(rowid) ON DELETE CASCADE, embedding BLOB NOT NULL);
    CREATE VIRTUAL TABLE chunks_fts USING fts5(
        text, content='chunks', content_rowid='rowid', tokenize='porter unicode61 remove_diacritics 2');
    CREATE TRIGGER chunks_ai AFTER INSERT ON chunks BEGIN
        INSERT INTO chunks_fts(rowid, text) VALUES (new.rowid, new.text); END;
    CREATE TRIGGER chunks_ad AFTER DELETE ON chunks BEGIN
        INSERT INTO chunks_fts(chunks_fts, rowid, text) VALUES ('delete', old.rowid, old.text); END;
    INSERT INTO meta VALUES ('generation', '0');
    INSERT INTO meta VALUES ('store_id', lower(hex(randomblob(8))));
    """,
    # 2: document frequency per FTS term, so lexical search can skip terms found almost everywhere.
    """
    CREATE VIRTUAL TABLE chunks_vocab USING fts5vocab(chunks_fts, 'row');
    """,
    # 3: file size + mtime and the configuration hash, so an untouched file is skipped without reading it.
    """
    ALTER TABLE documents ADD COLUMN stat TEXT;
    ALTER TABLE documents ADD COLUMN config TEXT;
    """,
)

CHUNK_COLUMNS = 'c.rowid, c.id, c.doc_id, c.source, c.start, c."end", c.text, c.strategy, c.n_tokens, c.meta'


@dataclass(frozen=True)
class StoredDoc:
    id: str
    source: str
    fingerprint: str


def connect(path: Path | str, create: bool = True, timeout: float = 60.0) -> sqlite3.Connection:
    """Open (and migrate) the store; a missing file is an error unless `create`."""
    path = Path(path)
    if not create and not path.is_file():
        raise StoreError(f"{path}: no such store; build it with `chunkcli index PATH... --db {path}`")
    # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE), one per document.
    conn = sqlite3.connect(str(path), timeout=timeout, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys=ON")
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        _migrate(conn)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path}: not a usable chunkcli store ({exc})") from None
    return conn


def _migrate(conn: sqlite3.Connection) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    for number, sql in enumerate(MIGRATIONS[version:], start=version + 1):
        with transaction(conn):
            for statement in _statements(sql):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version={number}")


def _statements(sql: str) -> Iterator[str]:
    # executescript() would COMMIT our transaction; split on statement ends instead
    # (triggers end with "END;", their inner ";" is followed by " END").
    buf = ""
    for part in sql.split(";"):
        buf += part + ";"
        if sqlite3.complete_statement(buf):
            if buf.strip(" \n;"):
                yield buf.strip()
            buf = ""


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE … COMMIT, rolled back on any exception."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:  # SQLite has already rolled back after some errors (a corrupt page)
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def get_meta(conn: sqlite3.Connection, key: str, default: str | None = None) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
    return row[0] if row else default


def set_meta(conn: sqlite3.Connection, key: str, value: Any) -> None:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    conn.execute("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                 (key, text))


def generation(conn: sqlite3.Connection) -> int:
    return int(get_meta(conn, "generation", "0") or 0)


def store_model(conn: sqlite3.Connection) -> tuple[str | None, int | None]:
    dim = get_meta(conn, "dim")
    return get_meta(conn, "model"), int(dim) if dim else None


def check_model(conn: sqlite3.Connection, model: str, dim: int) -> None:
    """Record the model on first use; refuse a different one later (vectors would not compare)."""
    stored, stored_dim = store_model(conn)
    if stored is None:
        with transaction(conn):
            set_meta(conn, "model", model)
            set_meta(conn, "dim", str(dim))
        return
    if stored != model or stored_dim != dim:
        raise ModelError(f"the store was built with model {stored!r} (dim {stored_dim}), not {model!r} (dim {dim}); "
                         f"pass --model {stored} or index into a new --db")


def stat_matches(conn: sqlite3.Connection, source: str, stat: str, config: str) -> bool:
    row = conn.execute("SELECT 1 FROM documents WHERE source=? AND stat=? AND config=?", (source, stat, config))
    return row.fetchone() is not None


def find_document(conn: sqlite3.Connection, source: str) -> StoredDoc | None:
    row = conn.execute("SELECT id, source, fingerprint FROM documents WHERE source=?", (source,)).fetchone()
    return StoredDoc(row["id"], row["source"], row["fingerprint"]) if row else None


def replace_document(conn: sqlite3.Connection, doc: Document, fingerprint: str, chunks: Sequence[Chunk],
                     vectors: np.ndarray, keep_text: bool = True, stat: str | None = None,
                     config: str | None = None) -> None:
    """Swap in a document and its chunks atomically: all of it, or the previous version."""
    with transaction(conn):
        doc = _with_stored_text(conn, doc)
        conn.execute("DELETE FROM documents WHERE source=? OR id=?", (doc.source, doc.id))
        conn.execute("INSERT INTO documents(id, source, format, lang, title, sha256, fingerprint, meta, text, stat, "
                     "config) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                     (doc.id, doc.source, doc.format or None, doc.lang, doc.title, doc.sha256, fingerprint,
                      _json(doc.meta), doc.text if keep_text and doc.text else None, stat, config))
        for chunk, vec in zip(chunks, vectors):
            cur = conn.execute("INSERT INTO chunks(id, doc_id, source, start, \"end\", text, strategy, n_tokens, meta) "
                               "VALUES (?,?,?,?,?,?,?,?,?)",
                               (chunk.id, doc.id, chunk.source, chunk.start, chunk.end, chunk.text,
                                chunk.strategy, chunk.n_tokens, _json(chunk.meta)))
            conn.execute("INSERT INTO vectors VALUES (?, ?)", (cur.lastrowid, _blob(vec)))
        _bump(conn)


def _with_stored_text(conn: sqlite3.Connection, doc: Document) -> Document:
    """Chunks given without their document (a stand-in with no text) keep the text, format and
    hash stored for that same document id, e.g. by its document record earlier in the stream."""
    if doc.text:
        return doc
    row = conn.execute("SELECT text, format, lang, title, sha256, meta FROM documents WHERE id=?",
                       (doc.id,)).fetchone()
    if row is None or row[0] is None:
        return doc
    text, fmt, lang, title, sha, meta = row
    return replace(doc, text=text, format=fmt or doc.format, lang=lang, title=title, sha256=sha,
                   meta=json.loads(meta) if meta else doc.meta)


def delete_documents(conn: sqlite3.Connection, sources: Iterable[str]) -> int:
    n = 0
    for source in sources:
        with transaction(conn):
            n += conn.execute("DELETE FROM documents WHERE source=?", (source,)).rowcount
            _bump(conn)
    return n


def _bump(conn: sqlite3.Connection) -> None:
    conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key='generation'")


def all_sources(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT source FROM documents ORDER BY source")]


def _json(value: Any) -> str:
    return json.dumps(value or {}, ensure_ascii=False, sort_keys=True)


def _blob(vec: np.ndarray) -> bytes:
    return np.asarray(vec, dtype="<f4").tobytes()


def vector_of(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype="<f4")


def vectors_for(conn: sqlite3.Connection, rowids: Sequence[int]) -> dict[int, np.ndarray]:
    out: dict[int, np.ndarray] = {}
    for lo in range(0, len(rowids), 900):  # stay under SQLite's bound-parameter limit
        part = list(rowids[lo:lo + 900])
        marks = ",".join("?" * len(part))
        for rowid, blob in conn.execute(f"SELECT rowid, embedding FROM vectors WHERE rowid IN ({marks})", part):
            out[rowid] = vector_of(blob)
    return out


def chunk_record(row: sqlite3.Row) -> dict[str, Any]:
    """A stored chunk as its JSONL record (the same shape `segment` emits)."""
    return {"type": "chunk", "id": row["id"], "doc_id": row["doc_id"], "source": row["source"],
            "start": row["start"], "end": row["end"], "text": row["text"], "strategy": row["strategy"],
            "n_tokens": row["n_tokens"], "meta": json.loads(row["meta"])}


def chunks_by_rowid(conn: sqlite3.Connection, rowids: Sequence[int]) -> dict[int, sqlite3.Row]:
    out: dict[int, sqlite3.Row] = {}
    for lo in range(0, len(rowids), 900):
        part = list(rowids[lo:lo + 900])
        sql = (f"SELECT {CHUNK_COLUMNS} FROM chunks c WHERE c.rowid IN ({','.join('?' * len(part))})")
        for row in conn.execute(sql, part):
            out[row["rowid"]] = row
    return out


def iter_chunks(conn: sqlite3.Connection, source_glob: str | None = None) -> Iterator[sqlite3.Row]:
    """Stored chunks in document order (source, start), optionally only sources matching a glob."""
    where, args = ("WHERE c.source GLOB ?", (source_glob,)) if source_glob else ("", ())
    yield from conn.execute(f"SELECT {CHUNK_COLUMNS}, v.embedding FROM chunks c "
                            f"LEFT JOIN vectors v ON v.rowid = c.rowid {where} ORDER BY c.source, c.start, c.rowid",
                            args)


def check_consistency(conn: sqlite3.Connection) -> list[str]:
    """Problems found (empty when consistent): orphans, missing vectors, FTS drift, bad offsets."""
    checks = {
        "chunks without a document": "SELECT count(*) FROM chunks c LEFT JOIN documents d ON d.id=c.doc_id "
                                     "WHERE d.id IS NULL",
        "chunks without a vector": "SELECT count(*) FROM chunks c LEFT JOIN vectors v ON v.rowid=c.rowid "
                                   "WHERE v.rowid IS NULL",
        "vectors without a chunk": "SELECT count(*) FROM vectors v LEFT JOIN chunks c ON c.rowid=v.rowid "
                                   "WHERE c.rowid IS NULL",
    }
    problems = [f"{n} {what}" for what, sql in checks.items() if (n := conn.execute(sql).fetchone()[0])]
    try:
        conn.execute("INSERT INTO chunks_fts(chunks_fts, rank) VALUES ('integrity-check', 1)")
    except sqlite3.DatabaseError as exc:
        problems.append(f"full-text index out of sync ({exc})")
    if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
        problems.append("SQLite integrity check failed")
    return problems + _bad_slices(conn)


def _bad_slices(conn: sqlite3.Connection) -> list[str]:
    # Checked in Python: SQL substr() miscounts text holding NUL characters.
    bad = 0
    for doc_id, text in conn.execute("SELECT id, text FROM documents WHERE text IS NOT NULL"):
        rows = conn.execute('SELECT start, "end", text FROM chunks WHERE doc_id=?', (doc_id,))
        bad += sum(text[s:e] != t for s, e, t in rows)
    return [f"{bad} chunks whose text is not their document slice"] if bad else []


@contextmanager
def file_lock(path: Path | str, timeout: float, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """An exclusive advisory lock on `path` (flock: released by the kernel if the holder dies)."""
    try:
        fd = os.open(str(path), os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:  # a read-only folder or disk: no run can write this store
        raise StoreError(f"{path}: cannot take the store's lock: {os_reason(exc)}") from None
    try:
        _acquire(fd, Path(path), timeout, on_wait)
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        yield
    finally:
        os.close(fd)  # closing drops the lock


def _acquire(fd: int, path: Path, timeout: float, on_wait: Callable[[str], None] | None) -> None:
    deadline, told = time.monotonic() + timeout, False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            holder = path.read_text(errors="replace").strip() or "?"
            if time.monotonic() >= deadline:
                raise StoreError(f"{path}: still locked by process {holder} after {timeout:g} s; "
                                 "another `chunkcli index` is running on this store (raise --lock-timeout)") from None
            if on_wait and not told:
                on_wait(f"waiting for {path} (held by process {holder}; timeout {timeout:g} s)")
                told = True
            time.sleep(0.1)


def export_records(conn: sqlite3.Connection, source_glob: str | None = None,
                   with_vectors: bool = False) -> Iterator[dict[str, Any]]:
    """Stored chunks as JSONL records in document order; `embedding` added on request."""
    for row in iter_chunks(conn, source_glob):
        rec = chunk_record(row)
        if with_vectors:
            rec["embedding"] = [round(float(x), 7) for x in vector_of(row["embedding"])]
        yield rec
