"""Retrain the shipped boundary models and print their dev scores.

    python -m chunkcli.train.punct --data ../shared/data/seg [--minutes 12]

Trains two networks on the UD train splits (EWT + PUD de/fr/es/zh, clean,
flat, corrupted and augmented variants; never on dev): `punct` (every gap;
convolution + bidirectional GRU) and `sentence` (only the candidate gaps of
`--by sentence` whose decision its rules leave open: ":" before a capital,
"." after a capital, a word before a capital, wrapped lines...; one small
convolution, trained on extra layouts of EWT train). `--only punct-fast`
trains a convolution-only punct variant.
Thresholds are tuned through the strategies' own code (rules included; text
without punctuation gets its own punct threshold) on the dev sets, or for
`sentence` (an ensemble of 5 networks) on every 10th document of EWT train,
held out of its training; then the models are written to chunkcli/models/ with
their held-out and dev scores."""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..segment.punct_features import PAD, UNK
from ..segment.punct_model import MODELS_DIR, GapModel, NetConfig, build_net, half_state, save_model
from .data import Encoded, Labelled, build_vocab, encode, held_out, punct_texts, sentence_texts, training_texts
from .evaluate import dev_probs, f1_table, labelled_probs, tune_threshold

# punct: convolution then a bidirectional GRU (long context for text without punctuation).
PUNCT_CFG = NetConfig(k=3, word_dim=48, suffix_dim=16, shape_dim=8, hidden=96, wide=0, rnn=64)
# punct-fast: convolutions only (a dilated second layer widens the context); ~3x faster to run.
FAST_CFG = NetConfig(k=4, word_dim=32, suffix_dim=8, shape_dim=8, hidden=96, wide=96, wide_k=5, wide_dilation=3)
SENTENCE_CFG = NetConfig(k=4, word_dim=32, suffix_dim=8, shape_dim=8, hidden=96, wide=0)
# Threshold tuning targets: clean English; text without punctuation (corrupted) has its own threshold.
PUNCT_TUNE = ("en_ewt.dev/structured", "en_ewt.dev/flat")
PUNCT_TUNE_BARE = ("en_ewt.dev/corrupted",)
SENTENCE_TUNE = ("en_ewt.dev/structured", "en_ewt.dev/flat")
SENTENCE_SHARE = 0.4  # the sentence model trains for this share of --minutes at most (8 of make's 20)
# ... and for a fixed number of steps, so the result does not depend on the machine's load. It sees only
# ~100 k distinct questions: its training loss is ~0 after 8 000 steps, and dev F1 no better than after
# 3 000 (en structured 94.5 vs 94.4-95.0 over runs); the small vocabulary also limits memorising.
SENTENCE_STEPS = 3000
SENTENCE_MEMBERS = 5  # an ensemble: +0.5 F1 on held-out train and dev over one network (seed noise ±0.3); 5 vs 3: +0.04 and +0.28 held-out mean (seeds 13-17 vs 13-15, 16-20 vs 16-18)
SENTENCE_HOLDOUT = 0.1  # every 10th EWT train document: thresholds are tuned there, never on dev
# Extra flat copies of the train splits with some sentence-final punctuation removed (data.unended_copies).
PUNCT_UNENDED, SENTENCE_UNENDED = 0.0, 0.3
# punct: German, French, Spanish and Chinese prose from the installed translated manuals (punct_extra_lang);
# GSD dev corrupted de/fr/es/zh 33.7/33.8/28.0/18.0 -> 41.1/42.0/34.7/27.1 (docs/sentences.md).
PUNCT_EXTRA_LANG = "auto"


@dataclass(frozen=True)
class Plan:
    name: str
    cfg: NetConfig
    candidates_only: bool
    minutes: float
    tune: tuple[str, ...]
    tune_bare: tuple[str, ...] = ()
    word_dropout: float = 0.15
    asked_only: bool = False  # train on the gaps the sentence rules leave to the model, and nothing else
    vocab: int = 20000  # word forms with their own embedding; rarer words are read by suffix and shape
    steps: int = 0  # stop after this many steps (0: when the time is up); minutes stay a cap
    members: int = 1  # networks trained with seeds seed, seed+1, ...; their probabilities are averaged
    holdout: float = 0.0  # > 0: keep this share of EWT train documents out of training, tune thresholds on them
    seed: int = 13
    unended: float = 0.0  # share of sentence ends stripped of their punctuation in extra flat copies
    extra_lang: str = "none"  # punct: harvested de/fr/es/zh prose (`auto` or a folder; punct_extra_lang)


def batches(enc: Encoded, reach: int, length: int, size: int, rng: np.random.Generator,
            candidates_only: bool) -> Any:
    """Endless random windows: inputs of length+2*reach tokens, labels for the middle `length`."""
    import torch

    n = len(enc.words) - length - 2 * reach
    if candidates_only:  # the fast model only ever sees candidate gaps: train on those alone
        yield from _candidate_batches(enc, reach, size * length // 8, rng)
    while True:
        starts = rng.integers(0, n, size)
        win = starts[:, None] + np.arange(length + 2 * reach)[None, :]
        mid = win[:, reach:reach + length]
        yield tuple(torch.from_numpy(a[win]) for a in (enc.words, enc.suffixes, enc.shapes)) + (
            torch.from_numpy(enc.labels[mid]),)


def _candidate_batches(enc: Encoded, reach: int, size: int, rng: np.random.Generator) -> Any:
    import torch

    pos = np.flatnonzero(enc.candidates & (enc.labels >= 0))
    pos = pos[(pos >= reach) & (pos < len(enc.words) - reach)]
    while True:
        centre = rng.choice(pos, size)
        win = centre[:, None] + np.arange(-reach, reach + 1)[None, :]
        yield tuple(torch.from_numpy(a[win]) for a in (enc.words, enc.suffixes, enc.shapes)) + (
            torch.from_numpy(enc.labels[centre][:, None]),)


def train_net(plan: Plan, enc: Encoded, n_words: int, n_suffixes: int, log: Callable[[str], None],
              seed: int = 13) -> Any:
    import torch

    torch.manual_seed(seed)
    net = build_net(plan.cfg, n_words, n_suffixes)
    opt = torch.optim.AdamW(net.parameters(), lr=4e-3, weight_decay=1e-4)
    loss_fn = torch.nn.BCEWithLogitsLoss(reduction="none")
    start = time.monotonic()
    deadline, step = start + 60 * plan.minutes, 0
    rng = np.random.default_rng(seed)
    for words, sufs, shapes, y in batches(enc, plan.cfg.reach, 160, 32, rng, plan.candidates_only):
        _decay(opt, _progress(plan, step, (time.monotonic() - start) / (deadline - start)))
        words = _word_dropout(words, rng, plan.word_dropout)
        mask = (y >= 0).float()
        loss = (loss_fn(net(words, sufs, shapes), y.clamp(min=0).float()) * mask).sum() / mask.sum().clamp(min=1)
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        if step % 200 == 0:
            log(f"{plan.name}: step {step} loss {loss.item():.4f} ({time.monotonic() - start:.0f} s)")
        if time.monotonic() > deadline or step == plan.steps:
            return net.eval()


def _progress(plan: Plan, step: int, elapsed: float) -> float:
    """Share of the training done: of the steps when the plan counts them, else of the time budget."""
    return step / plan.steps if plan.steps else elapsed


def _word_dropout(words: Any, rng: np.random.Generator, p: float = 0.15) -> Any:
    """Replace a random `p` of word ids by UNK: the model must also read suffixes and shapes,
    as it will for words it never saw (without this it memorises the training text)."""
    import torch

    mask = torch.from_numpy(rng.random(tuple(words.shape)) < p) & (words != PAD)
    return words.masked_fill(mask, UNK)


def _decay(opt: Any, progress: float, peak: float = 4e-3) -> None:
    """Cosine learning-rate decay over the wall-clock budget (training is time-boxed, not step-boxed)."""
    import math

    for group in opt.param_groups:
        group["lr"] = peak * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))


def _strategy_probs(name: str) -> Any:
    """The gap probabilities of the strategy that ships this model: `sentence` (rules + model) or
    `punct-fast` (the model at every gap, `sentence` first on punctuated text). Not `punct`: on
    English that is the MiniLM model, and its class inherits `sentence`'s probs."""
    from ..segment.punct_fast import FastPunctSentences
    from ..segment.sentence import Sentences

    return (Sentences() if name == "sentence" else FastPunctSentences()).probs


def run_plan(plan: Plan, enc: Encoded, vocab: list[str], sufs: list[str], ud: Path, out: Path,
             log: Callable[[str], None]) -> dict[str, float]:
    nets = [train_net(plan, enc, len(vocab), len(sufs), log, plan.seed + i) for i in range(plan.members)]
    model = _as_shipped(plan.cfg, vocab, sufs, nets)
    probs = dev_probs(model, ud, _strategy_probs(plan.name))
    tuning, keys = probs, plan.tune
    if plan.holdout:  # thresholds from the held-out tenth of EWT train: dev stays a final check
        tuning = labelled_probs(model, held_out(ud, plan.holdout), _strategy_probs(plan.name))
        keys = tuple(f"{k}/{v}" for k, v in tuning)
    threshold = tune_threshold(tuning, keys)
    bare = tune_threshold(probs, plan.tune_bare)
    scores = {**f1_table(tuning, threshold), **f1_table(probs, threshold, bare)} if plan.holdout else \
        f1_table(probs, threshold, bare)
    save_model(out / plan.name, plan.cfg, vocab, sufs, nets[0], threshold, scores, bare, tuple(nets[1:]))
    return {"threshold": threshold, "threshold_bare": bare, **scores}


def _as_shipped(cfg: NetConfig, vocab: list[str], sufs: list[str], nets: list[Any]) -> GapModel:
    """The model as it will be loaded: a convolutional net runs in numpy from float16 weights (an
    ensemble as GapModel combines its members); a recurrent one stays in torch (one network)."""
    if cfg.rnn:
        return GapModel(cfg, vocab, sufs, nets[0], 0.5)
    states = [{k: v.astype(np.float32) for k, v in half_state(net).items()} for net in nets]
    return GapModel(cfg, vocab, sufs, None, 0.5, states[0], None, states[1:])


def _texts(plan: Plan, ud: Path) -> list[Labelled]:
    """The sentence model gets extra layouts of EWT train (see data.sentence_texts), the punct model
    flat copies with some sentence-final punctuation removed (data.punct_texts)."""
    if plan.name == "sentence":
        return sentence_texts(ud, holdout=plan.holdout, unended=plan.unended)
    if plan.name == "punct":
        return punct_texts(ud, holdout=plan.holdout, unended=plan.unended, extra=_extra_lang(plan.extra_lang))
    return training_texts(ud, holdout=plan.holdout)


def _extra_lang(source: str) -> list[Labelled]:
    """Structured, flat and corrupted copies of the de/fr/es/zh prose harvested from `source`."""
    if source == "none":
        return []
    from .punct_extra_lang import extra_lang_texts

    return extra_lang_texts(source, log=lambda msg: print(msg, file=sys.stderr, flush=True))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m chunkcli.train.punct", description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, required=True, help="the shared seg folder (with ud/)")
    ap.add_argument("--out", type=Path, default=MODELS_DIR, help="where to write the models")
    ap.add_argument("--minutes", type=float, default=12.0, help="training time of a punct model (sentence: 0.4 of it)")
    ap.add_argument("--only", choices=("punct", "punct-fast", "sentence"), help="train one model only")
    ap.add_argument("--threads", type=int, default=1,
                    help="torch threads (1 is fastest on a shared machine: idle OpenMP threads spin)")
    ap.add_argument("--members", type=int, default=SENTENCE_MEMBERS,
                    help=f"sentence: networks averaged (seeds --seed, --seed+1, ...; default {SENTENCE_MEMBERS})")
    ap.add_argument("--holdout", type=float, default=SENTENCE_HOLDOUT,
                    help=f"sentence: share of EWT train documents (every n-th) kept out of training and used "
                         f"to tune the threshold (default {SENTENCE_HOLDOUT}; 0 = train on all and tune on dev)")
    ap.add_argument("--seed", type=int, default=13, help="sentence: seed of the first network")
    ap.add_argument("--steps", type=int, default=SENTENCE_STEPS, help="sentence: training steps per network")
    ap.add_argument("--unended", type=float, default=None,
                    help=f"share of sentences whose final punctuation is removed in an extra flat copy of each "
                         f"train split (default: punct {PUNCT_UNENDED}, sentence {SENTENCE_UNENDED})")
    ap.add_argument("--extra-lang-text", default=PUNCT_EXTRA_LANG, metavar="auto|none|DIR",
                    help="punct: add German, French, Spanish and Chinese prose harvested from DIR or (`auto`) the "
                         f"installed Debian documentation (`make train-docs`), labelled by `sentence` "
                         f"(default {PUNCT_EXTRA_LANG})")
    args = ap.parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    log = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731 (a CLI entry point may print)
    ud = args.data / "ud"
    plans = [Plan("punct", PUNCT_CFG, False, args.minutes, PUNCT_TUNE, PUNCT_TUNE_BARE,
                  unended=PUNCT_UNENDED if args.unended is None else args.unended, extra_lang=args.extra_lang_text),
             Plan("punct-fast", FAST_CFG, False, args.minutes, PUNCT_TUNE, PUNCT_TUNE_BARE),
             Plan("sentence", SENTENCE_CFG, True, max(2.0, args.minutes * SENTENCE_SHARE), SENTENCE_TUNE,
                  word_dropout=0.3, asked_only=True, vocab=4000, steps=args.steps, members=args.members,
                  holdout=args.holdout, seed=args.seed,
                  unended=SENTENCE_UNENDED if args.unended is None else args.unended)]
    args.out.mkdir(parents=True, exist_ok=True)
    for plan in plans:
        if plan.name != args.only and (args.only or plan.name == "punct-fast"):
            continue  # punct-fast (no strategy uses it: punct runs at > 50 k chars/s) only on request
        texts = _texts(plan, ud)
        vocab, sufs = build_vocab(texts, plan.vocab, 3000)
        enc = encode(texts, vocab, sufs, plan.cfg.reach, asked_only=plan.asked_only)
        log(f"{plan.name}: {len(enc.words)} training tokens, {int(enc.candidates.sum())} candidates, "
            f"{len(vocab)} words")
        print(json.dumps({plan.name: run_plan(plan, enc, vocab, sufs, ud, args.out, log)}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
