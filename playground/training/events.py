"""Events a training run reports, and Progress, which folds them into what the UI shows."""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field, replace




log = logging.getLogger(__name__)

# ----------------------------------------------------------------------------------------------- events

@dataclass(frozen=True)
class StepEvent:
    step: int
    total: int
    loss: float
    lr: float
    tokens: int  # tokens in this step's batch
    seconds: float  # wall time of this step, as the driver saw it (includes waiting for other users' jobs)


@dataclass(frozen=True)
class EvalEvent:
    step: int
    val_loss: float


@dataclass(frozen=True)
class SampleEvent:
    step: int
    prompt: str
    text: str


@dataclass(frozen=True)
class PhaseEvent:
    phase: str  # waiting | loading | evaluating | training | saving | comparing | done | stopped | failed
    detail: str = ""


@dataclass(frozen=True)
class TokenDiff:
    """Per-token log-probabilities of one passage under the base and the tuned model (natural log)."""

    tokens: tuple[str, ...]  # readable labels of the predicted tokens (the first token has no prediction)
    base: tuple[float, ...]
    tuned: tuple[float, ...]


@dataclass(frozen=True)
class TrainResult:
    run_id: str
    method: str
    status: str  # done | stopped
    steps: int
    total_steps: int
    seconds: float
    train_seconds: float  # time inside training steps only
    tokens_per_second: float
    trainable_params: int
    total_params: int
    val_loss_before: float
    val_loss_after: float
    prompts: tuple[str, ...] = ()
    base_completions: tuple[str, ...] = ()
    tuned_completions: tuple[str, ...] = ()
    diff: TokenDiff | None = None
    folder: str = ""

    @property
    def ppl_before(self) -> float:
        return math.exp(min(self.val_loss_before, 50))

    @property
    def ppl_after(self) -> float:
        return math.exp(min(self.val_loss_after, 50))


Event = StepEvent | EvalEvent | SampleEvent | PhaseEvent


@dataclass
class Progress:
    """Everything a view needs about a job; built from events (``Progress.apply``), copied for readers."""

    phase: str = "waiting"
    detail: str = ""
    step: int = 0
    total: int = 0
    losses: list[tuple[int, float]] = field(default_factory=list)
    val_losses: list[tuple[int, float]] = field(default_factory=list)
    samples: list[tuple[int, str, str]] = field(default_factory=list)
    step_times: list[float] = field(default_factory=list)
    tokens: int = 0
    train_seconds: float = 0.0
    started: float = field(default_factory=time.time)
    ended: float | None = None
    version: int = 0

    def apply(self, event: Event) -> None:
        if isinstance(event, StepEvent):
            self.step, self.total = event.step, event.total
            self.losses.append((event.step, event.loss))
            self.step_times.append(event.seconds)
            self.tokens += event.tokens
            self.train_seconds += event.seconds
        elif isinstance(event, EvalEvent):
            self.val_losses.append((event.step, event.val_loss))
        elif isinstance(event, SampleEvent):
            self.samples.append((event.step, event.prompt, event.text))
        elif isinstance(event, PhaseEvent):
            self.phase, self.detail = event.phase, event.detail
            if event.phase in ("done", "stopped", "failed"):
                self.ended = time.time()
        self.version += 1

    @property
    def tokens_per_second(self) -> float:
        return self.tokens / self.train_seconds if self.train_seconds > 0 else 0.0

    @property
    def eta_seconds(self) -> float | None:
        """Remaining seconds from the recent step times (None before the first step)."""
        if not self.step_times or not self.total:
            return None
        recent = self.step_times[-10:]
        return sum(recent) / len(recent) * max(0, self.total - self.step)

    @property
    def overfitting(self) -> bool:
        """Validation loss went up at the last two checks while it had been lower before: more steps now mostly
        memorise the training text."""
        v = [x for _, x in self.val_losses]
        return len(v) >= 3 and v[-1] > v[-2] > v[-3] and v[-1] > min(v) * 1.01

    def copy(self) -> "Progress":
        return replace(self, losses=list(self.losses), val_losses=list(self.val_losses), samples=list(self.samples),
                       step_times=list(self.step_times))
