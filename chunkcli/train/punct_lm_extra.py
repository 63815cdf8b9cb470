"""Extra English training text for the MiniLM punct head, labelled by us (SaT's recipe).

    python -m chunkcli.train.punct_lm_extra DIR|auto [--chars 2000000] > extra.txt

Prose that nobody here wrote — documentation (.md/.rst/.txt/.text, README
files, GNU info files, the `<p>` paragraphs of HTML pages, gzipped or not) and
Python docstrings under DIR (`auto`: the installed site-packages,
/usr/share/doc and /usr/share/info) — is cut into paragraphs; only English
paragraphs of real sentences are kept (no code, tables, lists, licence text,
URL-heavy lines), at most `--per-source` characters from any one package, so
one large manual does not make up the whole harvest. Our own `sentence` strategy splits each clean paragraph into
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
import html
import re
import sys
import sysconfig
import unicodedata
from pathlib import Path
from typing import Callable, Iterable, Iterator

DOC_SUFFIXES = (".md", ".rst", ".txt", ".text", ".info")
HTML_SUFFIXES = (".html", ".htm")
MIN_CHARS, MAX_CHARS = 200, 4000
# Words of licence boilerplate and changelogs: grammatical, but nothing like the text we segment.
BOILERPLATE = re.compile(r"\b(warranty|licen[cs]e|copyright|merchantability|liability|redistribution|"
                         r"changelog|deprecated|version \d)\b", re.I)
# Line shapes that mark code, markup, tables or lists rather than running prose.
NOT_PROSE_LINE = re.compile(r"^\s*([-*+#|>=~^`:.]|\d+[.)]\s|\w+\s*[:=]\s*$)|[{};]\s*$|>>>|::\s*$|^\s{4,}\S|\t")
URL = re.compile(r"https?://|www\.|\S+@\S+\.\w+")
WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")
END = re.compile(r"[.!?][\"')\]]*(?=\s|$)")
# 36 of the most frequent English words: real English prose has many of them, other languages and
# identifier soup few (German, French, Spanish pages in ASCII would otherwise pass).
ENGLISH = frozenset("the of and to a in is that for it as with be on by this are or not from at "
                    "an which you can if will have has but all one they their there when".split())
# Typographic punctuation from HTML and Sphinx output, in ASCII (the prose filter wants ASCII).
TYPOGRAPHY = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-",
                            "\u2014": " - ", "\u2026": "...", "\u00a0": " "})


def auto_roots() -> list[Path]:
    """The installed Python packages and the system documentation (Debian's doc packages install
    their manuals under /usr/share/doc, GNU manuals go to /usr/share/info)."""
    return [Path(sysconfig.get_paths()["purelib"]), Path("/usr/share/doc"), Path("/usr/share/info")]


def source_texts(roots: Iterable[Path]) -> Iterator[tuple[str, str]]:
    """(source, text) of the documentation files and Python docstrings under `roots`, in sorted
    path order; the source is the package: the first folder (or file stem) under the root."""
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.is_symlink():
                source = f"{root}/{_package(path.relative_to(root))}"
                yield from ((source, text) for text in _texts_of(path))


def _package(rel: Path) -> str:
    """`python3.11-doc` for python3.11-doc/html/a.html; `coreutils` for coreutils.info.gz."""
    return rel.parts[0] if len(rel.parts) > 1 else re.sub(r"(\.info)?(-\d+)?(\.gz)?$", "", rel.name)


def _texts_of(path: Path) -> Iterator[str]:
    name = re.sub(r"(-\d+)?\.gz$", "", path.name.lower())  # find.info-2.gz reads as find.info
    try:
        if name.endswith(".py") and name == path.name.lower():
            yield from _docstrings(path.read_text(encoding="utf-8"))
        elif name.endswith(HTML_SUFFIXES):
            yield html_paragraphs(_read(path))
        elif name.endswith(DOC_SUFFIXES) or name.startswith("readme"):
            yield clean_markup(_read(path))
    except (UnicodeDecodeError, OSError, SyntaxError, ValueError, EOFError, RecursionError):
        return  # binary, unreadable or unparsable: not a source of prose


def _read(path: Path) -> str:
    data = path.read_bytes()
    return (gzip.decompress(data) if path.name.endswith(".gz") else data).decode("utf-8")


# Inline markup of reStructuredText / Markdown / info, reduced to its text: `:role:`~a.b`` → `b`,
# `:ref:`title <target>`` → `title`, ``code`` / `text`_ / **bold** / *em* → their text.
_ROLE = re.compile(r":[\w.:+-]+:`~?([^`<]*?)\s*(?:<[^`>]*>)?`")
_TICKS = re.compile(r"``([^`]+)``|`([^`<]+?)\s*(?:<[^`>]*>)?`_{0,2}")
_STARS = re.compile(r"\*\*([^*]+)\*\*|(?<![\w*])\*(\w[^*]*?)\*(?![\w*])")
_INFO_NOTE = re.compile(r"\*[Nn]ote\s+([^:]+?)::")


def clean_markup(text: str) -> str:
    """`text` with inline markup replaced by what a reader sees (block markup is left for the
    prose filter to reject); typographic quotes and dashes in ASCII."""
    text = _ROLE.sub(lambda m: m.group(1).rsplit(".", 1)[-1] if m.group(0).count("~") else m.group(1), text)
    text = _TICKS.sub(lambda m: m.group(1) or m.group(2), text)
    text = _STARS.sub(lambda m: m.group(1) or m.group(2), text)
    return _INFO_NOTE.sub(r"\1", text).translate(TYPOGRAPHY)


# `<p>`, and DocBook/Publican's `<div class="para">` (the Debian Administrator's Handbook).
_PARA = re.compile(r"<p\b[^>]*>(.*?)</p\s*>|<div\s+class=\"para\"[^>]*>(.*?)</div\s*>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")


def html_paragraphs(page: str) -> str:
    """The text of the page's paragraph elements, one per blank-line separated block (tags dropped,
    entities decoded, typography in ASCII); headings, lists, tables and code blocks are left out."""
    paras = (html.unescape(_TAG.sub("", m.group(1) or m.group(2) or "")).translate(TYPOGRAPHY)
             for m in _PARA.finditer(page))
    return "\n\n".join(" ".join(p.split()) for p in paras)


def _docstrings(source: str) -> Iterator[str]:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            doc = ast.get_docstring(node)
            if doc:
                yield doc


def paragraphs(text: str, prose: Callable[[str], bool] | None = None) -> Iterator[str]:
    """Blank-line separated blocks of `text` that read as prose (`prose`, default `is_prose`:
    English), unwrapped to one line (Chinese text is unwrapped before: punct_extra_lang)."""
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        lines = block.strip("\n").split("\n")
        if any(NOT_PROSE_LINE.search(line) for line in lines):
            continue
        para = " ".join(line.strip() for line in lines)
        if (prose or is_prose)(para):
            yield para


def is_prose(para: str) -> bool:
    """Long enough, mostly words, several sentence ends, ends like a sentence, no boilerplate or URLs."""
    if not MIN_CHARS <= len(para) <= MAX_CHARS or not para.isascii() or not para[0].isupper():
        return False
    words = WORD.findall(para)
    if sum(map(len, words)) < 0.75 * len(para) or len(words) < 30:
        return False
    if sum(w.lower() in ENGLISH for w in words) < 0.2 * len(words):
        return False
    if len(END.findall(para)) < 2 or not END.search(para[-3:]):
        return False
    # Markup (RST roles, backticks, brackets) and identifiers mark technical reference text.
    if re.search(r"`|\*\*|__|\[\d*\]|\w\(\)|\w_\w|\w\.\w+\(", para):
        return False
    return not BOILERPLATE.search(para) and not URL.search(para)


def harvest(roots: Iterable[Path], max_chars: int, per_source: int | None = None,
            split: Callable[[str], Iterable[str]] = paragraphs,
            key_of: Callable[[str], bytes] | None = None) -> list[str]:
    """Distinct prose paragraphs, in source order, until `max_chars` characters; a package's files
    are skipped once it has given `per_source` characters (default: `max_chars`; the file that
    passes the cap is kept whole, so a package gives a little more). `split` cuts a file's text
    into kept paragraphs and `key_of` says which are copies (defaults: English prose, by letters)."""
    seen: set[bytes] = set()
    out, total, taken = [], 0, {}
    for source, text in source_texts(roots):
        if taken.get(source, 0) >= (per_source or max_chars):
            continue
        for para in split(text):
            key = (key_of or _letters_key)(para)
            if key not in seen:
                seen.add(key)
                out.append(para)
                total += len(para)
                taken[source] = taken.get(source, 0) + len(para)
                if total >= max_chars:
                    return out
    return out


def _letters_key(para: str) -> bytes:
    """The same paragraph read from two formats of one manual (HTML, reST, info) has the same
    letters, not always the same spaces and punctuation."""
    return hashlib.sha1(re.sub(r"[^a-z]+", "", para.lower()).encode()).digest()


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


def corrupt(sentence: str, spaced: bool = True) -> str:
    """The sentence as the EWT `.corrupted` files render it (README §1.3, with a regex
    tokenisation instead of the gold UD tokens): every punctuation token becomes a space (so
    `search-engine` stays two words) — with `spaced=False` (Chinese) it is deleted —, then
    lowercase and collapse whitespace."""
    gap = " " if spaced else ""
    tokens = _TOKENS.findall(sentence)
    return " ".join("".join(gap if _is_punct(t) else t for t in tokens).lower().split())


def corrupted_text(paras: Iterable[str]) -> tuple[str, list[int], str]:
    """(flat corrupted text, its sentence end offsets, the same sentences uncorrupted): sentences
    joined by one space. The uncorrupted text says which punctuation corruption removed
    (punct_lm_aux.classes_after_words)."""
    corrupted, ends, clean = [], [], []
    for para in paras:
        for sentence in split_sentences(para):
            c = corrupt(sentence)
            if c:
                ends.append((ends[-1] + 1 if ends else 0) + len(c))
                corrupted.append(c)
                clean.append(sentence)
    return " ".join(corrupted), ends, " ".join(clean)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m chunkcli.train.punct_lm_extra", description=__doc__.split("\n\n")[0])
    ap.add_argument("source", help="a folder of documentation / Python sources, or `auto`")
    ap.add_argument("--chars", type=int, default=2_000_000, help="stop after this many characters of prose")
    ap.add_argument("--per-source", type=int, default=None, help="characters of prose from one package at most")
    ap.add_argument("--clean", action="store_true", help="print the clean paragraphs instead of the corrupted text")
    args = ap.parse_args(argv)
    roots = auto_roots() if args.source == "auto" else [Path(args.source)]
    paras = harvest(roots, args.chars, args.per_source)
    sys.stdout.write("\n\n".join(paras) if args.clean else corrupted_text(paras)[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
