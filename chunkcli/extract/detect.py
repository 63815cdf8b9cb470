"""Which extractor a file needs: by extension and shebang, else by sniffing content."""

from __future__ import annotations

import re

from ..inputs import InputItem

HTML_EXT = {".html", ".htm", ".xhtml"}
MARKDOWN_EXT = {".md", ".markdown", ".mdown", ".mkd", ".rst"}
TEXT_EXT = {".txt", ".text", ".log", ".csv", ".tsv", ""}

# Extension → language name (the tree-sitter grammar names used by `segment --by code`).
CODE_EXT = {
    ".py": "python", ".pyi": "python", ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript",
    ".jsx": "javascript", ".ts": "typescript", ".mts": "typescript", ".cts": "typescript", ".tsx": "tsx",
    ".go": "go", ".rs": "rust", ".java": "java", ".c": "c", ".h": "c", ".cc": "cpp", ".cpp": "cpp",
    ".cxx": "cpp", ".hpp": "cpp", ".hh": "cpp", ".hxx": "cpp", ".cs": "c_sharp", ".rb": "ruby",
    ".php": "php", ".sh": "bash", ".bash": "bash", ".kt": "kotlin", ".swift": "swift", ".scala": "scala",
    ".lua": "lua", ".pl": "perl", ".r": "r", ".sql": "sql", ".toml": "toml", ".yaml": "yaml",
    ".yml": "yaml", ".json": "json", ".css": "css", ".scss": "scss", ".el": "elisp", ".hs": "haskell",
}
SHEBANG = re.compile(rb"^#!\s*(?:/usr/bin/env\s+(?:-S\s+)?)?\S*?([A-Za-z]+)[\d.]*(?:\s|$)")
SHEBANG_LANG = {"python": "python", "node": "javascript", "bash": "bash", "sh": "bash", "zsh": "bash",
                "ruby": "ruby", "php": "php", "perl": "perl", "deno": "typescript"}


def detect_format(item: InputItem, head: bytes) -> tuple[str, str | None]:
    """(format, lang) for an input, from its name first and its first bytes second."""
    ext = item.suffix
    if ext == ".pdf" or head.startswith(b"%PDF-"):
        return "pdf", None
    if ext in HTML_EXT:
        return "html", None
    if ext in MARKDOWN_EXT:
        return "markdown", None
    if ext in CODE_EXT:
        return "code", CODE_EXT[ext]
    lang = shebang_lang(head)
    if lang:
        return "code", lang
    if looks_html(head):
        return "html", None
    return "text", None


def shebang_lang(head: bytes) -> str | None:
    m = SHEBANG.match(head[:200])
    return SHEBANG_LANG.get(m.group(1).decode().lower()) if m else None


def looks_html(head: bytes) -> bool:
    start = head[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return start.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<body" in start or b"<head" in start
