"""Extraction throughput and peak memory on generated corpora: 1000 HTML pages, 500- and 1000-page PDFs.

Each measurement runs in a fresh interpreter, so its peak RSS is its own. The
corpora are generated here (no shared data needed): HTML pages repeat the shape of
fixtures/html/news.html (boilerplate around a body) with varied paragraphs.
"""

from __future__ import annotations

import importlib.util
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORDS = ("retrieval index chunk passage query vector page model corpus token graph recall latency memory "
         "river flood council forecast volunteer harvest market school bridge library museum").split()


def _page(n: int) -> str:
    paras = "".join(f"<p>{' '.join(WORDS[(n * 7 + i * 3 + j) % len(WORDS)] for j in range(40))}.</p>"
                    for i in range(8))
    nav = "".join(f"<li><a href='/s{i}'>Section {i}</a></li>" for i in range(12))
    return (f"<html lang='en'><head><title>Story {n}</title></head><body><nav><ul>{nav}</ul></nav>"
            f"<div class='share'>Share Tweet Email</div><article><h1>Story {n}</h1>{paras}"
            f"<h2>Details</h2><ul><li>first point {n}</li><li>second point</li></ul></article>"
            f"<div id='comments'><p>Great story number {n}!</p></div><footer>© Example</footer></body></html>")


def _measure(kind: str, folder: str, jobs: int) -> dict[str, float]:
    """In a fresh process: extract every file, return pages, seconds and peak RSS."""
    from chunkcli.extract import ExtractOptions
    from chunkcli.extract.runner import extract_all
    from chunkcli.inputs import iter_inputs

    t0 = time.perf_counter()
    opts = ExtractOptions(jobs=jobs, timeout=None)
    docs = list(extract_all(iter_inputs([folder]), opts, lambda m: None, lambda e: None))
    seconds = time.perf_counter() - t0
    pages = sum(len(d.meta.get("pages", [0])) for d in docs)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"docs": len(docs), "pages": pages, "seconds": seconds, "rss_mb": rss_mb}


def _in_fresh_process(kind: str, folder: Path, jobs: int = 1) -> dict[str, float]:
    """A child interpreter per row (not a pool worker: `--jobs 2` starts its own pool inside, and
    nested pools once hung this bench); a timeout keeps `make bench` from ever hanging."""
    code = (f"import json, sys; sys.path.insert(0, {str(ROOT)!r}); from bench.bench_extract import _measure; "
            f"print(json.dumps(_measure({kind!r}, {str(folder)!r}, {jobs})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=900, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _make_pdf(path: Path, pages: int) -> None:
    spec = importlib.util.spec_from_file_location("make_pdfs", ROOT / "fixtures" / "pdf" / "make_pdfs.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    mod.make_big(path, pages)


def _row(label: str, r: dict[str, float]) -> str:
    rate = r["pages"] / r["seconds"]
    return (f"| {label} | {int(r['docs'])} | {int(r['pages'])} | {r['seconds']:.1f} | {rate:.0f} | "
            f"{r['rss_mb']:.0f} |")


def run(data: Path) -> str:
    """`data` is unused: the corpora are generated, so this bench always runs."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        (base / "html").mkdir()
        for n in range(1000):
            (base / "html" / f"p{n:04d}.html").write_text(_page(n), encoding="utf-8")
        rows.append(_row("1000 HTML pages, --jobs 1", _in_fresh_process("html", base / "html")))
        rows.append(_row("1000 HTML pages, --jobs 2", _in_fresh_process("html", base / "html", jobs=2)))
        for pages in (500, 1000):
            (base / f"pdf{pages}").mkdir()
            _make_pdf(base / f"pdf{pages}" / "big.pdf", pages)
            rows.append(_row(f"{pages}-page PDF", _in_fresh_process("pdf", base / f"pdf{pages}")))
    head = ("| corpus | docs | pages | seconds | pages/s | peak RSS MB |\n"
            "|---|---|---|---|---|---|")
    return ("## Extraction throughput and memory\n\nGenerated corpora, one fresh process per row "
            "(peak RSS includes the interpreter, lxml/trafilatura and MuPDF; with --jobs 2 it is the "
            "parent's only). `python -m bench --only bench_extract`.\n\n" + head + "\n" + "\n".join(rows) + "\n")
