"""The plain results the model views hand to the UI: next-token distributions, token events of a generation, and
a text's surprisal. They hold data only (no torch, no model), so a local model and a remote engine fill the same
types and the UI draws them the same way."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Alternative:
    token_id: int  # -1 when a remote engine names the token by its text only
    token: str
    prob: float  # as the sampler saw it (0 when filtered out by top-k / top-p / min-p)
    raw_prob: float  # softmax of the model's logits


@dataclass(frozen=True)
class NextTokenView:
    """The top of a next-token distribution, raw and reshaped by sampling settings."""

    tokens: tuple[Alternative, ...]  # sorted by raw probability
    kept: int  # tokens with non-zero probability after filtering
    entropy_bits: float  # of the reshaped distribution
    vocab_size: int
    known_mass: float = 1.0  # the share of probability the view knows (a remote engine returns its top tokens only)


@dataclass(frozen=True)
class TextScore:
    """Per-token surprisal of a text under the model; perplexity = exp(mean surprisal in nats)."""

    tokens: tuple[str, ...]  # labels of the scored tokens (the first token has no prediction, so it is left out)
    surprisal_bits: tuple[float, ...]
    probs: tuple[float, ...]
    perplexity: float
    approximate: int = 0  # tokens whose probability was only bounded (outside the top a remote engine returned)


@dataclass(frozen=True)
class TokenEvent:
    index: int  # 0-based position among generated tokens
    token_id: int  # -1 from a remote engine
    token: str  # readable label of this one token
    text: str  # text to append to the output (may be "" while a character's bytes are incomplete)
    prob: float
    raw_prob: float
    alternatives: tuple[Alternative, ...]


@dataclass(frozen=True)
class GenerationDone:
    text: str
    tokens: tuple[TokenEvent, ...]
    prompt: Any  # the ``prompts.PreparedPrompt`` that was generated from
    stop_reason: str  # eos | length | stop_sequence | stopped | max_time
    seconds: float
    first_token_seconds: float | None
    seed: int
    prompt_tokens: int | None = None  # as the engine counted them (a remote engine); else len(prompt.input_ids)

    @property
    def new_tokens(self) -> int:
        return len(self.tokens)

    @property
    def prompt_count(self) -> int:
        return self.prompt_tokens if self.prompt_tokens is not None else len(self.prompt.input_ids)

    @property
    def tokens_per_second(self) -> float:
        return self.new_tokens / self.seconds if self.seconds > 0 else 0.0
