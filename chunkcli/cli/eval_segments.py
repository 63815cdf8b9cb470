"""`chunkcli eval segments`: Pk, WindowDiff and boundary F1 of chunks against gold boundaries."""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from typing import IO, Annotated

import typer

from ..errors import InputError, UsageError
from ..records import Chunk, read_records
from ..segmetrics import GoldDoc, gold_from_dict, score_documents, score_triple
from .common import Debug, Quiet, handle_errors, reporter, stdout
from .evaluate import eval_app

Pred = Annotated[str, typer.Argument(metavar="PRED.jsonl", help="Chunk records ('-' for stdin).")]
Gold = Annotated[str, typer.Option(
    "--gold", metavar="GOLD.jsonl", help='One line per document: {"doc_id" or "source", "boundaries": '
    '[segment end offsets], optional "length" or "unit_ends"}; seg/topic items also work.')]
Tolerance = Annotated[int, typer.Option(
    "--tolerance", min=0, help="Boundary F1: a predicted boundary this many units (or characters) "
    "from a gold one counts as correct.")]


@eval_app.command("segments")
@handle_errors
def segments(pred: Pred, gold: Gold, tolerance: Tolerance = 1, quiet: Quiet = False, debug: Debug = False) -> int:
    """Score predicted chunks against gold segment boundaries: one JSON line of Pk, WindowDiff,
    precision, recall and F1 (×100; Pk and WindowDiff lower is better, averaged over documents)."""
    rep = reporter(quiet, 0)
    golds = _read_gold(gold)
    ends = _chunk_ends(pred)
    for g in golds:
        if g.key not in ends:
            rep.error(InputError(g.key, "no predicted chunks for this document; scored as unsegmented"))
    scores = score_documents((score_triple(g, ends.get(g.key, [])) for g in golds), tolerance)
    stdout().write(json.dumps({**scores.as_percent(), "tolerance": tolerance}) + "\n")
    return rep.exit_code


def _open(path: str) -> IO[str]:
    if path == "-":
        return sys.stdin
    try:
        return open(path, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None


def _read_gold(path: str) -> list[GoldDoc]:
    with _open(path) as f:
        try:
            return [gold_from_dict(json.loads(line)) for line in f if line.strip()]
        except ValueError as exc:
            raise UsageError(f"{path}: bad gold line ({exc})") from None


def _chunk_ends(path: str) -> dict[str, list[int]]:
    """Chunk end offsets keyed by doc_id and by source, so gold may name either."""
    ends: dict[str, list[int]] = defaultdict(list)
    with _open(path) as f:
        for rec in read_records(f, path):
            if isinstance(rec, Chunk):
                ends[rec.doc_id].append(rec.end)
                if rec.source != rec.doc_id:
                    ends[rec.source].append(rec.end)
    return dict(ends)
