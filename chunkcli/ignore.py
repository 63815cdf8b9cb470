"""`.gitignore`-style rules for directory walks (pathspec's gitwildmatch), plus --exclude globs.

Rules come from, in order: the `.gitignore` files of the enclosing git repository
between its root and the walked folder (and `.git/info/exclude`), then each walked
folder's own `.gitignore` as the walk enters it, then `--exclude` patterns (relative
to the walked folder). As in git, a pattern is matched relative to the folder of the
file that holds it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Sequence


class IgnoreRules:
    def __init__(self, root: Path, exclude: Sequence[str] = ()) -> None:
        import pathspec

        self._pathspec = pathspec
        self._specs: list[tuple[Path, Any]] = []
        self._files: set[Path] = set()
        top = _abs(root)
        for folder in _repo_ancestors(top):
            self._add_file(folder, folder / ".gitignore")
        if (repo := _repo_root(top)) is not None:
            self._add_file(repo, repo / ".git" / "info" / "exclude")
        if exclude:
            self._specs.append((top, pathspec.GitIgnoreSpec.from_lines(exclude)))

    def enter(self, folder: Path) -> None:
        """Pick up the folder's own .gitignore, whose patterns are relative to it."""
        self._add_file(_abs(folder), _abs(folder) / ".gitignore")

    def _add_file(self, base: Path, file: Path) -> None:
        if file in self._files or not _exists(file) or not file.is_file():
            return
        self._files.add(file)
        lines = file.read_text("utf-8", "replace").splitlines()
        self._specs.append((base, self._pathspec.GitIgnoreSpec.from_lines(lines)))

    def ignored(self, path: Path, is_dir: bool) -> bool:
        full = _abs(path)
        for base, spec in self._specs:
            try:
                rel = full.relative_to(base).as_posix()
            except ValueError:
                continue
            if spec.match_file(rel + "/" if is_dir else rel):
                return True
        return False


def _abs(path: Path) -> Path:
    return Path(os.path.abspath(path))  # not resolve(): a symlinked folder keeps its walked name


def _repo_root(folder: Path) -> Path | None:
    return next((p for p in (folder, *folder.parents) if _exists(p / ".git")), None)


def _exists(path: Path) -> bool:
    """Like Path.exists, but a folder we may not read holds nothing (the walk reports it, once)."""
    try:
        return path.exists()
    except OSError:
        return False


def _repo_ancestors(folder: Path) -> list[Path]:
    """Folders from the repository root down to (not including) `folder`; none outside a repo."""
    repo = _repo_root(folder)
    if repo is None or repo == folder:
        return []
    chain = [p for p in folder.parents if p == repo or repo in p.parents]
    return list(reversed(chain))
