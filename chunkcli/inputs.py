"""Where inputs come from: files, directories, stdin, and --files-from lists.

Directories are walked in a stable (sorted) order, skipping hidden and VCS
folders, honouring `.gitignore` files and `--exclude` globs, and never following
a symlink into a loop. Binary files are recognised by content, not by name.
"""

from __future__ import annotations

import functools
import os
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Callable, Iterable, Iterator, Sequence

from .errors import InputError, UsageError, os_reason

SKIP_DIRS = {".git", ".hg", ".svn", "__pycache__", "node_modules", ".venv", "venv", ".tox", ".mypy_cache"}
SNIFF_BYTES = 8192
BAD_NAME = "file name is not valid UTF-8 (rename it to index it)"


@dataclass(frozen=True)
class InputItem:
    """One input: `source` names it in records and error lines; `read` returns its bytes."""

    source: str
    read: Callable[[], bytes]  # picklable (no lambdas), so items can go to worker processes
    path: Path | None = None  # None for stdin and URLs

    @property
    def suffix(self) -> str:
        return (self.path.suffix if self.path else Path(self.source).suffix).lower()


def looks_binary(head: bytes) -> bool:
    """NUL bytes in the first block mark a binary file (as git and grep decide), unless it is
    a UTF-16/32 text with a BOM or a PDF (which extractors handle)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"%PDF-")):
        return False
    return b"\0" in head[:SNIFF_BYTES]


def iter_inputs(
    paths: Sequence[str],
    files_from: str | None = None,
    null: bool = False,
    exclude: Sequence[str] = (),
    stdin: IO[bytes] | None = None,
    on_error: Callable[[InputError], None] | None = None,
) -> Iterator[InputItem]:
    """Expand the command line into input items; a missing path is reported and skipped."""
    stdin = stdin if stdin is not None else sys.stdin.buffer
    for raw in _listed(paths, files_from, null, stdin):
        if raw == "-":
            yield InputItem("-", functools.partial(bytes, stdin.read()))
            continue
        if raw.startswith(("http://", "https://")):
            yield InputItem(raw, functools.partial(fetch_url, raw))
            continue
        if not _utf8(raw):
            _report(on_error, InputError(_shown(raw), BAD_NAME))
            continue
        path = Path(raw)
        try:
            is_dir = stat.S_ISDIR(path.stat().st_mode)
        except OSError as exc:  # missing, a symlink loop, a folder on the way we may not enter...
            _report(on_error, InputError(raw, os_reason(exc)))
            continue
        if is_dir:
            yield from walk_directory(path, exclude, on_error)
        else:  # the path as a walk names it ("./a.txt" is "a.txt"): one file, one stored source
            yield InputItem(str(path), path.read_bytes, path)


def _listed(paths: Sequence[str], files_from: str | None, null: bool, stdin: IO[bytes]) -> Iterator[str]:
    yield from paths
    if files_from is None:
        return
    try:
        data = stdin.read() if files_from == "-" else Path(files_from).read_bytes()
    except OSError as exc:
        raise UsageError(f"--files-from {files_from}: {os_reason(exc)}") from None
    sep = b"\0" if null else b"\n"
    for part in data.split(sep):
        name = part.decode("utf-8", "surrogateescape").strip("\r\n" if not null else "")
        if name:
            yield name


def walk_directory(
    root: Path, exclude: Sequence[str] = (), on_error: Callable[[InputError], None] | None = None
) -> Iterator[InputItem]:
    from .ignore import IgnoreRules

    rules = IgnoreRules(root, exclude)
    seen: set[tuple[int, int]] = set()
    yield from _walk(root, root, rules, seen, on_error)


def _walk(root: Path, folder: Path, rules, seen: set[tuple[int, int]], on_error) -> Iterator[InputItem]:
    try:
        st = folder.stat()
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        _report(on_error, InputError(str(folder), exc.strerror or str(exc)))
        return
    if (st.st_dev, st.st_ino) in seen:  # a symlink loop: this folder was already walked
        return
    seen.add((st.st_dev, st.st_ino))
    rules.enter(folder)
    for entry in entries:
        path = Path(entry.path)
        if entry.name.startswith("."):
            continue
        if not _utf8(entry.name):
            _report(on_error, InputError(_shown(entry.path), BAD_NAME))
            continue
        try:  # these follow symlinks: a symlink loop inside the walk fails here
            is_dir, is_file = entry.is_dir(), entry.is_file()
        except OSError as exc:
            if not rules.ignored(path, False):
                _report(on_error, InputError(str(path), os_reason(exc)))
            continue
        if rules.ignored(path, is_dir):
            continue
        if is_dir:
            if entry.name not in SKIP_DIRS:
                yield from _walk(root, path, rules, seen, on_error)
        elif is_file and not _is_binary_file(path):
            yield InputItem(str(path), path.read_bytes, path)


def _utf8(name: str) -> bool:
    """Whether a file name is valid UTF-8 (Python keeps other bytes as lone surrogates, which no
    JSONL record and no store can hold)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _shown(name: str) -> str:
    """The name with its undecodable bytes as \\xNN, for the message."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _is_binary_file(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return looks_binary(fh.read(SNIFF_BYTES))
    except OSError:
        return False  # let the read fail later, with its reason on stderr


def fetch_url(url: str) -> bytes:
    """Download with trafilatura's fetcher. Its SSRF guard (no private or loopback addresses) is
    switched off: the user named this URL on the command line, intranet pages included."""
    from trafilatura.downloads import fetch_response
    from trafilatura.settings import use_config

    config = use_config()
    config.set("DEFAULT", "SSRF_PROTECTION", "off")
    resp = fetch_response(url, decode=False, config=config)
    if resp is None or resp.data is None:
        raise InputError(url, "download failed (no response: bad address, refused, or timed out)")
    if resp.status >= 400:
        raise InputError(url, f"download failed (HTTP {resp.status})")
    return resp.data


def _report(on_error: Callable[[InputError], None] | None, err: InputError) -> None:
    if on_error is None:
        raise err
    on_error(err)


def exists(sources: Iterable[str]) -> set[str]:
    """The sources (file paths) that still exist, or may (a folder on the way we cannot enter); for --prune."""
    return {s for s in sources if s != "-" and "://" not in s and _may_exist(Path(s))}


def _may_exist(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:  # not "no such file": keep the document rather than drop what we cannot see
        return True
