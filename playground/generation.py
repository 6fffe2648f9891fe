"""Streaming generation with per-token probabilities.

``stream(...)`` yields a ``TokenEvent`` per generated token and ends with a ``GenerationDone``. Each event carries
the chosen token's probability twice: as the model gave it (``raw_prob``: softmax of the logits) and as the sampler
saw it (``prob``: after repetition penalty, temperature, top-k, top-p and min-p). The model runs on the compute
worker thread; the caller's thread only reads events from a queue. Closing the generator stops the model within
one token (a ``StoppingCriteria`` watches a ``threading.Event``).

Prompts live in ``playground.prompts`` and distributions / scoring in ``playground.distributions``; their public
names are re-exported here, so ``from playground.generation import prepare_prompt, stream, generate,
GenerationDone, TokenEvent, next_token_view, score_text, LogitsCache, warp`` keeps working.
"""

from __future__ import annotations

import queue
import random
import threading
import time
from concurrent.futures import Future
from typing import Iterator

import torch

from .config import GenerationSettings, Limits
from .distributions import (Alternative, LogitsCache, NextTokenView, TextScore, _forward_logits,  # noqa: F401
                            forward_logits, next_token_view, score_text, sequence_logprobs, warp)
from .models import LoadedModel
from .prompts import PreparedPrompt, check_length, prepare_prompt  # noqa: F401
from .results import GenerationDone, TokenEvent  # noqa: F401 (re-exported)
from .tokens import token_label
from . import remote_views
from .worker import ComputeWorker


Event = TokenEvent | GenerationDone


# ----------------------------------------------------------------------------------------------- streaming

class _StopOnEvent:
    """StoppingCriteria: true once ``event`` is set (user Stop, client gone, or a stop sequence seen)."""

    def __init__(self, event: threading.Event) -> None:
        self.event = event

    def __call__(self, input_ids: torch.LongTensor, scores=None, **kwargs) -> torch.BoolTensor:
        return torch.full((input_ids.shape[0],), self.event.is_set(), dtype=torch.bool, device=input_ids.device)


class _Recorder:
    """LogitsProcessor placed after the penalties and before the sampling warpers: keeps each step's scores."""

    def __init__(self) -> None:
        self.scores: list[torch.Tensor] = []

    def __call__(self, input_ids, scores):
        self.scores.append(scores[0].detach())
        return scores


class _EventStreamer:
    """Streamer that turns each new token into a ``TokenEvent`` (runs on the worker thread)."""

    def __init__(self, lm: LoadedModel, settings: GenerationSettings, out: "queue.Queue", stop: threading.Event,
                 top_n: int, raw_logits: list, recorder: _Recorder) -> None:
        self.lm, self.settings, self.out, self.stop, self.top_n = lm, settings, out, stop, top_n
        self.raw_logits, self.recorder = raw_logits, recorder
        self.ids: list[int] = []
        self.events: list[TokenEvent] = []
        self.printed = 0
        self.text = ""
        self.stopped_by_sequence = False
        self.first_token_at: float | None = None
        self._prompt_seen = False
        self.eos = set(_eos_ids(lm))

    def put(self, value: torch.Tensor) -> None:
        if not self._prompt_seen:  # generate() first hands over the prompt
            self._prompt_seen = True
            return
        if self.stopped_by_sequence:
            return
        if self.first_token_at is None:
            self.first_token_at = time.perf_counter()
        token_id = int(value.reshape(-1)[0])
        raw = self.raw_logits.pop(0) if self.raw_logits else None
        pre = self.recorder.scores.pop(0) if self.recorder.scores else raw
        self._emit(token_id, raw if raw is not None else pre, pre)

    def _emit(self, token_id: int, raw: torch.Tensor, pre: torch.Tensor, last: bool = False) -> None:
        s = self.settings
        raw_probs = torch.softmax(raw.float(), dim=-1)
        if s.do_sample:
            probs = warp(pre, s.temperature, s.top_k, s.top_p, s.min_p, s.typical_p)
        else:
            probs = torch.softmax(pre.float(), dim=-1)
        self.emit_token(token_id, pre, probs, raw_probs, last)

    def emit_token(self, token_id: int, pre: torch.Tensor, probs: torch.Tensor, raw_probs: torch.Tensor,
                   last: bool = False) -> None:
        """One TokenEvent from the chosen token and its distributions: ``pre`` (scores after the penalties, which
        rank the alternatives), ``probs`` (what the sampler drew from) and ``raw_probs`` (the model's softmax)."""
        top = torch.topk(pre.float(), min(self.top_n, pre.numel())).indices.tolist()
        tok = self.lm.tokenizer
        alternatives = tuple(Alternative(i, token_label(tok, i), float(probs[i]), float(raw_probs[i])) for i in top)
        self.ids.append(token_id)
        # The last token (length limit or end-of-sequence) flushes text held back for a possible continuation,
        # so the streamed pieces add up to the final text.
        delta = self._advance_text(final=last or len(self.ids) >= self.settings.max_new_tokens
                                   or token_id in self.eos)
        event = TokenEvent(len(self.events), token_id, token_label(tok, token_id), delta,
                           float(probs[token_id]), float(raw_probs[token_id]), alternatives)
        self.events.append(event)
        self.out.put(event)

    def _advance_text(self, final: bool = False) -> str:
        """New stable text since the last event; holds back incomplete characters and possible stop prefixes
        (unless ``final``: no token follows)."""
        full = self.lm.tokenizer.decode(self.ids, skip_special_tokens=True)
        for stop in self.settings.stop:
            at = full.find(stop, max(0, self.printed - len(stop)))
            if at != -1:
                self.stopped_by_sequence = True
                self.stop.set()
                full = full[:at]
                break
        self.text = full
        safe = len(full)
        if not self.stopped_by_sequence and not final:
            if full.endswith("\ufffd"):
                safe = len(full.rstrip("\ufffd"))
            for stop in self.settings.stop:
                for k in range(min(len(stop) - 1, len(full)), 0, -1):
                    if full.endswith(stop[:k]):
                        safe = min(safe, len(full) - k)
                        break
        safe = max(safe, self.printed)
        delta = full[self.printed:safe]
        self.printed = safe
        return delta

    def end(self) -> None:
        pass


def _output_head(model) -> torch.nn.Module | None:
    try:
        return model.get_output_embeddings()
    except (AttributeError, NotImplementedError):
        return None


def _run_generate(lm: LoadedModel, prompt: PreparedPrompt, settings: GenerationSettings, out: "queue.Queue",
                  stop: threading.Event, seed: int, top_n: int) -> dict:
    """Worker-side body of ``stream``: runs ``model.generate`` and pushes TokenEvents into ``out``."""
    from transformers import LogitsProcessorList, StoppingCriteriaList

    started = time.perf_counter()
    if stop.is_set():  # the user left while the job was waiting in the queue
        return {"stop_reason": "stopped", "text": "", "events": [], "started": started, "first": None}
    torch.manual_seed(seed)
    model, tok = lm.model, lm.tokenizer
    input_ids = torch.tensor([prompt.input_ids], device=lm.device)
    kwargs = settings.to_generate_kwargs()
    kwargs.update(pad_token_id=tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id)
    raw_logits: list[torch.Tensor] = []
    recorder = _Recorder()
    streamer = _EventStreamer(lm, settings, out, stop, top_n, raw_logits, recorder)
    head = _output_head(model) if settings.num_beams == 1 else None
    hook = head.register_forward_hook(lambda m, a, o: raw_logits.append(o[0, -1].detach())) if head else None
    try:
        with torch.inference_mode():
            if settings.num_beams > 1:  # transformers cannot stream beam search: emit the tokens at the end
                output = model.generate(input_ids, attention_mask=torch.ones_like(input_ids),
                                        stopping_criteria=StoppingCriteriaList([_StopOnEvent(stop)]), **kwargs)
                new = output[0, input_ids.shape[1]:].tolist()
                _replay(lm, prompt.input_ids, new, streamer)
            else:
                model.generate(input_ids, attention_mask=torch.ones_like(input_ids), streamer=streamer,
                               logits_processor=LogitsProcessorList([recorder]),
                               stopping_criteria=StoppingCriteriaList([_StopOnEvent(stop)]), **kwargs)
    finally:
        if hook is not None:
            hook.remove()
    return finished_info(lm, streamer, stop, settings, started)


def finished_info(lm: LoadedModel, streamer: _EventStreamer, stop: threading.Event, settings: GenerationSettings,
                  started: float) -> dict:
    """What a finished request hands back to ``stream``: its text, events, timings and why it ended."""
    elapsed = time.perf_counter() - started
    n = len(streamer.events)
    if streamer.stopped_by_sequence:
        reason = "stop_sequence"
    elif n and streamer.events[-1].token_id in streamer.eos:
        reason = "eos"
    elif n >= settings.max_new_tokens:
        reason = "length"
    elif stop.is_set():
        reason = "stopped"
    elif settings.max_time is not None and elapsed >= settings.max_time * 0.95:
        reason = "max_time"
    else:
        reason = "eos"
    return {"stop_reason": reason, "text": streamer.text, "events": streamer.events, "started": started,
            "first": streamer.first_token_at}


def _replay(lm: LoadedModel, prompt_ids: list[int], new_ids: list[int], streamer: _EventStreamer) -> None:
    """Score a finished sequence with one forward pass and feed its tokens to the streamer (beam search)."""
    pad = lm.tokenizer.pad_token_id
    while new_ids and pad is not None and new_ids[-1] == pad and pad not in _eos_ids(lm):
        new_ids = new_ids[:-1]
    if not new_ids:
        return
    logits = forward_logits(lm, prompt_ids + new_ids)[len(prompt_ids) - 1: -1]
    streamer.first_token_at = time.perf_counter()
    streamer._prompt_seen = True
    for i, (row, token_id) in enumerate(zip(logits, new_ids)):
        if streamer.stopped_by_sequence:  # beam search ran past the stop sequence: drop the rest
            break
        streamer._emit(token_id, row, row, last=i == len(new_ids) - 1)


def _eos_ids(lm: LoadedModel) -> list[int]:
    eos = getattr(lm.model.generation_config, "eos_token_id", None)
    if eos is None:
        eos = lm.tokenizer.eos_token_id
    return [eos] if isinstance(eos, int) else list(eos or [])


def _start(lm: LoadedModel, worker: ComputeWorker, prompt: PreparedPrompt, settings: GenerationSettings,
           out: "queue.Queue", stop: threading.Event, seed: int, limits: Limits) -> Future:
    """Hand the request to the worker: a row of the shared batch when the worker has its own thread, the same loop
    run alone inside a job otherwise (ZeroGPU, or a caller already on the worker), ``model.generate`` for beam
    search and for models whose cache cannot be batched. The Future resolves to ``finished_info``'s dict."""
    from . import batching

    if settings.num_beams > 1 or not batching.supports_batching(lm):
        return worker.submit(_run_generate, lm, prompt, settings, out, stop, seed, limits.top_alternatives)
    streamer = _EventStreamer(lm, settings, out, stop, limits.top_alternatives, [], _Recorder())
    row = batching.Row(list(prompt.input_ids), settings, streamer, stop, seed)
    row.summary = lambda: finished_info(lm, streamer, stop, settings, row.started)
    if worker.dedicated and not worker.in_worker():
        joined = worker.submit(batching.join, worker, lm, row, limits.max_batch)
        joined.add_done_callback(lambda f: f.exception() is None or row.future.done()
                                 or row.future.set_exception(f.exception()))
        return row.future
    worker.submit(batching.run_alone, lm, row)
    return row.future


_FINISHED = object()  # queued by ``stream`` after a request's last event


def stream(lm: LoadedModel, worker: ComputeWorker, prompt: PreparedPrompt, settings: GenerationSettings,
           limits: Limits | None = None, stop_event: threading.Event | None = None) -> Iterator[Event]:
    """Generate with live token events; the last item is a ``GenerationDone``.

    Setting ``stop_event`` (or closing this generator, e.g. when a web client disconnects) ends generation
    within one token. ``settings.seed`` None picks a seed and reports it in ``GenerationDone.seed``.
    """
    limits = limits or Limits()
    settings = settings.capped(limits)
    seed = settings.seed if settings.seed is not None else random.randrange(2**32)
    stop = stop_event or threading.Event()
    if not getattr(lm, "has_weights", True):  # a remote engine: the same events, from its streamed answer
        try:
            yield from remote_views.stream(lm, prompt, settings, limits, stop, seed)
        finally:
            stop.set()
        return
    out: "queue.Queue[TokenEvent]" = queue.Queue()
    future = _start(lm, worker, prompt, settings, out, stop, seed, limits)
    # The reader sleeps until an event or the end arrives (the end is queued after the last event). No polling:
    # in a full room dozens of handler threads waking every few milliseconds took the interpreter lock from the
    # compute thread and slowed everyone's tokens.
    future.add_done_callback(lambda _: out.put(_FINISHED))
    try:
        while True:
            try:
                item = out.get(timeout=1.0)
            except queue.Empty:
                continue
            if item is _FINISHED:
                break
            yield item
        info = future.result()  # re-raises a worker error here
        first = info["first"]
        yield GenerationDone(info["text"], tuple(info["events"]), prompt, info["stop_reason"],
                             time.perf_counter() - info["started"],
                             None if first is None else first - info["started"], seed)
    finally:
        stop.set()


def generate(lm: LoadedModel, worker: ComputeWorker, prompt: PreparedPrompt, settings: GenerationSettings,
             limits: Limits | None = None) -> GenerationDone:
    """Run ``stream`` to the end and return its summary."""
    done = None
    for event in stream(lm, worker, prompt, settings, limits):
        if isinstance(event, GenerationDone):
            done = event
    assert done is not None
    return done
