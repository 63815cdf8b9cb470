"""Retrieval bench: index throughput vs raw model.encode, query latency and HNSW recall at scale,
re-index of an unchanged 10 000-file corpus, and `chunkcli --help` start-up.

Everything is generated here (no shared data needed). Scale tests use synthetic
vectors with low intrinsic dimension (like real sentence embeddings) stored
under the default model's name, so queries go through the real lean embedding
path. Sizes: BENCH_RETRIEVAL_SCALES (default "100000"; add 1000000 if you have
~40 min of 2 cores), BENCH_RETRIEVAL_MB (generated text for throughput, default 0.3).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "chunkcli"]
WORDS = ("store chunk index query vector token budget select source document model embed search hybrid lexical "
         "dense rank score graph layer cron night file folder batch crash lock write read page heading line "
         "offset text unit strategy sentence topic code python parser tree window overlap merge citation "
         "prompt context answer evidence recall precision").split()
MODEL = "all-MiniLM-L6-v2"


def run(data: Path) -> str:
    del data  # everything is generated; the bench does not need ../shared/data
    with tempfile.TemporaryDirectory(prefix="bench_retrieval_") as tmp:
        tmpdir = Path(tmp)
        sections = ["## Retrieval, selection and incremental indexing (bench_retrieval)\n",
                    _startup(), _throughput(tmpdir), _reindex(tmpdir)]
        for n in [int(x) for x in os.environ.get("BENCH_RETRIEVAL_SCALES", "100000").split(",") if x]:
            sections.append(_scale(tmpdir, n))
    return "\n".join(sections)


def _table(header: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _wall(cmd: list[str], **kw) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)
    return time.perf_counter() - t0


def _startup() -> str:
    times = sorted(_wall([*CLI, "--help"]) for _ in range(5))
    return f"`chunkcli --help`: median {statistics.median(times):.2f} s wall (5 runs).\n"


# ---- index throughput vs raw encode ---------------------------------------------------------

def _sentences(rng: random.Random, n: int) -> str:
    return " ".join(" ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 18))).capitalize() + "."
                    for _ in range(n))


def _gen_docs(mb: float, seed: int = 1) -> list:
    from chunkcli.records import Document

    rng, docs, size = random.Random(seed), [], 0
    while size < mb * 1e6:
        text = "\n\n".join(_sentences(rng, rng.randint(3, 8)) for _ in range(rng.randint(5, 20)))
        docs.append(Document(f"gen/{len(docs):05d}.txt", text))
        size += len(text)
    return docs


def _throughput(tmp: Path, repeats: int = 3) -> str:
    """Raw encode and our index alternate `repeats` times on the same chunks; the fastest of each is
    compared (the machine is shared: the minimum is the least disturbed run)."""
    from chunkcli.embed import get_embedder
    from chunkcli.segment import SegmentOptions, segment_document
    from chunkcli.tokens import counter_for_model

    mb = float(os.environ.get("BENCH_RETRIEVAL_MB", "0.3"))
    opts = SegmentOptions(max_tokens=254, strategy="fixed", model=MODEL)
    model = get_embedder(MODEL)._load()  # warm: neither side pays the model load
    model.encode(["warm up"])
    rows = []
    corpora = (("demo corpus (fixtures/corpus)", _fixture_docs()), (f"{mb:g} MB generated text", _gen_docs(mb)))
    for label, docs in corpora:
        chunks = [c for d in docs for c in segment_document(d, "fixed", opts, counter_for_model(MODEL))]
        raw, ours = [], []
        for i in range(repeats):
            raw.append(_timed(lambda: model.encode([c.text for c in chunks], batch_size=32, convert_to_numpy=True)))
            ours.append(_timed(lambda: _index_chunks(tmp / f"tp{len(rows)}_{i}.db", opts, chunks)))
        rows.append([label, len(chunks), f"{len(chunks) / min(raw):.1f}", f"{len(chunks) / min(ours):.1f}",
                     f"{min(ours) / min(raw):.3f}", f"{statistics.median(o / r for o, r in zip(ours, raw)):.3f}"])
    return ("### Index throughput (chunk JSONL in, SQLite + FTS5 + HNSW out) vs raw `model.encode`\n\n"
            + _table(["corpus", "chunks", "raw encode chunks/s", "index chunks/s", "index / raw (best runs)",
                      f"median ratio of {repeats} paired runs"], rows))


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _index_chunks(db: Path, opts, chunks: list) -> None:
    from chunkcli.indexer import Indexer, IndexOptions

    Indexer(IndexOptions(db, opts), on_error=print).run(chunks)


def _fixture_docs() -> list:
    from chunkcli.records import Document

    return [Document(str(p), p.read_text(encoding="utf-8")) for p in sorted((ROOT / "fixtures/corpus").iterdir())]


# ---- re-index of an unchanged 10 000-file corpus ---------------------------------------------

def _reindex(tmp: Path) -> str:
    n_files = int(os.environ.get("BENCH_RETRIEVAL_FILES", "10000"))
    corpus, db = tmp / "files", tmp / "reindex.db"
    rng = random.Random(3)
    corpus.mkdir()
    for i in range(n_files):
        sub = corpus / f"d{i // 500:02d}"
        sub.mkdir(exist_ok=True)
        (sub / f"f{i:05d}.txt").write_text(_sentences(rng, rng.randint(4, 12)) + "\n", encoding="utf-8")
    cmd = [*CLI, "index", str(corpus), "--db", str(db), "--by", "fixed", "--model", "hash", "-q"]
    first = _wall(cmd)
    again = _wall(cmd)
    cmd_st = [*CLI, "index", str(corpus), "--db", str(db), "--by", "fixed", "--model", "hash", "--report",
              str(tmp / "r.json")]
    _wall(cmd_st)
    summary = json.loads((tmp / "r.json").read_text())["summary"]
    return (f"### Re-index of an unchanged corpus ({n_files:,} files, `--by fixed --model hash`)\n\n"
            + _table(["first index (s)", "unchanged re-index (s)", "ratio", "summary of the re-run"],
                     [[f"{first:.1f}", f"{again:.1f}", f"{again / first:.1%}",
                       f"unchanged={summary['unchanged']} new={summary['new']} chunks embedded={summary['chunks']}"]])
            + "\nThe hashing model makes the first run cheap, so this ratio is the pessimistic one: with "
              "all-MiniLM-L6-v2 the first run costs the model time and the re-run stays the same.\n")


# ---- scale: latency and recall ------------------------------------------------------------------

def _vectors(n: int, seed: int = 0) -> np.ndarray:
    """Unit vectors with low intrinsic dimension (48 latent factors, 2000 clusters) plus a little noise."""
    rng = np.random.default_rng(seed)
    basis = rng.standard_normal((48, 384)).astype(np.float32)
    centers = rng.standard_normal((2000, 48)).astype(np.float32)
    out = np.empty((n, 384), dtype=np.float32)
    for lo in range(0, n, 50000):
        m = min(50000, n - lo)
        z = centers[rng.integers(0, 2000, m)] + 0.5 * rng.standard_normal((m, 48)).astype(np.float32)
        x = z @ basis + 0.3 * rng.standard_normal((m, 384)).astype(np.float32)
        out[lo:lo + m] = x / np.linalg.norm(x, axis=1, keepdims=True)
    return out


def _zipf_words(n_vocab: int = 30000, seed: int = 5):
    """A word sampler with a Zipf (1/rank) distribution over pseudo-words, like real text: a few
    words are everywhere (stop-word-like), most are rare; our own vocabulary is mixed in."""
    vrng, rng = random.Random(5), random.Random(seed)  # one vocabulary; `seed` only changes the sampling
    vocab = WORDS + ["".join(vrng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(vrng.randint(3, 9)))
                     for _ in range(n_vocab - len(WORDS))]
    vrng.shuffle(vocab)
    cum = list(itertools.accumulate(1.0 / (r + 1) for r in range(len(vocab))))
    return lambda k: rng.choices(vocab, cum_weights=cum, k=k)


def _synthetic_store(db: Path, vecs: np.ndarray) -> None:
    from chunkcli import store

    conn = store.connect(db)
    store.check_model(conn, MODEL, 384)
    words = _zipf_words()
    per_doc = 20
    with store.transaction(conn):
        for d in range(0, len(vecs), per_doc):
            src = f"syn/{d // per_doc:06d}.txt"
            conn.execute("INSERT INTO documents(id, source, format, lang, title, sha256, fingerprint, meta, text) "
                         "VALUES (?,?,?,?,?,?,?,?,?)",
                         (f"doc{d}", src, "text", "en", None, "x", "x", "{}", None))
            for i in range(d, min(d + per_doc, len(vecs))):
                text = " ".join(words(60))
                cur = conn.execute('INSERT INTO chunks(id, doc_id, source, start, "end", text, strategy, n_tokens, '
                                   "meta) VALUES (?,?,?,?,?,?,?,?,?)", (f"c{i}", f"doc{d}", src, 0, len(text), text,
                                                                        "fixed", 30, "{}"))
                conn.execute("INSERT INTO vectors VALUES (?,?)", (cur.lastrowid, vecs[i].tobytes()))
        store._bump(conn)
    conn.close()


def _scale(tmp: Path, n: int) -> str:
    from chunkcli import index as hnsw
    from chunkcli import store

    db = tmp / f"scale{n}.db"
    vecs = _vectors(n)
    t0 = time.perf_counter()
    _synthetic_store(db, vecs)
    t_store = time.perf_counter() - t0
    t0 = time.perf_counter()
    hnsw.open_index(store.connect(db), db)
    t_build = time.perf_counter() - t0
    recall = _recall(db, vecs)
    rows = [_latency_in_process(db, mode) for mode in ("dense", "lexical", "hybrid")]
    rows.append(_latency_cli(db))
    return (f"### {n:,} stored chunks (synthetic vectors)\n\nStore written in {t_store:.0f} s; HNSW built in "
            f"{t_build:.0f} s (M={hnsw.M}, ef_construction={hnsw.EF_CONSTRUCTION}).\n\n"
            + _table(["ef", "recall@10 vs exact", "ms/query (HNSW only)"], recall) + "\n"
            + _table(["query", "p50 ms", "p99 ms", "runs"], rows))


def _queries(vecs: np.ndarray, m: int, seed: int = 9) -> np.ndarray:
    rng = np.random.default_rng(seed)
    q = vecs[rng.integers(0, len(vecs), m)] + 0.05 * rng.standard_normal((m, vecs.shape[1])).astype(np.float32)
    return q / np.linalg.norm(q, axis=1, keepdims=True)


def _recall(db: Path, vecs: np.ndarray, m: int = 200) -> list[list[object]]:
    from chunkcli import index as hnsw
    from chunkcli import store

    dense = hnsw.open_index(store.connect(db), db)
    q = _queries(vecs, m)
    exact = np.argsort(-(q @ vecs.T), axis=1)[:, :10] + 1  # rowids start at 1, in vector order
    rows = []
    for ef in (32, 64, hnsw.EF_SEARCH, 256):
        dense.index.set_ef(ef)
        t0 = time.perf_counter()
        labels, _ = dense.index.knn_query(q, k=10, num_threads=1)
        ms = (time.perf_counter() - t0) * 1000 / m
        rec = np.mean([len(set(a.tolist()) & set(b.tolist())) / 10 for a, b in zip(labels, exact)])
        rows.append([f"{ef}{' (default)' if ef == hnsw.EF_SEARCH else ''}", f"{rec:.4f}", f"{ms:.2f}"])
    return rows


def _latency_in_process(db: Path, mode: str, m: int = 200) -> list[object]:
    from chunkcli.search import Searcher, SearchOptions

    searcher = Searcher(db)
    rng, words = random.Random(11), _zipf_words(seed=11)
    texts = [" ".join(words(rng.randint(3, 9))) for _ in range(m)]
    searcher.search(texts[0], SearchOptions(k=10, mode=mode))  # warm: model and HNSW file loaded once
    times = []
    for text in texts:
        t0 = time.perf_counter()
        searcher.search(text, SearchOptions(k=10, mode=mode))
        times.append((time.perf_counter() - t0) * 1000)
    return [f"in-process {mode} (embed + search + fetch)", *_p50_p99(times), m]


def _latency_cli(db: Path, m: int = 15) -> list[object]:
    times = [_wall([*CLI, "query", "how are chunks stored and searched", "--db", str(db), "-k", "10"],
                   env={k: v for k, v in os.environ.items() if k != "CHUNKCLI_MODEL"}) * 1000 for _ in range(m)]
    return ["cold CLI `chunkcli query` hybrid (new process)", *_p50_p99(times), m]


def _p50_p99(times: list[float]) -> list[str]:
    arr = np.array(times)
    return [f"{np.percentile(arr, 50):.1f}", f"{np.percentile(arr, 99):.1f}"]
