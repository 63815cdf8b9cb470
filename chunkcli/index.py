"""The HNSW file: a derived, rebuildable cache of the store's vectors.

`FILE.hnsw` sits next to the database with a tag `FILE.hnsw.json` naming the
store (its id), the store generation it reflects and the labels it has marked
deleted. The index is written to a temporary file and renamed; the tag is
renamed after it, so a crash in between leaves an older tag, which only causes
a repair. A tag that does not match the store is never trusted: the file is
repaired by set difference between its labels and the chunk rowids (labels are
never reused), or rebuilt when too much of it is dead.
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

from . import store
from .errors import StoreError

M, EF_CONSTRUCTION = 16, 200
EF_SEARCH = 128  # bench/bench_retrieval.py: recall@10 vs exact >= 0.98 at 100k chunks
REBUILD_DEAD_SHARE = 0.2
Log = Callable[[str], None]


@dataclass
class DenseIndex:
    index: Any  # hnswlib.Index
    deleted: set[int] = field(default_factory=set)

    @property
    def size(self) -> int:
        return self.index.element_count - len(self.deleted)

    def knn(self, vec: np.ndarray, k: int, allowed: set[int] | None = None) -> list[tuple[int, float]]:
        """Up to k nearest live labels with their inner product, best first.

        Raises RuntimeError when the graph search reaches fewer than k labels: with entries
        marked deleted or filtered out, HNSW cannot promise k hits (hnswlib issues #444, #465)."""
        k = min(k, self.size if allowed is None else len(allowed))
        if k <= 0:
            return []
        self.index.set_ef(max(EF_SEARCH, k))  # ef < k cannot yield k hits; k is bounded by the index size
        flt = allowed.__contains__ if allowed is not None else None
        labels, dists = self.index.knn_query(vec[None, :], k=k, filter=flt)
        return [(int(label), float(1.0 - d)) for label, d in zip(labels[0], dists[0])]


def paths(db: Path | str) -> tuple[Path, Path]:
    return Path(f"{db}.hnsw"), Path(f"{db}.hnsw.json")


def open_index(conn: sqlite3.Connection, db: Path | str, log: Log | None = None) -> DenseIndex | None:
    """The dense index matching the store now (None when the store has no vectors)."""
    _, dim = store.store_model(conn)
    want = _tag_of(conn)
    if not dim or not want["count"]:
        return None
    index_file, tag_file = paths(db)
    tag = _read_tag(tag_file)
    if tag and tag.get("store_id") == want["store_id"] and tag.get("dim") == dim and index_file.is_file():
        dense = _load(index_file, dim, tag)
        if dense is not None and {k: tag.get(k) for k in want} == want:
            return dense
        if dense is not None:
            _log(log, f"{index_file}: stale (generation {tag.get('generation')} != {want['generation']}); repairing")
            return _save_quietly(_repair(conn, dense, dim), db, want, log)
    _log(log, f"{index_file}: missing or not from this store; rebuilding from {db}")
    return _save_quietly(build(conn, dim), db, want, log)


def _tag_of(conn: sqlite3.Connection) -> dict[str, Any]:
    row = conn.execute("SELECT count(*), coalesce(max(rowid), 0) FROM chunks").fetchone()
    return {"store_id": store.get_meta(conn, "store_id"), "generation": store.generation(conn),
            "count": row[0], "max_rowid": row[1]}


def _read_tag(tag_file: Path) -> dict[str, Any] | None:
    try:
        return json.loads(tag_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _load(index_file: Path, dim: int, tag: dict[str, Any]) -> DenseIndex | None:
    import hnswlib

    index = hnswlib.Index(space="ip", dim=dim)
    try:
        index.load_index(str(index_file))
    except RuntimeError:  # truncated or foreign file: rebuild instead of trusting it
        return None
    index.set_ef(EF_SEARCH)
    return DenseIndex(index, set(tag.get("deleted", [])))


def build(conn: sqlite3.Connection, dim: int) -> DenseIndex:
    import hnswlib

    count = conn.execute("SELECT count(*) FROM vectors").fetchone()[0]
    index = hnswlib.Index(space="ip", dim=dim)
    index.init_index(max_elements=max(1000, int(count * 1.1)), ef_construction=EF_CONSTRUCTION, M=M)
    for labels, vecs in vector_batches(conn):
        index.add_items(vecs, labels)
    index.set_ef(EF_SEARCH)
    return DenseIndex(index)


def _repair(conn: sqlite3.Connection, dense: DenseIndex, dim: int) -> DenseIndex:
    labels = set(int(x) for x in dense.index.get_ids_list())
    live = labels - dense.deleted
    in_db = {r[0] for r in conn.execute("SELECT rowid FROM chunks")}
    add, remove = sorted(in_db - labels), live - in_db
    if (in_db - live) & dense.deleted or len(dense.deleted | remove) > REBUILD_DEAD_SHARE * max(1, len(in_db)):
        return build(conn, dim)
    need = dense.index.element_count + len(add)
    if need > dense.index.get_max_elements():
        dense.index.resize_index(int(need * 1.2))
    for lo in range(0, len(add), 5000):
        part = add[lo:lo + 5000]
        rows = store.vectors_for(conn, part)
        dense.index.add_items(np.stack([rows[r] for r in part]), part)
    for label in remove:
        dense.index.mark_deleted(label)
    dense.deleted |= remove
    return dense


def vector_batches(conn: sqlite3.Connection) -> Iterator[tuple[list[int], np.ndarray]]:
    """Every stored vector with its chunk rowid, 10 000 at a time (memory stays flat at any store size)."""
    cur = conn.execute("SELECT rowid, embedding FROM vectors ORDER BY rowid")
    while rows := cur.fetchmany(10000):
        yield [r[0] for r in rows], np.stack([store.vector_of(r[1]) for r in rows])


def _save_quietly(dense: DenseIndex, db: Path | str, tag: dict[str, Any], log: Log | None) -> DenseIndex:
    """Persist the repaired index; a read-only folder only costs the next caller a repair."""
    try:
        save(dense, db, tag)
    except (OSError, StoreError) as exc:  # StoreError: its lock file cannot be made (a read-only folder)
        _log(log, f"cannot save {paths(db)[0]} ({getattr(exc, 'strerror', None) or exc}); using it in memory")
    return dense


def save(dense: DenseIndex, db: Path | str, tag: dict[str, Any]) -> None:
    index_file, tag_file = paths(db)
    dim = dense.index.dim
    # One writer at a time, so an index file is never paired with another writer's tag.
    with store.file_lock(f"{index_file}.lock", timeout=600):
        tmp = index_file.with_name(f"{index_file.name}.tmp-{os.getpid()}")
        tmp_tag = tag_file.with_name(f"{tag_file.name}.tmp-{os.getpid()}")
        try:
            dense.index.save_index(str(tmp))
            if tmp.stat().st_size == 0:  # hnswlib reports no write error: on a full disk the file is empty
                raise OSError(errno.ENOSPC, "the index file came out empty (is the disk full?)")
            body = json.dumps({**tag, "dim": dim, "deleted": sorted(dense.deleted)})
            tmp_tag.write_text(body, encoding="utf-8")
            os.replace(tmp, index_file)  # only complete files replace the good ones
            os.replace(tmp_tag, tag_file)
        finally:
            for leftover in (tmp, tmp_tag):
                leftover.unlink(missing_ok=True)


def _log(log: Log | None, message: str) -> None:
    if log:
        log(message)
