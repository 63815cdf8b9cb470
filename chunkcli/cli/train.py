"""`chunkcli train segmenter`: retrain the shipped boundary models (sentence, punct, topic layer, cues and cross-gap cue) from UD data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from . import app
from .common import Debug, handle_errors

train_app = typer.Typer(help="Retrain the models chunkcli ships.", no_args_is_help=True)
app.add_typer(train_app, name="train")


@train_app.command("segmenter")
@handle_errors
def segmenter(
    data: Annotated[Path, typer.Option("--data", help="The shared seg folder (with ud/*.gold.json).")],
    out: Annotated[Optional[Path], typer.Option("--out", help="Where to write the models (default: the package).")] = None,
    minutes: Annotated[float, typer.Option("--minutes", help="Training time of each punct model (each of the 5 sentence networks: at most 0.4 of it, 3000 steps; the shipped punct-lm used 66 for its 4 heads).")] = 12.0,
    only: Annotated[Optional[str], typer.Option("--only", help="punct-lm (the English MiniLM head of --by punct), punct (the small model, also --by punct-fast), punct-fast (a convolution-only variant), sentence, or topic (the topic-tuned MiniLM layer, the learned boundary cues and the cross-gap cue of --by topic, ~20 min) (default: punct and sentence).")] = None,
    debug: Debug = False,
) -> int:
    """Train the boundary models on UD train splits; print their scores (JSON) on stdout."""
    from ..errors import UsageError

    if not (data / "ud").is_dir():
        raise UsageError(f"{data}: no ud/ folder; point --data at the shared seg data (e.g. ../shared/data/seg)")
    argv = ["--data", str(data), "--minutes", str(minutes)]
    if only == "topic":  # reads seg/ud under the folder above --data; the tuned layer first, then its cues
        from ..train.topic import main as train_topic
        from ..train.topic_cross import main as train_cross
        from ..train.topic_encoder import main as train_layer

        shared = ["--data", str(data.resolve().parent)]
        train_layer(shared + (["--out", str(out / "topic_layer")] if out else []))
        train_topic(shared + (["--out", str(out / "topic"), "--layer", str(out / "topic_layer")] if out else []))
        train_cross(shared + (["--out", str(out / "topic_cross")] if out else []))  # reads the frozen layers only
        return 0
    if only == "punct-lm":  # its --out names the model file stem, not a folder
        from ..train.punct_lm import main as train_lm

        return train_lm(argv + (["--out", str(out / "punct_lm")] if out else []))
    from ..train.punct import main

    return main(argv + (["--out", str(out)] if out else []) + (["--only", only] if only else []))
