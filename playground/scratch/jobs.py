"""From-scratch runs: one per session, at most ``MAX_JOBS`` training at once, compute on the shared worker.

A run lives on the server whatever happens to the page: a thread drives ``loop.run`` and folds its events into
a ``Progress`` the view reads (copied under a lock). Stop sets the run's event; the loop sees it before the next
step.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Any

from ..errors import PlaygroundError
from . import loop
from .settings import MAX_JOBS, ScratchSettings

log = logging.getLogger(__name__)


@dataclass
class Progress:
    """Everything the view shows about a run, built from the loop's events."""

    phase: str = "starting"
    step: int = 0
    total: int = 0
    losses: list = field(default_factory=list)  # (step, lstm loss, transformer loss)
    perplexity: list = field(default_factory=list)  # (step, lstm ppl, transformer ppl)
    samples: list = field(default_factory=list)  # (step, {name: text})
    speed: dict = field(default_factory=dict)  # name -> recent characters/second (mean of the last steps)
    elapsed: float = 0.0
    eta: float | None = None
    start: Any = None  # loop.StartEvent
    analysis: Any = None  # analysis.Analysis
    error: PlaygroundError | None = None
    version: int = 0
    _recent: dict = field(default_factory=dict, repr=False)

    def apply(self, event: Any) -> None:
        if isinstance(event, loop.StartEvent):
            self.start = event
        elif isinstance(event, loop.StepEvent):
            self.step, self.total, self.elapsed, self.eta = event.step, event.total, event.elapsed, event.eta
            self.losses.append((event.step, event.losses["lstm"], event.losses["transformer"]))
            for name, value in event.tokens_per_second.items():
                recent = self._recent.setdefault(name, [])
                recent.append(value)
                del recent[:-20]
                self.speed[name] = sum(recent) / len(recent)
        elif isinstance(event, loop.EvalEvent):
            self.perplexity.append((event.step, event.perplexity["lstm"], event.perplexity["transformer"]))
        elif isinstance(event, loop.SampleEvent):
            self.samples.append((event.step, dict(event.texts)))
        elif isinstance(event, loop.AnalysisEvent):
            self.analysis = event.analysis
        elif isinstance(event, loop.PhaseEvent):
            self.phase = event.phase
        self.version += 1

    def copy(self) -> "Progress":
        return replace(self, losses=list(self.losses), perplexity=list(self.perplexity), samples=list(self.samples),
                       speed=dict(self.speed), _recent={})


@dataclass
class ScratchJob:
    id: str
    owner: str
    settings: ScratchSettings
    stop: threading.Event = field(default_factory=threading.Event)
    finished: threading.Event = field(default_factory=threading.Event)
    progress: Progress = field(default_factory=Progress)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    created: float = field(default_factory=time.time)

    @property
    def running(self) -> bool:
        return not self.finished.is_set()

    def snapshot(self) -> Progress:
        with self.lock:
            return self.progress.copy()


class ScratchJobs:
    """Runs keyed by owner (a session id). ``worker``: the compute worker every step runs on (None = inline)."""

    def __init__(self, worker=None, max_jobs: int = MAX_JOBS) -> None:
        self.worker = worker
        self.max_jobs = max_jobs
        self._jobs: dict[str, ScratchJob] = {}
        self._lock = threading.Lock()
        self.sentiment_busy: set[str] = set()  # sessions whose sentiment comparison is running

    def job(self, owner: str) -> ScratchJob | None:
        with self._lock:
            return self._jobs.get(owner)

    def check_start(self, owner: str) -> None:
        with self._lock:
            self._check(owner)

    def _check(self, owner: str) -> None:  # caller holds the lock
        old = self._jobs.get(owner)
        if old is not None and old.running:
            raise PlaygroundError("scratch_already_running")
        running = sum(1 for j in self._jobs.values() if j.running)
        if running >= self.max_jobs:
            raise PlaygroundError("scratch_busy", n=running)

    def start(self, owner: str, text: str, settings: ScratchSettings) -> ScratchJob:
        with self._lock:
            self._check(owner)
            job = ScratchJob(secrets.token_hex(6), owner, settings)
            self._jobs[owner] = job
        threading.Thread(target=self._drive, args=(job, text), name=f"scratch-{job.id}", daemon=True).start()
        return job

    def stop(self, owner: str) -> bool:
        job = self.job(owner)
        if job is None or not job.running:
            return False
        job.stop.set()
        return True

    def forget(self, owner: str) -> None:
        self.stop(owner)
        with self._lock:
            self._jobs.pop(owner, None)

    def _drive(self, job: ScratchJob, text: str) -> None:
        call = self.worker.call_background if self.worker is not None else None
        try:
            for event in loop.run(text, job.settings, job.stop, call):
                with job.lock:
                    job.progress.apply(event)
        except PlaygroundError as exc:
            with job.lock:
                job.progress.error = exc
                job.progress.apply(loop.PhaseEvent("failed"))
        except Exception as exc:  # noqa: BLE001 - shown to the user in words, logged in full
            log.exception("From-scratch run %s failed", job.id)
            with job.lock:
                job.progress.error = PlaygroundError("training_failed", kind=type(exc).__name__,
                                                     detail=str(exc)[:300])
                job.progress.apply(loop.PhaseEvent("failed"))
        finally:
            job.finished.set()
