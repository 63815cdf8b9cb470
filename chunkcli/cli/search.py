"""`chunkcli query` and `chunkcli select`: retrieval and budgeted context selection over a store."""

from __future__ import annotations

import json
import sys
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Iterator, Optional

import typer

from ..records import write_records
from . import app
from .common import Db, Debug, Model, Quiet, Verbose, handle_errors, reporter, stdout

Text = Annotated[str, typer.Argument(metavar="TEXT", help="The query; '-' reads queries from stdin "
                                     "(one per line, or JSONL with a \"query\" field).")]
K = Annotated[int, typer.Option("-k", "--top", min=1, help="Number of results per query.")]
Mode = Annotated[str, typer.Option("--mode", metavar="dense|lexical|hybrid",
                                   help="Retriever: HNSW vectors, FTS5 BM25, or their reciprocal-rank fusion.")]
SourceGlob = Annotated[Optional[str], typer.Option("--source", metavar="GLOB", help="Only sources matching GLOB.")]
DocFormat = Annotated[Optional[str], typer.Option(
    "--format", metavar="FORMAT", help="Only documents of this format (html, pdf, code, markdown, text).")]
Lang = Annotated[Optional[str], typer.Option("--lang", help="Only documents in this language.")]
Doc = Annotated[Optional[str], typer.Option("--doc", metavar="ID", help="Only chunks of this document id.")]
DenseWeight = Annotated[float, typer.Option("--dense-weight", min=0, help="hybrid: weight of the dense ranking.")]
LexWeight = Annotated[float, typer.Option("--lexical-weight", min=0, help="hybrid: weight of the BM25 ranking.")]
Explain = Annotated[bool, typer.Option("--explain", help="Add each retriever's rank and score to every result.")]
BATCH = 256
if TYPE_CHECKING:
    from ..search import Searcher, SearchOptions  # queries embedded together when reading them from stdin


@app.command()
@handle_errors
def query(
    text: Text, db: Db = Path("chunks.db"), k: K = 10, mode: Mode = "hybrid", source: SourceGlob = None,
    format: DocFormat = None, lang: Lang = None, doc: Doc = None, dense_weight: DenseWeight = 1.0,
    lexical_weight: LexWeight = 1.0, explain: Explain = False, model: Model = None,
    quiet: Quiet = False, verbose: Verbose = 0, debug: Debug = False,
) -> int:
    """Search the store: chunk records with `score` and `rank` (JSONL), best first."""
    from ..search import Filters, Searcher, SearchOptions, parse_queries  # numpy: not on the `--help` path

    rep = reporter(quiet, verbose)
    searcher = Searcher(db, model, rep.info)
    opts = SearchOptions(k, mode, Filters(source, format, lang, doc), dense_weight, lexical_weight, explain)
    if text != "-":
        write_records(searcher.search(text, opts), stdout())
    else:
        write_records(_batched(searcher, parse_queries(sys.stdin), opts), stdout())
    return 0


def _batched(searcher: Searcher, queries: Iterator[dict[str, Any]],
             opts: SearchOptions) -> Iterator[dict[str, Any]]:
    """Results tagged with their query (and its id, if the JSONL line had one)."""
    while batch := list(islice(queries, BATCH)):
        answers = searcher.search_many([q["query"] for q in batch], opts)
        for q, (_, records) in zip(batch, answers):
            tag = {"query": q["query"], **({"query_id": q["id"]} if "id" in q else {})}
            yield from ({**tag, **rec} for rec in records)


Budget = Annotated[int, typer.Option("--budget", min=0, metavar="TOKENS",
                                     help="Most tokens (of the embedding tokenizer) the selected text may hold.")]
Strategy = Annotated[str, typer.Option("--strategy", metavar="topk|sage|mmr",
                                       help="Order candidates by fused rank (topk), by relevance cut at its "
                                            "steepest drop (sage), or by maximal marginal relevance (mmr).")]
Lambda = Annotated[float, typer.Option("--lambda", min=0, max=1, help="mmr: relevance vs diversity (1 = relevance).")]
Candidates = Annotated[int, typer.Option("--candidates", min=1, help="Hybrid results considered before selection.")]
OutFormat = Annotated[str, typer.Option("--format", metavar="jsonl|text|markdown",
                                        help="JSONL records, or a numbered context block with citations.")]
DocFormatFilter = Annotated[Optional[str], typer.Option("--doc-format", metavar="FORMAT",
                                                        help="Only documents of this format.")]
NoMerge = Annotated[bool, typer.Option("--no-merge", help="Keep chunks adjacent in one document separate.")]
Tokenizer = Annotated[Optional[str], typer.Option("--tokenizer", metavar="NAME|DIR",
                                                  help="Count the budget with this model's tokenizer "
                                                       "(default: the store's embedding model).")]


@app.command()
@handle_errors
def select(
    text: Annotated[str, typer.Argument(metavar="TEXT", help="What the context is for (the question).")],
    budget: Budget, db: Db = Path("chunks.db"), strategy: Strategy = "sage", lam: Lambda = 0.7,
    candidates: Candidates = 40, format: OutFormat = "jsonl", source: SourceGlob = None,
    doc_format: DocFormatFilter = None, lang: Lang = None, doc: Doc = None, no_merge: NoMerge = False,
    tokenizer: Tokenizer = None, model: Model = None, quiet: Quiet = False, verbose: Verbose = 0, debug: Debug = False,
) -> int:
    """Choose chunks that fit --budget tokens, in document order with provenance."""
    from ..search import Filters, Searcher
    from ..select import SelectOptions, check_format, render, select as choose, total_tokens
    from ..tokens import counter_for_model

    check_format(format)  # before any work: a typo must not cost a search
    rep = reporter(quiet, verbose)
    searcher = Searcher(db, model, rep.info)
    opts = SelectOptions(budget, strategy, lam, candidates, filters=Filters(source, doc_format, lang, doc),
                         merge=not no_merge)
    records = choose(searcher, text, opts, counter_for_model(tokenizer or searcher.model))
    if format == "jsonl":
        write_records(records, stdout())
    else:
        stdout().write(render(records, format))
    rep.info(json.dumps({"budget": budget, "tokens": total_tokens(records), "chunks": len(records)}))
    return 0
