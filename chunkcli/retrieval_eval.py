"""`eval retrieval`: how well the current store answers queries with known evidence.

Gold lines are JSONL: {"query", "source", "start", "end"} (several lines may
share a query) or {"query", "evidence": [{"source", "start", "end"}, ...]},
offsets in code points of the document text. Per query, the top-k chunks are
compared to the evidence as in Chroma's chunking evaluation (2024): recall,
precision and IoU of the retrieved *tokens* (embedding-tokenizer tokens of the
stored document; characters when the store has no document text), plus
document-level recall@k and reciprocal rank. Summary = mean over queries.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from .errors import UsageError
from .search import Searcher, SearchOptions
from .tokens import TokenCounter

Span = tuple[str, int, int]  # (source, start, end)


@dataclass
class GoldQuery:
    query: str
    evidence: list[Span] = field(default_factory=list)


def read_gold(lines: Iterable[str], name: str = "gold") -> list[GoldQuery]:
    """Gold queries in first-seen order, evidence lines of one query grouped together."""
    out: dict[str, GoldQuery] = {}
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            spans = obj.get("evidence") or [obj]
            gold = out.setdefault(obj["query"], GoldQuery(obj["query"]))
            gold.evidence += [(str(s["source"]), int(s["start"]), int(s["end"])) for s in spans]
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise UsageError(f"{name}:{lineno}: bad gold line ({exc!r}); want query, source, start, end") from None
    return list(out.values())


class Units:
    """Maps character spans of a stored document to the set of token (or character) indices inside them."""

    def __init__(self, searcher: Searcher, counter: TokenCounter) -> None:
        self.searcher, self.counter = searcher, counter
        self._starts: dict[str, list[int] | None] = {}

    def of(self, spans: Iterable[Span]) -> set[tuple[str, int]]:
        out: set[tuple[str, int]] = set()
        for source, start, end in spans:
            starts = self._token_starts(source)
            if starts is None:
                out.update((source, -1 - i) for i in range(start, end))  # characters, kept apart from tokens
            else:
                out.update((source, i) for i, s in enumerate(starts) if start <= s < end)
        return out

    def _token_starts(self, source: str) -> list[int] | None:
        if source not in self._starts:
            row = self.searcher.conn.execute("SELECT text FROM documents WHERE source=?", (source,)).fetchone()
            text = row[0] if row and row[0] is not None else None
            self._starts[source] = [s for s, _ in self.counter.spans(text)] if text else None
        return self._starts[source]


def score_query(gold: GoldQuery, hits: Sequence[dict[str, Any]], units: Units) -> dict[str, Any]:
    got = units.of((h["source"], h["start"], h["end"]) for h in hits)
    want = units.of(gold.evidence)
    inter = len(got & want)
    gold_sources = {s for s, _, _ in gold.evidence}
    ranks = [i for i, h in enumerate(hits, 1) if h["source"] in gold_sources]
    return {
        "query": gold.query, "recall": _ratio(inter, len(want)), "precision": _ratio(inter, len(got)),
        "iou": _ratio(inter, len(got) + len(want) - inter),
        "doc_recall": _ratio(len({h["source"] for h in hits} & gold_sources), len(gold_sources)),
        "rr": 1.0 / ranks[0] if ranks else 0.0,
    }


def _ratio(a: int, b: int) -> float:
    return a / b if b else 0.0


def evaluate(searcher: Searcher, golds: Sequence[GoldQuery], opts: SearchOptions,
             counter: TokenCounter) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Per-query scores and their means (recall, precision, iou, recall@k, mrr)."""
    units = Units(searcher, counter)
    per = [score_query(g, hits, units) for g, (_, hits) in zip(golds, searcher.search_many(
        [g.query for g in golds], opts))]
    mean = {k: round(sum(p[k] for p in per) / len(per), 4) if per else 0.0
            for k in ("recall", "precision", "iou", "doc_recall", "rr")}
    summary = {"queries": len(per), "k": opts.k, "mode": opts.mode, "recall": mean["recall"],
               "precision": mean["precision"], "iou": mean["iou"], f"recall@{opts.k}": mean["doc_recall"],
               "mrr": mean["rr"]}
    return per, summary
