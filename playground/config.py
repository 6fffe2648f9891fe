"""Settings as frozen, validated dataclasses.

Every limit can be overridden by a ``PLAYGROUND_*`` environment variable (see ``Limits.from_env``).
Validation errors are ``ValueError`` with a sentence a workshop participant understands.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any


def default_cache_dir() -> Path:
    """Where converted models and per-session files live (``PLAYGROUND_CACHE`` overrides)."""
    if os.environ.get("PLAYGROUND_CACHE"):
        return Path(os.environ["PLAYGROUND_CACHE"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "llm-playground"


@dataclass(frozen=True)
class Limits:
    """Server-side limits. Defaults suit a 2-core CPU shared by a workshop room."""

    max_new_tokens: int = field(default=512, metadata={"help": "Cap on tokens generated per request."})
    max_prompt_tokens: int = field(default=1024, metadata={"help": "Longer prompts are cut from the left."})
    max_input_chars: int = field(default=20_000, metadata={"help": "Longer text is refused before tokenizing."})
    max_time: float = field(default=120.0, metadata={"help": "Seconds one generation may run at most."})
    max_models: int = field(default=2, metadata={"help": "Loaded models kept in memory (LRU)."})
    queue_size: int = field(default=64, metadata={"help": "Requests waiting in the Gradio queue."})
    concurrency: int = field(default=1, metadata={"help": "Model requests running at once (others queue)."})
    max_file_size: str = field(default="10mb", metadata={"help": "Largest upload."})
    top_alternatives: int = field(default=5, metadata={"help": "Alternatives kept per generated token."})

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, (int, float)) and not isinstance(value, bool) and not value > 0:  # NaN too
                raise ValueError(f"Limit {f.name} must be positive, got {value}.")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "Limits":
        """Read ``PLAYGROUND_<NAME>`` overrides, e.g. ``PLAYGROUND_MAX_NEW_TOKENS=256``."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f"PLAYGROUND_{f.name.upper()}")
            if raw is None or raw == "":
                continue
            kind = type(f.default)
            try:
                values[f.name] = kind(raw)
                if isinstance(values[f.name], float) and not math.isfinite(values[f.name]):
                    raise ValueError(raw)
            except ValueError:
                raise ValueError(f"PLAYGROUND_{f.name.upper()}={raw!r} is not a valid {kind.__name__}.") from None
        return cls(**values)


@dataclass(frozen=True)
class GenerationSettings:
    """Decoding controls. ``to_generate_kwargs`` turns them into ``model.generate`` arguments."""

    max_new_tokens: int = 128
    do_sample: bool = True
    temperature: float = 0.7
    top_k: int = 50  # 0 = off
    top_p: float = 0.95  # 1.0 = off
    min_p: float = 0.0  # 0.0 = off
    repetition_penalty: float = 1.1  # 1.0 = off
    no_repeat_ngram_size: int = 0  # 0 = off
    num_beams: int = 1
    stop: tuple[str, ...] = ()
    seed: int | None = None  # None = pick one and report it, so a run can be repeated
    max_time: float | None = None  # seconds; None = the server limit

    def __post_init__(self) -> None:
        if isinstance(self.stop, str):  # a single string is a common slip
            object.__setattr__(self, "stop", (self.stop,) if self.stop else ())
        object.__setattr__(self, "stop", tuple(s for s in self.stop if s))
        checks = [
            (self.max_new_tokens >= 1, "Max new tokens must be at least 1."),
            (self.temperature > 0, "Temperature must be above 0 (use greedy decoding for 'no randomness')."),
            (self.temperature <= 5, "Temperature above 5 only produces noise; pick a value up to 5."),
            (self.top_k >= 0, "Top-k must be 0 (off) or a positive number of tokens."),
            (0 < self.top_p <= 1, "Top-p must be between 0 (exclusive) and 1."),
            (0 <= self.min_p < 1, "Min-p must be between 0 and 1 (exclusive)."),
            (0.5 <= self.repetition_penalty <= 3, "Repetition penalty must be between 0.5 and 3 (1 = off)."),
            (self.no_repeat_ngram_size >= 0, "No-repeat n-gram size must be 0 (off) or positive."),
            (1 <= self.num_beams <= 8, "Number of beams must be between 1 and 8."),
            (len(self.stop) <= 8, "Use at most 8 stop sequences."),
            (all(len(s) <= 100 for s in self.stop), "Each stop sequence must be at most 100 characters."),
            (self.seed is None or 0 <= self.seed < 2**32, "Seed must be between 0 and 4294967295."),
            (self.max_time is None or self.max_time > 0, "Max time must be a positive number of seconds."),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(message)

    def capped(self, limits: Limits) -> "GenerationSettings":
        """Apply server limits; raises if the request asks for more than the server allows."""
        if self.max_new_tokens > limits.max_new_tokens:
            raise ValueError(
                f"Max new tokens is {self.max_new_tokens}, but this server allows at most {limits.max_new_tokens}."
            )
        max_time = limits.max_time if self.max_time is None else min(self.max_time, limits.max_time)
        return replace(self, max_time=max_time)

    def to_generate_kwargs(self) -> dict[str, Any]:
        """Arguments for ``model.generate``; sampling-only knobs are left out for greedy/beam search."""
        kwargs: dict[str, Any] = {
            "max_new_tokens": self.max_new_tokens,
            "do_sample": self.do_sample,
            "num_beams": self.num_beams,
            "repetition_penalty": self.repetition_penalty,
            "no_repeat_ngram_size": self.no_repeat_ngram_size,
        }
        if self.do_sample:
            kwargs.update(temperature=self.temperature, top_k=self.top_k, top_p=self.top_p)
            if self.min_p > 0:
                kwargs["min_p"] = self.min_p
        else:
            # Greedy search applies no sampling warpers; neutral values keep the user's sampling choices out.
            # (top_k is left out: transformers flags top_k=0 as invalid with greedy search.)
            kwargs.update(temperature=1.0, top_p=1.0)
        if self.max_time is not None:
            kwargs["max_time"] = self.max_time
        return kwargs
