"""What a code chunk is about: defined symbols, enclosing scope path and its signature lines."""

from __future__ import annotations

from typing import Any, Iterator

from .code_languages import is_definition, symbol_name
from .code_tree import SourceMap

MAX_HEADER_LINES = 4
MAX_SYMBOL_DEPTH = 4
_NO_DESCENT = ("function", "method", "constructor", "arrow", "lambda")


Memo = dict[int, tuple[Any, ...]]  # node id -> the definitions around and including that node


def enclosing_definitions(lang: str, node: Any, memo: Memo | None = None) -> list[Any]:
    """Definition nodes strictly around `node`, outermost first.

    With a memo (one per syntax tree) each ancestor is examined once per file, not once per
    chunk piece below it.
    """
    memo = {} if memo is None else memo
    climbed: list[Any] = []
    parent, known = node.parent, ()
    while parent is not None:
        if parent.id in memo:
            known = memo[parent.id]
            break
        climbed.append(parent)
        parent = parent.parent
    for ancestor in reversed(climbed):  # outermost first: each adds itself if it defines something
        known = known + (ancestor,) if is_definition(lang, ancestor) else known
        memo[ancestor.id] = known
    return list(known)


def qualified_name(lang: str, module: str, defs: list[Any]) -> str:
    names = [symbol_name(d) or "?" for d in defs]
    return ".".join([module, *names])


def defined_symbols(lang: str, module: str, node: Any, memo: Memo | None = None) -> list[str]:
    """Qualified names of the definitions inside `node` (classes and their methods, not locals)."""
    outer = enclosing_definitions(lang, node, memo)
    return [qualified_name(lang, module, outer + path) for path in _definitions(lang, node, [], 0)]


def opened_definition(lang: str, module: str, node: Any, memo: Memo | None = None) -> list[str]:
    """A split definition is named by the piece that opens it (its keyword or decorator)."""
    parent = node.parent
    while parent is not None and parent.start_byte == node.start_byte and not is_definition(lang, parent):
        parent = parent.parent  # decorated_definition, export_statement, template_declaration…
    if parent is None or parent.start_byte != node.start_byte:
        return []
    return [qualified_name(lang, module, enclosing_definitions(lang, parent, memo) + [parent])]


def _definitions(lang: str, node: Any, path: list[Any], depth: int) -> Iterator[list[Any]]:
    if is_definition(lang, node):
        path = path + [node]
        yield path
        if any(word in node.type for word in _NO_DESCENT):  # locals inside functions are not API
            return
    if depth >= MAX_SYMBOL_DEPTH:
        return
    for child in node.named_children:
        yield from _definitions(lang, child, path, depth + 1)


def signature(src: SourceMap, node: Any) -> str:
    """The definition's header lines: from its first line to the token before its body (at most 4)."""
    first = src.line(src.char(node.start_byte))
    last = first
    body = node.child_by_field_name("body")
    before = body.prev_sibling if body is not None else None
    while before is not None and before.type.endswith("comment"):
        before = before.prev_sibling
    if before is not None:
        last = max(first, src.line(max(src.char(before.end_byte) - 1, 0)))
    return src.lines_text(first, min(last, first + MAX_HEADER_LINES - 1))


def scope(lang: str, src: SourceMap, node: Any, unit_start: int, memo: Memo | None = None) -> list[Any]:
    """Definitions around `node` whose header lies before the unit (so the unit's text lacks it)."""
    return [d for d in enclosing_definitions(lang, node, memo) if src.char(d.start_byte) < unit_start]
