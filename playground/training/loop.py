"""The training loop: one compute-worker job per step, callbacks, a stop event checked between steps."""

from __future__ import annotations

import json
import logging
import math
import random
import secrets
import threading
import time
from dataclasses import asdict
from pathlib import Path
from typing import Callable, Sequence

import torch

from ..data import Dataset
from ..worker import ComputeWorker
from .settings import META, TrainSettings, TrainingError
from .events import EvalEvent, Event, PhaseEvent, SampleEvent, StepEvent, TokenDiff, TrainResult
from .model_side import PrivateModel

log = logging.getLogger(__name__)

# ----------------------------------------------------------------------------------------------- the loop

def train(folder: str | Path, dataset: Dataset, settings: TrainSettings, worker: ComputeWorker,
          stop: threading.Event, callback: Callable[[Event], None], out_dir: Path | None = None,
          prompts: Sequence[str] = (), base_name: str = "", device: torch.device | str = "cpu",
          run_id: str | None = None, before_step: Callable[[int], None] | None = None,
          accelerator=None) -> TrainResult:
    """Train a private copy of the model in ``folder`` on ``dataset``; returns the result (also when stopped).

    Runs on the calling thread, sending each step / evaluation / sample to ``worker`` as its own job. Events go to
    ``callback`` as they happen. With ``out_dir`` the adapter (or weights) and a ``meta.json`` are saved there.

    ``accelerator`` (several processes under ``accelerate launch``): every process walks the same seeded block
    order and takes its own ``batch_size`` blocks of each step's window of ``batch_size x processes``; losses are
    averaged over the processes, so all report the same numbers; only the main process saves.
    """
    device = torch.device(device) if isinstance(device, str) else device
    started = time.perf_counter()
    run_id = run_id or secrets.token_hex(6)
    total = settings.total_steps(len(dataset.train))
    eval_blocks = list(dataset.val[: settings.max_eval_blocks])
    prompts = [p for p in prompts if p and p.strip()][:4]
    callback(PhaseEvent("loading"))
    private: PrivateModel = worker.call_background(PrivateModel, folder, settings, total, device, accelerator)
    world = accelerator.num_processes if accelerator is not None else 1
    rank = accelerator.process_index if accelerator is not None else 0
    is_main = rank == 0
    try:
        trainable, n_params = worker.call_background(private.counts)
        callback(PhaseEvent("evaluating"))
        before = worker.call_background(private.eval_loss, eval_blocks)
        callback(EvalEvent(0, before))
        passage = list(dataset.val[0])[:128]
        base_lp = worker.call_background(private.logprobs, passage)
        base_done = worker.call_background(private.complete, prompts, dataset.chat, settings.compare_tokens) if prompts else []
        if prompts and settings.sample_every:
            callback(SampleEvent(0, prompts[0], base_done[0][: 4 * settings.sample_tokens]))
        callback(PhaseEvent("training"))
        rng = random.Random(settings.seed)
        order: list[int] = []
        step = 0
        train_seconds = 0.0
        tokens = 0
        after = before
        while step < total and not stop.is_set():
            window = settings.batch_size * world
            while len(order) < window:
                fresh = list(range(len(dataset.train)))
                rng.shuffle(fresh)
                order.extend(fresh)
            batch = [dataset.train[i] for i in order[rank * settings.batch_size:(rank + 1) * settings.batch_size]]
            del order[:window]
            if before_step is not None:
                before_step(step)
            t0 = time.perf_counter()
            loss, n_tok, lr = worker.call_background(private.step, batch)
            seconds = time.perf_counter() - t0
            step += 1
            train_seconds += seconds
            tokens += n_tok
            if not math.isfinite(loss):
                raise TrainingError("loss_not_finite")
            callback(StepEvent(step, total, loss, lr, n_tok, seconds))
            if stop.is_set():
                break
            if settings.eval_every and step % settings.eval_every == 0 and step < total:
                after = worker.call_background(private.eval_loss, eval_blocks)
                callback(EvalEvent(step, after))
            if prompts and settings.sample_every and step % settings.sample_every == 0 and step < total:
                text = worker.call_background(private.complete, prompts[:1], dataset.chat, settings.sample_tokens)[0]
                callback(SampleEvent(step, prompts[0], text))
        status = "stopped" if step < total else "done"
        if step > 0:
            callback(PhaseEvent("evaluating"))
            after = worker.call_background(private.eval_loss, eval_blocks)
            callback(EvalEvent(step, after))
        diff = tuned_done = None
        if step > 0:
            callback(PhaseEvent("comparing"))
            tuned_lp = worker.call_background(private.logprobs, passage)
            from ..tokens import token_label

            labels = tuple(token_label(private.tokenizer, i) for i in passage[1:])
            diff = TokenDiff(labels, tuple(base_lp), tuple(tuned_lp))
            tuned_done = worker.call_background(private.complete, prompts, dataset.chat, settings.compare_tokens) if prompts else []
            if prompts and settings.sample_every:
                callback(SampleEvent(step, prompts[0], tuned_done[0][: 4 * settings.sample_tokens]))
        target = ""
        if out_dir is not None and step > 0:
            callback(PhaseEvent("saving"))
            run_dir = Path(out_dir)
            if is_main:
                worker.call_background(private.save, run_dir, base_name or str(folder))
            target = str(run_dir)
        result = TrainResult(run_id, settings.method, status, step, total, time.perf_counter() - started,
                             train_seconds, tokens / train_seconds if train_seconds else 0.0, trainable, n_params,
                             before, after, tuple(prompts), tuple(base_done), tuple(tuned_done or ()), diff, target)
        if out_dir is not None and step > 0 and is_main:
            meta = {"run_id": run_id, "method": settings.method, "base_folder": str(folder), "base_name": base_name,
                    "chat": dataset.chat, "settings": asdict(settings),
                    "result": {k: v for k, v in asdict(result).items() if k != "diff"}}
            (Path(out_dir) / META).write_text(json.dumps(meta, indent=1, ensure_ascii=False), encoding="utf-8")
        if accelerator is not None:
            accelerator.wait_for_everyone()  # the others return once the main process has saved
        callback(PhaseEvent(status))
        return result
    finally:
        worker.call_background(private.close)
