"""The shipped sentence-boundary network: a small convolutional model over token features.

For the gap after token i it reads tokens i-K..i+K (word, suffix and shape
embeddings) through a convolution of width 2K+1, an optional dilated
convolution for wider context, an optional bidirectional GRU over the whole
window (long context: what punctuation-free text needs), and a linear output:
the logit that a sentence ends at the gap. Without the GRU every layer is a
convolution without padding, so the same weights score a whole token sequence
or only gathered windows around candidate gaps (`--by sentence`, which must be
fast); with it, gaps are always scored over the whole window.

torch is imported inside functions so importing this module stays cheap.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from .punct_features import N_SHAPES, PAD, Tokens, is_bare, tokenize

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"
MEMBER = "member"  # key prefix of an ensemble's further networks in a weight file
SURE = 0.001  # an ensemble's first network is sure of a gap below this probability or above 1 - SURE


@dataclass(frozen=True)
class NetConfig:
    """Sizes of one network; stored next to its weights."""

    k: int = 5            # tokens of context on each side for the first layer
    word_dim: int = 40
    suffix_dim: int = 12
    shape_dim: int = 12
    hidden: int = 128
    wide: int = 96        # channels of the dilated layer; 0 = no second layer
    wide_k: int = 5
    wide_dilation: int = 2
    rnn: int = 0          # hidden size of a bidirectional GRU on top; 0 = convolutions only

    @property
    def reach(self) -> int:
        """Tokens of context each side the whole network reads."""
        extra = (self.wide_k - 1) // 2 * self.wide_dilation if self.wide else 0
        return self.k + extra


def build_net(cfg: NetConfig, n_words: int, n_suffixes: int) -> Any:
    import torch
    from torch import nn

    class GapNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.words = nn.Embedding(n_words, cfg.word_dim, padding_idx=PAD)
            self.suffixes = nn.Embedding(n_suffixes, cfg.suffix_dim, padding_idx=PAD)
            self.shapes = nn.Embedding(N_SHAPES, cfg.shape_dim, padding_idx=PAD)
            dim = cfg.word_dim + cfg.suffix_dim + cfg.shape_dim
            layers: list[nn.Module] = [nn.Conv1d(dim, cfg.hidden, 2 * cfg.k + 1), nn.ReLU()]
            out = cfg.hidden
            if cfg.wide:
                layers += [nn.Conv1d(cfg.hidden, cfg.wide, cfg.wide_k, dilation=cfg.wide_dilation), nn.ReLU()]
                out = cfg.wide
            self.body = nn.Sequential(*layers)
            self.rnn = nn.GRU(out, cfg.rnn, batch_first=True, bidirectional=True) if cfg.rnn else None
            self.out = nn.Linear(2 * cfg.rnn if cfg.rnn else out, 1)

        def forward(self, words: "torch.Tensor", sufs: "torch.Tensor", shapes: "torch.Tensor") -> "torch.Tensor":
            x = torch.cat([self.words(words), self.suffixes(sufs), self.shapes(shapes)], dim=-1)
            h = self.body(x.transpose(1, 2)).transpose(1, 2)  # (batch, T - 2*reach, channels)
            if self.rnn is not None:
                h = self.rnn(h)[0]
            return self.out(h).squeeze(-1)  # (batch, T - 2*reach) logits

    return GapNet()


class GapModel:
    """A trained network with its vocabularies; scores gaps of any text."""

    def __init__(self, cfg: NetConfig, vocab: list[str], suffixes: list[str], net: Any, threshold: float,
                 state: dict[str, np.ndarray] | None = None, threshold_bare: float | None = None,
                 members: list[dict[str, np.ndarray]] | None = None) -> None:
        self.cfg, self._net, self.threshold, self.state = cfg, net, threshold, state
        # More networks of the same shape (an ensemble; numpy only): their probabilities are averaged.
        self.members = members or []
        # Text without punctuation gets its own threshold (probabilities there are less peaked).
        self.threshold_bare = threshold if threshold_bare is None else threshold_bare
        self.vocab = {w: i for i, w in enumerate(vocab)}
        self.suffixes = {s: i for i, s in enumerate(suffixes)}

    @property
    def net(self) -> Any:
        """The torch network, built from the numpy weights on first use."""
        if self._net is None:
            import torch

            self._net = build_net(self.cfg, len(self.vocab), len(self.suffixes))
            self._net.load_state_dict({k: torch.from_numpy(v) for k, v in self.state.items()})
            self._net.eval()
        return self._net

    def threshold_for(self, text: str) -> float:
        return self.threshold_bare if is_bare(text) else self.threshold

    def tokens(self, text: str, base: int = 0) -> Tokens:
        return tokenize(text, base, self.vocab, self.suffixes)

    def score_all(self, toks: Tokens) -> np.ndarray:
        """Boundary probability after every token of a window."""
        r = self.cfg.reach
        if len(toks.words) == 0:
            return np.zeros(0, dtype=np.float32)
        ids = [np.pad(a, (r, r), constant_values=PAD) for a in (toks.words, toks.suffixes, toks.shapes)]
        if self.cfg.rnn:
            return self._run_pieces(ids, len(toks.words))
        return self.run(*(a[None, :] for a in ids))[0]

    def _run_pieces(self, ids: list[np.ndarray], n: int, piece: int = 128, context: int = 48) -> np.ndarray:
        """A recurrent net over overlapping pieces run as one batch (a GRU steps once per token,
        so one long sequence is slow); each piece keeps `context` tokens of context each side."""
        r = self.cfg.reach
        starts = np.arange(0, n, piece)
        span = piece + 2 * context + 2 * r
        tok = starts[:, None] - context - r + np.arange(span)[None, :]  # token index at each slot
        valid = (tok >= -r) & (tok < n + r)
        batch = [np.where(valid, a[np.clip(tok + r, 0, n + 2 * r - 1)], PAD) for a in ids]
        probs = self.run(*batch)[:, context:context + piece]
        return probs.reshape(-1)[:n]

    def score_at(self, toks: Tokens, idx: np.ndarray) -> np.ndarray:
        """Boundary probability after the tokens at positions `idx` only (gathered windows)."""
        r = self.cfg.reach
        if len(idx) == 0:
            return np.zeros(0, dtype=np.float32)
        if self.cfg.rnn:  # a recurrent model needs the whole window
            return self.score_all(toks)[idx]
        window = idx[:, None] + np.arange(-r, r + 1)[None, :] + r
        ids = [np.pad(a, (r, r), constant_values=PAD)[window] for a in (toks.words, toks.suffixes, toks.shapes)]
        return self.run(*ids)[:, 0]

    def run(self, words: np.ndarray, sufs: np.ndarray, shapes: np.ndarray) -> np.ndarray:
        """Probabilities (batch, T - 2*reach) for id arrays (batch, T)."""
        if self.state is not None and not self.cfg.rnn:  # no torch needed
            return self._numpy_run(words, sufs, shapes)
        import torch

        threads = torch.get_num_threads()
        torch.set_num_threads(1)  # many small ops (a GRU step per token): extra threads only spin and wait
        try:
            with torch.inference_mode():
                logits = self.net(*(torch.from_numpy(np.ascontiguousarray(a)) for a in (words, sufs, shapes)))
                return torch.sigmoid(logits.float()).numpy()
        finally:
            torch.set_num_threads(threads)


    def _numpy_run(self, words: np.ndarray, sufs: np.ndarray, shapes: np.ndarray) -> np.ndarray:
        """The first network's probabilities; an ensemble's other members run only on the rows where
        the first is unsure (p within SURE of neither 0 nor 1: ~30 % of the gaps `--by sentence` asks)
        and those rows get the members' mean. Held-out train F1 moves by < 0.15 against averaging
        every row; a wider band (0.02) lost 0.6."""
        with _one_blas_thread():
            p = _numpy_conv(self.state, words, sufs, shapes, self.cfg.wide_dilation)
            unsure = np.flatnonzero(((p > SURE) & (p < 1 - SURE)).any(axis=1)) if self.members else []
            if len(unsure):
                rows = [a[unsure] for a in (words, sufs, shapes)]
                others = [_numpy_conv(st, *rows, self.cfg.wide_dilation) for st in self.members]
                p[unsure] = np.mean([p[unsure], *others], axis=0)
        return p


def _one_blas_thread() -> Any:
    """These matmuls are small (a batch of gaps x 432 x 96): a second BLAS thread only waits for a
    busy core. On one thread `--by sentence` ran 1.5-2x faster (wall) on the 2 shared cores here."""
    controller = _blas_controller()
    return contextlib.nullcontext() if controller is None else controller.limit(limits=1, user_api="blas")


@lru_cache(maxsize=1)
def _blas_controller() -> Any:
    """One ThreadpoolController per process: its limit() costs ~25 µs, threadpool_limits() ~350 µs."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # only a speed-up
        return None
    return ThreadpoolController()


def save_model(path: Path, cfg: NetConfig, vocab: list[str], suffixes: list[str], net: Any,
               threshold: float, scores: dict[str, Any], threshold_bare: float | None = None,
               members: tuple[Any, ...] = ()) -> None:
    """Weights (float16, `path`.npz) and config + vocabularies + dev scores (`path`.json).
    `members`: more networks of an ensemble, stored under the key prefix "member<i>."."""
    state = half_state(net)
    for i, other in enumerate(members, 1):
        state.update({f"{MEMBER}{i}.{k}": v for k, v in half_state(other).items()})
    np.savez_compressed(path.with_suffix(".npz"), **state)
    meta = {"config": asdict(cfg), "vocab": vocab, "suffixes": suffixes, "threshold": threshold,
            "threshold_bare": threshold if threshold_bare is None else threshold_bare, "dev_scores": scores}
    path.with_suffix(".json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")


@lru_cache(maxsize=4)
def load_model(name: str) -> GapModel:
    """A shipped model by name (`chunkcli/models/<name>.npz|.json`), loaded once per process."""
    return load_model_from(MODELS_DIR / name)


def load_model_from(base: Path) -> GapModel:
    meta = json.loads(base.with_suffix(".json").read_text(encoding="utf-8"))
    with np.load(base.with_suffix(".npz")) as weights:
        every = {k: weights[k].astype(np.float32) for k in weights.files}
    state, members = _split_members(every)
    return GapModel(NetConfig(**meta["config"]), meta["vocab"], meta["suffixes"], None,
                    float(meta["threshold"]), _upgrade(state), meta.get("threshold_bare"), members)


def half_state(net: Any) -> dict[str, np.ndarray]:
    """A torch network's weights as float16 numpy arrays (as shipped)."""
    return {k: v.detach().half().numpy() for k, v in net.state_dict().items()}


def _split_members(every: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], list[dict[str, np.ndarray]]]:
    """The first network's weights, and those of the ensemble's other members in order."""
    first = {k: v for k, v in every.items() if not k.startswith(MEMBER)}
    ids = sorted({int(k[len(MEMBER):].split(".", 1)[0]) for k in every if k.startswith(MEMBER)})
    members = [{k.split(".", 1)[1]: v for k, v in every.items() if k.startswith(f"{MEMBER}{i}.")} for i in ids]
    return first, members


def _upgrade(state: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Weights saved before the output became a Linear layer: its 1x1 conv (1, C, 1) → (1, C)."""
    if "out.weight" in state:
        return state
    last = max(int(k.split(".")[1]) for k in state if k.startswith("body."))
    state["out.weight"] = state.pop(f"body.{last}.weight")[:, :, 0]
    state["out.bias"] = state.pop(f"body.{last}.bias")
    return state


def _numpy_conv(state: dict[str, np.ndarray], words: np.ndarray, sufs: np.ndarray,
                shapes: np.ndarray, dilation: int = 1) -> np.ndarray:
    """The convolutional network in numpy (same maths as GapNet without a GRU): the first
    convolution, the dilated second one when the weights have it, then the linear output."""
    x = np.concatenate([state["words.weight"][words], state["suffixes.weight"][sufs],
                        state["shapes.weight"][shapes]], axis=-1)  # (B, T, D)
    w = state["body.0.weight"]
    if x.shape[1] == w.shape[2] and "body.2.weight" not in state:  # one window per row (--by sentence)
        return _one_window(x, w, state)
    h = _conv_relu(x, w, state["body.0.bias"], 1)
    if "body.2.weight" in state:
        h = _conv_relu(h, state["body.2.weight"], state["body.2.bias"], dilation)
    b, t = h.shape[:2]
    logits = h.reshape(b * t, -1) @ state["out.weight"].T + state["out.bias"]
    return (1.0 / (1.0 + np.exp(-np.clip(logits, -60, 60)))).reshape(b, t).astype(np.float32)


def _one_window(x: np.ndarray, w: np.ndarray, state: dict[str, np.ndarray]) -> np.ndarray:
    """The convolution when each row is exactly one kernel wide: one matmul, no sliding-window copy
    (the hot path of --by sentence; ~30 % faster than _conv_relu there). Returns (B, 1)."""
    flat_w = w.transpose(2, 1, 0).reshape(-1, w.shape[0])  # (K*C_in, C_out) as x.reshape(B, -1); a small copy
    h = x.reshape(len(x), -1) @ flat_w
    h += state["body.0.bias"]
    np.maximum(h, 0, out=h)
    logits = h @ state["out.weight"][0] + state["out.bias"][0]
    return (1.0 / (1.0 + np.exp(-np.clip(logits, -60, 60))))[:, None].astype(np.float32)


def _conv_relu(x: np.ndarray, w: np.ndarray, bias: np.ndarray, dilation: int) -> np.ndarray:
    """ReLU(Conv1d) without padding over (B, T, C_in) → (B, T - dilation*(K-1), C_out); w is (C_out, C_in, K)."""
    k = w.shape[2]
    view = np.lib.stride_tricks.sliding_window_view(x, dilation * (k - 1) + 1, axis=1)[..., ::dilation]
    b, t = view.shape[:2]  # view: (B, T', C_in, K), the same layout as w
    return np.maximum(view.reshape(b * t, -1) @ w.reshape(w.shape[0], -1).T + bias, 0).reshape(b, t, -1)


def windows(text: str, size: int = 20000, margin: int = 400) -> Iterator[tuple[int, int, int, int]]:
    """(lo, hi, keep_lo, keep_hi): text[lo:hi] is tokenized; gaps ending in [keep_lo, keep_hi) are kept.

    Windows are cut at whitespace where possible, so no token straddles a cut, and
    each carries `margin` characters of context on both sides: memory stays bounded
    on any input size and results do not depend on where the cuts fall.
    """
    n, start = len(text), 0
    while start < n:
        stop = _cut(text, min(n, start + size))
        lo, hi = _cut(text, max(0, start - margin)), _cut(text, min(n, stop + margin))
        yield lo, hi, start, stop
        start = stop


def _cut(text: str, i: int) -> int:
    """A position at or after `i` (within 200 chars) that does not split a token."""
    n = len(text)
    for j in range(i, min(n, i + 200)):
        if j == 0 or j >= n or text[j].isspace() or not text[j].isalnum() or not text[j - 1].isalnum():
            return j
    return min(n, i)


def gap_probs(model: GapModel, text: str) -> Iterator[tuple[int, float]]:
    """(end offset, boundary probability) for every gap where a sentence may end, window by window."""
    for lo, hi, keep_lo, keep_hi in windows(text):
        toks = model.tokens(text[lo:hi], lo)
        keep = (toks.ends > keep_lo) & (toks.ends <= keep_hi)
        idx = np.flatnonzero(keep & toks.breakable)
        yield from zip(toks.ends[idx].tolist(), model.score_all(toks)[idx].tolist())
