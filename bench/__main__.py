"""`make bench`: run every bench module and write bench/results.md (also printed to stdout)."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent


def main() -> int:
    ap = argparse.ArgumentParser(prog="python -m bench")
    ap.add_argument("--data", type=Path, default=Path("../shared/data"), help="shared dev data folder")
    ap.add_argument("--only", nargs="*", help="bench module names (e.g. bench_code)")
    ap.add_argument("--out", type=Path, default=HERE / "results.md")
    args = ap.parse_args()
    names = sorted(m.name for m in pkgutil.iter_modules([str(HERE)]) if m.name.startswith("bench_"))
    sections = [f"# chunkcli benchmarks\n\nRun {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} "
                f"on this machine (`make bench`).\n"]
    for name in names:
        if args.only and name not in args.only:
            continue
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        section = importlib.import_module(f"bench.{name}").run(args.data)
        sections.append(f"{section.rstrip()}\n\n_{name}: {time.perf_counter() - t0:.0f} s_\n")
    text = "\n".join(sections)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
