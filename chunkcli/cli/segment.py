"""`chunkcli segment`: documents (JSONL or raw files) → chunk JSONL."""

from __future__ import annotations

import math
from typing import Annotated, Callable, Optional

import typer

from ..extract import ExtractOptions
from ..inputs import iter_inputs
from ..records import write_records
from ..segment import SegmentOptions
from ..segment.run import segment_records
from ..sources import iter_records
from ..tokens import counter_for_model
from . import app
from .common import (Debug, Exclude, FilesFrom, Model, Null, Paths, Quiet, Verbose, handle_errors, reporter,
                     require_input, stdout)

By = Annotated[str, typer.Option("--by", metavar="STRATEGY",
                                 help="sentence, punct, punct-fast, topic, code, fixed or auto.")]
MaxTokens = Annotated[int, typer.Option(
    "--max-tokens", min=0, metavar="N", help="Pack units into chunks of at most N model tokens; 0 emits the units themselves.")]
Overlap = Annotated[int, typer.Option("--overlap", min=0, metavar="N", help="Tokens shared by consecutive chunks.")]
MinTokens = Annotated[int, typer.Option("--min-tokens", min=0, metavar="N", help="topic: smallest segment, in tokens.")]
Threshold = Annotated[Optional[float], typer.Option(
    "--threshold", metavar="X", help="sentence, punct, punct-fast: boundary probability (0 to 1) needed to cut; "
                                     "topic: the smallest boundary score worth a cut.")]
Lang = Annotated[Optional[str], typer.Option("--lang", metavar="LANG", help="Language of the text or source code.")]
Explain = Annotated[bool, typer.Option("--explain", help="Add per-unit boundary scores to meta.")]
Cues = Annotated[bool, typer.Option(
    "--cues/--no-cues", help="topic: add the learned boundary cues (a logistic model over the sentence "
                             "vectors, trained on English web text, and a cross-gap layer reading the two "
                             "sentences around each gap, trained on web text and manuals); --no-cues leaves "
                             "both out.")]
Context = Annotated[bool, typer.Option(
    "--context", help="code: record the enclosing scope header as the text to embed (meta.embed_text).")]


def segment_options(by: str, max_tokens: int, overlap: int, min_tokens: int, threshold: float | None,
                    lang: str | None, explain: bool, context: bool, model: str | None, cues: bool = True,
                    warn: Callable[[str], None] = lambda message: None) -> SegmentOptions:
    _check_threshold(by, threshold)
    return SegmentOptions(max_tokens=max_tokens, overlap=overlap, min_tokens=min_tokens, threshold=threshold,
                          lang=lang, explain=explain, context=context, model=model, strategy=by, cues=cues,
                          warn=warn)


def _check_threshold(by: str, threshold: float | None) -> None:
    """A probability outside [0, 1] (or nan) would silently cut everywhere or nowhere, rules included."""
    if threshold is None:
        return
    if not math.isfinite(threshold):
        raise typer.BadParameter(f"{threshold} is not a number", param_hint="'--threshold'")
    if by not in ("topic", "code", "fixed") and not 0.0 <= threshold <= 1.0:
        raise typer.BadParameter(f"{threshold} is not a probability: --by {by} cuts where the boundary "
                                 "probability is at least X, 0 to 1", param_hint="'--threshold'")


@app.command()
@handle_errors
def segment(
    paths: Paths = None, by: By = "auto", max_tokens: MaxTokens = 254, overlap: Overlap = 0,
    min_tokens: MinTokens = 0, threshold: Threshold = None, lang: Lang = None, explain: Explain = False,
    context: Context = False, cues: Cues = True, model: Model = None, files_from: FilesFrom = None,
    null: Null = False, exclude: Exclude = None, quiet: Quiet = False, verbose: Verbose = 0, debug: Debug = False,
) -> int:
    """Split documents into chunks whose offsets slice the document text exactly (JSONL on stdout)."""
    rep = reporter(quiet, verbose)
    opts = segment_options(by, max_tokens, overlap, min_tokens, threshold, lang, explain, context, model, cues,
                           rep.warn)
    items = iter_inputs(require_input(paths, files_from), files_from, null, exclude or (), on_error=rep.error)
    records = iter_records(items, ExtractOptions(lang=lang), rep.warn, rep.error)
    write_records(segment_records(records, opts, counter_for_model(model), rep.error), stdout())
    return rep.exit_code
