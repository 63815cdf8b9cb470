"""Extraction in worker processes: `--jobs N` in parallel, a `--timeout` per input, input order kept.

Each worker handles one input at a time over its own pipe, so a pathological file
(a PDF that makes MuPDF spin, a page that crashes it) costs only that worker: it is
killed or found dead, the input is reported as failed, a fresh worker takes its
place and the batch goes on. Results are buffered and released in input order,
with a bounded look-ahead so memory stays proportional to the number of workers.
"""

from __future__ import annotations

import multiprocessing as mp
import signal
import sys
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Callable, Iterable, Iterator

from ..errors import InputError, UsageError
from ..inputs import InputItem
from ..records import Document
from .base import ExtractOptions

LOOKAHEAD = 4  # inputs in flight or buffered per worker


@dataclass
class _Outcome:
    doc: Document | None
    error: InputError | None
    warnings: list[str]


def _serve(conn: Connection, opts: ExtractOptions) -> None:
    """Worker loop: (index, item) in, (index, kind, payload, warnings) out; None ends it."""
    from . import extract_item

    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a forked worker just dies; the parent unwinds

    while (task := conn.recv()) is not None:
        index, item = task
        warnings: list[str] = []
        try:
            conn.send((index, "doc", extract_item(item, opts, warnings.append), warnings))
        except InputError as err:
            conn.send((index, "error", (err.source, err.reason), warnings))
        except UsageError as err:
            conn.send((index, "usage", str(err), warnings))


class _Worker:
    def __init__(self, ctx: Any, opts: ExtractOptions) -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(child, opts), daemon=True)
        self.proc.start()
        child.close()
        self.task: tuple[int, InputItem] | None = None
        self.started = 0.0

    def send(self, index: int, item: InputItem) -> None:
        self.task, self.started = (index, item), time.monotonic()
        self.conn.send((index, item))

    def stop(self, kill: bool = False) -> None:
        if not kill and self.proc.is_alive():
            try:
                self.conn.send(None)
            except (BrokenPipeError, OSError):
                kill = True
        if kill:
            self.proc.kill()
        self.proc.join(timeout=5)
        self.conn.close()


def extract_parallel(items: Iterable[InputItem], opts: ExtractOptions, warn: Callable[[str], None],
                     on_error: Callable[[InputError], None]) -> Iterator[Document]:
    """Documents in input order; failures, timeouts and crashes go to `on_error`."""
    run = _Run(items, opts)
    try:
        for outcome in run.outcomes():
            for message in outcome.warnings:
                warn(message)
            if outcome.error is not None:
                on_error(outcome.error)
            elif outcome.doc is not None:
                yield outcome.doc
    finally:
        run.close()


def _context() -> Any:
    # fork starts workers in milliseconds on Linux; elsewhere spawn is the safe default.
    return mp.get_context("fork" if sys.platform.startswith("linux") else "spawn")


class _Run:
    def __init__(self, items: Iterable[InputItem], opts: ExtractOptions) -> None:
        self.opts, self.ctx = opts, _context()
        self.pending = enumerate(items)
        self.exhausted = False
        self.workers = [_Worker(self.ctx, opts) for _ in range(max(1, opts.jobs))]
        self.results: dict[int, _Outcome] = {}
        self.next_out = 0
        self.dispatched = 0

    def outcomes(self) -> Iterator[_Outcome]:
        while True:
            self._dispatch()
            while self.next_out in self.results:
                yield self.results.pop(self.next_out)
                self.next_out += 1
            busy = [w for w in self.workers if w.task is not None]
            if self.exhausted and not busy:
                return
            self._collect(busy)

    def _dispatch(self) -> None:
        window = LOOKAHEAD * len(self.workers)
        for w in self.workers:
            if w.task is not None or self.exhausted or self.dispatched - self.next_out >= window:
                continue
            nxt = next(self.pending, None)
            if nxt is None:
                self.exhausted = True
                return
            w.send(*nxt)
            self.dispatched += 1

    def _collect(self, busy: list[_Worker]) -> None:
        for conn in wait([w.conn for w in busy], timeout=self._wait_time(busy)):
            worker = next(w for w in busy if w.conn is conn)
            self._receive(worker)
        self._expire(busy)

    def _wait_time(self, busy: list[_Worker]) -> float | None:
        if not self.opts.timeout:
            return None
        return max(0.0, min(w.started + self.opts.timeout for w in busy) - time.monotonic())

    def _receive(self, worker: _Worker) -> None:
        try:
            got_index, kind, payload, warnings = worker.conn.recv()
        except (EOFError, OSError):
            worker.proc.join(1)
            self._fail(worker, f"extractor crashed (worker exit code {worker.proc.exitcode}); skipped")
            return
        if kind == "usage":
            raise UsageError(payload)
        error = InputError(*payload) if kind == "error" else None
        self.results[got_index] = _Outcome(payload if kind == "doc" else None, error, warnings)
        worker.task = None

    def _expire(self, busy: list[_Worker]) -> None:
        if not self.opts.timeout:
            return
        for worker in busy:
            if worker.task is not None and time.monotonic() - worker.started > self.opts.timeout:
                self._fail(worker, f"timed out after {self.opts.timeout:g} s; skipped (raise --timeout)")

    def _fail(self, worker: _Worker, reason: str) -> None:
        index, item = worker.task  # type: ignore[misc]
        self.results[index] = _Outcome(None, InputError(item.source, reason), [])
        worker.stop(kill=True)
        self.workers[self.workers.index(worker)] = _Worker(self.ctx, self.opts)

    def close(self) -> None:
        for w in self.workers:
            w.stop(kill=w.task is not None)
