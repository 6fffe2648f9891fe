"""Continuous batching vs one request at a time, on the bundled SmolLM2-135M-Instruct (greedy, chat prompts).

Prints, for the chosen dtype(s):
1. One user: the one-request path (``model.generate`` with the streamer, what ran before batching) vs the batched
   loop with a single row: tokens/s and time to first token (TTFT), and their ratio (target >= 0.9).
2. N users at once (N = 1, 4, 8, 16) through ``generation.stream`` on the shared worker: aggregate tokens/s, p50 /
   p95 TTFT, and the ratio to one user alone. The "one at a time" column is what the old policy gives the same N
   (each waits for everyone before; computed from the measured one-user figures).
3. The reference upper bound: one static left-padded ``model.generate`` of the same N prompts.
4. ``--cb``: transformers' own continuous batching (``generate_batch``, paged cache) on the same N prompts.
5. Whether every batched row's greedy tokens equal its solo tokens; the first divergence if not (bf16 rounds
   batched matrix products differently).

    .venv/bin/python bench/batching.py                      # the server's dtype (auto probe)
    .venv/bin/python bench/batching.py --dtype float32 --dtype bfloat16 --cb
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TQDM_DISABLE", "1")

import queue  # noqa: E402

import torch  # noqa: E402

from playground.config import GenerationSettings, Limits  # noqa: E402
from playground.devices import dtype_name  # noqa: E402
from playground.generation import GenerationDone, _run_generate, prepare_prompt, stream  # noqa: E402
from playground.models import ModelRegistry, default_spec  # noqa: E402

QUESTIONS = [
    "What is a language model?", "Write a haiku about the sea.", "Give me three tips for learning to cook.",
    "Why is the sky blue?", "Describe a cat to someone who has never seen one.", "What is photosynthesis?",
    "Tell me a short story about a brave mouse.", "How do airplanes fly?", "What should I pack for a hike?",
    "Explain recursion with an example.", "What makes a good friend?", "Summarize the water cycle.",
    "Suggest a name for a bakery.", "How does a rainbow form?", "What is the capital of Italy?",
    "Write two lines of a song about trains.",
]


def one_request_path(lm, worker, prompt, settings):
    out, stop = queue.Queue(), threading.Event()
    started = time.perf_counter()
    info = worker.call(_run_generate, lm, prompt, settings, out, stop, 0, Limits().top_alternatives)
    first = info["first"] - started if info["first"] else float("nan")
    return len(info["events"]), time.perf_counter() - started, first, [e.token_id for e in info["events"]]


def streamed(lm, worker, prompt, settings, limits):
    started, first, done = time.perf_counter(), None, None
    for event in stream(lm, worker, prompt, settings, limits):
        if first is None:
            first = time.perf_counter() - started
        if isinstance(event, GenerationDone):
            done = event
    return done.new_tokens, time.perf_counter() - started, first, [e.token_id for e in done.tokens]


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def static_batch(lm, prompts, settings):
    tok = lm.tokenizer
    longest = max(len(p.input_ids) for p in prompts)
    pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
    ids = torch.tensor([[pad] * (longest - len(p.input_ids)) + p.input_ids for p in prompts])
    mask = torch.tensor([[0] * (longest - len(p.input_ids)) + [1] * len(p.input_ids) for p in prompts])
    started = time.perf_counter()
    with torch.inference_mode():
        out = lm.model.generate(ids, attention_mask=mask, max_new_tokens=settings.max_new_tokens, do_sample=False,
                                repetition_penalty=1.0, pad_token_id=pad, temperature=1.0, top_p=1.0)
    seconds = time.perf_counter() - started
    eos = lm.model.generation_config.eos_token_id
    eos = {eos} if isinstance(eos, int) else set(eos or [])
    n = 0
    for row in out[:, longest:].tolist():
        for t in row:
            n += 1
            if t in eos:
                break
    return n, seconds


def cb_batch(lm, prompts, settings):
    from transformers import GenerationConfig

    config = GenerationConfig(max_new_tokens=settings.max_new_tokens, do_sample=False, eos_token_id=-1,
                              pad_token_id=lm.tokenizer.pad_token_id or 0)
    started = time.perf_counter()
    out = lm.model.generate_batch(inputs=[p.input_ids for p in prompts], generation_config=config)
    seconds = time.perf_counter() - started
    return sum(len(r.generated_tokens) for r in out.values()), seconds


def run(dtype: str | None, args) -> None:
    registry = ModelRegistry(max_models=1, dtype=dtype)
    lm = registry.get(default_spec())
    worker = registry.worker
    limits = Limits(max_batch=max(args.n))
    prompts = [prepare_prompt(lm, limits, chat=True, messages=[{"role": "user", "content": q}]) for q in QUESTIONS]
    settings = GenerationSettings(max_new_tokens=args.tokens, do_sample=False, repetition_penalty=1.0)
    print(f"\n## {dtype_name(lm.model.dtype)}, {args.tokens} new tokens, greedy, torch threads {torch.get_num_threads()}")
    streamed(lm, worker, prompts[0], settings, limits)  # warm-up
    one_request_path(lm, worker, prompts[0], settings)

    old, new = [], []
    for i in range(args.repeats):  # alternate the two paths on the same prompts
        p = prompts[i % len(prompts)]
        old.append(one_request_path(lm, worker, p, settings))
        new.append(streamed(lm, worker, p, settings, limits))
    old_tps = sum(r[0] for r in old) / sum(r[1] for r in old)
    new_tps = sum(r[0] for r in new) / sum(r[1] for r in new)
    old_ttft, new_ttft = statistics.median(r[2] for r in old), statistics.median(r[2] for r in new)
    print("| one user | tok/s | TTFT |\n|---|---|---|")
    print(f"| one-request path (model.generate) | {old_tps:.1f} | {old_ttft * 1000:.0f} ms |")
    print(f"| batched loop, one row | {new_tps:.1f} ({new_tps / old_tps:.2f}x) | {new_ttft * 1000:.0f} ms "
          f"({old_ttft / new_ttft:.2f}x faster) |")

    solo = {i: streamed(lm, worker, p, settings, limits)[3] for i, p in enumerate(prompts)}
    print("\n| users | aggregate tok/s | x one user | p50 TTFT | p95 TTFT | one at a time: p95 TTFT | static "
          "generate tok/s |" + (" transformers CB tok/s |" if args.cb else "") + " greedy = solo |")
    print("|---|---|---|---|---|---|---|" + ("---|" if args.cb else "") + "---|")
    for n in args.n:
        chosen = [prompts[i % len(prompts)] for i in range(n)]
        started = time.perf_counter()
        with ThreadPoolExecutor(n) as pool:
            results = list(pool.map(lambda p: streamed(lm, worker, p, settings, limits), chosen))
        wall = time.perf_counter() - started
        tps = sum(r[0] for r in results) / wall
        ttfts = [r[2] for r in results]
        per = sum(r[0] for r in old) / len(old) / old_tps  # one request's seconds on the old path
        sequential_p95 = pct([k * per + old_ttft for k in range(n)], 0.95)
        s_n, s_sec = worker.call(static_batch, lm, chosen, settings)
        same = [results[i][3] == solo[i % len(prompts)] for i in range(n)]
        cell = f"{sum(same)}/{n}"
        if not all(same):
            i = same.index(False)
            a, b = results[i][3], solo[i % len(prompts)]
            at = next((k for k, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
            cell += (f" (row {i}: first difference at token {at}: "
                     f"{lm.tokenizer.decode(a[at:at + 1])!r} vs {lm.tokenizer.decode(b[at:at + 1])!r})")
        cb = ""
        if args.cb:
            c_n, c_sec = worker.call(cb_batch, lm, chosen, settings)
            cb = f" {c_n / c_sec:.1f} |"
        print(f"| {n} | {tps:.1f} | {tps / new_tps:.1f}x | {pct(ttfts, 0.5):.2f} s | {pct(ttfts, 0.95):.2f} s | "
              f"{sequential_p95:.1f} s | {s_n / s_sec:.1f} |{cb} {cell} |", flush=True)
    registry.worker.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dtype", action="append", help="float32 / bfloat16 (repeatable; default: the auto probe)")
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=4)
    parser.add_argument("--n", type=int, action="append", help="users at once (repeatable; default 1 4 8 16)")
    parser.add_argument("--cb", action="store_true", help="also time transformers' generate_batch")
    args = parser.parse_args()
    args.n = args.n or [1, 4, 8, 16]
    print("load average at start:", open("/proc/loadavg").read().split()[:3])
    for dtype in args.dtype or [None]:
        run(dtype, args)
    print("\nload average at end:", open("/proc/loadavg").read().split()[:3])


if __name__ == "__main__":
    main()
