"""Rewrite an HTML tree before trafilatura sees it, where its own handling loses content.

trafilatura reads `<pre>` with `<br>` line breaks as a quotation and trims the
indentation after each break; it drops MathJax `<script type="math/tex">`; it
turns a table `<caption>` into a fake header row. We fix each in the source tree:
code blocks become one plain-text span (the shape trafilatura keeps verbatim),
formulas become their TeX source between `$` signs, captions become a paragraph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml.html import HtmlElement

_LANG_CLASS = re.compile(r"(?:^|\s)(?:language|lang|highlight-source|brush:?)-?\s*([A-Za-z0-9_+#.-]+)")
_TEX = "application/x-tex"


@dataclass
class Prepared:
    """What the rewrite learnt: each code block's exact text and language, by stripped text."""

    code: dict[str, tuple[str, str | None]] = field(default_factory=dict)


def prepare(tree: HtmlElement) -> Prepared:
    prep = Prepared()
    for pre in list(tree.iter("pre")):
        _flatten_pre(pre, prep)
    for script in list(tree.xpath("//script[starts-with(@type,'math/tex')]")):
        display = "mode=display" in (script.get("type") or "")
        _replace_with_text(script, _dollars(script.text or "", display))
    for math in list(tree.xpath("//*[contains(concat(' ',@class,' '),' katex ')] | //math")):
        if math.getparent() is not None and _tex_of(math) is not None:
            _replace_with_text(math, _dollars(_tex_of(math) or "", _is_display(math)))
    for caption in list(tree.iter("caption")):
        _caption_to_paragraph(caption)
    return prep


def _flatten_pre(pre: HtmlElement, prep: Prepared) -> None:
    for br in list(pre.iter("br")):
        br.tail = "\n" + (br.tail or "")
    text = pre.text_content().strip("\n")
    lang = _code_lang(pre)
    for child in list(pre):
        pre.remove(child)
    pre.text = None
    span = pre.makeelement("span", {})
    span.text = text
    pre.append(span)
    prep.code[_squash(text)] = (text, lang)


def _code_lang(pre: HtmlElement) -> str | None:
    for el in [pre, *pre.iter("code"), pre.getparent()]:
        if el is None:
            continue
        m = _LANG_CLASS.search(el.get("class") or "") or re.match(r"([a-z0-9+#-]+)$", el.get("data-lang") or "")
        if m:
            return m.group(1).lower()
    return None


def _tex_of(math: HtmlElement) -> str | None:
    """TeX source of a formula: its annotation, or the MathML alttext."""
    ann = math.xpath(f".//annotation[@encoding='{_TEX}']")
    if ann and (ann[0].text or "").strip():
        return ann[0].text.strip()
    alt = math.get("alttext") or next((m.get("alttext") for m in math.iter("math") if m.get("alttext")), None)
    return alt.strip() if alt and alt.strip() else None


def _is_display(math: HtmlElement) -> bool:
    inner = math if math.tag == "math" else next(iter(math.iter("math")), math)
    return inner.get("display") == "block" or "katex-display" in (math.getparent().get("class") or "")


def _dollars(tex: str, display: bool) -> str:
    return f"$${tex.strip()}$$" if display else f"${tex.strip()}$"


def _replace_with_text(el: HtmlElement, text: str) -> None:
    span = el.makeelement("span", {})
    span.text = text
    span.tail = el.tail
    el.getparent().replace(el, span)


def _caption_to_paragraph(caption: HtmlElement) -> None:
    table = caption.getparent()
    text = caption.text_content().strip()
    table.remove(caption)
    if text and table.getparent() is not None:
        p = table.makeelement("p", {})
        p.text = text
        table.addprevious(p)


def _squash(text: str) -> str:
    """A key that survives whitespace changes made by the extractor."""
    return re.sub(r"\s+", "", text)
