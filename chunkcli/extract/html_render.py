"""trafilatura's XML body → Markdown-style text, recording where each heading's section lies.

We render ourselves instead of using trafilatura's Markdown output because that
output drops blank lines inside code, loses block-quote markers, escapes `_` in
prose (`ef\\_construction`) and cannot tell us offsets. Inline formatting is kept
as plain text (bold/italic markers only add noise to retrieval); inline code keeps
its backticks; a literal `|` in a table cell is escaped so the table stays a table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml.etree import _Element

from .headings import section_ranges
from .html_prep import Prepared, _squash

_SPACE = re.compile(r"[ \t\r\n\f\v\u00a0]+")
_BLOCKS = {"p", "head", "list", "table", "quote", "code", "div"}
_CONTAINERS = {"body", "div", "section", "article", "main", "quote", "item", "list", "doc", "text"}


@dataclass
class Rendered:
    text: str
    headings: list[list[int | str]] = field(default_factory=list)  # [start, end, level, text]


@dataclass
class _Out:
    blocks: list[str] = field(default_factory=list)
    pos: int = 0
    heads: list[tuple[int, int, str]] = field(default_factory=list)  # (start, level, text)

    def add(self, block: str) -> int:
        """Append one block (separated by a blank line); returns its start offset."""
        if self.blocks:
            self.pos += 2
        start = self.pos
        self.blocks.append(block)
        self.pos += len(block)
        return start


def render(body: _Element, prep: Prepared) -> Rendered:
    out = _Out()
    _container(body, prep, out)
    text = "\n\n".join(out.blocks)
    return Rendered(text, section_ranges(out.heads, text))


def _container(el: _Element, prep: Prepared, out: _Out) -> None:
    if el.text and el.text.strip():
        out.add(_clean(el.text))
    for child in el:
        _block(child, prep, out)
        if child.tail and child.tail.strip():
            out.add(_clean(child.tail))


def _block(el: _Element, prep: Prepared, out: _Out) -> None:
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag == "head":
        _heading(el, out)
    elif tag == "list":
        _add(out, _list(el, prep, 0))
    elif tag == "table":
        _add(out, _table(el))
    elif tag == "code" and _is_block_code(el, prep):
        out.add(_fence(el, prep))
    elif tag == "quote":
        _add(out, _quote(el, prep))
    elif tag in ("graphic", "lb", ""):
        return
    elif tag in _CONTAINERS and _has_blocks(el):
        _container(el, prep, out)
    else:
        _add(out, inline(el))


def _has_blocks(el: _Element) -> bool:
    return any(c.tag in _BLOCKS for c in el)


def _add(out: _Out, block: str) -> None:
    if block.strip():
        out.add(block)


def _heading(el: _Element, out: _Out) -> None:
    title = inline(el).replace("\n", " ").strip()
    if not title:
        return
    level = int(m.group(1)) if (m := re.match(r"h([1-6])", el.get("rend", ""))) else 3
    start = out.add(f"{'#' * level} {title}")
    out.heads.append((start, level, title))


def inline(el: _Element, in_cell: bool = False) -> str:
    """The text of an element as one paragraph: whitespace collapsed, inline code in backticks."""
    parts = [el.text or ""]
    for child in el:
        parts.append(_inline_child(child, in_cell))
        parts.append(child.tail or "")
    lines = "".join(parts).split("\n")
    return "\n".join(_clean(line) for line in lines if line.strip())


def _inline_child(child: _Element, in_cell: bool) -> str:
    if child.tag == "lb":
        return " " if in_cell else "\n"
    if child.tag == "code":
        code = _clean("".join(child.itertext()))
        return f"`{code}`" if code else ""
    if child.tag == "graphic":
        return ""
    return _clean_keep_edges(inline(child, in_cell).replace("\n", " ") if child.tag != "hi" else
                             _hi_text(child, in_cell))


def _hi_text(child: _Element, in_cell: bool) -> str:
    return inline(child, in_cell).replace("\n", " ") if len(child) else (child.text or "")


def _clean(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _clean_keep_edges(text: str) -> str:
    return _SPACE.sub(" ", text)


def _list(el: _Element, prep: Prepared, depth: int) -> str:
    ordered = el.get("rend") == "ol"
    lines, n = [], 0
    for item in el:
        if item.tag != "item":
            continue
        n += 1
        marker = f"{n}. " if ordered else "- "
        lines.append(_item(item, prep, depth, marker))
    return "\n".join(line for line in lines if line.strip())


def _item(item: _Element, prep: Prepared, depth: int, marker: str) -> str:
    pad = "  " * depth
    nested = [c for c in item if c.tag == "list"]
    for c in nested:
        item.remove(c)  # rendered below, indented, instead of run into the item's text
    text = inline(item).replace("\n", " ")
    rows = [f"{pad}{marker}{text}"] if text else []
    rows += [_list(c, prep, depth + 1) for c in nested]
    return "\n".join(rows)


def _table(el: _Element) -> str:
    rows = [[inline(c, in_cell=True).replace("|", "\\|") for c in row if c.tag == "cell"]
            for row in el.iter("row")]
    rows = [r for r in rows if any(r)]
    if not rows:
        return ""
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    lines = ["| " + " | ".join(r) + " |" for r in rows]
    lines.insert(1, "|" + "---|" * width)
    return "\n".join(lines)


def _is_block_code(el: _Element, prep: Prepared) -> bool:
    text = "".join(el.itertext())
    return "\n" in text.strip("\n") or _squash(text) in prep.code


def _fence(el: _Element, prep: Prepared) -> str:
    seen = "".join(el.itertext())
    code, lang = prep.code.get(_squash(seen), (seen.strip("\n"), None))
    ticks = "`" * max(3, _longest_run(code, "`") + 1)
    return f"{ticks}{lang or ''}\n{code}\n{ticks}"


def _longest_run(text: str, ch: str) -> int:
    runs = re.findall(f"{re.escape(ch)}+", text)
    return max((len(r) for r in runs), default=0)


def _quote(el: _Element, prep: Prepared) -> str:
    inner = _Out()
    if _has_blocks(el):
        _container(el, prep, inner)
    else:
        inner.add(inline(el))
    body = "\n\n".join(inner.blocks)
    return "\n".join(("> " + line).rstrip() for line in body.split("\n"))
