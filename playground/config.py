"""Settings as frozen, validated dataclasses.

Server limits (``Limits``) come from ``PLAYGROUND_*`` environment variables through ``playground.settings``, the one
module that reads them. ``GenerationSettings`` declares each decoding control's bounds once on its field
(``playground.fields.setting``): validation and the UI's slider ranges read the same numbers. Refusals are coded
``PlaygroundError``s (a ``ValueError``) whose text the UI shows in the user's language.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from . import settings as env_settings
from .errors import PlaygroundError
from .fields import check_fields, setting


def default_cache_dir() -> Path:
    """Where converted models and per-session files live (``PLAYGROUND_CACHE`` overrides)."""
    configured = env_settings.read("PLAYGROUND_CACHE")
    if configured is not None:
        return configured
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "llm-playground"


def _env(name: str) -> str:
    return f"PLAYGROUND_{name.upper()}"


def _limit(name: str, help: str) -> Any:
    return field(default=env_settings.default(_env(name)), metadata={"help": help})


@dataclass(frozen=True)
class Limits:
    """Server-side limits (``PLAYGROUND_<FIELD>`` overrides each). Defaults suit a 2-core CPU shared by a room;
    the accepted ranges live in ``playground.settings.VARIABLES``."""

    max_new_tokens: int = _limit("max_new_tokens", "Cap on tokens generated per request.")
    max_prompt_tokens: int = _limit("max_prompt_tokens", "Longer prompts are cut from the left.")
    max_input_chars: int = _limit("max_input_chars", "Longer text is refused before tokenizing.")
    max_time: float = _limit("max_time", "Seconds one generation may run at most.")
    max_models: int = _limit("max_models", "Loaded models kept in memory (LRU).")
    queue_size: int = _limit("queue_size", "Requests waiting in the Gradio queue.")
    concurrency: int = _limit("concurrency", "Model requests running at once (others queue).")
    max_batch: int = _limit("max_batch", "Generations decoded together in one forward pass.")
    max_file_size: str = _limit("max_file_size", "Largest upload.")
    top_alternatives: int = _limit("top_alternatives", "Alternatives kept per generated token.")

    def __post_init__(self) -> None:
        for f in fields(self):
            env_settings.variable(_env(f.name)).check(getattr(self, f.name), f.name)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "Limits":
        """Read ``PLAYGROUND_<NAME>`` overrides, e.g. ``PLAYGROUND_MAX_NEW_TOKENS=256``."""
        return cls(**env_settings.read_many({f.name: _env(f.name) for f in fields(cls)}, environ))


MAX_STOPS = 8
MAX_STOP_CHARS = 100


@dataclass(frozen=True)
class GenerationSettings:
    """Decoding controls. ``to_generate_kwargs`` turns them into ``model.generate`` arguments.

    Each field's range is the one a slider shows (``playground.fields.bounds``). Why these ranges:
    temperature 0.05-3 (below 0.05 sampling is greedy in all but name; above 3 the small models' text is noise),
    top-k 0-500 (0 = off; beyond a few hundred it no longer changes anything visible), top-p 0.05-1 (1 = off),
    min-p 0-0.5 (0 = off; above 0.5 only the top token survives in practice), repetition penalty 1-2 (1 = off;
    values below 1 reward repeating, which only makes small models loop, and above 2 the model avoids even "the"),
    beams 1-8 (each beam costs a full forward pass on a 2-core CPU). ``max_new_tokens`` and ``max_time`` are also
    capped per server by ``Limits`` (``capped``).
    """

    max_new_tokens: int = setting(128, min=1, max=4096, step=1,
                                  help="Tokens to generate at most (the server may cap it lower).")
    do_sample: bool = setting(True, help="Sample from the distribution (off = greedy: always the top token).")
    temperature: float = setting(0.7, min=0.05, max=3.0, step=0.05,
                                 help="Below 1 sharpens the distribution, above 1 flattens it.")
    top_k: int = setting(50, min=0, max=500, step=1, help="Keep only the k most likely tokens (0 = off).")
    top_p: float = setting(0.95, min=0.05, max=1.0, step=0.01,
                           help="Keep the smallest set of tokens whose probabilities add up to p (1 = off).")
    min_p: float = setting(0.0, min=0.0, max=0.5, step=0.01,
                           help="Drop tokens below min-p times the top token's probability (0 = off).")
    typical_p: float = setting(1.0, min=0.05, max=1.0, step=0.01,
                               help="Keep the tokens whose surprise is closest to the average surprise (1 = off).")
    repetition_penalty: float = setting(1.1, min=1.0, max=2.0, step=0.05,
                                        help="Make tokens already in the text less likely (1 = off).")
    no_repeat_ngram_size: int = setting(0, min=0, max=8, step=1,
                                        help="Never repeat a sequence of this many tokens (0 = off).")
    num_beams: int = setting(1, min=1, max=8, step=1, help="Beam search keeps this many candidates (1 = off).")
    stop: tuple[str, ...] = ()  # at most MAX_STOPS texts of MAX_STOP_CHARS characters; generation ends at one
    seed: int | None = setting(None, min=0, max=2**32 - 1, step=1, kind=int,
                               help="Same seed + same settings = same text (empty = pick one and report it).")
    max_time: float | None = setting(None, min=0.1, max=3600.0, step=0.1, kind=float,
                                     help="Seconds one generation may run (empty = the server limit).")

    def __post_init__(self) -> None:
        if isinstance(self.stop, str):  # a single string is a common slip
            object.__setattr__(self, "stop", (self.stop,) if self.stop else ())
        object.__setattr__(self, "stop", tuple(s for s in self.stop if s))
        check_fields(self)
        if len(self.stop) > MAX_STOPS:
            raise PlaygroundError("too_many_stops", max=MAX_STOPS)
        if any(len(s) > MAX_STOP_CHARS for s in self.stop):
            raise PlaygroundError("stop_too_long", max=MAX_STOP_CHARS)

    def capped(self, limits: Limits) -> "GenerationSettings":
        """Apply server limits; raises if the request asks for more than the server allows."""
        if self.max_new_tokens > limits.max_new_tokens:
            raise PlaygroundError("max_new_tokens_cap", n=self.max_new_tokens, limit=limits.max_new_tokens)
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
            if self.typical_p < 1.0:
                kwargs["typical_p"] = self.typical_p
        else:
            # Greedy search applies no sampling warpers; neutral values keep the user's sampling choices out.
            # (top_k is left out: transformers flags top_k=0 as invalid with greedy search.)
            kwargs.update(temperature=1.0, top_p=1.0)
        if self.max_time is not None:
            kwargs["max_time"] = self.max_time
        return kwargs
