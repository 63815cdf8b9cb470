"""Train the boundary cues of `topic_cues` on UD EWT *train* documents.

The cues read the topic-tuned sentence vectors (`topic_encoder`), so train that
layer first (`python -m chunkcli.train.topic_encoder`).

The documents are concatenated in file order (neighbours share genre, as in
`seg/topic/ewt_docs.*`); every gap is an example, labelled 1 where one
document ends. Features are `topic_cues.gap_features` of the sentences'
embeddings, the model an L2-regularised logistic regression (scikit-learn,
a dependency of sentence-transformers; only training needs it). A quarter
of the documents (seeded) is held out first to report AUC, then the model
is refitted on all of them. Run:

    python -m chunkcli.train.topic --data ../shared/data
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from ..segment.topic_cues import MODEL_FILE, CueModel, gap_features, save_cues

DEFAULT_MODEL = "all-MiniLM-L6-v2"
C_REG = 1.0  # inverse L2 strength; 0.1 / 0.3 / 1.0 gave held-out AUC 0.89 / 0.91 / 0.92 (pair features)
# Chosen with the tuned layer that also reads manuals, on held-out EWT train documents, held-out
# manual packages and dev: 0.15 gains on EWT what it costs on manuals (docs/topic.md, "Cue weight
# with the retrained layer").
CUE_WEIGHT = 0.15
Embed = Callable[[Sequence[str]], np.ndarray]


def ud_documents(gold_json: Path) -> list[list[str]]:
    """Sentence strings of every document of a `segbench-sentences-v1` gold file."""
    g = json.loads(gold_json.read_text(encoding="utf-8"))
    text = (gold_json.parent / g["text_file"]).read_text(encoding="utf-8")
    sents = list(zip(g["sentence_starts"], g["sentence_ends"]))
    return [[text[s:e] for s, e in sents if d["start"] <= s < d["end"]] for d in g["documents"]]


def gap_dataset(docs: Sequence[list[str]], embed: Embed) -> tuple[np.ndarray, np.ndarray]:
    """Features of every gap of the concatenated documents, and 1 where a document ends."""
    units = [u for d in docs for u in d]
    y = np.zeros(max(len(units) - 1, 0))
    ends = np.cumsum([len(d) for d in docs])[:-1]
    y[ends - 1] = 1.0
    return gap_features(embed(units)), y


def fit(x: np.ndarray, y: np.ndarray, c: float = C_REG) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression(C=c, max_iter=3000).fit(x, y)
    return lr.coef_[0], float(lr.intercept_[0])


def split_documents(docs: Sequence[list[str]], held_out: float = 0.25, seed: int = 1) -> tuple[list, list]:
    """(train, held-out) documents, each in file order."""
    order = list(range(len(docs)))
    random.Random(seed).shuffle(order)
    out = set(order[: int(held_out * len(docs))])
    return [d for i, d in enumerate(docs) if i not in out], [d for i, d in enumerate(docs) if i in out]


def auc(score: np.ndarray, y: np.ndarray) -> float:
    """Probability that a random positive outscores a random negative (ties count half)."""
    ranks = np.argsort(np.argsort(score, kind="stable"), kind="stable") + 1.0
    pos = y == 1
    n_pos, n_neg = pos.sum(), (~pos).sum()
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def train(data: Path, embed: Embed, out: Path = MODEL_FILE, model_name: str = DEFAULT_MODEL) -> dict:
    docs = ud_documents(data / "seg" / "ud" / "en_ewt.train.gold.json")
    fit_docs, val_docs = split_documents(docs)
    w, b = fit(*gap_dataset(fit_docs, embed))
    xv, yv = gap_dataset(val_docs, embed)
    info = {"trained_on": f"UD EWT train, {len(docs)} documents in file order", "C": C_REG,
            "held_out_auc": round(auc(xv @ w + b, yv), 4), "held_out_documents": len(val_docs)}
    w, b = fit(*gap_dataset(docs, embed))
    save_cues(out, CueModel(model_name, w, b, CUE_WEIGHT), info)
    return info


def main(argv: Sequence[str] | None = None) -> None:
    from ..segment.topic_embed import embed_texts, vector_space
    from ..segment.topic_encoder import TUNED_SPACE, tuned_encoder

    ap = argparse.ArgumentParser(description="train the topic boundary cues")
    ap.add_argument("--data", type=Path, required=True, help="the shared data folder (with seg/ud)")
    ap.add_argument("--out", type=Path, default=MODEL_FILE, help="output base path (.npz and .json)")
    ap.add_argument("--layer", type=Path, default=None,
                    help="base path of a topic-tuned layer to embed with (default: the installed one)")
    args = ap.parse_args(argv)
    # The cues belong to the vectors they see: the topic-tuned space when a tuned layer is used.
    if args.layer:
        space, embed = TUNED_SPACE, tuned_encoder(args.layer).embed
    else:
        space, embed = vector_space(DEFAULT_MODEL), lambda texts: embed_texts(texts, DEFAULT_MODEL)
    print(json.dumps(train(args.data, embed, args.out, space)))


if __name__ == "__main__":
    main()
