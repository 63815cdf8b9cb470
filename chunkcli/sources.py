"""Mixed inputs → records: JSONL record streams pass through, raw files are extracted.

This is what lets stages compose: `segment` and `index` accept the output of
`extract` (and `index` that of `segment`) on stdin or as .jsonl files, and raw
files or folders just the same.
"""

from __future__ import annotations

import io
import json
import re
from typing import Callable, Iterable, Iterator

from .errors import InputError
from .extract import ExtractOptions, extract_item
from .inputs import InputItem
from .records import Record, read_records


_RECORD_HEAD = re.compile(rb'\s*\{\s*"type"\s*:\s*"(?:document|chunk)"')  # how chunkcli writes records
_SPACE = re.compile(rb"\s*")


def is_record_stream(data: bytes) -> bool:
    """True when the first line is a chunkcli JSON record (document or chunk), however long it is
    (a document record holds the whole text of its document on that line)."""
    if _RECORD_HEAD.match(data):
        return True
    start = _SPACE.match(data).end()  # type: ignore[union-attr]
    if data[start:start + 1] != b"{":
        return False
    end = data.find(b"\n", start)
    try:
        return json.loads(data[start:end if end >= 0 else len(data)]).get("type") in ("document", "chunk")
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
            yield from _records_of(item, opts, warn, on_error)
        except InputError as err:
            on_error(err)


def _records_of(item: InputItem, opts: ExtractOptions, warn: Callable[[str], None],
                on_error: Callable[[InputError], None]) -> Iterator[Record]:
    if item.suffix in (".jsonl", ".ndjson", "") or item.source == "-":
        data = _read(item)
        if is_record_stream(data):
            # Bytes lines, decoded one by one: a bad line (even invalid UTF-8) is reported, the rest read.
            yield from read_records(io.BytesIO(data), item.source, on_error)
            return
        item = InputItem(item.source, lambda d=data: d, item.path)
    yield extract_item(item, opts, warn)


def _read(item: InputItem) -> bytes:
    try:
        return item.read()
    except OSError as exc:
        raise InputError(item.source, exc.strerror or str(exc)) from None
