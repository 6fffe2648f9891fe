"""After training: where in the context each model is good, whether it can copy from far back, what the
Transformer attends to, and how many steps each must take one after another. Returns data; plots draw it."""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

NAME_LEN = 6  # characters of the invented name the copy test plants
COPY_TRIALS = 40
ATTENTION_CHARS = 40  # characters shown in the attention maps


@dataclass(frozen=True)
class CopyResult:
    accuracy: float  # share of the name's characters (after the first) predicted right when it appeared before
    baseline: float  # the same when the first appearance was replaced by other characters
    distance: int  # characters between the two appearances
    example: str  # one test sequence, for showing


@dataclass(frozen=True)
class Analysis:
    position_loss: dict  # name -> list of mean validation loss at each position 0..context-1 (nats)
    copy: dict  # name -> CopyResult
    attention: np.ndarray  # Transformer weights [layers, heads, T, T] on ``attention_text``
    attention_text: str
    sequential_steps: dict  # name -> steps that must run one after another for one sequence
    context: int
    layers: int


@torch.no_grad()
def position_loss(model, rows: torch.Tensor) -> list[float]:
    """Mean cross-entropy at each position of (n, context + 1) validation rows: early positions have little
    context to go on, so the curve shows how much each model gains from what it has read."""
    model.eval()
    logits = model(rows[:, :-1])
    loss = F.cross_entropy(logits.transpose(1, 2), rows[:, 1:], reduction="none")  # (n, context)
    return [float(x) for x in loss.mean(0)]


def copy_sequences(pair, trials: int = COPY_TRIALS, seed: int = 0) -> tuple[list[list[int]], list[list[int]], int]:
    """(with the name seen before, control without it, distance). Each sequence is an invented name, a stretch of
    validation text, then the same name again at the end of the context window."""
    tok, c = pair.tokenizer, pair.settings.context
    rng = random.Random(seed)
    letters = [i for i, ch in enumerate(tok.chars) if ch.isalpha()] or list(range(tok.vocab_size))
    val = pair.val.tolist()
    filler_len = c - 2 * NAME_LEN
    seen, control = [], []
    for _ in range(trials):
        name = [rng.choice(letters) for _ in range(NAME_LEN)]
        other = [rng.choice(letters) for _ in range(NAME_LEN)]
        start = rng.randrange(0, max(1, len(val) - filler_len))
        filler = (val[start:start + filler_len] + val)[:filler_len]
        seen.append(name + filler + name)
        control.append(other + filler + name)
    return seen, control, filler_len + NAME_LEN


@torch.no_grad()
def copy_accuracy(model, sequences: list[list[int]]) -> float:
    """Share of the final name's characters 2..n that the model's top prediction gets right (teacher-forced)."""
    model.eval()
    x = torch.tensor(sequences)
    pred = model(x[:, :-1]).argmax(-1)  # (n, T - 1): prediction of x[:, 1:]
    target = x[:, 1:]
    span = slice(x.shape[1] - NAME_LEN, x.shape[1] - 1)  # predictions of the name's 2nd..last characters
    return float((pred[:, span] == target[:, span]).float().mean())


@torch.no_grad()
def attention_maps(transformer, ids: list[int]) -> np.ndarray:
    transformer.eval()
    keep: list = []
    transformer(torch.tensor([ids]), keep=keep)
    return torch.stack([w[0] for w in keep]).numpy().astype(np.float32)  # (layers, heads, T, T)


def analyse(pair) -> "Analysis":
    s = pair.settings
    rows = pair.val_windows(256, stride=max(1, s.context // 8))  # overlapping: a smoother curve
    losses = {name: position_loss(m, rows) for name, m in pair.models.items()}
    seen, control, distance = copy_sequences(pair, seed=s.seed)
    copy = {name: CopyResult(copy_accuracy(m, seen), copy_accuracy(m, control), distance,
                             pair.tokenizer.decode(seen[0])) for name, m in pair.models.items()}
    ids = pair.val[: min(ATTENTION_CHARS, s.context)].tolist()
    weights = attention_maps(pair.models["transformer"], ids)
    steps = {"lstm": s.context, "transformer": s.layers}
    return Analysis(losses, copy, weights, pair.tokenizer.decode(ids), steps, s.context, s.layers)


def attention_result(analysis: Analysis):
    """The Transformer's maps as an ``AttentionResult``, so the Attention tab's figure functions draw them."""
    from ..attention.extract import DECODER, AttentionResult

    chars = list(analysis.attention_text)
    t = len(chars)
    labels = [{"\n": "⏎", " ": "␣"}.get(ch, ch) for ch in chars]
    return AttentionResult("scratch", list(range(t)), labels, [False] * t, analysis.attention,
                           torch.zeros(analysis.layers + 1, t, 1), torch.zeros(1), t - 1, DECODER, t)
