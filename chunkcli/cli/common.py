"""Shared CLI plumbing: option types declared once, one error-to-exit-code mapping, stdout writing."""

from __future__ import annotations

import errno
import functools
import io
import os
import sqlite3
import sys
from pathlib import Path
from typing import Annotated, Any, Callable, Iterable, Optional, TypeVar

import typer

from ..console import Reporter
from ..errors import ChunkcliError, Terminated

F = TypeVar("F", bound=Callable[..., Any])

Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Only errors on stderr.")]
Verbose = Annotated[int, typer.Option("--verbose", "-v", count=True, help="More detail on stderr (-vv for more).")]
Debug = Annotated[bool, typer.Option("--debug", help="Show tracebacks instead of one-line errors.")]
Paths = Annotated[Optional[list[str]], typer.Argument(metavar="[PATH|URL|-]...",
    help="Files, directories, URLs, or '-' for stdin.", show_default=False)]
FilesFrom = Annotated[Optional[str], typer.Option(
    "--files-from", metavar="FILE", help="Read input paths from FILE ('-' for stdin), one per line.")]
Null = Annotated[bool, typer.Option("-0", "--null", help="--files-from names are NUL-separated (find -print0).")]
Exclude = Annotated[Optional[list[str]], typer.Option(
    "--exclude", metavar="GLOB", help="Skip paths matching this .gitignore-style pattern (repeatable).")]
Model = Annotated[Optional[str], typer.Option(
    "--model", envvar="CHUNKCLI_MODEL", metavar="NAME|DIR",
    help="Embedding model: default all-MiniLM-L6-v2 (bundled), a local sentence-transformers directory, "
         "or 'hash' (no neural model). index/query/select default to the model the store was built with.")]
Db = Annotated[Path, typer.Option("--db", envvar="CHUNKCLI_DB", metavar="FILE", help="SQLite store.")]


# A full disk or a failing device under stdout (`> /dev/full`): one line, not a traceback.
_WRITE_FAILURES = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO)


def handle_errors(fn: F) -> F:
    """Map library errors to one stderr line and an exit code, in one place for every command."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        debug = bool(kwargs.get("debug"))
        try:
            code = fn(*args, **kwargs)
        except ChunkcliError as exc:
            if debug:
                raise
            print(f"chunkcli: error: {exc}", file=sys.stderr)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt as exc:
            raise typer.Exit(143 if isinstance(exc, Terminated) else 130) from None
        except BrokenPipeError:
            _silence_stdout()
            raise typer.Exit(0) from None
        except sqlite3.DatabaseError as exc:  # read-only, corrupt or full: the store, not a bug
            if debug:
                raise
            print(f"chunkcli: error: the store cannot be used: {exc}", file=sys.stderr)
            raise typer.Exit(1) from None
        except OSError as exc:
            if debug or exc.errno not in _WRITE_FAILURES:
                raise
            print(f"chunkcli: error: cannot write the output: {exc.strerror}", file=sys.stderr)
            _silence_stdout()
            raise typer.Exit(1) from None
        raise typer.Exit(code or 0)

    return wrapper  # type: ignore[return-value]


def _silence_stdout() -> None:
    # After `| head` closes the pipe, Python would complain again when flushing stdout at exit.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def reporter(quiet: bool, verbose: int) -> Reporter:
    return Reporter(quiet=quiet, verbose=verbose)


def stdout() -> io.TextIOBase:
    """UTF-8 stdout whatever the locale, so JSONL bytes never depend on the environment."""
    if getattr(sys.stdout, "encoding", "").lower().replace("-", "") != "utf8":
        sys.stdout.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
    return sys.stdout  # type: ignore[return-value]


def require_input(paths: Iterable[str] | None, files_from: str | None) -> list[str]:
    """Never block on a terminal: no inputs and no '-' is a usage error."""
    paths = list(paths or [])
    if not paths and files_from is None:
        if sys.stdin.isatty():
            raise typer.BadParameter("give PATH..., '-' for stdin, or --files-from FILE", param_hint="PATH")
        paths = ["-"]
    return paths
