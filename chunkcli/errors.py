"""Typed errors. Each message names the problem and, where there is one, the fix.

The library raises these; ``chunkcli.cli`` maps them to one stderr line and an
exit code in a single place.
"""

from __future__ import annotations


class ChunkcliError(Exception):
    """Base class: a failure the user can act on (exit code 1)."""

    exit_code = 1


class UsageError(ChunkcliError):
    """The command line asks for something impossible (exit code 2)."""

    exit_code = 2


class InputError(ChunkcliError):
    """One input could not be processed; the batch goes on without it."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class ModelError(ChunkcliError):
    """An embedding model or tokenizer cannot be loaded or does not match the store."""


class StoreError(ChunkcliError):
    """The SQLite store is missing, locked, or inconsistent with the request."""


class Terminated(KeyboardInterrupt):
    """SIGTERM: unwound like an interrupt (cleanup runs), exit code 143 (128 + 15)."""


def os_reason(exc: OSError) -> str:
    """Why an OS call failed, as the end of a message: "no such file or directory"."""
    return (exc.strerror or str(exc)).lower()
