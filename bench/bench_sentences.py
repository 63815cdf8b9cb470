"""Sentence-boundary F1 and speed on the shared UD dev sets: chunkcli vs pysbd, spaCy, a regex.

F1 is scored as shared/data/seg/README.md §1.2 says (chunkcli.boundaries).
Run: python -m bench --only bench_sentences --data ../shared/data
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Callable, Iterable

from chunkcli.boundaries import gold_path, load_gold, score
from chunkcli.records import Document
from chunkcli.segment import SegmentOptions, get_strategy
from chunkcli.train.data import DEV_SETS, VARIANTS

Splitter = Callable[[str, str], Iterable[int]]  # (text, lang) -> sentence end offsets
_REGEX = re.compile(r"[.!?。！？]+[\"'”’)\]]*(?=\s|$)|[。！？]|(?=\n)")


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


SYSTEMS: dict[str, Splitter] = {
    "chunkcli sentence": chunkcli_splitter("sentence"),
    "chunkcli punct": chunkcli_splitter("punct"),
    "regex": regex_ends,
    "spaCy sentencizer": spacy_ends,
    "pysbd": pysbd_ends,
}


def evaluate(ud: Path, name: str, split: Splitter) -> tuple[dict[str, float], float]:
    """F1 per dev file and characters per second over all of them."""
    split("Warm up. Load models.", "en")
    f1, chars, secs = {}, 0, 0.0
    for tb in DEV_SETS:
        for variant in VARIANTS:
            g = load_gold(gold_path(ud, tb, variant))
            t0 = time.perf_counter()
            ends = list(split(g.text, g.lang))
            secs += time.perf_counter() - t0
            chars += len(g.text)
            f1[f"{tb}/{variant}"] = score(g.text, g.ends, ends).f1
    return f1, chars / secs


def table(results: dict[str, tuple[dict[str, float], float]]) -> str:
    cols = [f"{tb.split('.')[0]} {v[:6]}" for tb in DEV_SETS for v in VARIANTS]
    keys = [f"{tb}/{v}" for tb in DEV_SETS for v in VARIANTS]
    lines = ["| system | " + " | ".join(cols) + " | chars/s |", "|---" * (len(cols) + 2) + "|"]
    for name, (f1, speed) in results.items():
        lines.append(f"| {name} | " + " | ".join(f"{f1[k]:.1f}" for k in keys) + f" | {speed:,.0f} |")
    return "\n".join(lines)


def run(data: Path) -> str:
    ud = data / "seg" / "ud"
    head = "## Sentence boundaries (F1 on UD dev: structured / flat / corrupted)\n\n"
    if not ud.is_dir():
        return head + f"_skipped: {ud} not found_\n"
    results = {name: evaluate(ud, name, split) for name, split in SYSTEMS.items()}
    note = ("\n\nF1 as in seg/README §1.2 (micro over each file's boundaries). chars/s: all 15 dev files, "
            "one process, 2 shared cores, model loading excluded (warm-up call).\n")
    return head + table(results) + note
