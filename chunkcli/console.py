"""Everything for humans goes to stderr: messages, warnings, progress (only on a TTY)."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterator

from .errors import InputError


@dataclass
class Reporter:
    """Collects per-input failures and prints one `SOURCE: reason` line for each."""

    quiet: bool = False
    verbose: int = 0
    failures: list[str] = field(default_factory=list)

    def error(self, err: InputError) -> None:
        self.failures.append(err.source)
        _write(f"chunkcli: {err}")

    def warn(self, message: str) -> None:
        if not self.quiet:
            _write(f"chunkcli: warning: {message}")

    def info(self, message: str) -> None:
        if not self.quiet:
            _write(message)

    def debug(self, message: str) -> None:
        if self.verbose and not self.quiet:
            _write(message)

    @property
    def exit_code(self) -> int:
        return 1 if self.failures else 0


def _write(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def stderr_is_terminal() -> bool:
    return sys.stderr.isatty()


@contextmanager
def progress(description: str, total: int | None, quiet: bool) -> Iterator[Callable[[int], None]]:
    """A transient Rich bar on stderr when it is a terminal; a no-op callback otherwise."""
    if quiet or not stderr_is_terminal():
        yield lambda n: None
        return
    from rich.console import Console
    from rich.progress import Progress

    console = Console(stderr=True, no_color=bool(os.environ.get("NO_COLOR")))
    # redirect_stdout=False: Rich would otherwise capture JSONL written while the bar is shown.
    with Progress(console=console, transient=True, redirect_stdout=False, redirect_stderr=False) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n: bar.advance(task, n)
