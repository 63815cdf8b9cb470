"""Run extraction over many inputs: failures are reported and skipped, never fatal."""

from __future__ import annotations

from typing import Callable, Iterable, Iterator

from ..errors import InputError
from ..inputs import InputItem
from ..records import Document
from . import ExtractOptions, extract_item


def extract_all(
    items: Iterable[InputItem],
    opts: ExtractOptions,
    warn: Callable[[str], None],
    on_error: Callable[[InputError], None],
) -> Iterator[Document]:
    """Documents for every input that extracts, in input order; each failure goes to `on_error`.

    With `opts.jobs > 1` or a `opts.timeout`, inputs are extracted in worker processes
    (see pool.py), so that a file can be stopped when it takes too long."""
    if opts.jobs > 1 or opts.timeout:
        from .pool import extract_parallel

        yield from extract_parallel(items, opts, warn, on_error)
        return
    for item in items:
        try:
            yield extract_item(item, opts, warn)
        except InputError as err:
            on_error(err)
