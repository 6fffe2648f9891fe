"""Generation speed of the bundled SmolLM2-135M-Instruct model, measured three ways.

1. ``playground.generation.stream()`` (per-token probabilities + top-5 alternatives) vs a bare ``model.generate``:
   same prompt ids, greedy, same max_new_tokens, both on the compute worker thread. Tokens/s and time to first
   token (TTFT), median of --repeats runs, alternating the two. Target: stream tok/s >= 0.9 x bare.
2. Threading: the same bare generate on the long-lived compute worker vs in a fresh ``threading.Thread`` per
   request (what a naive Gradio handler does).
3. Cold start (--cold-start, costs ~15-40 s): loading from the GGUF vs from the converted cache folder.

All times are wall clock seen by the caller. Run from the repository root:

    .venv/bin/python bench/generation.py --quick            # smoke check, ~1 min
    .venv/bin/python bench/generation.py --cold-start       # full run
    .venv/bin/python bench/generation.py --dtype float32 --max-new-tokens 64 --repeats 5

The machine may be shared: /proc/loadavg is printed at start and end so noisy runs can be spotted.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TQDM_DISABLE", "1")  # the GGUF loader's progress bar would garble the tables

import torch  # noqa: E402
import transformers  # noqa: E402

from playground import bundled  # noqa: E402
from playground.config import GenerationSettings, Limits, default_cache_dir  # noqa: E402
from playground.devices import dtype_name  # noqa: E402
from playground.generation import GenerationDone, prepare_prompt, stream  # noqa: E402
from playground.models import ModelRegistry, ModelSpec  # noqa: E402

PROMPT = "Write a short story about a robot who learns to paint. Describe the colours it discovers."


class FirstTokenTimer:
    """Minimal streamer: generate() calls put() with the prompt first, then once per new token, then end()."""

    def __init__(self) -> None:
        self.puts, self.first = 0, None

    def put(self, value) -> None:
        self.puts += 1
        if self.puts == 2:
            self.first = time.perf_counter()

    def end(self) -> None:
        pass


def bare_job(lm, ids: list[int], kwargs: dict) -> tuple[int, float | None]:
    """Plain model.generate (runs on whichever thread calls it); returns (new tokens, first-token timestamp)."""
    timer = FirstTokenTimer()
    x = torch.tensor([ids], device=lm.device)
    with torch.inference_mode():
        out = lm.model.generate(x, attention_mask=torch.ones_like(x), streamer=timer, **kwargs)
    return out.shape[1] - x.shape[1], timer.first


def on_fresh_thread(fn, *args):
    """Run fn on a new OS thread and wait for it, as a handler spawning a thread per request would."""
    box: dict = {}

    def target() -> None:
        try:
            box["result"] = fn(*args)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller
            box["error"] = exc

    thread = threading.Thread(target=target, name="fresh-request")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["result"]


def timed_bare(run, lm, ids, kwargs) -> tuple[int, float, float]:
    """(tokens, seconds, ttft seconds) of one bare generate executed by ``run`` (worker.call or on_fresh_thread)."""
    t0 = time.perf_counter()
    n, first = run(bare_job, lm, ids, kwargs)
    return n, time.perf_counter() - t0, first - t0


def timed_stream(lm, worker, prompt, settings, limits) -> tuple[int, float, float]:
    """(tokens, seconds, ttft seconds) of one stream() run, timed by the consumer of the events."""
    t0 = time.perf_counter()
    first = done = None
    for event in stream(lm, worker, prompt, settings, limits):
        if isinstance(event, GenerationDone):
            done = event
        elif first is None:
            first = time.perf_counter()
    return done.new_tokens, time.perf_counter() - t0, first - t0


def summarize(runs: list[tuple[int, float, float]]) -> dict:
    tps = [r[0] / r[1] for r in runs]
    return {"tokens": statistics.median(r[0] for r in runs), "tps": statistics.median(tps), "best": max(tps),
            "ttft_ms": 1000 * statistics.median(r[2] for r in runs), "each": tps}


def table(title: str, rows: dict) -> None:
    """Medians, plus the best run: on a shared machine the best is the least disturbed one."""
    print(f"\n== {title}\n  {'run':<30} {'tokens':>6} {'tok/s':>7} {'best':>6} {'TTFT ms':>8}   [tok/s of each run]")
    for label, s in rows.items():
        each = " ".join(f"{x:.1f}" for x in s["each"])
        print(f"  {label:<30} {s['tokens']:>6.0f} {s['tps']:>7.1f} {s['best']:>6.1f} {s['ttft_ms']:>8.0f}   [{each}]")


def loadavg() -> str:
    with open("/proc/loadavg") as fh:
        return " ".join(fh.read().split()[:3])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--max-new-tokens", type=int, default=128)
    ap.add_argument("--repeats", type=int, default=3, help="runs per variant (medians are reported)")
    ap.add_argument("--requests", type=int, default=3, help="requests per variant in the threading test")
    ap.add_argument("--dtype", choices=["auto", "float32", "bfloat16"], default="auto")
    ap.add_argument("--cache-root", type=Path, default=None, help="default: playground.config.default_cache_dir()")
    ap.add_argument("--cold-start", action="store_true", help="also time loading from the GGUF (~15-40 s)")
    ap.add_argument("--quick", action="store_true", help="max_new_tokens 16, repeats 1: just check it runs")
    args = ap.parse_args()
    if args.quick:
        args.max_new_tokens, args.repeats, args.requests = 16, 1, 1
    cache_root = args.cache_root or default_cache_dir()
    logging.basicConfig(level=logging.WARNING)
    transformers.utils.logging.disable_progress_bar()
    load_start = loadavg()
    print(f"loadavg {load_start}; torch {torch.__version__}, {torch.get_num_threads()} threads")

    registry = ModelRegistry(dtype=None if args.dtype == "auto" else args.dtype, cache_root=cache_root)
    worker = registry.worker
    t0 = time.perf_counter()
    lm = registry.get(ModelSpec.bundled())
    print(f"dtype: {dtype_name(registry.dtype)}{' (chosen by auto)' if args.dtype == 'auto' else ''}; "
          f"first load {time.perf_counter() - t0:.1f} s (includes a one-time conversion if the cache was empty)")

    limits = Limits()
    settings = GenerationSettings(max_new_tokens=args.max_new_tokens, do_sample=False, repetition_penalty=1.0,
                                  seed=0).capped(limits)
    prompt = prepare_prompt(lm, limits, PROMPT, chat=True)
    pad = lm.tokenizer.pad_token_id if lm.tokenizer.pad_token_id is not None else lm.tokenizer.eos_token_id
    kwargs = dict(settings.to_generate_kwargs(), pad_token_id=pad)  # exactly what stream() passes to generate
    print(f"prompt: {len(prompt.input_ids)} tokens (chat template), max_new_tokens {args.max_new_tokens}, greedy")

    # Warm-up on the worker (first-call allocations, lazy imports), not timed.
    warm = GenerationSettings(max_new_tokens=4, do_sample=False, repetition_penalty=1.0, seed=0)
    timed_stream(lm, worker, prompt, warm, limits)
    timed_bare(worker.call, lm, prompt.input_ids, dict(kwargs, max_new_tokens=4))

    # 1. stream() vs bare generate, alternating so drifting machine load hurts both alike.
    bare_runs, stream_runs = [], []
    for _ in range(args.repeats):
        bare_runs.append(timed_bare(worker.call, lm, prompt.input_ids, kwargs))
        stream_runs.append(timed_stream(lm, worker, prompt, settings, limits))
    bare, streamed = summarize(bare_runs), summarize(stream_runs)

    # 2. Threading. Torch work from several OS threads slows the whole process down persistently (RECIPES.md),
    # so the order is: everything on the worker first (section 1, (a), the cold-start loads, which also run on
    # the same worker), then (b) fresh threads last, then (c) the worker again to show whether the slowdown stays.
    # Same process rather than a subprocess, so both sides share the warmed-up model and allocator.
    worker_runs = [timed_bare(worker.call, lm, prompt.input_ids, kwargs) for _ in range(args.requests)]

    # 3. Cold start, on the same worker thread (a fresh ComputeWorker would be one more OS thread doing torch work).
    gguf_s = None
    if args.cold_start:
        t0 = time.perf_counter()
        model, _ = worker.call(bundled.load_from_gguf, bundled.find_gguf())
        gguf_s = time.perf_counter() - t0
        del model
    cache_times = []
    for _ in range(max(1, min(args.repeats, 3))):
        t0 = time.perf_counter()
        ModelRegistry(dtype=registry.dtype, worker=worker, cache_root=cache_root).get(ModelSpec.bundled())
        cache_times.append(time.perf_counter() - t0)
    cache_s = statistics.median(cache_times)

    fresh_runs = [timed_bare(on_fresh_thread, lm, prompt.input_ids, kwargs) for _ in range(args.requests)]
    after_runs = [timed_bare(worker.call, lm, prompt.input_ids, kwargs) for _ in range(args.requests)]
    on_worker, fresh, after = summarize(worker_runs), summarize(fresh_runs), summarize(after_runs)

    table(f"1. stream() vs bare model.generate on the compute worker (median of {args.repeats})",
          {"bare model.generate": bare, "stream() (probs + top-5 alts)": streamed})
    stream_ratio = streamed["tps"] / bare["tps"]
    print(f"  ratio stream/bare: tok/s {stream_ratio:.2f} (target >= 0.9: {'OK' if stream_ratio >= 0.9 else 'BELOW'}),"
          f" best {streamed['best'] / bare['best']:.2f}, TTFT {streamed['ttft_ms'] / bare['ttft_ms']:.2f}")

    table(f"2. bare generate: compute worker vs fresh thread per request ({args.requests} requests each)",
          {"(a) long-lived compute worker": on_worker, "(b) fresh threading.Thread": fresh,
           "(c) worker again, after (b)": after})
    thread_ratio = fresh["tps"] / on_worker["tps"]
    print(f"  ratio fresh/worker tok/s: {thread_ratio:.2f} (best {fresh['best'] / on_worker['best']:.2f}); "
          f"worker after/before: {after['tps'] / on_worker['tps']:.2f}")

    gguf_text = "GGUF skipped (--cold-start); " if gguf_s is None else f"GGUF (load_from_gguf, fp32) {gguf_s:.1f} s vs "
    cold_text = f"{gguf_text}cache folder {cache_s:.2f} s" + (f" -> ratio {gguf_s / cache_s:.1f}x" if gguf_s else "")
    print(f"\n== 3. cold start\n  {cold_text}\n  cache loads (s, files in the OS page cache): "
          + " ".join(f"{t:.2f}" for t in cache_times))

    print("\n== summary")
    print(f"  model {lm.spec.name}, dtype {dtype_name(registry.dtype)} ({args.dtype}), "
          f"{len(prompt.input_ids)}-token prompt, max_new_tokens {args.max_new_tokens}, repeats {args.repeats}")
    print(f"  stream {streamed['tps']:.1f} tok/s vs bare {bare['tps']:.1f} tok/s -> {stream_ratio:.2f}; "
          f"TTFT {streamed['ttft_ms']:.0f} vs {bare['ttft_ms']:.0f} ms")
    print(f"  worker {on_worker['tps']:.1f} tok/s vs fresh thread {fresh['tps']:.1f} tok/s -> {thread_ratio:.2f}; "
          f"worker after fresh threads {after['tps']:.1f} tok/s")
    print(f"  cold start: {cold_text}")
    print(f"  loadavg start {load_start}, end {loadavg()}")


if __name__ == "__main__":
    main()
