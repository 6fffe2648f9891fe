"""Attention tab speed on the bundled SmolLM2-135M-Instruct (30 layers x 9 heads): extract + every view.

For 64, 128 and 256 tokens: the forward pass that records all attention weights and hidden states (on the compute
worker thread, as the app does), head-pattern scores and labels, every figure the tab can show (one head, all
heads, token focus, mean & rollout, head-pattern gallery, logit lens over 8 positions) serialised to JSON the way
gradio sends it, and, separately, one head ablation (an extra forward pass the user triggers). The induction
scores need one extra short forward pass per model (cached afterwards); it is reported on its own.

Median of --repeats runs: wall-clock time and CPU time of the process (all threads; on a busy shared machine the
wall time stretches while the CPU time shows the work itself); peak RSS of the process; the JSON size of each
figure. Target from the issue: 128 tokens,
all views, under 1.5 s on a 2-core machine. Run from the repository root:

    .venv/bin/python bench/attention.py              # 64, 128, 256 tokens, 3 repeats
    .venv/bin/python bench/attention.py --tokens 128 --repeats 5 --dtype float32

The machine may be shared: /proc/loadavg is printed at start and end so noisy runs can be spotted.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TQDM_DISABLE", "1")

from playground import plots_attention as pa  # noqa: E402
from playground.attention import (ablate, extract, head_scores, label_heads, logit_lens,  # noqa: E402
                                  model_induction_scores)
from playground.attention.extract import forward  # noqa: E402
from playground.devices import dtype_name  # noqa: E402
from playground.models import ModelRegistry, ModelSpec  # noqa: E402

TEXT = ("Attention lets every token look back at the tokens before it. The cat sat on the mat because the cat was "
        "tired, and the dog sat on the log because the dog was bored. 注意力机制让每个词元回看之前的词元。 ")


def loadavg() -> str:
    try:
        return open("/proc/loadavg").read().split(" ")[0:3].__str__()
    except OSError:
        return "?"


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def one_run(lm, worker, text: str, n: int, induction) -> dict[str, float]:
    times: dict[str, float] = {}
    sizes: dict[str, int] = {}

    cpu: dict[str, float] = {}

    def timed(name, fn, *args):
        started, cpu0 = time.perf_counter(), time.process_time()
        value = fn(*args)
        times[name] = time.perf_counter() - started
        cpu[name] = time.process_time() - cpu0
        return value

    res = timed("extract (forward)", worker.call, extract, lm, text, n)
    scores, labels = timed("scores + labels", lambda: (lambda s: (s.as_dict(), label_heads(s)))(
        head_scores(res.weights, res.causal, induction)))
    layer, head, focus = res.n_layers // 2, 1, res.target
    positions = list(range(max(0, focus - 7), focus + 1))
    figures = {
        "view: one head": lambda: pa.head_figure(res, layer, head, "t"),
        "view: all heads (270)": lambda: pa.overview_figure(res, labels, scores),
        "view: token focus": lambda: pa.focus_figure(res, focus),
        "view: mean & rollout": lambda: pa.aggregate_figure(res, layer),
        "view: head patterns": lambda: pa.gallery_figure(res, labels, scores),
        "view: logit lens": lambda: pa.lens_figure(res, worker.call(logit_lens, lm, res, positions)),
    }
    for name, make in figures.items():
        payload = timed(name, lambda: make().to_json())  # what gradio does with a plotly figure
        sizes[name] = len(payload)
    times["ALL VIEWS (extract + every view)"] = sum(times.values())
    cpu["ALL VIEWS (extract + every view)"] = sum(cpu.values())
    timed("ablation (extra forward, on click)", worker.call, ablate, lm, res, [(3, 1), (5, 2)])
    # Reference: the same forward pass without recording attention weights (what any prediction costs).
    timed("reference: forward without attention weights", worker.call, forward, lm, res.token_ids, False, True)
    return {"times": times, "cpu": cpu, "sizes": sizes, "tokens": res.n_tokens}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokens", type=int, nargs="*", default=[64, 128, 256])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dtype", default=None, help="float32 / bfloat16 / auto (default: the app's choice)")
    args = parser.parse_args()

    print(f"load average at start: {loadavg()}   cores: {os.cpu_count()}")
    registry = ModelRegistry(max_models=1, device="cpu", dtype=args.dtype)
    started = time.perf_counter()
    lm = registry.get(ModelSpec.bundled(), attn_implementation="eager")
    worker = registry.worker
    print(f"model: {lm.spec.name} · {dtype_name(lm.dtype)} · eager attention · loaded in "
          f"{time.perf_counter() - started:.1f} s · peak RSS {rss_mb():.0f} MB")
    started = time.perf_counter()
    induction = worker.call(model_induction_scores, lm)
    print(f"induction scores (once per model, cached): {time.perf_counter() - started:.2f} s\n")
    text = TEXT * 12
    worker.call(extract, lm, "warm up", 8)
    for n in args.tokens:
        runs = [one_run(lm, worker, text, n, induction) for _ in range(args.repeats)]
        t = runs[0]["tokens"]
        print(f"=== {t} tokens (median of {args.repeats}) · peak RSS so far {rss_mb():.0f} MB")
        print(f"  {'':<42} {'wall':>8}    {'CPU (all threads)':>17}")
        for name in runs[0]["times"]:
            med = statistics.median(r["times"][name] for r in runs)
            cpu = statistics.median(r["cpu"][name] for r in runs)
            size = runs[0]["sizes"].get(name)
            extra = f"   JSON {size / 1024:7.1f} KB" if size else ""
            print(f"  {name:<42} {med * 1000:8.0f} ms {cpu * 1000:10.0f} ms{extra}")
        print()
    print(f"peak RSS: {rss_mb():.0f} MB   load average at end: {loadavg()}")
    worker.shutdown()


if __name__ == "__main__":
    main()
