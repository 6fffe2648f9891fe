"""One long-lived thread that runs all model compute.

Measured on a 2-core CPU: torch work spread over many OS threads (a new thread per request, as a plain Gradio
handler does) halves bf16 decoding speed, and the slowdown persists. So every forward pass, load and generate
call goes through ``ComputeWorker.submit``; request handlers only wait for results or read streamed events.

Jobs are queued in arrival order. Besides jobs the worker drives *steppers*: objects with ``step() -> bool``
(``playground.batching.Batcher``: every running generation on one model, decoded together). While any stepper is
active the worker alternates: the jobs already waiting (next-token views, scoring, attention, a row joining a
batch), for about as long as the last step took, then one step of each stepper. So a short job waits a step or two,
never a whole generation, and when a room keeps sending short jobs, they and the batch share the thread.

Training steps are *background* jobs (``call_background``): while a batch is decoding they get at most
``PLAYGROUND_TRAINING_SHARE`` of the worker's time (a 2-second LoRA step after every 0.1-second decode step would
make sixteen people's answers crawl); when nobody is generating they run back to back.
"""

from __future__ import annotations

import collections
import logging
import os
import queue
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Callable

from . import settings as env_settings

log = logging.getLogger(__name__)

MIN_JOB_BUDGET = 0.05  # seconds of short jobs allowed between two batch steps, at least


@dataclass
class Job:
    fn: Callable[..., Any]
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    future: Future = field(default_factory=Future)
    background: bool = False  # a training step: takes at most its share of the time while a batch decodes


class ComputeWorker:
    """A single daemon thread executing queued jobs; started on first use, never at import.

    ``dedicated=False`` runs each job on its own short-lived thread instead. That is the mode for ZeroGPU Spaces,
    where the GPU is attached only inside the request's ``spaces.GPU`` call, so a long-lived thread in the main
    process could never use it (the CPU thread-pool slowdown this class avoids does not apply on a GPU).
    """

    def __init__(self, name: str = "playground-compute", dedicated: bool | None = None) -> None:
        if dedicated is None:
            dedicated = not os.environ.get("SPACES_ZERO_GPU")
        self.dedicated = dedicated
        self.name = name
        self._queue: "queue.Queue[Job | None]" = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._steppers: dict[Any, Any] = {}  # touched only on the worker thread
        self._deferred: "collections.deque[Job]" = collections.deque()  # background jobs held back for the batch
        self._last_step = 0.0
        self._busy = [0.0, 0.0]  # seconds spent [for the batch and other jobs, on background jobs] while it decodes
        self.background_share = float(env_settings.read("PLAYGROUND_TRAINING_SHARE"))
        self.jobs_done = 0
        self.steps_done = 0

    def _ensure_started(self) -> None:
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()

    def in_worker(self) -> bool:
        if not self.dedicated:
            return threading.current_thread().name == f"{self.name}-job"
        return threading.current_thread() is self._thread

    @property
    def pending(self) -> int:
        """Jobs waiting (not counting the one running)."""
        return self._queue.qsize()

    def submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Future:
        """Queue ``fn(*args, **kwargs)`` for the worker thread; returns a Future with its result."""
        return self._submit(Job(fn, args, kwargs))

    def call_background(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``call`` for a training step: while generations decode it takes only its share of the worker's time."""
        return self._submit(Job(fn, args, kwargs, background=True)).result()

    def _submit(self, job: Job) -> Future:
        if self.in_worker():  # a job that needs more compute runs it inline instead of deadlocking
            self._execute(job)
            return job.future
        if not self.dedicated:
            threading.Thread(target=self._execute, args=(job,), name=f"{self.name}-job", daemon=True).start()
            return job.future
        self._ensure_started()
        self._queue.put(job)
        return job.future

    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run ``fn`` on the worker and wait for its result (exceptions are re-raised here)."""
        return self.submit(fn, *args, **kwargs).result()

    def _execute(self, job: Job) -> None:
        if not job.future.set_running_or_notify_cancel():
            return
        try:
            job.future.set_result(job.fn(*job.args, **job.kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting caller
            job.future.set_exception(exc)
        finally:
            self.jobs_done += 1

    def stepper(self, key: Any) -> Any:
        """The active stepper under ``key`` (call on the worker thread, i.e. from a job)."""
        return self._steppers.get(key)

    def add_stepper(self, key: Any, stepper: Any) -> None:
        """Drive ``stepper.step()`` between jobs until it returns False (call on the worker thread)."""
        self._steppers[key] = stepper

    def load(self) -> dict[str, int]:
        """A snapshot for status displays: rows decoding together, rows waiting to join, other jobs queued."""
        steppers = list(self._steppers.values())
        return {"rows": sum(len(getattr(s, "rows", ())) for s in steppers),
                "joining": sum(len(getattr(s, "waiting", ())) for s in steppers),
                "jobs": self._queue.qsize()}

    def _step_all(self) -> None:
        for key, stepper in list(self._steppers.items()):
            try:
                alive = stepper.step()
            except BaseException as exc:  # noqa: BLE001 - a broken stepper fails its own requests, not the worker
                log.exception("stepper %s failed", key)
                stepper.fail_all(exc)
                alive = False
            if not alive:
                del self._steppers[key]
        self.steps_done += 1

    def _timed(self, job: Job) -> None:
        started = time.perf_counter()
        self._execute(job)
        self._busy[job.background] += time.perf_counter() - started

    def _background_turn(self) -> bool:
        spent, background = self._busy
        return background <= self.background_share * (spent + background)

    def _run(self) -> None:
        while True:
            if not self._steppers:
                self._busy = [0.0, 0.0]
                job = self._deferred.popleft() if self._deferred else self._queue.get()
                if job is None:
                    return
                self._execute(job)
                continue
            # The jobs that were waiting before this step (newer ones after it), for about as long as the last step
            # took: when a room keeps sending short jobs, they and the batch share the thread half and half.
            budget, spent = max(self._last_step, MIN_JOB_BUDGET), 0.0
            for _ in range(self._queue.qsize()):
                if spent >= budget:
                    break
                try:
                    job = self._queue.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    for stepper in self._steppers.values():
                        stepper.fail_all(RuntimeError("the compute worker was shut down"))
                    self._steppers.clear()
                    return
                if job.background:
                    self._deferred.append(job)
                else:
                    started = time.perf_counter()
                    self._timed(job)
                    spent += time.perf_counter() - started
            if self._deferred and self._background_turn():
                self._timed(self._deferred.popleft())
            started = time.perf_counter()
            self._step_all()
            self._last_step = time.perf_counter() - started
            self._busy[0] += self._last_step

    def shutdown(self, timeout: float = 5.0) -> None:
        thread = self._thread
        if thread is not None and thread.is_alive():
            self._queue.put(None)
            thread.join(timeout)
