"""`chunkcli eval retrieval`: score the store's retrieval against gold evidence spans."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from ..errors import UsageError
from ..records import write_records
from .common import Db, Debug, Model, Quiet, handle_errors, reporter, stdout
from .evaluate import eval_app
from .search import K, Mode

GoldFile = Annotated[str, typer.Argument(metavar="GOLD.jsonl", help='Gold evidence ("-" for stdin): '
                                         '{"query","source","start","end"} or {"query","evidence":[...]} per line.')]
PerQuery = Annotated[bool, typer.Option("--per-query", help="Also print one JSON line of scores per query.")]


@eval_app.command("retrieval")
@handle_errors
def retrieval(gold: GoldFile, db: Db = Path("chunks.db"), k: K = 5, mode: Mode = "hybrid",
              per_query: PerQuery = False, model: Model = None, quiet: Quiet = False, debug: Debug = False) -> int:
    """Token recall, precision and IoU of the top-k chunks against gold evidence, and document recall@k / MRR."""
    from ..retrieval_eval import evaluate, read_gold
    from ..search import Searcher, SearchOptions
    from ..tokens import counter_for_model

    rep = reporter(quiet, 0)
    searcher = Searcher(db, model, rep.info)
    golds = read_gold(_lines(gold), gold)
    if not golds:
        raise UsageError(f"{gold}: no gold queries")
    per, summary = evaluate(searcher, golds, SearchOptions(k=k, mode=mode), counter_for_model(searcher.model))
    write_records([*(per if per_query else []), summary], stdout())
    return 0


def _lines(path: str) -> list[str]:
    if path == "-":
        return sys.stdin.readlines()
    try:
        return Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
