"""One long-lived thread that runs all model compute.

Measured on a 2-core CPU: torch work spread over many OS threads (a new thread per request, as a plain Gradio
handler does) halves bf16 decoding speed, and the slowdown persists. So every forward pass, load and generate
call goes through ``ComputeWorker.submit``; request handlers only wait for results or read streamed events.

Jobs are queued in arrival order. Each job carries an optional ``batch_key``: jobs with the same key (same model,
same kind of work) are the ones a later version can serve together in one batched forward pass.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Callable

log = logging.getLogger(__name__)


@dataclass
class Job:
    fn: Callable[..., Any]
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    batch_key: str | None = None
    future: Future = field(default_factory=Future)


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
        self.jobs_done = 0

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

    def submit(self, fn: Callable[..., Any], *args: Any, batch_key: str | None = None, **kwargs: Any) -> Future:
        """Queue ``fn(*args, **kwargs)`` for the worker thread; returns a Future with its result."""
        job = Job(fn, args, kwargs, batch_key)
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

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            self._execute(job)

    def shutdown(self, timeout: float = 5.0) -> None:
        thread = self._thread
        if thread is not None and thread.is_alive():
            self._queue.put(None)
            thread.join(timeout)
