"""Split-then-merge over a tree-sitter syntax tree (cAST): the atoms a file is cut into.

A node that fits the token cap is one atom and is never cut; a larger one is
replaced by its children, recursively. Atoms that share a line, and a doc
comment or attribute with the definition right below it, are glued into one
run, so chunk boundaries fall between lines and comments stay with their code.
The shared packer then merges adjacent runs up to the cap.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

import numpy as np

from ..tokens import TokenCounter, piece_index_from_spans
from .code_languages import is_attached, is_definition
from .pack import strip_span


class SourceMap:
    """Byte offsets (what tree-sitter reports) to code points (what chunks use), and line numbers."""

    def __init__(self, text: str) -> None:
        self.text = text
        # surrogatepass: extracted text may hold lone surrogates; they encode to 3 bytes like any BMP char.
        self.data = text.encode("utf-8", "surrogatepass")
        self._char_at: np.ndarray | None = None
        if len(self.data) != len(text):
            cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
            widths = 1 + (cps >= 0x80) + (cps >= 0x800) + (cps >= 0x10000)
            byte_at = np.concatenate(([0], np.cumsum(widths)))
            # A direct byte -> code point table: a lookup per node edge, not a binary search. A byte
            # inside a character (tree-sitter on invalid UTF-8) maps to the next character.
            char_at = np.full(len(self.data) + 1, len(text), dtype=np.int32)
            char_at[byte_at] = np.arange(len(text) + 1, dtype=np.int32)
            self._char_at = np.minimum.accumulate(char_at[::-1])[::-1]
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def char(self, byte: int) -> int:
        if self._char_at is None:
            return byte
        return int(self._char_at[byte])

    def index_tokens(self, counter: TokenCounter) -> None:
        """Tokenize the whole file once; any span's size is then two bisections, not a re-encode.

        Spans are cut at syntax-node edges, which are nearly always piece edges, where counts add
        up exactly; measure() reports the rare edge inside a piece (`1if`) so it can be recounted.
        """
        index = getattr(counter, "piece_index", None)
        self._starts, self._ends, self._before = (index(self.text) if index is not None
                                                  else piece_index_from_spans(counter.spans(self.text)))
        # Counts of pieces add up to the count of any text made of them only for piece counters.
        self.additive = bool(getattr(counter, "additive", False))

    def tokens(self, start: int, end: int) -> int:
        """Tokens of the pieces (runs no token crosses) lying wholly inside [start, end)."""
        hi, lo = bisect_right(self._ends, end), bisect_left(self._starts, start)
        return max(0, self._before[hi] - self._before[lo])

    def measure(self, start: int, end: int) -> tuple[int, bool]:
        """tokens(start, end), and whether either edge falls inside a piece (two bisections)."""
        starts, ends = self._starts, self._ends
        lo, hi = bisect_left(starts, start), bisect_right(ends, end)
        cut = (lo > 0 and ends[lo - 1] > start) or (hi < len(starts) and starts[hi] < end)
        return max(0, self._before[hi] - self._before[lo]), cut

    def line(self, char: int) -> int:
        """1-based line number of a code-point offset."""
        return bisect_right(self._line_starts, char)

    def line_start(self, char: int) -> int:
        return self._line_starts[self.line(char) - 1]

    def lines_text(self, first: int, last: int) -> str:
        """Text of lines first..last (1-based, inclusive), without the final newline."""
        end = self._line_starts[last] if last < len(self._line_starts) else len(self.text)
        return self.text[self._line_starts[first - 1]:end].rstrip("\r\n")


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


def parse(parser: Any, src: SourceMap) -> Any:
    return parser.parse(src.data).root_node


def flatten(root: Any, src: SourceMap, cap: int, lang: str) -> list[Atom]:
    """Nodes that fit the cap (or cannot be split further), in document order."""
    out: list[Atom] = []
    opening = closing = False
    stack = [(_children(root, 0, len(src.text), src), False)]
    while stack:  # an explicit stack: deeply nested code must not hit the recursion limit
        atom = next(stack[-1][0], None)
        if atom is None:
            closing = stack.pop()[1] or closing
        elif cap > 0 and atom.tokens > cap and atom.node.child_count and not atom.gap:
            scoped = is_definition(lang, atom.node) or atom.node.type == "decorated_definition"
            stack.append((_children(atom.node, atom.start, atom.end, src), scoped))
            opening = opening or scoped
        else:
            atom.brk = opening or (closing and atom.node.is_named)
            # A closing `}` or `end` stays with what it closes: the break waits for a named atom.
            closing = closing and not atom.node.is_named and not opening
            opening = False
            out.append(atom)
    return out


def _children(parent: Any, start: int, end: int, src: SourceMap) -> Iterator[Atom]:
    """The parent's children as sized atoms, plus any non-blank text between them (never lost)."""
    spans: list[tuple[int, int, Any, bool]] = []
    pos, text, char = start, src.text, src.char
    for child in parent.children:
        s, e = char(child.start_byte), char(child.end_byte)
        if s > pos and not text[pos:s].isspace():  # most gaps are indentation: skip them whole
            spans.append((*strip_span(text, pos, s), parent, True))
        if s < e:
            spans.append((*strip_span(text, s, e), child, False))
        pos = max(pos, e)
    if end > pos and not text[pos:end].isspace():
        spans.append((*strip_span(text, pos, end), parent, True))
    tokens = src.tokens
    return iter([Atom(s, e, n, tokens(s, e), gap) for s, e, n, gap in spans if s < e])


def glue(atoms: Sequence[Atom], text: str) -> list[list[Atom]]:
    """Runs of atoms that must not be separated: same line, or a comment above its definition."""
    runs: list[list[Atom]] = []
    for atom in atoms:
        if runs and _stuck(runs[-1][-1], atom, text):
            runs[-1].append(atom)
        else:
            runs.append([atom])
    return runs


def _stuck(prev: Atom, atom: Atom, text: str) -> bool:
    gap = text[prev.end:atom.start]
    if "\n" not in gap:
        return True
    if not is_attached(prev.node):
        return False
    # Some grammars end a line comment after its newline: count from the comment's last line.
    tail = text[prev.end - 1:atom.start] if text[prev.end - 1] == "\n" else gap
    return tail.count("\n") <= 1


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
    lead = next((i for i, a in enumerate(run) if not is_attached(a.node)), len(run))
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
    kids = list(_children(big.node, big.start, big.end, src))
    if kids:
        kids[0].brk = big.brk
    return glue(run[:i] + kids + run[i + 1:], src.text)

