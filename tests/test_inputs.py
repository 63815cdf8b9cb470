"""Inputs: directory walks with ignores, binary sniffing, symlink loops, --files-from -0, stdin, URLs."""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

from chunkcli.errors import InputError
from chunkcli.inputs import iter_inputs


def names(root: Path, **kw) -> list[str]:
    errors: list[InputError] = []
    out = [Path(i.source).relative_to(root).as_posix() for i in iter_inputs([str(root)], on_error=errors.append, **kw)]
    assert errors == []
    return out


def tree(root: Path, files: dict[str, bytes]) -> Path:
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return root


def test_walk_is_sorted_and_honours_gitignore_and_exclude(tmp_path: Path) -> None:
    tree(tmp_path, {".gitignore": b"*.log\nbuild/\n", "b.py": b"x = 1\n", "a.md": b"# A\n", "x.log": b"log\n",
                    "build/out.txt": b"built\n", "sub/.gitignore": b"secret.txt\n", "sub/secret.txt": b"s\n",
                    "sub/keep.txt": b"k\n", "sub/skip.tmp": b"t\n", ".hidden/h.txt": b"h\n",
                    "node_modules/m.js": b"m\n"})
    assert names(tmp_path, exclude=["*.tmp"]) == ["a.md", "b.py", "sub/keep.txt"]


def test_gitignore_of_the_enclosing_repository_applies_to_a_subfolder(tmp_path: Path) -> None:
    tree(tmp_path, {".git/HEAD": b"ref\n", ".gitignore": b"generated/\n*.bak\n", "docs/a.txt": b"a\n",
                    "docs/a.bak": b"old\n", "docs/generated/g.txt": b"g\n"})
    docs = tmp_path / "docs"
    assert names(docs) == ["a.txt"]


def test_binary_files_are_skipped_by_content(tmp_path: Path) -> None:
    tree(tmp_path, {"img.txt": b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "text.dat": b"plain words\n",
                    "utf16.txt": "h\u00e9llo".encode("utf-16"), "doc.pdf": b"%PDF-1.4\n\0\0"})
    assert names(tmp_path) == ["doc.pdf", "text.dat", "utf16.txt"]


def test_symlink_loops_are_not_followed(tmp_path: Path) -> None:
    tree(tmp_path, {"a/file.txt": b"x\n"})
    os.symlink(tmp_path / "a", tmp_path / "a" / "loop")
    os.symlink(tmp_path, tmp_path / "a" / "up")
    assert names(tmp_path) == ["a/file.txt"]


def test_files_from_nul_separated(tmp_path: Path) -> None:
    tree(tmp_path, {"one two.txt": b"1\n", "new\nline.txt": b"2\n"})
    listing = subprocess.run(["find", str(tmp_path), "-type", "f", "-print0"], capture_output=True).stdout
    (tmp_path / "list").write_bytes(listing)
    got = sorted(Path(i.source).name for i in iter_inputs([], files_from=str(tmp_path / "list"), null=True))
    assert got == ["new\nline.txt", "one two.txt"]


def test_stdin_and_missing_paths(tmp_path: Path) -> None:
    errors: list[InputError] = []
    items = list(iter_inputs(["-", str(tmp_path / "nope.txt")], stdin=io.BytesIO(b"hello"), on_error=errors.append))
    assert [(i.source, i.read()) for i in items] == [("-", b"hello")]
    assert [str(e) for e in errors] == [f"{tmp_path / 'nope.txt'}: no such file or directory"]


def test_items_pickle_for_worker_processes(tmp_path: Path) -> None:
    import pickle

    tree(tmp_path, {"a.txt": b"a\n"})
    items = list(iter_inputs([str(tmp_path / "a.txt"), "-", "http://127.0.0.1:9/x"], stdin=io.BytesIO(b"s")))
    again = pickle.loads(pickle.dumps(items))
    assert [i.read() for i in again[:2]] == [b"a\n", b"s"] and again[2].source == "http://127.0.0.1:9/x"


def test_a_symlink_loop_is_reported_with_its_reason(tmp_path: Path) -> None:
    tree(tmp_path, {"d/a.txt": b"a\n"})
    os.symlink("loop2", tmp_path / "d" / "loop1")
    os.symlink("loop1", tmp_path / "d" / "loop2")
    errors: list[InputError] = []
    items = list(iter_inputs([str(tmp_path / "d" / "loop1"), str(tmp_path / "d")], on_error=errors.append))
    assert [Path(i.source).name for i in items] == ["a.txt"]
    assert [(Path(e.source).name, e.reason) for e in errors] == [
        ("loop1", "too many levels of symbolic links")] * 2 + [("loop2", "too many levels of symbolic links")]


def test_a_folder_we_may_not_read_is_reported_and_the_batch_goes_on(tmp_path: Path, monkeypatch) -> None:
    tree(tmp_path, {"a.txt": b"a\n", "locked/x.txt": b"x\n", "b.txt": b"b\n"})
    locked = tmp_path / "locked"
    real_exists, real_scandir = Path.exists, os.scandir

    def exists(self: Path) -> bool:  # as for a non-root user after `chmod 000 locked`
        if self.parent == locked:
            raise PermissionError(13, "Permission denied", str(self))
        return real_exists(self)

    def scandir(path):  # type: ignore[no-untyped-def]
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(Path, "exists", exists)
    monkeypatch.setattr(os, "scandir", scandir)
    errors: list[InputError] = []
    items = list(iter_inputs([str(tmp_path / "a.txt"), str(locked), str(tmp_path / "b.txt")], on_error=errors.append))
    assert [Path(i.source).name for i in items] == ["a.txt", "b.txt"]
    assert [str(e) for e in errors] == [f"{locked}: Permission denied"]
