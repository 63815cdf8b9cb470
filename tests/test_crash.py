"""Crash safety and concurrency with real processes: `kill -9` a running `index` at random points,
then check the store is consistent and nothing is lost; two concurrent `index` runs lose nothing."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from chunkcli import index as hnsw
from chunkcli import store

N_DOCS = 150
KILLS = 12


def _corpus(root: Path, version: str, n: int = N_DOCS) -> None:
    root.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        words = " ".join(f"{version}w{(i * 7 + j) % 97}" for j in range(120 + i % 40))
        (root / f"d{i:03d}.txt").write_text(f"{version} document {i}.\n{words}\n", encoding="utf-8")


def _index_cmd(corpus: Path, db: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "chunkcli", "index", str(corpus), "--db", str(db), "--by", "fixed",
            "--max-tokens", "32", "--model", "hash", "-q", *extra]


def _env() -> dict[str, str]:
    return {**os.environ, "CHUNKCLI_MODEL": "hash"}


def _versions(conn) -> dict[str, str]:
    return {src: text.split(" ", 1)[0] for src, text in conn.execute("SELECT source, text FROM documents")}


def test_kill_9_at_random_points_leaves_a_consistent_store(tmp_path: Path) -> None:
    corpus, base = tmp_path / "c", tmp_path / "base.db"
    _corpus(corpus, "old")
    subprocess.run(_index_cmd(corpus, base), check=True, env=_env())
    _corpus(corpus, "new")
    t0 = time.perf_counter()
    subprocess.run(_index_cmd(corpus, tmp_path / "timing.db"), check=True, env=_env())
    full = time.perf_counter() - t0
    rng = random.Random(7)
    killed_mid_run, mixed = 0, 0
    for i in range(KILLS):
        db = tmp_path / f"k{i}.db"
        shutil.copy(base, db)
        proc = subprocess.Popen(_index_cmd(corpus, db), env=_env(), stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.2, full * 1.05))
        killed_mid_run += proc.poll() is None
        proc.send_signal(signal.SIGKILL)  # a no-op when poll() above already reaped it (os.kill: ESRCH)
        proc.wait()
        conn = store.connect(db)
        assert store.check_consistency(conn) == [], f"kill {i}"
        versions = _versions(conn)
        assert len(versions) == N_DOCS, f"kill {i}: documents lost"  # rows lost = 0
        assert set(versions.values()) <= {"old", "new"}
        mixed += len(set(versions.values())) == 2
        conn.close()
    assert killed_mid_run >= KILLS // 2, "kills should land while indexing"
    print(f"\ncrash test: {KILLS} kills ({killed_mid_run} mid-run, {mixed} mid-update), "
          f"{KILLS} consistent stores, 0 documents lost")
    db = tmp_path / f"k{KILLS - 1}.db"
    subprocess.run(_index_cmd(corpus, db), check=True, env=_env())
    conn = store.connect(db)
    assert store.check_consistency(conn) == [] and set(_versions(conn).values()) == {"new"}
    dense = hnsw.open_index(conn, db)
    assert dense.size == conn.execute("SELECT count(*) FROM chunks").fetchone()[0]


def test_two_concurrent_index_runs_lose_nothing(tmp_path: Path) -> None:
    a, b, db = tmp_path / "a", tmp_path / "b", tmp_path / "s.db"
    _corpus(a, "alpha", 60)
    _corpus(b, "beta", 60)
    procs = [subprocess.Popen(_index_cmd(d, db), env=_env(), stderr=subprocess.PIPE, text=True) for d in (a, b)]
    outs = [p.communicate()[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    conn = store.connect(db)
    assert store.check_consistency(conn) == [] and len(_versions(conn)) == 120
    assert hnsw.open_index(conn, db).size == conn.execute("SELECT count(*) FROM chunks").fetchone()[0]


def test_lock_timeout_says_who_holds_the_lock(tmp_path: Path) -> None:
    corpus, db = tmp_path / "c", tmp_path / "s.db"
    _corpus(corpus, "x", 2)
    with store.file_lock(f"{db}.lock", timeout=1):
        res = subprocess.run(_index_cmd(corpus, db, "--lock-timeout", "0.5"), env=_env(),
                             capture_output=True, text=True)
    assert res.returncode == 1
    assert f"still locked by process {os.getpid()}" in res.stderr and "--lock-timeout" in res.stderr
