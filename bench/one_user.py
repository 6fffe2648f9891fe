"""One user alone: which way of running the bundled SmolLM2-135M-Instruct is fastest on this machine?

Side by side, same chat prompt, greedy, same number of new tokens, every path on the compute worker thread:
- ``model.generate`` in fp32 with the app's streamer: the one-request path the app used before batching;
- the batched decode loop (``generation.stream``) with one row, in fp32 and in bf16;
- the same loop on a copy with int8 dynamic quantization of the Linear layers (``torch.ao.quantization``);
- ``--compile``: ``model.generate`` with a static KV cache and ``torch.compile`` (compiles for a minute or more);
- llama.cpp through ``llama-cpp-python`` on the bundled GGUF itself (4-bit weights), when it is installed:
  the reference figure for what this CPU can do.
Each path prints tokens/s, time to first token (median of --repeats), the ratio to the fp32 one-request path, and
whether its greedy tokens equal the fp32 ones (the first difference when not).

    .venv/bin/python bench/one_user.py
    .venv/bin/python bench/one_user.py --tokens 128 --repeats 5 --compile
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import queue
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TQDM_DISABLE", "1")

import torch  # noqa: E402

from playground import bundled  # noqa: E402
from playground.config import GenerationSettings, Limits  # noqa: E402
from playground.generation import GenerationDone, _run_generate, prepare_prompt, stream  # noqa: E402
from playground.models import ModelRegistry, default_spec  # noqa: E402
from playground.prefixes import PrefixStore  # noqa: E402
from playground.worker import ComputeWorker  # noqa: E402

QUESTION = "Write a short story about a robot who learns to paint. Describe the colours it discovers."


def timed_stream(lm, worker, prompt, settings):
    """The batched loop with one row, prompt computed in full (kept prompt beginnings are forgotten first: a
    repeated prompt would otherwise start from its own stored key/values and flatter the first-token time)."""
    store = PrefixStore.of(lm)
    worker.call(lambda: (store.entries.clear(), store.recent.clear()))
    started, first, done = time.perf_counter(), None, None
    for event in stream(lm, worker, prompt, settings, Limits()):
        if first is None:
            first = time.perf_counter() - started
        if isinstance(event, GenerationDone):
            done = event
    return [e.token_id for e in done.tokens], time.perf_counter() - started, first


def timed_generate(lm, worker, prompt, settings):
    out, stop = queue.Queue(), threading.Event()
    started = time.perf_counter()
    info = worker.call(_run_generate, lm, prompt, settings, out, stop, 0, Limits().top_alternatives)
    return [e.token_id for e in info["events"]], time.perf_counter() - started, info["first"] - started


def compiled_generate(model, ids, n):
    """Static cache + torch.compile: transformers compiles the decoding forward itself, but only on GPUs unless
    told otherwise (``_compile_all_devices``); no CUDA graphs on a CPU, so the plain inductor mode."""
    from transformers import CompileConfig

    config = CompileConfig(mode="default")
    config._compile_all_devices = True
    first = []

    class Timer:
        def put(self, value):
            first.append(time.perf_counter())

        def end(self):
            pass

    started = time.perf_counter()
    with torch.inference_mode():
        out = model.generate(torch.tensor([ids]), attention_mask=torch.ones((1, len(ids)), dtype=torch.long),
                             max_new_tokens=n, do_sample=False, repetition_penalty=1.0, temperature=1.0, top_p=1.0,
                             cache_implementation="static", compile_config=config, streamer=Timer())
    new = out[0, len(ids):].tolist()
    return new, time.perf_counter() - started, (first[1] if len(first) > 1 else time.perf_counter()) - started


def llama_cpp_run(llm, prompt_text, n):
    started, first, ids = time.perf_counter(), None, []
    for chunk in llm.create_completion(prompt_text, max_tokens=n, temperature=0.0, top_k=1, stream=True):
        if first is None:
            first = time.perf_counter() - started
        ids.append(chunk["choices"][0]["text"])
    return ids, time.perf_counter() - started, first


def measure(name, fn, repeats, reference=None, tokenizer=None):
    runs = [fn() for _ in range(repeats)]
    tokens = runs[0][0]
    tps = statistics.median(len(r[0]) / r[1] for r in runs)
    ttft = statistics.median(r[2] for r in runs)
    same = "n/a"
    if reference is not None and tokenizer is not None:
        at = next((k for k, (x, y) in enumerate(zip(tokens, reference)) if x != y), None)
        if at is None and len(tokens) == len(reference):
            same = "yes"
        else:
            at = at if at is not None else min(len(tokens), len(reference))
            same = (f"differs at token {at}: {tokenizer.decode(tokens[at:at + 1])!r} vs "
                    f"{tokenizer.decode(reference[at:at + 1])!r}")
    return name, tps, ttft, same, tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--compile", action="store_true", help="also time static cache + torch.compile (slow start)")
    args = parser.parse_args()
    print("load average at start:", open("/proc/loadavg").read().split()[:3], "· torch threads",
          torch.get_num_threads())
    worker = ComputeWorker(name="bench-compute")
    fp32 = ModelRegistry(max_models=1, dtype="float32", worker=worker).get(default_spec())
    bf16 = ModelRegistry(max_models=1, dtype="bfloat16", worker=worker).get(default_spec())
    prompt = prepare_prompt(fp32, Limits(), chat=True, messages=[{"role": "user", "content": QUESTION}])
    settings = GenerationSettings(max_new_tokens=args.tokens, do_sample=False, repetition_penalty=1.0)
    tok = fp32.tokenizer
    timed_generate(fp32, worker, prompt, settings)  # warm-up
    rows = [measure("model.generate, fp32 (one-request path)",
                    lambda: timed_generate(fp32, worker, prompt, settings), args.repeats)]
    ref = rows[0][4]
    rows.append(measure("batched loop, one row, fp32", lambda: timed_stream(fp32, worker, prompt, settings),
                        args.repeats, ref, tok))
    timed_stream(bf16, worker, prompt, settings)
    rows.append(measure("batched loop, one row, bf16", lambda: timed_stream(bf16, worker, prompt, settings),
                        args.repeats, ref, tok))
    rows.append(measure("model.generate, bf16", lambda: timed_generate(bf16, worker, prompt, settings),
                        args.repeats, ref, tok))
    quantized = worker.call(lambda: torch.ao.quantization.quantize_dynamic(
        _copy(fp32.model), {torch.nn.Linear}, dtype=torch.qint8))
    int8 = dataclasses.replace(fp32, model=quantized)
    timed_stream(int8, worker, prompt, settings)
    rows.append(measure("batched loop, one row, int8 dynamic Linear", lambda: timed_stream(int8, worker, prompt,
                                                                                           settings),
                        args.repeats, ref, tok))
    if args.compile:
        model = _copy(fp32.model)
        started = time.perf_counter()
        worker.call(compiled_generate, model, prompt.input_ids, args.tokens)
        print(f"(static cache + compile: first call took {time.perf_counter() - started:.0f} s)")
        rows.append(measure("model.generate, static cache + torch.compile, fp32",
                            lambda: worker.call(compiled_generate, model, prompt.input_ids, args.tokens),
                            args.repeats, ref, tok))
    try:
        from llama_cpp import Llama
    except ImportError:
        print("(llama-cpp-python is not installed: no llama.cpp reference row)")
    else:
        llm = Llama(model_path=str(bundled.find_gguf()), n_threads=torch.get_num_threads(), n_ctx=1024,
                    verbose=False)
        text = tok.decode(prompt.input_ids)
        llama_cpp_run(llm, text, args.tokens)
        rows.append(measure("llama.cpp, bundled GGUF (4-bit), reference", lambda: llama_cpp_run(llm, text,
                                                                                                args.tokens),
                            args.repeats))
    base = rows[0][1]
    print(f"\n{args.tokens} new tokens, greedy, median of {args.repeats}\n")
    print("| path | tok/s | x one-request path | TTFT | greedy = fp32 |\n|---|---|---|---|---|")
    for name, tps, ttft, same, _ in rows:
        print(f"| {name} | {tps:.1f} | {tps / base:.2f}x | {ttft * 1000:.0f} ms | {same} |")
    print("\nload average at end:", open("/proc/loadavg").read().split()[:3])
    worker.shutdown()


def _copy(model):
    import copy

    return copy.deepcopy(model)


if __name__ == "__main__":
    main()
