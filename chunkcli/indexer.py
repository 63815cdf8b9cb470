"""Incremental indexing: records in, a consistent store out, safe to run from cron.

Each document is fingerprinted (its content hash plus the configuration that
makes its chunks: strategy and parameters, tokenizer, model, extractor). An
unchanged fingerprint is skipped before any segmentation or embedding; a
changed one has its chunks replaced in one transaction. Embedding is batched
across documents (the model is the bottleneck), writing stays per document.
One index process per store at a time (an flock on FILE.lock); readers never
wait thanks to SQLite's WAL journal.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Callable, Iterable, Iterator

from . import index as hnsw
from . import store
from .embed import Embedder, get_embedder
from .errors import InputError
from .inputs import InputItem, exists
from .records import Chunk, Document, Record, sha256_text
from .segment import SegmentOptions, segment_document
from .tokens import TokenCounter, counter_for_model

FLUSH_CHUNKS = 1024  # chunks embedded per model call: large batches keep padding (and overhead) low


@dataclass
class Summary:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    failed: int = 0
    chunks: int = 0  # chunks embedded in this run
    seconds: float = 0.0

    def to_dict(self) -> dict[str, float]:
        return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class IndexOptions:
    db: Path
    segment: SegmentOptions = field(default_factory=SegmentOptions)
    prune: bool = False
    lock_timeout: float = 600.0
    keep_text: bool = True
    checksum: bool = False  # read and hash every file even when its size and mtime are unchanged
    roots: tuple[str, ...] = ()  # the inputs named on the command line: if one fails, nothing is pruned


@dataclass
class Job:
    doc: Document
    chunks: list[Chunk] | None  # None: segment the document here
    fingerprint: str = ""
    is_new: bool = True
    chunks_given: bool = False  # chunk JSONL: boundaries made elsewhere

    @property
    def from_file(self) -> bool:
        """Segmented here from a document (not given as chunks): its file stat may be recorded."""
        return not self.chunks_given


class Indexer:
    """One run over a stream of records; `run` returns the summary."""

    def __init__(self, opts: IndexOptions, on_error: Callable[[InputError], None],
                 log: Callable[[str], None] | None = None, progress: Callable[[int], None] | None = None) -> None:
        self.opts, self.on_error, self.log, self.progress = opts, on_error, log, progress
        self.summary = Summary()
        self.seen: set[str] = set()
        self.failed: set[str] = set()  # sources reported as failed in this run
        self._stats: dict[str, str] = {}  # source -> "size:mtime_ns" of raw files read in this run

    def run(self, records: Iterable[Record]) -> Summary:
        t0 = time.perf_counter()
        Path(self.opts.db).parent.mkdir(parents=True, exist_ok=True)
        with store.file_lock(f"{self.opts.db}.lock", self.opts.lock_timeout, self.log):
            self.conn = store.connect(self.opts.db)
            try:
                self._run(records)
            finally:
                self.conn.close()
        self.summary.seconds = time.perf_counter() - t0
        return self.summary

    def _run(self, records: Iterable[Record]) -> None:
        self.embedder, self.counter = open_model(self.conn, self.opts.segment.model)
        store.check_model(self.conn, self.embedder.name, self.embedder.dim)
        seen = self.seen
        batch: list[Job] = []
        for job in self._changed(group_records(records), seen):
            batch.append(job)
            if sum(len(j.chunks or ()) for j in batch) >= FLUSH_CHUNKS:
                self._flush(batch)
                batch = []
        self._flush(batch)
        if self.opts.prune:
            self._prune(seen)
        hnsw.open_index(self.conn, self.opts.db)  # bring the derived HNSW file up to date

    def _prune(self, seen: set[str]) -> None:
        """Drop stored documents whose file is gone, unless a named input failed: an unmounted share
        or a mistyped folder looks exactly like deleted files (rsync --delete holds back the same way)."""
        lost = [root for root in self.opts.roots if root in self.failed]
        if lost:
            self.on_error(InputError(lost[0], "could not be read: --prune removes nothing in this run"))
            return
        gone = [s for s in store.all_sources(self.conn) if s not in seen and _prunable(s)]
        self.summary.removed = store.delete_documents(self.conn, gone)

    def untouched_skipped(self, items: Iterable[InputItem]) -> Iterator[InputItem]:
        """Drop raw files whose size, mtime and configuration match the stored document, before they
        are read (like make or rsync; `checksum` turns this off). Must be consumed inside `run`."""
        for item in items:
            if self._is_store_file(item) or item.source in self.seen:  # the store itself; a file named twice
                continue
            key = None if self.opts.checksum else _stat_key(item)
            if key is not None:
                if store.stat_matches(self.conn, item.source, key, self._config_key()):
                    self.seen.add(item.source)
                    self.summary.unchanged += 1
                    continue
                self._stats[item.source] = key
            yield item

    def _is_store_file(self, item: InputItem) -> bool:
        """The store and its side files (-wal, .lock, .hnsw, ...) when the walked folder holds them
        (`chunkcli index .` with the default --db): never documents of their own store."""
        db = Path(self.opts.db)
        return (item.path is not None and item.path.name.startswith(db.name)
                and item.path.parent.resolve() == db.parent.resolve())

    def _remember_stat(self, job: Job) -> None:
        """A touched but unchanged file: record its new stat so the next run skips it unread."""
        stat = self._stats.get(job.doc.source) if job.from_file else None
        if stat:
            with store.transaction(self.conn):
                self.conn.execute("UPDATE documents SET stat=?, config=? WHERE source=?",
                                  (stat, self._config_key(), job.doc.source))

    def _config_key(self) -> str:
        config = {k: v for k, v in self._config(None).items() if k != "format"}
        return hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()

    def _changed(self, jobs: Iterable[Job], seen: set[str]) -> Iterator[Job]:
        """Jobs whose fingerprint differs from the stored one, segmented and ready to embed."""
        for job in jobs:
            if job.from_file and job.doc.source in seen:
                continue  # named twice in one run (a folder and a file in it): done once, counted once
            seen.add(job.doc.source)
            job.fingerprint = fingerprint(job, self._config(job.doc))
            stored = store.find_document(self.conn, job.doc.source)
            if stored and stored.fingerprint == job.fingerprint:
                self.summary.unchanged += 1
                self._remember_stat(job)
                continue
            job.is_new = stored is None
            if self._segment(job):
                yield job

    def _segment(self, job: Job) -> bool:
        if job.chunks is not None:
            return self._slices_checked(job)
        try:
            job.chunks = list(segment_document(job.doc, self.opts.segment.strategy, self.opts.segment, self.counter))
        except InputError as err:
            self.fail(err)
            return False
        return True

    def _slices_checked(self, job: Job) -> bool:
        """Given chunks whose document came with them must slice its text (the offset contract)."""
        text = job.doc.text  # "" for chunks given without their document: only the span is checked
        bad = next((c for c in job.chunks or () if (not 0 <= c.start <= c.end)
                    or (text and (c.end > len(text) or text[c.start:c.end] != c.text))), None)
        if bad is not None:
            self.fail(InputError(job.doc.source, f"chunk {bad.start}:{bad.end} is not the document's text there"))
        return bad is None

    def _flush(self, batch: list[Job]) -> None:
        texts = [c.meta.get("embed_text") or c.text for j in batch for c in j.chunks or ()]
        vectors = self.embedder.embed(texts, self.progress) if texts else None
        at = 0
        for job in batch:
            n = len(job.chunks or ())
            stat = self._stats.get(job.doc.source) if job.from_file else None
            store.replace_document(self.conn, job.doc, job.fingerprint, job.chunks or [],
                                   vectors[at:at + n] if n else [], self.opts.keep_text, stat,
                                   self._config_key() if stat else None)
            at += n
            self.summary.chunks += n
            if job.is_new:
                self.summary.new += 1
            else:
                self.summary.updated += 1

    def _config(self, doc: Document | None) -> dict[str, object]:
        return {"segment": segment_config(self.opts.segment), "model": self.embedder.name,
                "tokenizer": self.counter.name, "format": doc.format if doc else None}

    def fail(self, err: InputError) -> None:
        """Count and report one failed input (also the callback for extraction failures)."""
        self.summary.failed += 1
        self.failed.add(err.source)
        self.on_error(err)


def open_model(conn, requested: str | None) -> tuple[Embedder, TokenCounter]:
    """The embedder asked for, else the one the store was built with, else the default."""
    name = requested or store.store_model(conn)[0]
    embedder = get_embedder(name)
    return embedder, counter_for_model(name)


def segment_config(opts: SegmentOptions) -> dict[str, object]:
    """The segment options that make a document's chunks, as fingerprinted. Only plain settings
    count (a warning hook does not change chunks, nor does explain); options marked
    fingerprint="if_changed" count only when set, so adding one never re-embeds existing stores."""
    out: dict[str, object] = {}
    for f in fields(opts):
        value = getattr(opts, f.name)
        if f.name in ("explain", "model") or not isinstance(value, (str, int, float, bool, type(None))):
            continue
        if f.metadata.get("fingerprint") == "if_changed" and value == f.default:
            continue
        out[f.name] = value
    return out


def fingerprint(job: Job, config: dict[str, object]) -> str:
    if job.chunks is None:
        content = job.doc.sha256
    else:  # chunks made elsewhere: their boundaries are part of the content
        content = sha256_text("\n".join(f"{c.id}\t{c.start}\t{c.end}\t{c.strategy}\t{sha256_text(c.text)}"
                                        for c in job.chunks))
        config = {"model": config["model"]}
    blob = json.dumps({"content": content, "config": config}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def group_records(records: Iterable[Record]) -> Iterator[Job]:
    """Documents to segment, or runs of chunks sharing a doc_id (with their document when it came first)."""
    doc: Document | None = None
    chunks: list[Chunk] = []
    for rec in records:
        if isinstance(rec, Document) or (chunks and rec.doc_id != chunks[0].doc_id):
            yield from _job(doc, chunks)
            doc, chunks = (rec, []) if isinstance(rec, Document) else (None, [])
            if isinstance(rec, Document):
                continue
        if doc is not None and rec.doc_id != doc.id:
            yield from _job(doc, [])
            doc = None
        chunks.append(rec)  # type: ignore[arg-type]
    yield from _job(doc, chunks)


def _job(doc: Document | None, chunks: list[Chunk]) -> Iterator[Job]:
    if chunks:
        # A chunk id names its span of its document: the same id twice (a stream piped in twice) is
        # the same chunk, stored once (the store's unique key would otherwise fail the whole batch).
        chunks = _first_of_each_id(chunks)
        yield Job(doc if doc is not None and doc.id == chunks[0].doc_id else _doc_of(chunks), chunks,
                  chunks_given=True)
    elif doc is not None:
        yield Job(doc, None)


def _first_of_each_id(chunks: list[Chunk]) -> list[Chunk]:
    seen: set[str] = set()
    unique = []
    for chunk in chunks:
        if chunk.id not in seen:
            seen.add(chunk.id)
            unique.append(chunk)
    return unique


def _doc_of(chunks: list[Chunk]) -> Document:
    """A stand-in document for chunks given without theirs (its text is unknown)."""
    first = chunks[0]
    digest = sha256_text("\n".join(c.text for c in chunks))
    return Document(source=first.source, text="", format="", id=first.doc_id, sha256=digest)


def _stat_key(item: InputItem) -> str | None:
    """ "size:mtime_ns" of a raw file; None for stdin, URLs and JSONL record streams."""
    if item.path is None or item.suffix in (".jsonl", ".ndjson", ""):
        return None
    try:
        st = item.path.stat()
    except OSError:
        return None  # the read will fail and be reported
    return f"{st.st_size}:{st.st_mtime_ns}"


def _prunable(source: str) -> bool:
    return source != "-" and "://" not in source and not exists([source])
