"""Aggregations, attention rollout, downsampled thumbnails and automatic head-pattern labels (numpy only).

All functions take attention weights as float arrays ``[..., T, T]`` whose rows sum to 1 (row i = where token i
looks) and return arrays; nothing here draws.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

PREVIOUS, FIRST, SELF, LOCAL, BROAD, INDUCTION, MIXED = (
    "previous-token", "first-token", "self", "local", "broad", "induction", "mixed")
LABELS = (PREVIOUS, FIRST, SELF, LOCAL, BROAD, INDUCTION, MIXED)
# A head gets the label whose score is furthest above its threshold (score / threshold >= 1), else "mixed".
THRESHOLDS = {PREVIOUS: 0.5, FIRST: 0.6, SELF: 0.5, LOCAL: 0.75, BROAD: 0.85, INDUCTION: 0.3}
LOCAL_WINDOW = 3  # tokens on each side that count as "local"
INDUCTION_HALF = 24  # length of the random block that is repeated for the induction score


def mean_heads(weights: np.ndarray) -> np.ndarray:
    """[L, H, T, T] -> [L, T, T] average over heads (rows still sum to 1)."""
    return weights.mean(axis=1)


def max_heads(weights: np.ndarray) -> np.ndarray:
    """[L, H, T, T] -> [L, T, T] strongest weight any head gives each pair (rows do not sum to 1)."""
    return weights.max(axis=1)


def rollout(weights: np.ndarray, residual: float = 0.5) -> np.ndarray:
    """Attention rollout (Abnar & Zuidema, 2020): [L, H, T, T] -> [L, T, T], entry l = flow through layers 0..l.

    Each layer's head-averaged matrix is mixed with the identity (the residual connection carries a token's own
    information forward), rows are renormalised, and the layers are multiplied in order, so every row of every
    output is still a distribution over input tokens.
    """
    avg = weights.mean(axis=1, dtype=np.float32)
    eye = np.eye(avg.shape[-1], dtype=np.float32)
    out = np.empty_like(avg)
    flow = eye
    for layer in range(avg.shape[0]):
        mixed = residual * eye + (1.0 - residual) * avg[layer]
        mixed /= mixed.sum(axis=-1, keepdims=True)
        # einsum without BLAS: multi-threaded BLAS on these small matrices was 15x slower on a busy 2-core machine
        flow = np.einsum("ij,jk->ik", mixed, flow, optimize=False)
        out[layer] = flow
    return out


def downsample(weights: np.ndarray, size: int) -> np.ndarray:
    """Block-average the last two axes to at most ``size`` x ``size`` (for thumbnails; row sums scale alike)."""
    t = weights.shape[-1]
    if t <= size:
        return weights
    edges = np.linspace(0, t, size + 1).astype(int)[:-1]
    counts = np.diff(np.append(edges, t))
    x = np.add.reduceat(weights, edges, axis=-1)
    x = np.add.reduceat(x, edges, axis=-2)
    return x / (counts[:, None] * counts[None, :])


@dataclass(frozen=True)
class HeadScores:
    """Pattern scores for every head, each array [L, H] in 0..1 (higher = more of that pattern)."""

    previous: np.ndarray  # mean weight on the token just before
    first: np.ndarray  # mean weight on the first token (an "attention sink")
    self_: np.ndarray  # mean weight on the token itself (the diagonal)
    local: np.ndarray  # mean weight within LOCAL_WINDOW tokens
    broad: np.ndarray  # mean row entropy / its maximum (1 = perfectly uniform)
    induction: np.ndarray | None = None  # on a repeated random sequence: weight on the token after the earlier copy

    def as_dict(self) -> dict[str, np.ndarray]:
        d = {PREVIOUS: self.previous, FIRST: self.first, SELF: self.self_, LOCAL: self.local, BROAD: self.broad}
        if self.induction is not None:
            d[INDUCTION] = self.induction
        return d


def head_scores(weights: np.ndarray, causal: bool, induction: np.ndarray | None = None,
                max_rows: int = 96) -> HeadScores:
    """Score every head of ``weights`` [L, H, T, T] for each pattern (rows that say nothing are skipped).

    In a causal model row 0 can only look at itself, and rows 1-2 have almost no choice, so they are left out of
    the averages; an encoder's rows all count.
    """
    t = weights.shape[-1]
    w = weights.astype(np.float32, copy=False)
    idx = np.arange(t)
    start = 1 if causal else 0
    rows = idx[start:] if t > start else idx
    if len(rows) > max_rows:  # long texts: an even sample of rows gives the same averages at a fraction of the cost
        rows = np.unique(np.linspace(rows[0], rows[-1], max_rows).round().astype(int))
    prev_rows = rows[rows >= 1]
    prev = w[..., prev_rows, prev_rows - 1].mean(-1) if len(prev_rows) else np.zeros(w.shape[:2], np.float32)
    first_rows = prev_rows if len(prev_rows) else rows
    first = w[..., first_rows, 0].mean(-1)
    self_ = w[..., rows, rows].mean(-1)
    p = w[..., rows, :]  # [L, H, R, T]
    band = np.abs(rows[:, None] - idx[None, :]) <= LOCAL_WINDOW
    local = (p * band).sum(-1).mean(-1)
    # Normalised entropy: each row's entropy over the positions it may look at, divided by log(count).
    allowed = (rows + 1) if causal else np.full(len(rows), t)
    keep = allowed >= 4 if (allowed >= 4).any() else np.ones(len(rows), bool)
    allowed = allowed[keep]
    p = p[..., keep, :]
    ent = -(p * np.log(np.clip(p, 1e-12, None))).sum(-1)
    broad = (ent / np.log(np.maximum(allowed, 2))).mean(-1) if t > 1 else np.zeros(w.shape[:2], np.float32)
    return HeadScores(prev, first, self_, local, np.clip(broad, 0, 1), induction)


def label_heads(scores: HeadScores) -> np.ndarray:
    """[L, H] array of pattern names from ``LABELS`` (see ``THRESHOLDS``)."""
    d = scores.as_dict()
    names = list(d)
    ratio = np.stack([d[n] / THRESHOLDS[n] for n in names])  # [P, L, H]
    best = ratio.argmax(0)
    labels = np.array(names, dtype=object)[best]
    labels[ratio.max(0) < 1.0] = MIXED
    return labels


def induction_ids(vocab_size: int, half: int = INDUCTION_HALF, seed: int = 0, avoid: set[int] | None = None,
                  prefix: list[int] | None = None) -> list[int]:
    """``prefix`` + R + R with R ``half`` random token ids (fixed seed; special ids avoided)."""
    rng = np.random.default_rng(seed)
    avoid = avoid or set()
    pool = np.array([i for i in range(min(vocab_size, 50_000)) if i not in avoid])
    block = rng.choice(pool, size=half, replace=False).tolist()
    return list(prefix or []) + block + block


def induction_scores(weights: np.ndarray, half: int, offset: int = 0) -> np.ndarray:
    """[L, H] induction score on a ``prefix + R + R`` sequence: in the second copy, token ``i`` attends to the
    token right after its earlier occurrence (position ``i - half + 1``); the mean of that weight."""
    t = weights.shape[-1]
    rows = np.arange(offset + half, t)
    cols = rows - half + 1
    return weights[..., rows, cols].mean(-1)


def model_induction_scores(lm, half: int = INDUCTION_HALF) -> np.ndarray:
    """Run the model once on a repeated random sequence and score every head (run on the compute worker)."""
    from .extract import forward

    tok = lm.tokenizer
    special = set(getattr(tok, "all_special_ids", []) or [])
    prefix = []
    if getattr(lm, "is_encoder", False) and tok.cls_token_id is not None:
        prefix = [tok.cls_token_id]
    elif tok.bos_token_id is not None and tok("a")["input_ids"][:1] == [tok.bos_token_id]:
        prefix = [tok.bos_token_id]  # the model is used to seeing a BOS first
    vocab = len(tok)
    half = min(half, max(2, (vocab - len(special)) // 2))
    ids = induction_ids(vocab, half, avoid=special, prefix=prefix)
    out = forward(lm, ids, attentions=True, last_only=True)
    w = torch.stack([a[0] for a in out.attentions]).float().cpu().numpy()
    return induction_scores(w, half, offset=len(prefix))
