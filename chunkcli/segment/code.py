"""`--by code`: chunks that follow the syntax tree (cAST-style split-then-merge).

Units are whole syntactic nodes that fit the cap (a function, a class, a run
of imports), glued to their doc comments and never cut; the shared packer
merges adjacent units up to the cap. So no function that fits under the cap
is ever split, and every non-blank line lands in exactly one chunk (a line is
cut only when a single line holds more than the cap). Files without a grammar
or with syntax errors fall back to line-aware units, flagged in meta.warning.

Offsets are code points into `doc.text`; `text` stays the exact slice, and the
enclosing scope's signature lines go to meta (and to meta.embed_text with
--context), never into `text`.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import replace
from pathlib import PurePosixPath
from typing import Any, Iterator, Sequence

from ..records import Chunk, Document
from ..tokens import TokenCounter
from .base import SegmentOptions, Unit, register
from .code_languages import GRAMMARS, language_for, normalise, parser_for
from .code_lines import line_spans, line_units
from .code_meta import TreeIndex, defined_symbols, opened_definition, qualified_name, signature
from .code_tree import Atom, SourceMap, flatten, glue, parse, split_runs
from .pack import pack

MAX_KINDS = 12


def pick_language(doc: Document, opts: SegmentOptions) -> str | None:
    """--lang if it names a grammar, else the document's language, else the file extension."""
    for candidate in (opts.lang, doc.lang):
        name = normalise(candidate)
        if name in GRAMMARS:
            return name
    return language_for(None, doc.source) or normalise(opts.lang or doc.lang)


def module_name(source: str) -> str:
    stem = PurePosixPath(source).stem
    return stem if stem and stem != "-" else "module"


@register("code", "syntax-tree units (functions, classes, statement blocks) merged up to the cap")
class CodeChunks:
    name = "code"

    def __init__(self) -> None:
        self._text = ""
        self._context = False
        self._tree: TreeMeta | None = None

    def units(self, doc: Document, opts: SegmentOptions, counter: TokenCounter) -> list[Unit]:
        # merge_meta needs the text of the document being packed: pipeline uses one instance per call.
        self._text, self._context, self._tree = doc.text, opts.context, None
        lang = pick_language(doc, opts)
        parser = parser_for(lang) if lang else None
        if parser is None:
            why = f"no syntax grammar for {lang!r}" if lang else "unknown programming language"
            return fallback_units(doc, opts, counter, lang, why)
        src = SourceMap(doc.text)
        root = parse(parser, src)
        if root.has_error:
            return fallback_units(doc, opts, counter, lang, f"{lang} syntax errors")
        src.index_tokens(counter)
        self._tree = TreeMeta(src, lang, module_name(doc.source), opts.context, TreeIndex(lang, parser.language, root))
        units = list(_ast_units(src, root, self._tree, opts, counter))
        if opts.max_tokens <= 0:  # every unit is a record of its own: give it its meta now
            return [replace(u, meta=self._tree.meta(u.start, u.end, [u])) for u in units]
        return units

    def chunks(self, doc: Document, opts: SegmentOptions, counter: TokenCounter) -> Iterator[Chunk]:
        units = self.units(doc, opts, counter)
        exact = self._tree is not None and self._tree.additive
        return pack(doc, units, counter, opts, self.name, self.merge_meta, exact_sums=exact)

    def merge_meta(self, units: Sequence[Unit]) -> dict[str, Any]:
        if self._tree is None or not self._tree.knows(units[0]):  # line fallback: meta is on the units
            return merged_meta(units, self._text, self._context)
        return {**self._tree.meta(units[0].start, units[-1].end, units), "units": len(units)}


class TreeMeta:
    """Chunk meta computed once per chunk, not per unit (a chunk merges a dozen units on average).

    Units record the atoms they hold; a unit the packer might cut (over the cap) gets its meta
    eagerly, since the packer copies a cut unit's own meta to each piece.
    """

    def __init__(self, src: SourceMap, lang: str, module: str, context: bool, index: TreeIndex) -> None:
        self.src, self.lang, self.module, self.context = src, lang, module, context
        self._atoms: dict[tuple[int, int], list[Atom]] = {}
        # Unit counts add up exactly over a chunk while no unit edge cuts a piece (see token_cache).
        self.additive = src.additive
        self._index = index
        # Where definitions may start, in code points (atoms' offsets); stripped whitespace holds none.
        self._starts = [src.char(b) for b in index.starts]

    def unit(self, s: int, e: int, run: list[Atom], brk: bool, cap: int, counter: TokenCounter) -> Unit:
        self._atoms[(s, e)] = run
        n, cut = self.src.measure(s, e)
        if cut:  # `1if` in Python: count it for real, sums may not add
            n, self.additive = counter.count(self.src.text[s:e]), False
        meta = self.meta(s, e, [Unit(s, e)]) if cap > 0 and n > cap else {}
        return Unit(s, e, meta, brk, n)

    def knows(self, unit: Unit) -> bool:
        return (unit.start, unit.end) in self._atoms

    def meta(self, s: int, e: int, units: Sequence[Unit]) -> dict[str, Any]:
        src, lang, module = self.src, self.lang, self.module
        atoms = [a for u in units for a in self._atoms[(u.start, u.end)]]
        around, index = atoms[0].around, self._index
        symbols = self._symbols(atoms)
        meta = {
            "language": lang, "lines": [src.line(s), src.line(e - 1)],
            "kinds": _unique(a.kind for a in atoms if a.kind)[:MAX_KINDS],
            "symbols": _unique(symbols),
            "scope_path": qualified_name(module, around, index),
            # The enclosing definitions whose header lies before the chunk (so its text lacks it).
            "scope": [signature(src, d, index) for d in around if src.char(d.start_byte) < s],
            "nonws_chars": src.nonws(s, e),
        }
        return with_context(meta, src.text[s:e], self.context)

    def _symbols(self, atoms: list[Atom]) -> list[str]:
        """Symbols defined in (or opened by) the atoms; most atoms hold no definition start at all.

        One pass over the atoms and the file's sorted candidate starts: no lookup per atom."""
        lang, module, index = self.lang, self.module, self._index
        starts = self._starts
        i, n, out = bisect_left(starts, atoms[0].start), len(starts), []
        for atom in atoms:
            while i < n and starts[i] < atom.start:
                i += 1
            if i == n:
                break
            if starts[i] < atom.end and not atom.gap:
                out += defined_symbols(lang, module, atom.node, atom.around, index) or opened_definition(
                    lang, module, atom.node, index)
        return out


def _ast_units(src: SourceMap, root: Any, tree: TreeMeta, opts: SegmentOptions,
               counter: TokenCounter) -> Iterator[Unit]:
    cap = opts.max_tokens
    runs = split_runs(glue(flatten(root, src, cap, tree.lang), src.text), src, cap, tree.lang)
    for run in runs:
        if cap > 0 and len(run) == 1 and run[0].tokens > cap:  # an unsplittable leaf: line pieces
            for i, (s, e) in enumerate(line_spans(src.text, run[0].start, run[0].end)):
                yield tree.unit(s, e, run, i == 0, cap, counter)
        else:
            s, e = run[0].start, run[-1].end
            yield tree.unit(s, e, run, run_breaks(run), cap, counter)


def run_breaks(run: list[Atom]) -> bool:
    """Start a chunk here if a break marks the run's first atom past its attached comments."""
    for atom in run:
        if atom.brk:
            return True
        if not atom.attached:
            return False
    return False


def fallback_units(doc: Document, opts: SegmentOptions, counter: TokenCounter, lang: str | None,
                   why: str) -> list[Unit]:
    """Line-aware units for a file the syntax tree cannot serve; the reason rides in meta.warning."""
    warn = getattr(opts, "warn", None)  # the CLI passes its stderr reporter here
    if callable(warn):
        warn(f"{doc.source}: {why}; chunked by lines")
    src = SourceMap(doc.text)
    return [Unit(s, e, with_context({
        "language": lang, "lines": [src.line(s), src.line(e - 1)], "kinds": [], "symbols": [],
        "scope_path": module_name(doc.source), "scope": [], "nonws_chars": nonws(doc.text[s:e]),
        "warning": f"{why}; chunked by lines"}, doc.text[s:e], opts.context))
        for s, e in line_units(doc.text, counter, opts.max_tokens)]


def merged_meta(units: Sequence[Unit], text: str, context: bool) -> dict[str, Any]:
    """Meta of a packed chunk: line span, union of kinds and symbols, the first unit's scope."""
    first, last = units[0].meta, units[-1].meta
    s, e = units[0].start, units[-1].end
    meta = {
        **first, "lines": [first["lines"][0], last["lines"][1]],
        "kinds": _unique(k for u in units for k in u.meta.get("kinds", ()))[:MAX_KINDS],
        "symbols": _unique(x for u in units for x in u.meta.get("symbols", ())),
        "nonws_chars": nonws(text[s:e]), "units": len(units),
    }
    meta.pop("embed_text", None)
    return with_context(meta, text[s:e], context)


def with_context(meta: dict[str, Any], chunk_text: str, context: bool) -> dict[str, Any]:
    """--context: the text to embed is the enclosing signatures, then the chunk's exact text."""
    if context and meta.get("scope"):
        meta["embed_text"] = "\n".join([*meta["scope"], chunk_text])
    return meta


def nonws(text: str) -> int:
    """Characters that are not whitespace (as str.split() sees it)."""
    if text.isascii():  # no word list to build: count the ASCII whitespace str.split() cuts at
        return len(text) - sum(map(text.count, _ASCII_SPACE))
    return len("".join(text.split()))


_ASCII_SPACE = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"


def _unique(items: Any) -> list[Any]:
    return list(dict.fromkeys(items))
