"""The from-scratch training loop: one step of the LSTM, then one of the Transformer, on the same batch.

``run(text, settings, stop)`` is a generator of events (``StepEvent``, ``EvalEvent``, ``SampleEvent``,
``PhaseEvent``, ``AnalysisEvent``). Each step is one job on the compute worker when one is given, and ``stop``
is checked before every step, so Stop takes effect within one step.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import torch
import torch.nn.functional as F

from .models import CharTokenizer, build_pair, count_params, sample
from .settings import ScratchSettings
from .texts import split

NAMES = ("lstm", "transformer")
SAMPLE_CHARS = 120
EVAL_WINDOWS = 24  # validation sequences per perplexity check (kept small: it runs during training)


@dataclass(frozen=True)
class StartEvent:
    vocab_size: int
    chars: int
    params: dict  # name -> parameter count
    widths: dict  # name -> width
    prompt: str  # what samples start from


@dataclass(frozen=True)
class StepEvent:
    step: int
    total: int
    losses: dict  # name -> training loss (nats per character)
    tokens_per_second: dict  # name -> characters per second in this step
    elapsed: float  # seconds since training started
    eta: float  # seconds left (from the average step time, capped by the time limit)


@dataclass(frozen=True)
class EvalEvent:
    step: int
    perplexity: dict  # name -> validation perplexity (per character)


@dataclass(frozen=True)
class SampleEvent:
    step: int
    texts: dict  # name -> sampled continuation


@dataclass(frozen=True)
class PhaseEvent:
    phase: str  # training | analysing | done | stopped | timeout
    detail: str = ""


@dataclass(frozen=True)
class AnalysisEvent:
    analysis: Any  # playground.scratch.analysis.Analysis


class Pair:
    """Both models, their optimizers and the data: everything one run holds (lives on the compute worker)."""

    def __init__(self, text: str, settings: ScratchSettings) -> None:
        self.settings = settings
        self.tokenizer = CharTokenizer(text)
        ids = self.tokenizer.encode(text)
        train, val = split(ids, settings.context)
        self.train = torch.tensor(train)
        self.val = torch.tensor(val)
        self.models = dict(zip(NAMES, build_pair(self.tokenizer.vocab_size, settings.width, settings.layers,
                                                 settings.context, settings.seed)))
        self.optimizers = {n: torch.optim.AdamW(m.parameters(), lr=settings.lr, weight_decay=0.01)
                           for n, m in self.models.items()}
        self.generator = torch.Generator().manual_seed(settings.seed)

    def batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(inputs, targets), each (batch, context): random windows of the training text."""
        c = self.settings.context
        starts = torch.randint(0, len(self.train) - c - 1, (self.settings.batch,), generator=self.generator)
        rows = torch.stack([self.train[s:s + c + 1] for s in starts.tolist()])
        return rows[:, :-1], rows[:, 1:]

    def step(self, name: str, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
        """One AdamW step of model ``name``; returns (loss, seconds)."""
        model, opt = self.models[name], self.optimizers[name]
        model.train()
        t0 = time.perf_counter()
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return float(loss.detach()), time.perf_counter() - t0

    def val_windows(self, limit: int = EVAL_WINDOWS, stride: int | None = None) -> torch.Tensor:
        """Validation sequences (n, context + 1), ``stride`` characters apart (default: not overlapping)."""
        c = self.settings.context + 1
        stride = stride or c
        starts = list(range(0, len(self.val) - c + 1, stride))[:limit]
        return torch.stack([self.val[s:s + c] for s in starts])

    @torch.no_grad()
    def perplexity(self) -> dict:
        rows = self.val_windows()
        out = {}
        for name, model in self.models.items():
            model.eval()
            logits = model(rows[:, :-1])
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), rows[:, 1:].reshape(-1))
            out[name] = math.exp(min(float(loss), 50.0))
        return out

    def samples(self, prompt: str) -> dict:
        ids = self.tokenizer.encode(prompt)
        out = {}
        for name, model in self.models.items():
            model.eval()
            gen = torch.Generator().manual_seed(self.settings.seed)
            new = sample(model, ids, SAMPLE_CHARS, self.settings.context, self.settings.temperature, gen)
            out[name] = self.tokenizer.decode(new)
        return out


def sample_prompt(text: str) -> str:
    """The first few characters of the text's first line (a title or the start of a sentence)."""
    first = text.strip().split("\n", 1)[0]
    return first[: max(4, min(12, len(first)))]


def run(text: str, settings: ScratchSettings, stop: threading.Event,
        call: Callable[..., Any] | None = None) -> Iterator[Any]:
    """Train both models on ``text``; yields events. ``call(fn, *args)`` runs compute (e.g. ``worker.call``).

    The loop alternates the two models on the same batch, so both see identical data in the same order and share
    the machine's load fairly; each one's characters/second is measured over its own step only.
    """
    call = call or (lambda fn, *args: fn(*args))
    pair: Pair = call(Pair, text, settings)
    prompt = sample_prompt(text)
    params = {n: count_params(m) for n, m in pair.models.items()}
    widths = {"lstm": pair.models["lstm"].lstm.hidden_size, "transformer": settings.width}
    yield StartEvent(pair.tokenizer.vocab_size, len(text), params, widths, prompt)
    yield PhaseEvent("training")
    started = time.perf_counter()
    tokens = settings.batch * settings.context
    total, step, ending = settings.steps, 0, "done"
    while step < total:
        if stop.is_set():
            ending = "stopped"
            break
        if time.perf_counter() - started > settings.max_seconds:
            ending = "timeout"
            break
        x, y = call(pair.batch)
        losses, speed = {}, {}
        for name in NAMES:
            if stop.is_set():
                break
            losses[name], seconds = call(pair.step, name, x, y)
            speed[name] = tokens / seconds if seconds > 0 else 0.0
        if len(losses) < len(NAMES):
            ending = "stopped"
            break
        step += 1
        elapsed = time.perf_counter() - started
        eta = min(elapsed / step * (total - step), max(0.0, settings.max_seconds - elapsed))
        yield StepEvent(step, total, losses, speed, elapsed, eta)
        if step % settings.sample_every == 0 or step == total:
            yield EvalEvent(step, call(pair.perplexity))
            yield SampleEvent(step, call(pair.samples, prompt))
    if step and step % settings.sample_every and step != total:
        yield EvalEvent(step, call(pair.perplexity))
        yield SampleEvent(step, call(pair.samples, prompt))
    if step:
        from .analysis import analyse

        yield PhaseEvent("analysing")
        yield AnalysisEvent(call(analyse, pair))
    yield PhaseEvent(ending)
