"""PDF text via pymupdf: reading order per page, furniture removed, tables as Markdown, provenance.

Pages are loaded one at a time and only their text blocks are kept, so memory
grows with the text, not with the page objects (a 1000-page PDF streams).
`meta.pages[i]` is the `[start, end]` range of page i+1 in the document text;
`meta.headings` comes from the PDF outline when it has one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from ..errors import InputError
from ..inputs import InputItem
from ..records import Document
from .base import ExtractOptions, register
from .headings import section_ranges
from .pdf_furniture import is_furniture, margin_key, repeated_keys
from .pdf_layout import Block, page_blocks

_STORE_SHRINK_EVERY = 50  # pages between flushes of MuPDF's object cache


@dataclass
class _Pages:
    blocks: list[list[Block]] = field(default_factory=list)
    heights: list[float] = field(default_factory=list)
    image_only: list[int] = field(default_factory=list)  # 1-based numbers of pages with images, no text


@register("pdf")
def extract_pdf(item: InputItem, data: bytes, opts: ExtractOptions, warn: Callable[[str], None]) -> Document:
    pymupdf = _quiet_pymupdf()
    doc = _open(item.source, data, pymupdf)
    with doc:
        _check_openable(item.source, doc, data, pymupdf)
        pages = _read_pages(item.source, doc, pymupdf)
        info, toc = doc.metadata or {}, doc.get_toc(simple=True)
    text, ranges = _assemble(pages)
    _check_text(item.source, text, pages, len(ranges), warn)
    meta: dict[str, Any] = {"pages": ranges, "page_count": len(ranges)}
    meta.update({k: v for k in ("author", "subject", "keywords") if (v := (info.get(k) or "").strip())})
    if date := _pdf_date(info.get("creationDate") or ""):
        meta["date"] = date
    meta["headings"] = _outline(toc, text, ranges)
    title = (info.get("title") or "").strip() or None
    return Document(source=item.source, text=text, format="pdf", title=title, meta=meta)


def _quiet_pymupdf() -> Any:
    """MuPDF writes its warnings and a layout advert to the console; a library must not."""
    import pymupdf

    pymupdf.TOOLS.mupdf_display_errors(False)
    pymupdf.TOOLS.mupdf_display_warnings(False)
    pymupdf.no_recommend_layout()
    return pymupdf


def _open(source: str, data: bytes, pymupdf: Any) -> Any:
    pymupdf.TOOLS.reset_mupdf_warnings()
    try:
        return pymupdf.open(stream=data, filetype="pdf")
    except (pymupdf.FileDataError, pymupdf.EmptyFileError, RuntimeError, ValueError):
        raise InputError(source, "corrupt PDF: MuPDF cannot parse it (not a PDF, or badly damaged)") from None


def _check_openable(source: str, doc: Any, data: bytes, pymupdf: Any) -> None:
    if doc.needs_pass:
        raise InputError(source, "encrypted PDF: it needs a password, and chunkcli does not take one")
    if doc.page_count == 0:
        raise InputError(source, "PDF has no pages")
    repaired = "repairing PDF document" in pymupdf.TOOLS.mupdf_warnings()
    if repaired and b"%%EOF" not in data[-2048:]:
        raise InputError(source, f"truncated PDF: the file ends early (no %%EOF marker; {len(data)} bytes); "
                                 "download or copy it again")


def _read_pages(source: str, doc: Any, pymupdf: Any) -> _Pages:
    pages = _Pages()
    for number in range(doc.page_count):
        try:
            page = doc.load_page(number)
            blocks = page_blocks(page)
            if not blocks and page.get_images():
                pages.image_only.append(number + 1)
            pages.blocks.append(blocks)
            pages.heights.append(page.rect.height)
        except (RuntimeError, ValueError) as exc:
            raise InputError(source, f"corrupt PDF: page {number + 1} cannot be read ({exc})") from None
        if number % _STORE_SHRINK_EVERY == _STORE_SHRINK_EVERY - 1:
            pymupdf.TOOLS.store_shrink(100)
    return pages


def _assemble(pages: _Pages) -> tuple[str, list[list[int]]]:
    """Join the pages' body blocks; page i's range is ranges[i] (empty pages get an empty range)."""
    keys = [{k for b in bl if (k := margin_key(b, h))} for bl, h in zip(pages.blocks, pages.heights)]
    repeated = repeated_keys(keys)
    parts: list[str] = []
    ranges: list[list[int]] = []
    pos = 0
    for blocks, height in zip(pages.blocks, pages.heights):
        body = "\n\n".join(b.text for b in blocks if not is_furniture(b, height, repeated))
        start = pos + (2 if parts and body else 0)
        if body:
            parts.append(body)
            pos = start + len(body)
        ranges.append([start if body else pos, pos])
    return "\n\n".join(parts), ranges


def _check_text(source: str, text: str, pages: _Pages, n: int, warn: Callable[[str], None]) -> None:
    if not text.strip():
        if pages.image_only:
            raise InputError(source, f"no text layer: all {n} page(s) are images only (a scan?); "
                                     "chunkcli does no OCR — run OCR first (e.g. ocrmypdf)")
        raise InputError(source, f"PDF has no text ({n} blank page(s))")
    if pages.image_only:
        listed = ", ".join(map(str, pages.image_only[:10])) + (" ..." if len(pages.image_only) > 10 else "")
        warn(f"{source}: page(s) {listed} have no text layer (images only); their content is missing")


def _pdf_date(raw: str) -> str | None:
    """PDF dates look like D:20240318093000+01'00'; keep the calendar date."""
    m = re.match(r"D:(\d{4})(\d{2})?(\d{2})?", raw)
    return "-".join(g for g in m.groups() if g) if m else None


def _outline(toc: list[list[Any]], text: str, ranges: list[list[int]]) -> list[list[int | str]]:
    """Outline entries placed where their title appears on their page (else at the page start)."""
    heads: list[tuple[int, int, str]] = []
    for level, title, page in toc:
        if not 1 <= page <= len(ranges):
            continue
        start, end = ranges[page - 1]
        found = text.find(title.strip(), start, end) if title.strip() else -1
        heads.append((found if found >= 0 else start, int(level), title.strip()))
    heads.sort(key=lambda h: h[0])
    return section_ranges(heads, text)
