"""Documents other than UD EWT for the topic trainers: the files of the installed manuals.

EWT is web text, e-mail and reviews; a model trained on it alone learns how
those genres open and close. The files under /usr/share/doc and
/usr/share/info (`make train-docs` installs the set the shipped models read)
are another genre with real document boundaries. The manuals found depend on
the machine, so every trainer that reads them takes `--extra-docs
auto|DIR|none` and records what it read.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Sequence, TypeVar

T = TypeVar("T")

# System documentation only: Python docstrings (the rest of punct_lm_extra.auto_roots) are not documents.
SYSTEM_DOCS = (Path("/usr/share/doc"), Path("/usr/share/info"))


def collection(rng: random.Random, docs: Sequence[T], extra: Sequence[T], share: float) -> Sequence[T]:
    """The documents the next draw comes from: `extra` with probability `share`, else `docs`.
    A draw never mixes the two, since a change of genre would give the answer away; no random
    draw at all (a seed's draws as before) when there are no extra documents."""
    return extra if extra and rng.random() < share else docs


def extra_roots(option: str) -> list[Path]:
    """The folders an `--extra-docs` value names: auto = SYSTEM_DOCS, none = no folder, else that folder."""
    return {"auto": list(SYSTEM_DOCS), "none": []}.get(option, [Path(option)])


def manual_documents(roots: Sequence[Path], per_package: int = 40, per_file: int = 60,
                     max_sentences: int = 45_000) -> list[list[str]]:
    """Files of the installed manuals as documents, in path order: their English prose paragraphs
    (`punct_lm_extra`'s filter) split into sentences by `sentence`; at most `per_file` sentences of
    a file, `per_package` files of a package and `max_sentences` in all; files of < 8 sentences skipped."""
    from .punct_lm_extra import paragraphs, source_texts, split_sentences

    docs: list[list[str]] = []
    taken: dict[str, int] = {}
    total = 0
    for source, text in source_texts(roots):
        if taken.get(source, 0) >= per_package:
            continue
        sents = [s for p in paragraphs(text) for s in split_sentences(p)][:per_file]
        if len(sents) >= 8:
            docs.append(sents)
            taken[source] = taken.get(source, 0) + 1
            total += len(sents)
            if total >= max_sentences:
                break
    return docs


def describe(manuals: Sequence[list[str]], roots: Sequence[Path]) -> str:
    """What a trainer read besides EWT, for its model's `trained_on`."""
    return (f"{len(manuals)} manual files ({sum(map(len, manuals))} sentences) from "
            f"{', '.join(map(str, roots)) or 'none'}")
