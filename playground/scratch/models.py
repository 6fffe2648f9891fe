"""Two tiny character-level language models built from ``torch.nn``: an LSTM and a decoder-only Transformer.

Both read the same characters and predict the next one. Their sizes are chosen so the parameter counts match
(``lstm_width_for`` solves the LSTM's width for the Transformer's count), so a comparison is about the
architecture, not the size. This module is also what the "Show the code" panel prints, so it depends on torch only.
"""

from __future__ import annotations

import math

import torch
from torch import nn


class CharTokenizer:
    """One token per character: a tiny vocabulary that works for English and Chinese alike, with no unknowns in
    the training text (characters never seen in training are dropped when encoding a prompt)."""

    def __init__(self, text: str) -> None:
        self.chars = sorted(set(text))
        self.index = {c: i for i, c in enumerate(self.chars)}

    @property
    def vocab_size(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> list[int]:
        return [self.index[c] for c in text if c in self.index]

    def decode(self, ids) -> str:
        return "".join(self.chars[int(i)] for i in ids)


class LSTMLM(nn.Module):
    """Embedding -> LSTM -> linear. Reads the characters one after another: position t waits for t - 1."""

    def __init__(self, vocab_size: int, width: int, layers: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab_size, width)
        self.lstm = nn.LSTM(width, width, num_layers=layers, batch_first=True)
        self.head = nn.Linear(width, vocab_size)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """ids (B, T) -> logits (B, T, V)."""
        out, _ = self.lstm(self.embed(ids))  # (B, T, width)
        return self.head(out)


class Block(nn.Module):
    """Pre-norm Transformer block: causal self-attention, then a feed-forward layer, each with a residual."""

    def __init__(self, width: int, heads: int) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(width)
        self.attn = nn.MultiheadAttention(width, heads, batch_first=True)
        self.norm2 = nn.LayerNorm(width)
        self.ff = nn.Sequential(nn.Linear(width, 4 * width), nn.GELU(), nn.Linear(4 * width, width))

    def forward(self, x: torch.Tensor, mask: torch.Tensor, keep: list | None = None) -> torch.Tensor:
        h = self.norm1(x)
        out, weights = self.attn(h, h, h, attn_mask=mask, need_weights=keep is not None,
                                 average_attn_weights=False)
        if keep is not None:
            keep.append(weights)  # (B, heads, T, T); row i sums to 1 over columns 0..i
        x = x + out
        return x + self.ff(self.norm2(x))


class TransformerLM(nn.Module):
    """Token + learned position embeddings -> causal blocks -> norm -> linear. Every position is computed at once
    within a layer; the mask stops a position from seeing later ones."""

    def __init__(self, vocab_size: int, width: int, layers: int, context: int, heads: int = 4) -> None:
        super().__init__()
        self.context = context
        self.embed = nn.Embedding(vocab_size, width)
        self.pos = nn.Embedding(context, width)
        self.blocks = nn.ModuleList(Block(width, heads) for _ in range(layers))
        self.norm = nn.LayerNorm(width)
        self.head = nn.Linear(width, vocab_size)

    def forward(self, ids: torch.Tensor, keep: list | None = None) -> torch.Tensor:
        """ids (B, T) with T <= context -> logits (B, T, V). ``keep``: a list that receives each layer's
        attention weights (B, heads, T, T)."""
        t = ids.shape[1]
        mask = torch.triu(torch.ones(t, t, dtype=torch.bool, device=ids.device), diagonal=1)  # True = hidden
        x = self.embed(ids) + self.pos(torch.arange(t, device=ids.device))
        for block in self.blocks:
            x = block(x, mask, keep)
        return self.head(self.norm(x))


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def lstm_params(vocab_size: int, width: int, layers: int) -> int:
    """Embedding V*w + per layer 4 gates * (w*w input + w*w recurrent + 2 biases of w) + head w*V + V."""
    return vocab_size * width + layers * 4 * (2 * width * width + 2 * width) + width * vocab_size + vocab_size


def lstm_width_for(target: int, vocab_size: int, layers: int) -> int:
    """The LSTM width whose parameter count is closest to ``target`` (solves the quadratic, then checks the
    neighbours)."""
    a, b, c = 8 * layers, 2 * vocab_size + 8 * layers, vocab_size - target
    guess = (-b + math.sqrt(max(b * b - 4 * a * c, 0.0))) / (2 * a)
    candidates = {max(1, int(guess) + d) for d in (-1, 0, 1, 2)}
    return min(candidates, key=lambda w: abs(lstm_params(vocab_size, w, layers) - target))


def build_pair(vocab_size: int, width: int, layers: int, context: int, seed: int = 0,
               heads: int = 4) -> tuple[LSTMLM, TransformerLM]:
    """The two models, same seed, parameter counts matched (the LSTM's width solved for the Transformer's)."""
    torch.manual_seed(seed)
    transformer = TransformerLM(vocab_size, width, layers, context, heads)
    torch.manual_seed(seed)
    lstm = LSTMLM(vocab_size, lstm_width_for(count_params(transformer), vocab_size, layers), layers)
    return lstm, transformer


@torch.no_grad()
def sample(model: nn.Module, prompt: list[int], n: int, context: int, temperature: float = 0.8,
           generator: torch.Generator | None = None) -> list[int]:
    """``n`` new character ids after ``prompt`` (the window slides over the last ``context`` ids)."""
    ids = list(prompt) or [0]
    for _ in range(n):
        x = torch.tensor([ids[-context:]])
        logits = model(x)[0, -1] / max(temperature, 1e-3)
        ids.append(int(torch.multinomial(torch.softmax(logits, -1), 1, generator=generator)))
    return ids[len(prompt):] if prompt else ids[1:]
