"""`chunkcli eval ...`: score segmentation and retrieval against gold data."""

from __future__ import annotations

import importlib

import typer

from . import app

eval_app = typer.Typer(help="Score chunks and retrieval against gold data (JSONL).", no_args_is_help=True)
app.add_typer(eval_app, name="eval")

for _name in ("eval_segments", "eval_retrieval"):  # each adds its command to `eval_app`
    importlib.import_module(f"{__package__}.{_name}")
