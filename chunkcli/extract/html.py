"""HTML main content via trafilatura, rendered as Markdown-style text with metadata and heading ranges.

Pipeline: parse → repair what trafilatura would corrupt (html_prep) → trafilatura
picks the main content (boilerplate such as menus, bylines, share bars, link lists
and comments goes) → our renderer writes Markdown and records heading offsets. When
main-content extraction finds nothing, the whole-page text is used and a warning says so.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Callable

from ..errors import InputError, UsageError
from ..inputs import InputItem
from ..records import Document
from .base import ExtractOptions, register
from .html_prep import prepare
from .html_render import Rendered, render
from .text import decode, has_bom

FAVORS = ("precision", "balanced", "recall")
# trafilatura and htmldate log "discarding data" and the like; a library must not print them.
for _name in ("trafilatura", "htmldate", "courlan", "justext", "readability"):
    logging.getLogger(_name).addHandler(logging.NullHandler())

_DECLARED = re.compile(rb"<meta[^>]*charset|<\?xml[^>]*encoding", re.IGNORECASE)

@register("html")
def extract_html(item: InputItem, data: bytes, opts: ExtractOptions, warn: Callable[[str], None]) -> Document:
    from trafilatura.utils import load_html

    tree = load_html(_undeclared_decoded(item.source, data, warn))
    if tree is None:
        raise InputError(item.source, "not parseable as HTML")
    prep = prepare(tree)
    url = item.source if item.source.startswith(("http://", "https://")) else None
    found = _main_content(tree, opts.favor, url)
    rendered = render(found.body, prep) if found is not None and found.body is not None else None
    if rendered is None or not rendered.text.strip():
        rendered = _whole_page(tree)
        warn(f"{item.source}: no main content found; using the whole page text")
    if not rendered.text.strip():
        raise InputError(item.source, "no text in HTML page")
    meta = _metadata(found, tree, url)
    meta["headings"] = rendered.headings
    return Document(source=item.source, text=rendered.text, format="html", lang=_lang_code(meta.get("language")),
                    title=meta.get("title"), meta=meta)


def _undeclared_decoded(source: str, data: bytes, warn: Callable[[str], None]) -> bytes | str:
    """The page as bytes when it declares its charset (or has a BOM, or is UTF-8); otherwise decoded
    like a text file, with a warning: trafilatura's own guess read a Latin-1 page as cp1250 ("trčs")."""
    if has_bom(data) or _DECLARED.search(data[:4096]):
        return data
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return decode(source, data, warn)
    return data


def _main_content(tree: Any, favor: str | None, url: str | None) -> Any:
    from trafilatura import bare_extraction

    if favor not in (None, *FAVORS):
        raise UsageError(f"--favor must be one of {', '.join(FAVORS)}, not {favor!r}")
    return bare_extraction(tree, url=url, with_metadata=True, include_tables=True, include_formatting=True,
                           include_comments=False, include_images=False, include_links=False,
                           favor_precision=favor == "precision", favor_recall=favor == "recall")


def _whole_page(tree: Any) -> Rendered:
    """Every visible text node of the page (scripts, styles and <head> left out), in page order."""
    from copy import deepcopy

    from trafilatura import html2txt

    page = deepcopy(tree)
    for el in page.xpath("//script | //style | //noscript | //template | //head"):
        el.drop_tree()
    return Rendered(html2txt(page, clean=False) or "")


_META_FIELDS = {"title": "title", "author": "author", "date": "date", "sitename": "site", "url": "url",
                "hostname": "hostname", "description": "description"}


def _metadata(found: Any, tree: Any, url: str | None) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    for attr, key in _META_FIELDS.items():
        value = getattr(found, attr, None) if found is not None else None
        if value:
            meta[key] = value
    if "url" not in meta and url:
        meta["url"] = url
    if "title" not in meta and (title := tree.findtext(".//title")):
        meta["title"] = re.sub(r"\s+", " ", title).strip() or None
    language = _page_language(tree)
    if language:
        meta["language"] = language
    return {k: v for k, v in meta.items() if v}


def _page_language(tree: Any) -> str | None:
    """The page's declared language: <html lang>, then Content-Language, then og:locale."""
    candidates = [tree.get("lang"), tree.get("{http://www.w3.org/XML/1998/namespace}lang")]
    candidates += tree.xpath("//meta[translate(@http-equiv,'CONTENTLAGU','contentlagu')='content-language']/@content")
    candidates += tree.xpath("//meta[@property='og:locale']/@content")
    return next((c.strip().replace("_", "-") for c in candidates if c and c.strip()), None)


def _lang_code(language: str | None) -> str | None:
    """'de-DE' → 'de': the primary subtag is what sentence splitters select models by."""
    return language.split("-")[0].lower() if language else None
