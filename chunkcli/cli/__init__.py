"""The command line: a thin Typer layer over the library (options → library calls → JSONL)."""

from __future__ import annotations

import importlib
import signal

import typer

from .. import __version__
from ..errors import Terminated

app = typer.Typer(
    name="chunkcli",
    help="Turn documents into traceable, retrieval-ready chunks: extract | segment | index, then "
         "query, select and export. Data (JSONL) on stdout; messages on stderr.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

# Command modules register themselves on `app` when imported (below, after `app` exists).
COMMAND_MODULES = ("extract", "segment", "store", "search", "evaluate", "train")


def _version(value: bool) -> None:
    if value:
        print(__version__)
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """chunkcli: documents → chunks → SQLite + HNSW, composable in Unix pipelines."""


for _name in COMMAND_MODULES:  # each registers its commands on `app`
    importlib.import_module(f"{__name__}.{_name}")


def main() -> None:
    # `kill` (SIGTERM, what cron, systemd and timeout send) unwinds like Ctrl-C: extraction workers are
    # stopped and the store's transaction rolled back, instead of the process vanishing and leaving
    # its workers blocked on a pipe nobody reads.
    signal.signal(signal.SIGTERM, _terminated)
    app()


def _terminated(signum: int, frame: object) -> None:
    raise Terminated()
