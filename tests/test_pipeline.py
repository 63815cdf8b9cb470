"""A real pipeline of processes: extract | segment --by fixed | index, then query, select and export."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import FIXTURES

CLI = [sys.executable, "-m", "chunkcli"]


def _env() -> dict[str, str]:
    return {**os.environ, "CHUNKCLI_MODEL": "hash"}


def test_extract_segment_index_then_query(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    cmd = (f"{' '.join(CLI)} extract {FIXTURES / 'corpus'} | {' '.join(CLI)} segment - --by fixed --max-tokens 64 "
           f"| {' '.join(CLI)} index - --db {db}")
    res = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], env=_env(), capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    summary = json.loads(res.stderr.strip().splitlines()[-1])["summary"]
    assert summary["new"] == 6 and summary["failed"] == 0 and res.stdout == ""
    out = subprocess.run([*CLI, "query", "corrupt PDF batch", "--db", str(db), "-k", "3"], env=_env(),
                         capture_output=True, text=True, check=True).stdout
    hits = [json.loads(line) for line in out.splitlines()]
    assert hits[0]["source"].endswith("failures.txt") and [h["rank"] for h in hits] == [1, 2, 3]
    exported = subprocess.run([*CLI, "export", "--db", str(db), "--source", "*failures.txt"], env=_env(),
                              capture_output=True, text=True, check=True).stdout.splitlines()
    text = (FIXTURES / "corpus" / "failures.txt").read_text(encoding="utf-8")
    assert exported and all(text[r["start"]:r["end"]] == r["text"] for r in map(json.loads, exported))
