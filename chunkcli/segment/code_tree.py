"""Split-then-merge over a tree-sitter syntax tree (cAST): the atoms a file is cut into.

A node that fits the token cap is one atom and is never cut; a larger one is
replaced by its children, recursively. Atoms that share a line, and a doc
comment or attribute with the definition right below it, are glued into one
run, so chunk boundaries fall between lines and comments stay with their code.
The shared packer then merges adjacent runs up to the cap.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_right
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

import numpy as np

from ..piece_sums import PieceSums
from ..token_cache import code_points
from ..tokens import TokenCounter
from .code_languages import DECORATED, is_attached, is_definition, opens_scope
from .pack import strip_span


class SourceMap:
    """Byte offsets (what tree-sitter reports) to code points (what chunks use), and line numbers."""

    def __init__(self, text: str) -> None:
        self.text = text
        # surrogatepass: extracted text may hold lone surrogates; they encode to 3 bytes like any BMP char.
        self.data = text.encode("utf-8", "surrogatepass")
        self._char_at: array[int] | None = None
        self.ascii = len(self.data) == len(text)  # then byte offsets are code-point offsets
        if not self.ascii:
            cps = code_points(text)  # not ASCII: 32-bit code points
            widths = 1 + (cps >= 0x80) + (cps >= 0x800) + (cps >= 0x10000)
            byte_at = np.concatenate(([0], np.cumsum(widths)))
            # A direct byte -> code point table: a lookup per node edge, not a binary search. A byte
            # inside a character (tree-sitter on invalid UTF-8) maps to the next character.
            char_at = np.full(len(self.data) + 1, len(text), dtype=np.int32)
            char_at[byte_at] = np.arange(len(text) + 1, dtype=np.int32)
            # array, not numpy: indexing it gives a Python int without a numpy scalar in between.
            self._char_at = array("i", np.minimum.accumulate(char_at[::-1])[::-1].tobytes())
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self._solid: array[int] | None = None

    def char(self, byte: int) -> int:
        at = self._char_at
        return byte if at is None else at[byte]

    def index_tokens(self, counter: TokenCounter) -> None:
        """Tokenize the whole file once; any span's size is then two array reads, not a re-encode.

        Spans are cut at syntax-node edges, which are nearly always piece edges, where counts add
        up exactly; measure() reports the rare edge inside a piece (`1if`) so it can be recounted.
        """
        index = getattr(counter, "piece_sums", None)
        self.sums = index(self.text) if index is not None else PieceSums.of_spans(len(self.text),
                                                                                  counter.spans(self.text))
        # Counts of pieces add up to the count of any text made of them only for piece counters.
        self.additive = bool(getattr(counter, "additive", False))

    def tokens(self, start: int, end: int) -> int:
        """Tokens of the pieces (runs no token crosses) lying wholly inside [start, end)."""
        return self.sums.tokens(start, end)

    def measure(self, start: int, end: int) -> tuple[int, bool]:
        """tokens(start, end), and whether either edge falls inside a piece."""
        return self.sums.tokens(start, end), self.sums.cuts(start, end)

    def nonws(self, start: int, end: int) -> int:
        """Characters of [start, end) that are not whitespace (as str.split() sees it)."""
        if self._solid is None:  # running counts over the file, once: each chunk then costs two reads
            codes = code_points(self.text)
            space = _SPACE[codes if codes.dtype == np.uint8 else np.minimum(codes, len(_SPACE) - 1)]
            self._solid = array("i", [0]) + array("i", np.cumsum(~space, dtype=np.int32).tobytes())
        return self._solid[end] - self._solid[start]

    def line(self, char: int) -> int:
        """1-based line number of a code-point offset."""
        return bisect_right(self._line_starts, char)

    def line_start(self, char: int) -> int:
        return self._line_starts[self.line(char) - 1]

    def lines_text(self, first: int, last: int) -> str:
        """Text of lines first..last (1-based, inclusive), without the final newline."""
        end = self._line_starts[last] if last < len(self._line_starts) else len(self.text)
        return self.text[self._line_starts[first - 1]:end].rstrip("\r\n")


# str.isspace() of every code point up to U+3000, the last whitespace one; the entry past it (False)
# stands for everything above.
_SPACE = np.array([chr(c).isspace() for c in range(0x3002)])


@dataclass(slots=True)
class Atom:
    start: int
    end: int
    node: Any
    tokens: int
    # Text of `node` that none of its children holds (rare; grammar-hidden tokens): never expanded.
    gap: bool = False
    # First atom of, or right after, a definition that was split: a chunk must start here so the
    # definition's header opens the chunk holding its first statements.
    brk: bool = False
    # Read once when the atom is made (tree-sitter properties are calls; glue and meta ask often):
    # the node kind meta reports, and whether it is a comment or attribute that sticks to what follows.
    kind: str | None = None
    attached: bool = False
    # The definitions strictly around `node`, outermost first: known while descending, so meta never
    # climbs parent links for them.
    around: tuple[Any, ...] = ()


def parse(parser: Any, src: SourceMap) -> Any:
    return parser.parse(src.data).root_node


def flatten(root: Any, src: SourceMap, cap: int, lang: str) -> list[Atom]:
    """Nodes that fit the cap (or cannot be split further), in document order."""
    out: list[Atom] = []
    opening = closing = False
    stack = [(_children(root, 0, len(src.text), src, lang, ()), False)]
    while stack:  # an explicit stack: deeply nested code must not hit the recursion limit
        atom = next(stack[-1][0], None)
        if atom is None:
            closing = stack.pop()[1] or closing
        elif cap > 0 and atom.tokens > cap and atom.node.child_count and not atom.gap:
            scoped = opens_scope(lang, atom.node)
            stack.append((_children(atom.node, atom.start, atom.end, src, lang, atom.around), scoped))
            opening = opening or scoped
        else:
            atom.brk = opening or (closing and atom.node.is_named)
            # A closing `}` or `end` stays with what it closes: the break waits for a named atom.
            closing = closing and not atom.node.is_named and not opening
            opening = False
            out.append(atom)
    return out


def _children(parent: Any, start: int, end: int, src: SourceMap, lang: str,
              around: tuple[Any, ...]) -> Iterator[Atom]:
    """The parent's children as sized atoms, plus any non-blank text between them (never lost).
    `around`: the definitions strictly around the parent.

    One tight loop: this runs for every child of every node too big for the cap."""
    text, char_at = src.text, src._char_at
    closed, opened = src.sums.closed, src.sums.opened  # src.tokens(), inlined for the hot path
    ptype = parent.type
    defines = is_definition(lang, parent)
    heading = ptype if defines or ptype == DECORATED else None  # opens_scope(), without a second test
    inner = around + (parent,) if defines else around
    glued = is_attached(ptype)
    sticky = _STICKY
    atoms: list[Atom] = []
    pos = start
    for child in parent.children:
        s, e = child.start_byte, child.end_byte
        if char_at is not None:
            s, e = char_at[s], char_at[e]
        if s > pos and not text[pos:s].isspace():  # most gaps are indentation: skip them whole
            atoms.append(_gap(parent, pos, s, src, glued, around))
        if s < e:
            # Some grammars end a node on its newline: strip only then (a call per child is costly).
            cs, ce = strip_span(text, s, e) if text[s].isspace() or text[e - 1].isspace() else (s, e)
            n = closed[ce] - opened[cs]
            kind = child.type
            atoms.append(Atom(cs, ce, child, n if n > 0 else 0, False, False,  # positional: no keyword parsing
                              heading or (kind if child.is_named else None), sticky[kind], inner))
        if e > pos:
            pos = e
    if end > pos and not text[pos:end].isspace():
        atoms.append(_gap(parent, pos, end, src, glued, around))
    return iter([a for a in atoms if a.start < a.end])


class _Sticky(dict[str, bool]):
    """is_attached() per node kind, remembered (a grammar has a few hundred kinds)."""

    def __missing__(self, kind: str) -> bool:
        self[kind] = is_attached(kind)
        return self[kind]


_STICKY = _Sticky()


def _gap(parent: Any, start: int, end: int, src: SourceMap, glued: bool, around: tuple[Any, ...]) -> Atom:
    """Text of `parent` between its children that no child holds (grammar-hidden tokens)."""
    s, e = strip_span(src.text, start, end)
    return Atom(s, e, parent, src.tokens(s, e), True, attached=glued, around=around)


def glue(atoms: Sequence[Atom], text: str) -> list[list[Atom]]:
    """Runs of atoms that must not be separated: same line, or a comment above its definition."""
    runs: list[list[Atom]] = []
    run: list[Atom] = []
    for atom in atoms:
        if run and _stuck(run[-1], atom, text):
            run.append(atom)
        else:
            run = [atom]
            runs.append(run)
    return runs


def _stuck(prev: Atom, atom: Atom, text: str) -> bool:
    if text.find("\n", prev.end, atom.start) < 0:  # same line (no copy of the gap)
        return True
    if not prev.attached:
        return False
    # Some grammars end a line comment after its newline: count from the comment's last line.
    return text.count("\n", prev.end - 1 if text[prev.end - 1] == "\n" else prev.end, atom.start) <= 1


def split_runs(runs: list[list[Atom]], src: SourceMap, cap: int, lang: str) -> list[list[Atom]]:
    """Runs over the cap: expand their largest splittable atom and re-glue, until they fit.

    Only a run of unsplittable atoms is cut between atoms (mid-line: the lesser evil).
    """
    if cap <= 0:
        return runs
    out: list[list[Atom]] = []
    todo = runs[::-1]
    while todo:
        run = todo.pop()
        if len(run) == 1 or src.tokens(run[0].start, run[-1].end) <= cap:
            out.append(run)
            continue
        todo.extend(_expand_one(run, src, lang, cap)[::-1])
    return out


def _expand_one(run: list[Atom], src: SourceMap, lang: str, cap: int) -> list[list[Atom]]:
    lead = next((i for i, a in enumerate(run) if not a.attached), len(run))
    rest = run[lead:]
    if 0 < lead < len(run) and src.tokens(rest[0].start, rest[-1].end) <= cap:
        return [run[:lead], rest]  # a definition that fits beats keeping its comment on top
    # Open a multi-line block that is not itself a definition (a body glued to its header line):
    # its children give cuts between lines. Definitions that fit are never opened.
    splittable = [a for a in run if a.node.child_count and not a.gap and not is_definition(lang, a.node)
                  and "\n" in src.text[a.start:a.end]]
    if not splittable:
        return [[a] for a in run]
    big = max(splittable, key=lambda a: a.tokens)
    i = run.index(big)
    kids = list(_children(big.node, big.start, big.end, src, lang, big.around))
    if kids:
        kids[0].brk = big.brk
    return glue(run[:i] + kids + run[i + 1:], src.text)

