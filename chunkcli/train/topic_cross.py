"""Train the cross-gap cue of `--by topic` (`segment/topic_cross.py`) on UD EWT *train* documents
and, for a MANUALS share of the gaps, on the files of the installed manuals (`--extra-docs`).

Each step draws BATCH gaps: half within a document (two consecutive sentences,
label 0) and half joins (label 1): a sentence anywhere in one document
followed by a sentence anywhere in another (Choi-style passages start and end
mid-document), or, for a FILE_ORDER share of them, the last sentence of a
document followed by the first of its neighbour in file order (same genre,
as in `seg/topic/ewt_docs.*`). The frozen layers' outputs are computed once;
a copy of MiniLM's layer 6, the side vector and the output map train with
Adam (the layer at LR_LAYER, the rest at LR_HEAD) on binary cross-entropy.
The recipe was chosen on the tenth of the EWT documents held out and on
manual packages held out (docs/topic.md); the shipped model is trained on all
of them. The manuals found depend on the machine (`make train-docs` installs
the ones the shipped model read). Run:

    python -m chunkcli.train.topic_cross --data ../shared/data [--extra-docs auto|DIR|none]
"""

from __future__ import annotations

import json
import random
import time
from typing import Sequence

from ..segment.punct_lm_encoder import load_encoder
from ..segment.topic_cross import FROZEN, MODEL_FILE, PREFIX, CrossGap, new_cross, save_cross
from .topic_docs import collection
from .topic_encoder import States, trainer_args, training_states

BATCH, STEPS, LR_LAYER, LR_HEAD = 64, 800, 1e-4, 1e-3
FILE_ORDER = 0.2  # share of the joins taken from neighbouring documents' real boundaries
MANUALS = 0.5  # share of the gaps drawn from the installed manuals (`--extra-docs`), when there are any
WEIGHT = 0.05  # the DP adds WEIGHT × log-odds; chosen on held-out train documents (docs/topic.md)

Gap = tuple[States, States, float]


def sample(rng: random.Random, docs: Sequence[list[States]], n: int = BATCH,
           extra: Sequence[list[States]] = (), extra_share: float = MANUALS) -> list[Gap]:
    """n labelled gaps, each from `extra` with probability `extra_share` (when there are extra
    documents), else from `docs` (documents of ≥ 2 sentences, in file order); the two sides of a
    join come from the same collection, so a change of genre never gives a join away."""
    return [_gap(rng, collection(rng, docs, extra, extra_share)) for _ in range(n)]


def _gap(rng: random.Random, docs: Sequence[list[States]]) -> Gap:
    r = rng.random()
    if r < 0.5:
        d = rng.choice(docs)
        g = rng.randint(1, len(d) - 1)
        return d[g - 1], d[g], 0.0
    if r < 1 - FILE_ORDER / 2:
        a, b = rng.sample(range(len(docs)), 2)
        return rng.choice(docs[a]), rng.choice(docs[b]), 1.0
    j = rng.randrange(len(docs) - 1)
    return docs[j][-1], docs[j + 1][0], 1.0


def train_cross(docs: Sequence[list[States]], steps: int = STEPS, seed: int = 0, log: bool = True,
                extra: Sequence[list[States]] = ()) -> CrossGap:
    """A cross-gap model trained from MiniLM's layer 6 on the documents' frozen states
    (and, for a MANUALS share of the gaps, on `extra` documents')."""
    import torch
    import torch.nn.functional as F

    torch.manual_seed(seed)
    base = load_encoder(FROZEN + 1)
    layer = {k: torch.nn.Parameter(v.clone()) for k, v in base.w.items() if k.startswith(PREFIX)}
    dim = base.w["embeddings.word_embeddings.weight"].shape[1]
    side, out_w = torch.nn.Parameter(torch.zeros(dim)), torch.nn.Parameter(torch.zeros(5 * dim))
    out_b = torch.nn.Parameter(torch.zeros(()))
    model = new_cross(base, layer, side, out_w, out_b, WEIGHT)
    opt = torch.optim.Adam([{"params": list(layer.values()), "lr": LR_LAYER},
                            {"params": [side, out_w, out_b], "lr": LR_HEAD}])
    rng, t0, avg = random.Random(seed), time.time(), 0.0
    pool, extra_pool = [d for d in docs if len(d) >= 2], [d for d in extra if len(d) >= 2]
    for step in range(1, steps + 1):
        gaps = sample(rng, pool, extra=extra_pool)
        y = torch.tensor([g[2] for g in gaps])
        loss = F.binary_cross_entropy_with_logits(model.forward([g[0] for g in gaps], [g[1] for g in gaps]), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        avg = loss.item() if step == 1 else 0.95 * avg + 0.05 * loss.item()
        if log and step % 50 == 0:
            print(f"step {step}/{steps} loss {avg:.3f} {time.time() - t0:.0f}s", flush=True)
    model.out_b = float(out_b.detach())
    return model


def main(argv: Sequence[str] | None = None) -> None:
    args = trainer_args(argv, "train the cross-gap cue of --by topic", STEPS, f"training steps of {BATCH} gaps",
                        MODEL_FILE)
    docs, extra, trained_on = training_states(args)
    model = train_cross(docs, args.steps, args.seed, extra=extra)
    info = {"trained_on": trained_on, "steps": args.steps, "seed": args.seed, "batch": BATCH,
            "file_order": FILE_ORDER, "manuals_share": MANUALS if extra else 0.0, "lr_layer": LR_LAYER,
            "lr_head": LR_HEAD}
    save_cross(args.out, model, info)
    print(json.dumps(info))


if __name__ == "__main__":
    main()
