"""Training jobs: one per session, a global cap, a queue with positions."""

from __future__ import annotations

import logging
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import torch

from ..data import Dataset
from ..worker import ComputeWorker
from .settings import Busy, TrainLimits, TrainSettings, TrainingError
from .events import Event, PhaseEvent, Progress, TrainResult
from .loop import train

log = logging.getLogger(__name__)

# ----------------------------------------------------------------------------------------------- jobs

@dataclass
class TrainJob:
    """One session's training run, alive on the server whatever happens to the browser."""

    id: str
    owner: str  # session id
    settings: TrainSettings
    total: int
    stop: threading.Event = field(default_factory=threading.Event)
    progress: Progress = field(default_factory=Progress)
    result: TrainResult | None = None
    error: str = ""  # English text of ``failure``
    failure: TrainingError | None = None  # why the run failed (coded: ``failure.text(lang)`` for the user)
    base_name: str = ""
    base_choice: str = ""  # what the picker said (to load the base again for comparisons)
    ready: bool = False  # a ready-made run (trained beforehand), not one trained in this session
    finished: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def emit(self, event: Event) -> None:
        with self.lock:
            self.progress.apply(event)

    def snapshot(self) -> Progress:
        with self.lock:
            return self.progress.copy()

    @property
    def running(self) -> bool:
        return not self.finished.is_set()


class TrainingManager:
    """Jobs keyed by session, at most ``limits.max_jobs`` training at once, the rest waiting in arrival order."""

    def __init__(self, worker: ComputeWorker, limits: TrainLimits | None = None,
                 device: torch.device | str = "cpu") -> None:
        self.limits = limits or TrainLimits()
        self.worker = worker if self.limits.worker == "shared" else ComputeWorker(name="playground-training")
        self.device = device
        self._jobs: dict[str, TrainJob] = {}
        self._waiting: list[TrainJob] = []
        self._running = 0
        self._cond = threading.Condition()

    def job(self, owner: str) -> TrainJob | None:
        with self._cond:
            return self._jobs.get(owner)

    def position(self, job: TrainJob) -> int:
        """1-based place in the waiting line; 0 once it trains (or has finished)."""
        with self._cond:
            return self._waiting.index(job) + 1 if job in self._waiting else 0

    def active(self) -> int:
        with self._cond:
            return self._running + len(self._waiting)

    def jobs(self) -> list[TrainJob]:
        """Every job still known (running, waiting or finished), oldest first."""
        with self._cond:
            return sorted(self._jobs.values(), key=lambda j: j.progress.started)

    def start(self, owner: str, folder: str | Path, dataset: Dataset, settings: TrainSettings, runs_dir: Path,
              prompts: Sequence[str] = (), base_name: str = "", base_choice: str = "",
              on_finish: Callable[[TrainJob], None] | None = None) -> TrainJob:
        """Queue a job for ``owner`` (one per session); its result is saved in ``runs_dir / job.id``.

        Raises ``Busy`` (line full) or ``TrainingError`` (a run already going on, too many steps), coded."""
        total = settings.total_steps(len(dataset.train))
        with self._cond:
            self._check_start(owner, total)
            job = TrainJob(secrets.token_hex(6), owner, settings, total, base_name=base_name, base_choice=base_choice)
            self._jobs[owner] = job
            self._waiting.append(job)
        thread = threading.Thread(target=self._drive, name=f"train-{job.id}", daemon=True,
                                  args=(job, folder, dataset, Path(runs_dir) / job.id, prompts, on_finish))
        thread.start()
        return job

    def adopt(self, job: TrainJob) -> None:
        """Make a finished job (a ready-made run) its owner's current job; refused while the owner's run goes on."""
        with self._cond:
            old = self._jobs.get(job.owner)
            if old is not None and old.running:
                raise TrainingError("already_running")
            self._jobs[job.owner] = job

    def start_estimate(self, job: TrainJob) -> float | None:
        """Seconds until a waiting ``job`` should start: the running jobs' remaining time plus the whole runs of
        those ahead of it, spread over the training slots. None while no step time has been measured yet."""
        with self._cond:
            if job not in self._waiting:
                return 0.0
            running = [j for j in self._jobs.values() if j.running and j not in self._waiting]
            ahead = self._waiting[: self._waiting.index(job)]
        seen = {j.id: j.snapshot() for j in running}
        step_times = [t for p in seen.values() for t in p.step_times[-20:]]
        if not step_times:
            return None
        per_step = sum(step_times) / len(step_times)
        slots = sorted([(seen[j.id].eta_seconds or (j.total - seen[j.id].step) * per_step) for j in running]
                       + [0.0] * max(0, self.limits.max_jobs - len(running)))[: self.limits.max_jobs]
        for other in ahead:  # each waiting run takes the slot that frees first
            slots[0] += other.total * per_step
            slots.sort()
        return slots[0]

    def running(self, owner: str) -> bool:
        """True while ``owner`` has a job waiting or training."""
        job = self.job(owner)
        return job is not None and job.running

    def check_start(self, owner: str, settings: TrainSettings, train_blocks: int) -> None:
        """The checks ``start`` makes, without starting anything (for a form that validates before it asks for
        more): the step cap, one run per session, and room in the waiting line. Raises coded errors."""
        with self._cond:
            self._check_start(owner, settings.total_steps(train_blocks))

    def _check_start(self, owner: str, total: int) -> None:  # caller holds self._cond
        self.limits.check_steps(total)
        old = self._jobs.get(owner)
        if old is not None and old.running:
            raise TrainingError("already_running")
        if len(self._waiting) >= self.limits.max_waiting and self._running >= self.limits.max_jobs:
            raise Busy("busy", running=self._running, waiting=len(self._waiting))

    def stop(self, owner: str) -> bool:
        job = self.job(owner)
        if job is None or not job.running:
            return False
        job.stop.set()
        with self._cond:
            self._cond.notify_all()  # a waiting job leaves the line at once
        return True

    def forget(self, owner: str) -> None:
        """Stop and drop a session's job (its session is being deleted)."""
        self.stop(owner)
        with self._cond:
            self._jobs.pop(owner, None)

    def _acquire(self, job: TrainJob) -> bool:
        with self._cond:
            while not job.stop.is_set() and not (self._waiting and self._waiting[0] is job
                                                 and self._running < self.limits.max_jobs):
                self._cond.wait(timeout=1.0)
            self._waiting.remove(job)
            self._cond.notify_all()
            if job.stop.is_set():
                return False
            self._running += 1
            return True

    def _drive(self, job: TrainJob, folder, dataset: Dataset, out_dir: Path, prompts, on_finish) -> None:
        acquired = False
        try:
            acquired = self._acquire(job)
            if not acquired:
                job.emit(PhaseEvent("stopped"))
                return
            job.result = train(folder, dataset, job.settings, self.worker, job.stop, job.emit, out_dir=out_dir,
                               prompts=prompts, base_name=job.base_name, device=self.device, run_id=job.id)
        except TrainingError as exc:
            job.failure, job.error = exc, str(exc)
            job.emit(PhaseEvent("failed", str(exc)))
        except Exception as exc:  # noqa: BLE001 - reported to the user in words, logged in full
            log.exception("Fine-tuning job %s failed", job.id)
            job.failure = TrainingError("training_failed", kind=type(exc).__name__, detail=str(exc)[:300])
            job.error = str(job.failure)
            job.emit(PhaseEvent("failed", job.error))
        finally:
            if acquired:
                with self._cond:
                    self._running -= 1
                    self._cond.notify_all()
            job.finished.set()
            if on_finish is not None:
                try:
                    on_finish(job)
                except Exception:  # noqa: BLE001
                    log.exception("on_finish failed for job %s", job.id)
