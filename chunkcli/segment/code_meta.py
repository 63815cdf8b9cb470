"""What a code chunk is about: defined symbols, enclosing scope path and its signature lines."""

from __future__ import annotations

from bisect import bisect_left
from functools import lru_cache
from typing import Any, Iterator, Sequence

from .code_languages import DEFINITIONS, FUNCTION_VALUES, VALUE_HOLDERS, is_definition, symbol_name
from .code_tree import SourceMap

MAX_HEADER_LINES = 4
MAX_SYMBOL_DEPTH = 4
_NO_DESCENT = ("function", "method", "constructor", "arrow", "lambda")


class TreeIndex:
    """What one syntax tree's meta needs again and again, computed once per file."""

    def __init__(self, lang: str, language: Any, root: Any) -> None:
        self.around: dict[int, tuple[Any, ...]] = {}  # node id -> definitions around and including it
        self.names: dict[int, str] = {}  # definition node id -> its name (chunks in a class ask again and again)
        self.headers: dict[int, str] = {}  # definition node id -> its signature lines
        # Start bytes of every node that may be a definition: a subtree holding none is not walked.
        self.starts = _candidate_starts(lang, language, root)

    def may_define(self, node: Any) -> bool:
        """Whether a definition may start inside `node` (so a symbol walk there can find one)."""
        i = bisect_left(self.starts, node.start_byte)
        return i < len(self.starts) and self.starts[i] < node.end_byte


@lru_cache(maxsize=32)
def _candidate_query(lang: str, language: Any) -> Any:
    """Every node is_definition() may accept: definition kinds, and holders of a function value."""
    from tree_sitter import Query, QueryError

    def known(kind: str) -> bool:
        return language.id_for_node_kind(kind, True) is not None

    kinds = [f"({k})" for k in sorted(DEFINITIONS.get(lang, ())) if known(k)]
    holders = [f"({h} value: ({v}))" for h in sorted(VALUE_HOLDERS) if known(h)
               for v in sorted(FUNCTION_VALUES) if known(v)]
    try:  # one compile (a TypeScript pattern costs ~9 ms to compile on its own)
        return Query(language, "[" + " ".join(kinds + holders) + "] @d") if kinds + holders else None
    except QueryError:  # a holder without a `value` field in this grammar: keep the ones that compile
        patterns = kinds + [h for h in holders if _compiles(language, h)]
        return Query(language, "[" + " ".join(patterns) + "] @d") if patterns else None


def _compiles(language: Any, pattern: str) -> bool:
    from tree_sitter import Query, QueryError

    try:
        Query(language, pattern)
    except QueryError:
        return False
    return True


def _candidate_starts(lang: str, language: Any, root: Any) -> list[int]:
    from tree_sitter import QueryCursor

    query = _candidate_query(lang, language)
    found = QueryCursor(query).captures(root).get("d", []) if query is not None else []
    return sorted(n.start_byte for n in found)


def enclosing_definitions(lang: str, node: Any, index: TreeIndex) -> list[Any]:
    """Definition nodes strictly around `node`, outermost first.

    The index (one per syntax tree) remembers them, so each ancestor is examined once per file,
    not once per chunk piece below it.
    """
    memo = index.around
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


def qualified_name(module: str, defs: Sequence[Any], index: TreeIndex) -> str:
    names, memo = [], index.names
    for d in defs:
        name = memo.get(d.id)
        if name is None:
            name = memo[d.id] = symbol_name(d) or "?"
        names.append(name)
    return ".".join([module, *names])


def defined_symbols(lang: str, module: str, node: Any, outer: Sequence[Any], index: TreeIndex) -> list[str]:
    """Qualified names of the definitions inside `node` (classes and their methods, not locals);
    `outer`: the definitions around `node`."""
    return [qualified_name(module, [*outer, *path], index) for path in _definitions(lang, node, [], 0, index)]


def opened_definition(lang: str, module: str, node: Any, index: TreeIndex) -> list[str]:
    """A split definition is named by the piece that opens it (its keyword or decorator)."""
    parent = node.parent
    while parent is not None and parent.start_byte == node.start_byte and not is_definition(lang, parent):
        parent = parent.parent  # decorated_definition, export_statement, template_declaration…
    if parent is None or parent.start_byte != node.start_byte:
        return []
    return [qualified_name(module, enclosing_definitions(lang, parent, index) + [parent], index)]


def _definitions(lang: str, node: Any, path: list[Any], depth: int, index: TreeIndex) -> Iterator[list[Any]]:
    if not index.may_define(node):
        return
    if is_definition(lang, node):
        path = path + [node]
        yield path
        if any(word in node.type for word in _NO_DESCENT):  # locals inside functions are not API
            return
    if depth >= MAX_SYMBOL_DEPTH:
        return
    for child in node.named_children:
        yield from _definitions(lang, child, path, depth + 1, index)


def signature(src: SourceMap, node: Any, index: TreeIndex) -> str:
    """The definition's header lines (memoised per tree): from its first line to the token before its
    body, at most 4."""
    header = index.headers.get(node.id)
    if header is None:
        header = index.headers[node.id] = _signature(src, node)
    return header


def _signature(src: SourceMap, node: Any) -> str:
    first = src.line(src.char(node.start_byte))
    last = first
    body = node.child_by_field_name("body")
    before = body.prev_sibling if body is not None else None
    while before is not None and before.type.endswith("comment"):
        before = before.prev_sibling
    if before is not None:
        last = max(first, src.line(max(src.char(before.end_byte) - 1, 0)))
    return src.lines_text(first, min(last, first + MAX_HEADER_LINES - 1))
