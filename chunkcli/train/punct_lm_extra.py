"""Extra English training text for the MiniLM punct head, labelled by us (SaT's recipe).

    python -m chunkcli.train.punct_lm_extra DIR|auto [--chars 2000000] > extra.txt

Prose that nobody here wrote — documentation (.md/.rst/.txt, README files,
gzipped docs) and Python docstrings under DIR (`auto`: the installed
site-packages and /usr/share/doc) — is cut into paragraphs; only paragraphs
of real sentences are kept (no code, tables, lists, licence text, URL-heavy
lines). Our own `sentence` strategy splits each clean paragraph into
sentences (silver labels: paragraph ends are certain, the rest is `sentence`'s
~94 F1), and every sentence is corrupted as the EWT `.corrupted` files are
(shared/data/seg/README.md §1.3: punctuation tokens deleted, a word-internal
hyphen or slash becomes a space, lowercased, whitespace collapsed), then the
sentences are joined by one space. Files are read in sorted order and
paragraphs deduplicated, so the same machine gives the same text.
"""

from __future__ import annotations

import argparse
import ast
import gzip
import hashlib
import re
import sys
import sysconfig
import unicodedata
from pathlib import Path
from typing import Iterable, Iterator

DOC_SUFFIXES = (".md", ".rst", ".txt")
MIN_CHARS, MAX_CHARS = 200, 4000
# Words of licence boilerplate and changelogs: grammatical, but nothing like the text we segment.
BOILERPLATE = re.compile(r"\b(warranty|licen[cs]e|copyright|merchantability|liability|redistribution|"
                         r"changelog|deprecated|version \d)\b", re.I)
# Line shapes that mark code, markup, tables or lists rather than running prose.
NOT_PROSE_LINE = re.compile(r"^\s*([-*+#|>=~^`:.]|\d+[.)]\s|\w+\s*[:=]\s*$)|[{};]\s*$|>>>|::\s*$|^\s{4,}\S|\t")
URL = re.compile(r"https?://|www\.|\S+@\S+\.\w+")
WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")
END = re.compile(r"[.!?][\"')\]]*(?=\s|$)")


def auto_roots() -> list[Path]:
    """The installed Python packages and the system documentation."""
    return [Path(sysconfig.get_paths()["purelib"]), Path("/usr/share/doc")]


def source_texts(roots: Iterable[Path]) -> Iterator[str]:
    """Documentation files and Python docstrings under `roots`, in sorted path order."""
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.is_symlink():
                yield from _texts_of(path)


def _texts_of(path: Path) -> Iterator[str]:
    name = path.name.lower()
    try:
        if name.endswith(".py"):
            yield from _docstrings(path.read_text(encoding="utf-8"))
        elif name.endswith(DOC_SUFFIXES) or name.startswith("readme"):
            yield path.read_text(encoding="utf-8")
        elif name.endswith(tuple(s + ".gz" for s in DOC_SUFFIXES)) or name.startswith("readme") and name.endswith(".gz"):
            yield gzip.decompress(path.read_bytes()).decode("utf-8")
    except (UnicodeDecodeError, OSError, SyntaxError, ValueError, EOFError, RecursionError):
        return  # binary, unreadable or unparsable: not a source of prose


def _docstrings(source: str) -> Iterator[str]:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            doc = ast.get_docstring(node)
            if doc:
                yield doc


def paragraphs(text: str) -> Iterator[str]:
    """Blank-line separated blocks of `text` that read as prose, unwrapped to one line."""
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        lines = block.strip("\n").split("\n")
        if any(NOT_PROSE_LINE.search(line) for line in lines):
            continue
        para = " ".join(line.strip() for line in lines)
        if is_prose(para):
            yield para


def is_prose(para: str) -> bool:
    """Long enough, mostly words, several sentence ends, ends like a sentence, no boilerplate or URLs."""
    if not MIN_CHARS <= len(para) <= MAX_CHARS or not para.isascii() or not para[0].isupper():
        return False
    words = WORD.findall(para)
    if sum(map(len, words)) < 0.75 * len(para) or len(words) < 30:
        return False
    if len(END.findall(para)) < 2 or not END.search(para[-3:]):
        return False
    # Markup (RST roles, backticks, brackets) and identifiers mark technical reference text.
    if re.search(r"`|\*\*|__|\[\d*\]|\w\(\)|\w_\w|\w\.\w+\(", para):
        return False
    return not BOILERPLATE.search(para) and not URL.search(para)


def harvest(roots: Iterable[Path], max_chars: int) -> list[str]:
    """Distinct prose paragraphs, in source order, until `max_chars` characters."""
    seen: set[bytes] = set()
    out, total = [], 0
    for text in source_texts(roots):
        for para in paragraphs(text):
            key = hashlib.sha1(para.encode()).digest()
            if key not in seen:
                seen.add(key)
                out.append(para)
                total += len(para)
                if total >= max_chars:
                    return out
    return out


def split_sentences(para: str) -> list[str]:
    """Sentences of a clean paragraph, by our `sentence` strategy (silver labels)."""
    from ..records import Document
    from ..segment.base import SegmentOptions, get_strategy

    units = get_strategy("sentence").units(Document(source="extra", text=para), SegmentOptions(), None)
    return [para[u.start:u.end].strip() for u in units if para[u.start:u.end].strip()]


def _is_punct(token: str) -> bool:
    return bool(token) and all(unicodedata.category(c).startswith("P") for c in token)


# UD-like tokens: words keep inner `.` `'` `,` (`U.S.`, `e.g.`, `don't`, `3.5`, `1,000`); every
# other non-space character is a token of its own (`end.` → `end` `.`; `search-engine` → 3 tokens).
_TOKENS = re.compile(r"\w+(?:\.\w+)+\.|\w+(?:[.'’,]\w+)*|[^\w\s]|\s+")


def corrupt(sentence: str) -> str:
    """The sentence as the EWT `.corrupted` files render it (README §1.3, with a regex
    tokenisation instead of the gold UD tokens): every punctuation token becomes a space (so
    `search-engine` stays two words), then lowercase and collapse whitespace."""
    tokens = _TOKENS.findall(sentence)
    return " ".join("".join(" " if _is_punct(t) else t for t in tokens).lower().split())


def corrupted_text(paras: Iterable[str]) -> tuple[str, list[int]]:
    """(flat corrupted text, sentence end offsets): sentences joined by one space."""
    text, ends = "", []
    for para in paras:
        for sentence in split_sentences(para):
            c = corrupt(sentence)
            if c:
                text += (" " if text else "") + c
                ends.append(len(text))
    return text, ends


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m chunkcli.train.punct_lm_extra", description=__doc__.split("\n\n")[0])
    ap.add_argument("source", help="a folder of documentation / Python sources, or `auto`")
    ap.add_argument("--chars", type=int, default=2_000_000, help="stop after this many characters of prose")
    ap.add_argument("--clean", action="store_true", help="print the clean paragraphs instead of the corrupted text")
    args = ap.parse_args(argv)
    roots = auto_roots() if args.source == "auto" else [Path(args.source)]
    paras = harvest(roots, args.chars)
    sys.stdout.write("\n\n".join(paras) if args.clean else corrupted_text(paras)[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
