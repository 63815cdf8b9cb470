"""The committed man page is generated from the live --help; regenerate with `make man`."""

from __future__ import annotations

from pathlib import Path

from chunkcli.manpage import commands, render

MAN = Path(__file__).resolve().parent.parent / "man" / "chunkcli.1"


def test_man_page_matches_help() -> None:
    assert MAN.read_text(encoding="utf-8") == render(), "man/chunkcli.1 is stale: run `make man`"


def test_man_page_covers_every_command_and_option() -> None:
    page = MAN.read_text(encoding="utf-8")
    for name, cmd in commands():
        assert f".SS chunkcli {name}".replace("-", "\\-") in page
        for p in cmd.params:
            for flag in getattr(p, "opts", []):
                if flag.startswith("-"):
                    assert flag.replace("-", "\\-") in page, f"{name} {flag} missing"
