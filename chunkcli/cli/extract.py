"""`chunkcli extract`: files, folders, URLs or stdin → document JSONL."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from ..extract import ExtractOptions
from ..extract.runner import extract_all
from ..inputs import iter_inputs
from ..records import write_records
from . import app
from .common import Debug, Exclude, FilesFrom, Null, Paths, Quiet, Verbose, handle_errors, reporter, require_input, stdout

Format = Annotated[Optional[str], typer.Option(
    "--format", metavar="FORMAT", help="Force the input format: html, pdf, code, markdown, text.")]
Favor = Annotated[str, typer.Option(
    "--favor", metavar="precision|balanced|recall",
    help="HTML main content: precision drops doubtful blocks (menus, bylines, comments), recall keeps them.")]
Lang = Annotated[Optional[str], typer.Option("--lang", help="Force the language of source files.")]
Jobs = Annotated[int, typer.Option("--jobs", "-j", min=1, help="Worker processes; output keeps input order.")]
Timeout = Annotated[float, typer.Option(
    "--timeout", min=0, help="Seconds one input may take before its worker is killed and it is reported "
                             "as failed (0: no limit, extract in this process when --jobs is 1).")]


@app.command()
@handle_errors
def extract(
    paths: Paths = None, files_from: FilesFrom = None, null: Null = False, exclude: Exclude = None,
    format: Format = None, favor: Favor = "precision", lang: Lang = None, jobs: Jobs = 1, timeout: Timeout = 300.0,
    quiet: Quiet = False, verbose: Verbose = 0, debug: Debug = False,
) -> int:
    """Extract text and provenance from files into document records (JSONL on stdout)."""
    rep = reporter(quiet, verbose)
    items = iter_inputs(require_input(paths, files_from), files_from, null, exclude or (), on_error=rep.error)
    opts = ExtractOptions(format=format, favor=favor, lang=lang, jobs=jobs, timeout=timeout or None)
    write_records(extract_all(items, opts, rep.warn, rep.error), stdout())
    return rep.exit_code
