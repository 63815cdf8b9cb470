"""Fine-tune MiniLM's last layer for topic segmentation (`segment/topic_encoder.py`).

Contrastive, on UD EWT *train* documents and, for a MANUALS share of the
batches, the files of the installed manuals (`--extra-docs`, `topic_docs`): a
batch holds up to SPAN consecutive sentences from each of DOCS different
documents of one collection, and every sentence's vector should be nearer the
other sentences of its own document than any other sentence in the batch (the
supervised contrastive loss, temperature TAU). That is the Choi-style
question the topic DP asks. The first five layers stay frozen, so their
outputs are computed once; only the last layer trains. The recipe, its step
count and the manuals' share were chosen on a tenth of the EWT train
documents and a quarter of the manual packages held out (docs/topic.md); the
shipped layer is trained on all of them. Run:

    python -m chunkcli.train.topic_encoder --data ../shared/data [--extra-docs auto|DIR|none]

then retrain the cues on the new vectors (`python -m chunkcli.train.topic`).
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..segment.punct_lm_encoder import Encoder, bert_layer, load_encoder
from ..segment.topic_encoder import LAYER_FILE, LAYERS, TunedEncoder, piece_batches, save_layer
from .topic import ud_documents
from .topic_docs import collection, describe, extra_roots, manual_documents

DOCS, SPAN, TAU, LR = 32, 6, 0.05, 1e-4
STEPS = 200
MANUALS = 0.25  # share of the batches drawn from the manuals (`--extra-docs`), when there are any
TUNED = LAYERS - 1  # index of the layer that trains
PREFIX = f"encoder.layer.{TUNED}."

States = list[np.ndarray]  # one (pieces + 2, 384) array of frozen outputs per sentence


def frozen_states(enc: Encoder, sentences: Sequence[str], batch: int = 64) -> States:
    """Outputs of the frozen layers for each sentence ([CLS] and [SEP] included), float16."""
    out: States = [np.zeros(0)] * len(sentences)
    for idx, ids, lengths in piece_batches(enc, sentences, batch):
        h = enc.encode(ids, lengths, taps=(TUNED,)).numpy()
        for j, i in enumerate(idx):
            out[i] = h[j, :lengths[j] + 2].astype(np.float16)
    return out


def tuned_forward(enc: Encoder, states: States) -> Any:
    """Normalised mean-pooled vectors after the tuned layer, with gradients."""
    import torch
    import torch.nn.functional as F

    x = torch.zeros((len(states), max(len(s) for s in states), states[0].shape[1]))
    mask = torch.zeros(x.shape[:2], dtype=torch.bool)
    for i, s in enumerate(states):
        x[i, :len(s)] = torch.from_numpy(s.astype(np.float32))
        mask[i, :len(s)] = True
    h = bert_layer(enc, x, mask[:, None, None, :], PREFIX)
    m = mask.float()[..., None]
    return F.normalize((h * m).sum(1) / m.sum(1), dim=-1)


def supcon(v: Any, labels: Any, tau: float = TAU) -> Any:
    """Mean over sentences of −log p(same document) among the batch (Khosla et al. 2020)."""
    import torch

    eye = torch.eye(len(labels), dtype=torch.bool)
    sim = (v @ v.T / tau).masked_fill(eye, -1e9)
    logp = sim - torch.logsumexp(sim, dim=1, keepdim=True)
    pos = (labels[:, None] == labels[None, :]) & ~eye
    has = pos.any(1)
    return -(logp.masked_fill(~pos, 0).sum(1)[has] / pos.sum(1)[has]).mean()


def sample(rng: random.Random, docs: Sequence[States], n_docs: int = DOCS) -> tuple[States, list[int]]:
    """SPAN (or fewer) consecutive sentences from each of `n_docs` documents, and their document labels."""
    states, labels = [], []
    for j, d in enumerate(rng.sample(docs, n_docs)):
        n = min(len(d), SPAN)
        s = rng.randint(0, len(d) - n)
        states += d[s:s + n]
        labels += [j] * n
    return states, labels


def train_layer(docs: Sequence[States], steps: int, seed: int = 0, log: bool = True,
                n_docs: int = DOCS, extra: Sequence[States] = ()) -> dict[str, np.ndarray]:
    """The tuned layer's weights after `steps` contrastive steps (documents of ≥ 2 sentences),
    a MANUALS share of the batches drawn from the `extra` documents when there are any."""
    import torch

    torch.manual_seed(seed)
    base = load_encoder(LAYERS)
    params = {k: torch.nn.Parameter(v.clone()) for k, v in base.w.items() if k.startswith(PREFIX)}
    enc = TunedEncoder(base, params).enc
    opt = torch.optim.Adam(params.values(), lr=LR)
    rng, t0 = random.Random(seed), time.time()
    pool, extra_pool = [d for d in docs if len(d) >= 2], [d for d in extra if len(d) >= 2]
    for step in range(1, steps + 1):
        batch_pool = collection(rng, pool, extra_pool, MANUALS)  # one collection per batch
        states, labels = sample(rng, batch_pool, min(n_docs, len(batch_pool)))
        loss = supcon(tuned_forward(enc, states), torch.tensor(labels))
        opt.zero_grad()
        loss.backward()
        opt.step()
        if log and step % 20 == 0:
            print(f"step {step}/{steps} loss {loss.item():.3f} {time.time() - t0:.0f}s", flush=True)
    return {k: v.detach().numpy() for k, v in params.items()}


def split_states(states: States, docs: Sequence[list[str]]) -> list[States]:
    out, k = [], 0
    for d in docs:
        out.append(states[k:k + len(d)])
        k += len(d)
    return out


def trainer_args(argv: Sequence[str] | None, description: str, steps: int, steps_help: str,
                 out: Path) -> argparse.Namespace:
    """The options both topic trainers take (this one and `topic_cross`)."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--data", type=Path, required=True, help="the shared data folder (with seg/ud)")
    ap.add_argument("--steps", type=int, default=steps, help=f"{steps_help} (default {steps})")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=out, help="output base path (.npz and .json)")
    ap.add_argument("--extra-docs", metavar="DIR|auto|none", default="auto",
                    help="also train on the files of installed manuals as documents (auto: /usr/share/doc "
                         "and /usr/share/info, as `make train-docs` fills them; default auto)")
    return ap.parse_args(argv)


def ewt_train_states(data: Path) -> list[States]:
    """The frozen layers' outputs for every sentence of the UD EWT train documents, by document."""
    return document_states([d for d in ud_documents(data / "seg" / "ud" / "en_ewt.train.gold.json") if d])


def document_states(docs: Sequence[list[str]]) -> list[States]:
    """The frozen layers' outputs for every sentence of `docs`, by document."""
    return split_states(frozen_states(load_encoder(LAYERS), [s for d in docs for s in d]), docs)


def training_states(args: argparse.Namespace) -> tuple[list[States], list[States], str]:
    """What both topic trainers read: the EWT train documents' frozen states, those of the
    manual files `--extra-docs` names, and a description of both for the model's `trained_on`."""
    docs = ewt_train_states(args.data)
    roots = extra_roots(args.extra_docs)
    manuals = manual_documents(roots)
    return docs, document_states(manuals), f"UD EWT train, {len(docs)} documents; {describe(manuals, roots)}"


def main(argv: Sequence[str] | None = None) -> None:
    args = trainer_args(argv, "fine-tune MiniLM's last layer for topic segmentation", STEPS,
                        "contrastive steps", LAYER_FILE)
    docs, extra, trained_on = training_states(args)
    weights = train_layer(docs, args.steps, args.seed, extra=extra)
    info = {"layer": TUNED, "trained_on": trained_on, "steps": args.steps, "seed": args.seed,
            "docs_per_batch": DOCS, "span": SPAN, "tau": TAU, "lr": LR, "manuals_share": MANUALS if extra else 0.0}
    save_layer(args.out, weights, info)
    print(json.dumps(info))


if __name__ == "__main__":
    main()
