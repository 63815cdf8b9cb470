"""`chunkcli index` and `chunkcli export`: build the store incrementally, read it back as JSONL."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..console import progress
from ..errors import os_reason
from ..extract import ExtractOptions
from ..inputs import iter_inputs
from ..records import write_records
from ..sources import iter_records
from . import app
from .common import (Db, Debug, Exclude, FilesFrom, Model, Null, Paths, Quiet, Verbose, handle_errors, reporter,
                     require_input, stdout)
from .segment import By, Context, Cues, Lang, MaxTokens, MinTokens, Overlap, Threshold, segment_options

Prune = Annotated[bool, typer.Option("--prune", help="Drop stored documents whose source file no longer exists.")]
Report = Annotated[Optional[Path], typer.Option(
    "--report", metavar="FILE", help="Also write the JSON run summary to FILE.")]
LockTimeout = Annotated[float, typer.Option(
    "--lock-timeout", min=0, metavar="SECONDS", help="How long to wait for another index run on the same store.")]
SourceGlob = Annotated[Optional[str], typer.Option(
    "--source", metavar="GLOB", help="Only chunks whose source matches this glob (e.g. 'docs/*').")]
Checksum = Annotated[bool, typer.Option(
    "--checksum", help="Read and hash every file, even when its size and mtime match the stored document.")]
WithVectors = Annotated[bool, typer.Option("--with-vectors", help="Add each chunk's embedding (float list).")]


@app.command()
@handle_errors
def index(
    paths: Paths = None, db: Db = Path("chunks.db"), by: By = "auto", max_tokens: MaxTokens = 254,
    overlap: Overlap = 0, min_tokens: MinTokens = 0, threshold: Threshold = None, lang: Lang = None,
    context: Context = False, cues: Cues = True, model: Model = None, prune: Prune = False, report: Report = None,
    lock_timeout: LockTimeout = 600.0, checksum: Checksum = False, files_from: FilesFrom = None,
    null: Null = False, exclude: Exclude = None,
    quiet: Quiet = False, verbose: Verbose = 0, debug: Debug = False,
) -> int:
    """Store chunks and embeddings in --db (chunk JSONL, document JSONL or raw files); unchanged inputs are skipped.

    Prints a JSON summary (new, updated, unchanged, removed, failed) on stderr."""
    from ..indexer import Indexer, IndexOptions  # numpy and friends: not on the `--help` path

    rep = reporter(quiet, verbose)
    seg = segment_options(by, max_tokens, overlap, min_tokens, threshold, lang, False, context, model, cues)
    with progress("embedding", None, quiet) as bar:
        roots = require_input(paths, files_from)
        opts = IndexOptions(db, seg, prune, lock_timeout, checksum=checksum, roots=tuple(roots))
        indexer = Indexer(opts, rep.error, rep.info, bar)
        items = iter_inputs(roots, files_from, null, exclude or (), on_error=indexer.fail)
        items = indexer.untouched_skipped(items)
        summary = indexer.run(iter_records(items, ExtractOptions(lang=lang), rep.warn, indexer.fail))
    line = json.dumps({"summary": summary.to_dict(), "db": str(db)})
    if not quiet:
        print(line, file=sys.stderr)
    if report is not None:
        try:
            report.write_text(line + "\n", encoding="utf-8")
        except OSError as exc:  # the work is stored: say so on stderr, fail the run
            print(f"chunkcli: error: --report {report}: {os_reason(exc)}", file=sys.stderr)
            return 1
    return 1 if summary.failed else 0


@app.command()
@handle_errors
def export(
    db: Db = Path("chunks.db"), source: SourceGlob = None, with_vectors: WithVectors = False,
    quiet: Quiet = False, verbose: Verbose = 0, debug: Debug = False,
) -> int:
    """Write the stored chunks as JSONL, in document order."""
    from .. import store

    conn = store.connect(db, create=False)
    write_records(store.export_records(conn, source, with_vectors), stdout())
    return 0
