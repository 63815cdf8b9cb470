"""Sentence-boundary F1 and speed on the shared UD dev sets: chunkcli vs pysbd, spaCy, a regex.

F1 is scored as shared/data/seg/README.md §1.2 says (chunkcli.boundaries).
Run: python -m bench --only bench_sentences --data ../shared/data
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from chunkcli.boundaries import GoldFile, gold_path, load_gold, score
from chunkcli.records import Document
from chunkcli.segment import SegmentOptions, get_strategy
from chunkcli.train.data import DEV_SETS, VARIANTS

Splitter = Callable[[str, str], Iterable[int]]  # (text, lang) -> sentence end offsets
_REGEX = re.compile(r"[.!?。！？]+[\"'”’)\]]*(?=\s|$)|[。！？]|(?=\n)")
PYSBD_PREFIX = 30_000  # pysbd runs at ~10 k chars/s: it gets the first 30 k characters of each file


@dataclass(frozen=True)
class System:
    name: str
    split: Splitter
    prefix: int = 0  # > 0: only the first `prefix` characters of each file (cut at a space)


def chunkcli_splitter(strategy: str) -> Splitter:
    impl = get_strategy(strategy)
    return lambda text, lang: [u.end for u in impl.units(Document(source="bench", text=text), SegmentOptions(), None)]


def regex_ends(text: str, lang: str) -> list[int]:
    return [m.end() for m in _REGEX.finditer(text)]


def pysbd_ends(text: str, lang: str) -> list[int]:
    import pysbd

    ends, cur = [], 0
    for sent in pysbd.Segmenter(language=lang, clean=False).segment(text):
        s = sent.strip()
        at = text.find(s, cur) if s else -1
        if at >= 0:
            cur = at + len(s)
            ends.append(cur)
    return ends


def spacy_ends(text: str, lang: str) -> list[int]:
    import spacy

    nlp = spacy.blank(lang)
    nlp.add_pipe("sentencizer")
    nlp.max_length = len(text) + 1
    return [s.end_char for s in nlp(text).sents]


SYSTEMS = (
    System("chunkcli sentence", chunkcli_splitter("sentence")),
    System("chunkcli punct (MiniLM for en)", chunkcli_splitter("punct")),
    System("chunkcli punct-fast", chunkcli_splitter("punct-fast")),
    System("regex", regex_ends),
    System("spaCy sentencizer", spacy_ends),
    System(f"pysbd (first {PYSBD_PREFIX // 1000} k chars/file)", pysbd_ends, PYSBD_PREFIX),
)


def _prefix(g: GoldFile, n: int) -> tuple[str, list[int]]:
    if not n or len(g.text) <= n:
        return g.text, g.ends
    cut = g.text.rfind(" ", 0, n)
    cut = cut if cut > 0 else n
    return g.text[:cut], [e for e in g.ends if e <= cut]


def evaluate(ud: Path, system: System) -> tuple[dict[str, float], float, float, float]:
    """F1 per dev file, and characters per second (wall, CPU) over all of them, and wall on the en files."""
    system.split("Warm up. Load models.", "en")
    f1, chars, wall, cpu, en_chars, en_wall = {}, 0, 0.0, 0.0, 0, 0.0
    for tb in DEV_SETS:
        for variant in VARIANTS:
            g = load_gold(gold_path(ud, tb, variant))
            text, gold = _prefix(g, system.prefix)
            t0, c0 = time.perf_counter(), time.process_time()
            ends = list(system.split(text, g.lang))
            took = time.perf_counter() - t0
            wall, cpu = wall + took, cpu + time.process_time() - c0
            chars += len(text)
            if g.lang == "en":
                en_chars, en_wall = en_chars + len(text), en_wall + took
            f1[f"{tb}/{variant}"] = score(text, gold, ends).f1
    return f1, chars / wall, chars / max(cpu, 1e-9), en_chars / max(en_wall, 1e-9)


def table(results: dict[str, tuple[dict[str, float], float, float, float]]) -> str:
    cols = [f"{tb.split('.')[0]} {v[:6]}" for tb in DEV_SETS for v in VARIANTS]
    keys = [f"{tb}/{v}" for tb in DEV_SETS for v in VARIANTS]
    lines = ["| system | " + " | ".join(cols) + " | chars/s wall | chars/s CPU | en chars/s wall |", "|---" * (len(cols) + 4) + "|"]
    for name, (f1, wall, cpu, en_wall) in results.items():
        lines.append(f"| {name} | " + " | ".join(f"{f1[k]:.1f}" for k in keys)
                     + f" | {wall:,.0f} | {cpu:,.0f} | {en_wall:,.0f} |")
    return "\n".join(lines)


def run(data: Path) -> str:
    ud = data / "seg" / "ud"
    head = "## Sentence boundaries (F1 on UD dev: structured / flat / corrupted)\n\n"
    if not ud.is_dir():
        return head + f"_skipped: {ud} not found_\n"
    results = {s.name: evaluate(ud, s) for s in SYSTEMS}
    note = ("\n\nF1 as in seg/README §1.2 (micro over each file's boundaries); de/fr/es/zh GSD structured = flat. "
            "chars/s over all 15 dev files, one process, model loading excluded (warm-up call); wall clock on "
            "2 cores shared with other jobs, and CPU time of this process (what one free core would give). "
            f"pysbd is scored on the first {PYSBD_PREFIX:,} characters of each file (it is too slow for the whole). "
            "`punct` guesses each file's language (no --lang given): the MiniLM model runs on the en files only, "
            "the others get the punct-fast model, so its overall chars/s mixes both; en chars/s = wall speed on the "
            "three en files alone.\n")
    return head + table(results) + note
