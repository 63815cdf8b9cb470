"""Work of `--by code` in CPU instructions per byte of source, counted by valgrind.

The development VM's clock speed varies by ±30 % from run to run, so CPU seconds cannot show a
10 % change. Instruction counts are exact and repeatable: this runs the same chunking job three
times under `valgrind --tool=cachegrind` (0, 1 and 2 passes over the corpus, one process each) and
reports the differences: the first pass (cold token memo) and the second (warm), per byte.

    python -m bench.code_work python 300000      # language, corpus bytes (files of bench_code)

Needs valgrind (Debian package `valgrind`); a run over 300 kB takes about two minutes.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

CHILD = """
import sys
import bench.bench_code as b
from chunkcli.models import resolve_model
from chunkcli.records import Document
from chunkcli.segment import SegmentOptions, segment_document
from chunkcli.tokens import HFTokenCounter
lang, budget, passes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ext, patterns = b.CORPORA[lang]
docs = [Document(source=str(p), text=p.read_text(errors="replace"), format="code", lang=lang)
        for p in b.pick_files(patterns, ext, budget, 1000, 400000)]
counter = HFTokenCounter(resolve_model(b.MODEL).tokenizer_file, b.MODEL)
opts = SegmentOptions(max_tokens=b.CAP)
tiny = Document(source="w", text="x = 1\\n", format="code", lang=lang)
list(segment_document(tiny, "code", opts, counter))  # parser, query and imports: outside the difference
for _ in range(passes):
    [c for d in docs for c in segment_document(d, "code", opts, counter)]
print("BYTES", sum(len(d.text.encode()) for d in docs), file=sys.stderr)
"""


def instructions(lang: str, budget: int, passes: int) -> tuple[int, int]:
    """(instructions executed, corpus bytes) of one child process doing `passes` passes."""
    cmd = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
           sys.executable, "-c", CHILD, lang, str(budget), str(passes)]
    env = {**os.environ, "PYTHONHASHSEED": "0"}  # same dict layouts, same counts
    err = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True).stderr
    refs = re.search(r"I\s+refs:\s+([\d,]+)", err)
    size = re.search(r"BYTES (\d+)", err)
    if refs is None or size is None:
        raise RuntimeError(f"unexpected valgrind output:\n{err[-2000:]}")
    return int(refs.group(1).replace(",", "")), int(size.group(1))


def main(argv: list[str]) -> int:
    if shutil.which("valgrind") is None:
        print("code_work: valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 1
    lang, budget = (argv + ["python", "300000"][len(argv):])[:2]
    (zero, n), (one, _), (two, _) = (instructions(lang, int(budget), p) for p in (0, 1, 2))
    print(f"{lang}: {n} bytes; instructions per byte: cold {(one - zero) / n:.0f}, warm {(two - one) / n:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
