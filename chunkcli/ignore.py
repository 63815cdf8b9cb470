"""`.gitignore`-style rules for directory walks (pathspec's gitwildmatch), plus --exclude globs."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence


class IgnoreRules:
    def __init__(self, root: Path, exclude: Sequence[str] = ()) -> None:
        import pathspec

        self._pathspec = pathspec
        self._root = root
        self._specs: list[tuple[Path, object]] = []
        if exclude:
            self._specs.append((root, pathspec.PathSpec.from_lines("gitwildmatch", exclude)))

    def enter(self, folder: Path) -> None:
        """Pick up the folder's own .gitignore, whose patterns are relative to it."""
        gi = folder / ".gitignore"
        if gi.is_file():
            lines = gi.read_text("utf-8", "replace").splitlines()
            self._specs.append((folder, self._pathspec.PathSpec.from_lines("gitwildmatch", lines)))

    def ignored(self, path: Path, is_dir: bool) -> bool:
        for base, spec in self._specs:
            try:
                rel = path.relative_to(base).as_posix()
            except ValueError:
                continue
            if spec.match_file(rel + "/" if is_dir else rel):
                return True
        return False
