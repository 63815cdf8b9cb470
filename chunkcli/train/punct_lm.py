"""Train the accurate English `--by punct` model (frozen MiniLM + a small head) and print dev scores.

    python -m chunkcli.train.punct_lm --data ../shared/data/seg [--minutes 66] [--extra-text auto|DIR|none]

The installed all-MiniLM-L6-v2 encodes EWT train (structured and corrupted)
and, with --extra-text, English prose harvested on this machine with silver
labels (punct_lm_extra.py), once (cached in --cache, ~20 min); --heads heads (punct_lm_head.py,
different seeds, dropout) are trained on those vectors, --minutes shared
between them, with flat and lowercased variants made on the fly; each keeps
its best epoch on the held-out tenth of train (corrupted F1 first), and the
averaged ensemble's thresholds (punctuated and bare text) are tuned there
too, never on dev. The model is written to chunkcli/models/punct_lm.npz|.json
with the en dev F1 measured through the strategy's own code path.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..boundaries import gold_path, load_gold, score
from ..segment.punct_lm import MODEL_PATH, gap_probs
from ..segment.punct_lm_encoder import load_encoder
from ..segment.punct_lm_features import N_GAPS
from ..segment.punct_lm_head import HeadConfig, HeadModel, build_head, init_top_from, save_head
from .punct_lm_aux import N_CLASSES
from .punct_lm_data import Rows, cached_rows, extra_rows

LOWER = 4  # punct_lm_features.CASES.index("lower")
GRID = [i / 100 for i in range(5, 96, 5)]


def augment(cats: Any, gen: Any, p_flat: float = 0.5, p_lower: float = 0.3) -> Any:
    """Per row: newlines become spaces (flat text) with p_flat; capitals become lowercase with p_lower."""
    import torch

    case, rest = cats // (2 * N_GAPS), cats % (2 * N_GAPS)
    ws, gap = rest // N_GAPS, rest % N_GAPS
    flat = torch.rand(cats.shape[0], 1, generator=gen) < p_flat
    gap = torch.where(flat & (gap >= 2), torch.ones_like(gap), gap)
    lower = (torch.rand(cats.shape[0], 1, generator=gen) < p_lower) & ((case == 2) | (case == 3))
    case = torch.where(lower, torch.full_like(case, LOWER), case)
    return (case * 2 + ws) * N_GAPS + gap


def flatten(cats: np.ndarray) -> np.ndarray:
    """The categorical ids of the same text with every newline replaced by a space."""
    gap = cats % N_GAPS
    return np.where(gap >= 2, cats - gap + 1, cats)


def predict(net: Any, rows: Rows, batch: int = 64) -> np.ndarray:
    """Probabilities (n, WINDOW) for cached rows."""
    import torch

    out = []
    with torch.inference_mode():
        for i in range(0, len(rows.cats), batch):
            h = torch.from_numpy(rows.hidden[i:i + batch].astype(np.float32))
            out.append(torch.sigmoid(net(h, torch.from_numpy(rows.cats[i:i + batch].astype(np.int64)))).numpy())
    return np.concatenate(out)


def piece_f1(probs: np.ndarray, labels: np.ndarray, t: float) -> float:
    scored = labels >= 0
    pred, gold = (probs >= t) & scored, labels == 1
    tp = int((pred & gold).sum())
    return 200.0 * tp / max(int(pred.sum()) + int(gold.sum()), 1)


def val_scores(net: Any, val: dict[str, Rows]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """{"structured"|"flat"|"corrupted": (probs, labels)} on the held-out rows."""
    s, c = val["en_ewt.train.structured.val"], val["en_ewt.train.corrupted.val"]
    flat = Rows(s.hidden, flatten(s.cats), s.labels)
    return {k: (predict(net, r), r.labels) for k, r in (("structured", s), ("flat", flat), ("corrupted", c))}


def tune(scores: dict[str, tuple[np.ndarray, np.ndarray]]) -> tuple[float, float, dict[str, float]]:
    """(threshold for punctuated text, for bare text, held-out F1 at those thresholds)."""
    def mean_f1(keys: tuple[str, ...], t: float) -> float:
        return sum(piece_f1(*scores[k], t) for k in keys) / len(keys)

    t = max(GRID, key=lambda x: mean_f1(("structured", "flat"), x))
    tb = max(GRID, key=lambda x: mean_f1(("corrupted",), x))
    f1 = {k: round(piece_f1(*scores[k], tb if k == "corrupted" else t), 2) for k in scores}
    return t, tb, f1


@dataclass(frozen=True)
class Schedule:
    """How the head trains: time budget, rows per evaluation, learning rates, what picks the best state."""

    minutes: float = 12.0
    seed: int = 13
    crop: int = 254
    clean_share: float = 1.0   # share of the punctuated rows in each pass (all corrupted rows always)
    lr_top: float = 1e-4       # fine-tuned MiniLM layers
    lr_head: float = 2e-3
    select: str = "mean"       # "mean" of the three held-out F1s, or "corrupted"
    extra_share: float = 1.0   # share of the harvested-prose rows in each pass
    aux_weight: float = 0.0    # weight of the removed-punctuation loss (punct_lm_aux); 0 = none


def selection_score(f1: dict[str, float], select: str) -> float:
    """Corrupted F1 when the punctuated variants stay usable (the clean bar is 90), else the mean."""
    if select == "corrupted":
        return f1["corrupted"] - 100.0 * (min(f1["structured"], f1["flat"]) < 90)
    return sum(f1.values()) / 3


def train_head(cfg: HeadConfig, train: dict[str, Rows], val: dict[str, Rows], plan: Schedule,
               log: Callable[[str], None]) -> tuple[Any, tuple[float, float, dict[str, float]]]:
    """AdamW on masked BCE; evaluated on the held-out rows after every pass; the best state is kept."""
    import torch

    torch.manual_seed(plan.seed)
    gen = torch.Generator().manual_seed(plan.seed)
    net, deadline, best = build_head(cfg), time.monotonic() + 60 * plan.minutes, (-1e9, None, None)
    init_top_from(net, load_encoder(cfg.frozen).w, cfg.frozen)
    top = [p for n, p in net.named_parameters() if n.startswith("top.")]
    rest = [p for n, p in net.named_parameters() if not n.startswith("top.")]
    # The pretrained layers move slowly (fine-tuning), the fresh head fast.
    opt = torch.optim.AdamW([{"params": top, "lr": plan.lr_top}, {"params": rest, "lr": plan.lr_head}],
                            weight_decay=1e-2)
    epoch, start = 0, time.monotonic()
    while time.monotonic() < deadline:
        _epoch(net, opt, pass_rows(train, plan.clean_share, gen, plan.extra_share), gen, deadline, plan.crop,
               plan.aux_weight)
        net.eval()
        tuned = tune(val_scores(net, val))
        net.train()
        log(f"epoch {epoch} ({(time.monotonic() - start) / 60:.1f} min): held-out F1 {tuned[2]} "
            f"(thresholds {tuned[0]}, bare {tuned[1]})")
        if selection_score(tuned[2], plan.select) > best[0]:
            best = (selection_score(tuned[2], plan.select), {k: v.clone() for k, v in net.state_dict().items()}, tuned)
        epoch += 1
    net.load_state_dict(best[1])
    return net.eval(), best[2]


def train_ensemble(cfg: HeadConfig, train: dict[str, Rows], val: dict[str, Rows], plan: Schedule,
                   log: Callable[[str], None]) -> tuple[Any, tuple[float, float, dict[str, float]]]:
    """cfg.heads heads, seeds plan.seed, plan.seed + 1, …, each for an equal share of the time;
    the thresholds are tuned again on the held-out rows for the averaged logits."""
    one, share = replace(cfg, heads=1), replace(plan, minutes=plan.minutes / cfg.heads)
    nets = []
    for i in range(cfg.heads):
        log(f"head {i + 1} of {cfg.heads}")
        nets.append(train_head(one, train, val, replace(share, seed=plan.seed + i), log)[0])
    if cfg.heads == 1:
        return nets[0], tune(val_scores(nets[0], val))
    ensemble = build_head(cfg)
    for head, net in zip(ensemble.heads, nets):
        head.load_state_dict(net.state_dict())
    tuned = tune(val_scores(ensemble.eval(), val))
    log(f"ensemble: held-out F1 {tuned[2]} (thresholds {tuned[0]}, bare {tuned[1]})")
    return ensemble, tuned


def pass_rows(train: dict[str, Rows], clean_share: float, gen: Any, extra_share: float = 1.0) -> Rows:
    """The rows of one pass: every corrupted EWT row, a random `clean_share` of the punctuated ones
    (punctuated text is the easy half; the pass time goes where the errors are) and a random
    `extra_share` of the harvested prose (with millions of characters of it, a shorter pass means
    more held-out checks to pick the best state from)."""
    import torch

    parts = []
    for key, rows in train.items():
        share = extra_share if key.startswith("extra") else 1.0 if ".corrupted." in key else clean_share
        pick = torch.randperm(len(rows.cats), generator=gen).numpy()[:round(share * len(rows.cats))]
        parts.append(rows.take(np.sort(pick)))
    return Rows.concat(parts)


def _epoch(net: Any, opt: Any, rows: Rows, gen: Any, deadline: float, crop: int, aux_weight: float = 0.0,
           batch: int = 32) -> None:
    """One pass over the rows in random order; each batch reads a random `crop`-piece slice of its rows
    (a fine-tuned layer costs ~6x the head: shorter rows keep an epoch within minutes). With
    `aux_weight`, the head also learns which punctuation followed each piece where rows.aux knows it."""
    import torch
    import torch.nn.functional as F

    order = torch.randperm(len(rows.cats), generator=gen).numpy()
    width = rows.cats.shape[1]
    for i in range(0, len(order), batch):
        if time.monotonic() > deadline:
            return
        idx = np.sort(order[i:i + batch])
        lo = int(torch.randint(0, width - crop + 1, (1,), generator=gen))
        h = torch.from_numpy(rows.hidden[idx, lo:lo + crop].astype(np.float32))
        labels = torch.from_numpy(rows.labels[idx, lo:lo + crop].astype(np.float32))
        logits = net(h, augment(torch.from_numpy(rows.cats[idx, lo:lo + crop].astype(np.int64)), gen))
        mask = labels >= 0
        loss = F.binary_cross_entropy_with_logits(logits[mask], labels[mask])
        if aux_weight and rows.aux is not None:
            aux = torch.from_numpy(rows.aux[idx, lo:lo + crop].astype(np.int64))
            known = aux >= 0
            if bool(known.any()):
                loss = loss + aux_weight * F.cross_entropy(net.aux_logits[known], aux[known])
        opt.zero_grad()
        loss.backward()
        opt.step()


def dev_f1(model: HeadModel, ud: Path) -> dict[str, float]:
    """en dev F1 per variant through the strategy's own code (gap_probs + its thresholds)."""
    from ..segment.punct_features import is_bare

    out = {}
    for variant in ("structured", "flat", "corrupted"):
        g = load_gold(gold_path(ud, "en_ewt.dev", variant))
        t = model.threshold_bare if is_bare(g.text) else model.threshold
        out[f"en_ewt.dev/{variant}"] = round(score(g.text, g.ends, [e for e, p in gap_probs(model, g.text) if p >= t]).f1, 2)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m chunkcli.train.punct_lm", description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, required=True, help="the shared seg folder (with ud/)")
    ap.add_argument("--minutes", type=float, default=66.0, help="training time of all heads together")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "chunkcli-punct-lm",
                    help="where the encoder vectors of the training text are kept between runs")
    ap.add_argument("--out", type=Path, default=MODEL_PATH, help="where to write the head (.npz + .json)")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--crop", type=int, default=254, help="pieces per training row (of 254; less = faster epochs)")
    ap.add_argument("--clean-share", type=float, default=0.5, help="share of the punctuated rows in each pass")
    ap.add_argument("--lr-top", type=float, default=1e-4, help="learning rate of the fine-tuned MiniLM layers")
    ap.add_argument("--select", choices=("mean", "corrupted"), default="corrupted",
                    help="what picks the kept epoch: mean held-out F1, or corrupted F1 (clean variants >= 90)")
    ap.add_argument("--frozen", type=int, default=6, help="MiniLM layers kept as installed")
    ap.add_argument("--tuned", type=int, default=0, help="MiniLM layers above those, fine-tuned and shipped")
    ap.add_argument("--taps", type=int, nargs="*", default=[3], help="earlier frozen layers also read by the head")
    ap.add_argument("--dropout", type=float, default=0.3, help="dropout on the head's input and GRU output")
    ap.add_argument("--heads", type=int, default=4, help="heads trained (seeds --seed, --seed + 1, …) and averaged")
    ap.add_argument("--threads", type=int, default=1,
                    help="torch threads (default 1: on a busy machine a second thread makes the GRU ~15x slower)")
    ap.add_argument("--extra-text", metavar="DIR|auto|none", default="auto",
                    help="also train on English prose harvested from DIR (auto: site-packages, /usr/share/doc, /usr/share/info), "
                         "split by our `sentence` strategy and corrupted like EWT (punct_lm_extra.py); none: EWT only")
    ap.add_argument("--extra-chars", type=int, default=8_000_000, help="characters of prose --extra-text harvests at most")
    ap.add_argument("--extra-per-source", type=int, default=2_000_000,
                    help="characters of prose --extra-text takes from one package at most")
    ap.add_argument("--extra-share", type=float, default=0.5, help="share of the harvested prose in each pass")
    ap.add_argument("--aux-weight", type=float, default=0.0,
                    help="also learn which punctuation corruption removed after each word of EWT train and of "
                         "the harvested prose (SaT's auxiliary task, punct_lm_aux.py), with this loss weight; "
                         "0 = off (the shipped heads)")
    args = ap.parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731 - progress for a long run
    aux = bool(args.aux_weight)
    cfg, ud = HeadConfig(frozen=args.frozen, taps=tuple(args.taps), tuned=args.tuned, dropout=args.dropout,
                         heads=args.heads, aux=N_CLASSES if aux else 0), args.data / "ud"
    enc, layers = load_encoder(cfg.frozen), (cfg.frozen, *cfg.taps)
    rows = cached_rows(ud, args.cache, enc, layers, log, aux=aux)
    if args.extra_text != "none":
        rows.update(extra_rows(args.extra_text, args.extra_chars, args.extra_per_source, args.cache, enc, layers, log,
                               aux=aux))
    train = {k: r for k, r in rows.items() if k.endswith(".train")}
    val = {k: r for k, r in rows.items() if k.endswith(".val")}
    plan = Schedule(args.minutes, args.seed, args.crop, args.clean_share, args.lr_top, select=args.select,
                    extra_share=args.extra_share, aux_weight=args.aux_weight)
    net, (t, tb, held) = train_ensemble(cfg, train, val, plan, log)
    model = HeadModel(cfg, {k: v.detach().half().float().numpy() for k, v in net.state_dict().items()}, t, tb)
    model.dev_scores = {"held_out_train": held, **dev_f1(model, ud)}
    save_head(args.out, model, net)
    print(model.dev_scores)
    return 0


if __name__ == "__main__":
    sys.exit(main())
