"""HTML main content via trafilatura, as Markdown-style text."""

from __future__ import annotations

from typing import Callable

from ..errors import InputError
from ..inputs import InputItem
from ..records import Document
from .base import ExtractOptions, register


@register("html")
def extract_html(item: InputItem, data: bytes, opts: ExtractOptions, warn: Callable[[str], None]) -> Document:
    import trafilatura

    favor = {"favor_precision": opts.favor == "precision", "favor_recall": opts.favor == "recall"}
    text = trafilatura.extract(data, output_format="markdown", include_tables=True, include_formatting=False,
                               include_comments=False, with_metadata=False, **favor)
    if not text or not text.strip():
        text = trafilatura.html2txt(data)
        if text and text.strip():
            warn(f"{item.source}: no main content found; using the whole page text")
    if not text or not text.strip():
        raise InputError(item.source, "no text in HTML page")
    meta = trafilatura.extract_metadata(data)
    title = meta.title if meta else None
    return Document(source=item.source, text=text, format="html", title=title)
