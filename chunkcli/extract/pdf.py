"""PDF text via pymupdf, page by page, with `meta.pages` offsets."""

from __future__ import annotations

from typing import Callable

from ..errors import InputError
from ..inputs import InputItem
from ..records import Document
from .base import ExtractOptions, register


@register("pdf")
def extract_pdf(item: InputItem, data: bytes, opts: ExtractOptions, warn: Callable[[str], None]) -> Document:
    import pymupdf

    try:
        doc = pymupdf.open(stream=data, filetype="pdf")
    except (pymupdf.FileDataError, RuntimeError, ValueError) as exc:
        raise InputError(item.source, f"not a readable PDF ({exc})") from None
    with doc:
        if doc.needs_pass:
            raise InputError(item.source, "encrypted PDF (needs a password)")
        if doc.page_count == 0:
            raise InputError(item.source, "PDF has no pages")
        parts, pages, pos = [], [], 0
        for page in doc:
            text = page.get_text("text", sort=True).strip()
            pages.append([pos, pos + len(text)])
            parts.append(text)
            pos += len(text) + 2
        title = (doc.metadata or {}).get("title") or None
    text = "\n\n".join(parts)
    if not text.strip():
        raise InputError(item.source, "no text layer (image-only PDF; OCR is not supported)")
    return Document(source=item.source, text=text, format="pdf", title=title, meta={"pages": pages})
