"""`index` on awkward input streams: a missing root with --prune, duplicate or wrong chunks,
edited document records, documents before their chunks, its own store files, bad names, SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chunkcli import store
from chunkcli.cli import app

runner = CliRunner()


def index(db: Path, *args: str, stdin: str | None = None) -> tuple[int, dict, str]:
    res = runner.invoke(app, ["index", *args, "--db", str(db), "--by", "sentence"], input=stdin)
    summary = [line for line in res.stderr.splitlines() if line.startswith('{"summary"')]
    return res.exit_code, json.loads(summary[-1])["summary"] if summary else {}, res.stderr


def records(*args: str, stdin: str | None = None) -> str:
    res = runner.invoke(app, list(args), input=stdin)
    assert res.exit_code == 0, res.stderr
    return res.stdout


def stored_texts(db: Path) -> dict[str, str | None]:
    return dict(store.connect(db).execute("SELECT source, text FROM documents"))


def test_prune_removes_nothing_when_a_named_folder_is_missing(tmp_path: Path) -> None:
    share, db = tmp_path / "share", tmp_path / "s.db"
    share.mkdir()
    (share / "a.txt").write_text("One. Two.\n")
    (share / "b.txt").write_text("Three. Four.\n")
    assert index(db, str(share))[0] == 0
    share.rename(tmp_path / "unmounted")  # an unmounted share looks exactly like deleted files
    code, summary, err = index(db, str(share), "--prune")
    assert code == 1 and summary["removed"] == 0 and "--prune removes nothing" in err
    assert len(stored_texts(db)) == 2
    (tmp_path / "unmounted").rename(share)
    (share / "b.txt").unlink()
    code, summary, _ = index(db, str(share), "--prune")
    assert code == 0 and summary["removed"] == 1


def test_the_same_chunks_twice_are_stored_once(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Short file. Two sentences.\n")
    chunks = records("segment", "--by", "sentence", "--max-tokens", "0", str(tmp_path / "a.txt"))
    code, summary, err = index(tmp_path / "s.db", stdin=chunks + chunks)
    assert code == 0, err
    assert store.check_consistency(store.connect(tmp_path / "s.db")) == []
    assert store.connect(tmp_path / "s.db").execute("SELECT count(*) FROM chunks").fetchone()[0] == 2


def test_a_chunk_that_is_not_its_documents_text_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Short file. Two sentences.\n")
    doc = json.loads(records("extract", str(tmp_path / "a.txt")))
    bad = {"type": "chunk", "doc_id": doc["id"], "source": doc["source"], "start": 3, "end": 9,
           "text": "not the slice", "strategy": "x", "n_tokens": 3, "meta": {}}
    code, summary, err = index(tmp_path / "s.db", stdin=json.dumps(doc) + "\n" + json.dumps(bad) + "\n")
    assert code == 1 and summary["failed"] == 1 and "chunk 3:9 is not the document's text" in err
    assert stored_texts(tmp_path / "s.db") == {}


def test_an_edited_document_record_is_indexed_as_edited(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Short file. Two sentences.\n")
    doc = records("extract", str(tmp_path / "a.txt"))
    assert index(tmp_path / "s.db", stdin=doc)[0] == 0
    code, summary, _ = index(tmp_path / "s.db", stdin=doc.replace("Short file", "Edited file"))
    assert code == 0 and summary["updated"] == 1
    assert list(stored_texts(tmp_path / "s.db").values()) == ["Edited file. Two sentences.\n"]


def test_documents_first_and_their_chunks_after_keep_their_text(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / f"{name}.txt").write_text(f"File {name} here. Two sentences.\n")
    docs = records("extract", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"))
    chunks = records("segment", "--by", "sentence", "--max-tokens", "0", "-", stdin=docs)
    assert index(tmp_path / "s.db", stdin=docs + chunks)[0] == 0
    assert sorted(stored_texts(tmp_path / "s.db").values()) == [f"File {n} here. Two sentences.\n" for n in "ab"]


def test_indexing_the_folder_that_holds_the_store_skips_the_store(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "a.txt").write_text("One. Two.\n")
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["index", ".", "-q"]).exit_code == 0  # the default --db chunks.db is here
    res = runner.invoke(app, ["index", "."])
    assert res.exit_code == 0, res.stderr
    assert list(stored_texts(tmp_path / "chunks.db")) == ["a.txt"]


def test_a_file_name_that_is_not_utf8_is_one_error_line(tmp_path: Path) -> None:
    (tmp_path / "ok.txt").write_text("Some text.\n")
    bad = os.fsencode(tmp_path) + b"/bad\xffname.txt"
    with open(bad, "wb") as fh:
        fh.write(b"More.\n")
    code, summary, err = index(tmp_path / "s.db", str(tmp_path))
    assert code == 1 and summary["new"] == 1 and "bad\\xffname.txt: file name is not valid UTF-8" in err


@pytest.mark.skipif(sys.platform != "linux", reason="fork-based extraction workers")
def test_sigterm_stops_the_workers_and_exits_143() -> None:
    import socket

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()  # accepts the connection and never answers: the worker waits, however fast the machine
    url = f"http://127.0.0.1:{server.getsockname()[1]}/slow-page"
    proc = subprocess.Popen([sys.executable, "-m", "chunkcli", "extract", url],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        time.sleep(2)
        assert proc.poll() is None  # still waiting on the page
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 143
        time.sleep(1)
        ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
        assert url not in ps  # no worker left behind
    finally:
        proc.kill()
        server.close()


def test_a_report_or_list_file_that_cannot_be_used_is_one_error_line(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("One. Two.\n")
    code, summary, err = index(tmp_path / "s.db", str(tmp_path / "a.txt"), "--report", str(tmp_path / "no" / "r.json"))
    assert code == 1 and summary["new"] == 1 and "--report" in err and "Traceback" not in err
    res = runner.invoke(app, ["extract", "--files-from", str(tmp_path / "nofile")])
    assert res.exit_code == 2 and "--files-from" in res.stderr and "no such file" in res.stderr


def test_a_store_sqlite_cannot_use_is_one_error_line(tmp_path: Path, monkeypatch) -> None:
    import sqlite3

    def broken(*args, **kwargs):  # what a corrupt page, a read-only file or a full disk raise
        raise sqlite3.DatabaseError("database disk image is malformed")

    monkeypatch.setattr(store, "connect", broken)
    res = runner.invoke(app, ["export", "--db", str(tmp_path / "s.db")])
    assert res.exit_code == 1 and res.stdout == ""
    assert res.stderr == "chunkcli: error: the store cannot be used: database disk image is malformed\n"


def test_the_original_error_survives_a_rollback_sqlite_already_made(tmp_path: Path) -> None:
    conn = store.connect(tmp_path / "s.db")
    with pytest.raises(ValueError, match="the real error"):
        with store.transaction(conn):
            conn.execute("ROLLBACK")  # as SQLite does itself on some errors (a corrupt page, a full disk)
            raise ValueError("the real error")


def test_a_file_named_twice_or_as_dot_slash_is_one_document_counted_once(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.txt").write_text("One. Two.\n")
    (tmp_path / "d" / "b.txt").write_text("Three.\n")
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "s.db"
    for run in range(2):
        code, summary, err = index(db, "d", "./d/a.txt", "d/a.txt")
        assert code == 0, err
        assert (summary["new"], summary["unchanged"]) == ((2, 0) if run == 0 else (0, 2))
    assert sorted(stored_texts(db)) == ["d/a.txt", "d/b.txt"]
