"""Mixed inputs → records: JSONL record streams pass through, raw files are extracted.

This is what lets stages compose: `segment` and `index` accept the output of
`extract` (and `index` that of `segment`) on stdin or as .jsonl files, and raw
files or folders just the same.
"""

from __future__ import annotations

import io
import json
from typing import Callable, Iterable, Iterator

from .errors import InputError
from .extract import ExtractOptions, extract_item
from .inputs import InputItem
from .records import Record, read_records


def is_record_stream(data: bytes) -> bool:
    """True when the first line is a chunkcli JSON record (document or chunk)."""
    first = data.lstrip()[:1 << 20].split(b"\n", 1)[0]
    if not first.startswith(b"{"):
        return False
    try:
        return json.loads(first).get("type") in ("document", "chunk")
    except (ValueError, AttributeError):
        return False


def iter_records(
    items: Iterable[InputItem],
    opts: ExtractOptions,
    warn: Callable[[str], None],
    on_error: Callable[[InputError], None],
) -> Iterator[Record]:
    for item in items:
        try:
            yield from _records_of(item, opts, warn)
        except InputError as err:
            on_error(err)


def _records_of(item: InputItem, opts: ExtractOptions, warn: Callable[[str], None]) -> Iterator[Record]:
    if item.suffix in (".jsonl", ".ndjson", "") or item.source == "-":
        data = _read(item)
        if is_record_stream(data):
            stream = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors="strict")
            yield from read_records(stream, item.source)
            return
        item = InputItem(item.source, lambda d=data: d, item.path)
    yield extract_item(item, opts, warn)


def _read(item: InputItem) -> bytes:
    try:
        return item.read()
    except OSError as exc:
        raise InputError(item.source, exc.strerror or str(exc)) from None
