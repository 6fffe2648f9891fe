"""The scenario examples on the bundled SmolLM2 and the offline packs, side by side; plus load time and tok/s.

Each scenario example (EN and ZH: translation both ways, sentiment, QA over a passage, customer service over the
demo knowledge base) runs through the scenarios' own core steps: the prompt is built by
``scenarios.runner.build_prompt``, text answers are greedy ``generation.generate``, sentiment is label likelihood
(``scenarios.scoring.classify``) and customer service answers from the passages ``Retriever`` finds. Then a table
of answer excerpts per model, and a speed table: load time from the converted cache, and decoding tok/s for a
21-token prompt with 64 new tokens, greedy, batch 1 (median of --repeats).

    .venv/bin/python bench/packs.py                 # every installed model
    .venv/bin/python bench/packs.py --models bundled qwen --dtype float32 --no-scenarios

Packs missing here are skipped (``make models`` installs them). Run from the repository root.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TQDM_DISABLE", "1")

import torch  # noqa: E402

from playground import packs  # noqa: E402
from playground.config import GenerationSettings, Limits  # noqa: E402
from playground.devices import dtype_name  # noqa: E402
from playground.generation import generate, prepare_prompt  # noqa: E402
from playground.models import ModelRegistry, ModelSpec  # noqa: E402
from playground.scenarios import registry, runner, scoring  # noqa: E402
from playground.scenarios.retrieval import Retriever  # noqa: E402

MODELS = {"bundled": ModelSpec.bundled, "qwen": lambda: ModelSpec.pack(packs.QWEN),
          "gemma": lambda: ModelSpec.pack(packs.GEMMA)}
CASES = [  # (scenario id, example title)
    ("translate", "Shipping note → Chinese"), ("translate", "中译英"),
    ("sentiment", "Happy customer"), ("sentiment", "Angry customer"), ("sentiment", "好评"), ("sentiment", "差评"),
    ("qa_passage", "Opening day"), ("qa_passage", "第二家店"),
    ("customer_service", "Return an item"), ("customer_service", "退货"),
]
SPEED_PROMPT = "Write a short story about a lighthouse keeper who finds a message in a bottle."


def available(names):
    for name in names:
        spec = MODELS[name]()
        if spec.source == "pack" and not packs.installed(packs.get(spec.ref)):
            print(f"({name}: pack not installed; `make models` adds it)")
            continue
        yield name, spec


def example(spec, title):
    values = spec.defaults()
    values.update(next(e for e in spec.examples if e.title == title).values)
    return values


def run_case(lm, worker, retriever, limits, scenario_id, title) -> str:
    spec = registry.get(scenario_id)
    values = example(spec, title)
    settings = dataclasses.replace(spec.settings, max_new_tokens=min(spec.settings.max_new_tokens, 80))
    if spec.kind == "classify":
        prepared, _ = runner.build_prompt(lm, limits, spec, spec.template, spec.system, values, reserve=16)
        scores = scoring.classify(lm, worker, prepared, scoring.parse_labels(values["labels"]))
        return f"{scores[0].label} ({scores[0].prob:.0%})"
    computed = None
    if spec.kind == "rag":
        passages, _, _ = runner.load_kb(None, values["question"])
        hits = retriever.search(values["question"], passages, k=int(values.get("top_k") or 2))
        computed = {"context": runner.context_block(hits)}
    prepared, _ = runner.build_prompt(lm, limits, spec, spec.template, spec.system, values, computed,
                                      reserve=settings.max_new_tokens)
    return generate(lm, worker, prepared, settings, limits).text.strip()


def speed(lm, worker, limits, repeats: int) -> tuple[float, float]:
    """(median tok/s, median seconds to first token) for SPEED_PROMPT, 64 greedy new tokens."""
    prepared = prepare_prompt(lm, limits, prompt=SPEED_PROMPT, chat=lm.has_chat_template)
    settings = GenerationSettings(max_new_tokens=64, do_sample=False)
    runs = []
    generate(lm, worker, prepared, GenerationSettings(max_new_tokens=4, do_sample=False), limits)  # warm-up
    for _ in range(repeats):
        done = generate(lm, worker, prepared, settings, limits)
        runs.append((done.tokens_per_second, done.first_token_seconds or 0.0))
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def excerpt(text: str, width: int) -> str:
    one = " ".join(text.split()).replace("|", "/")
    return one if len(one) <= width else one[: width - 1] + "…"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    ap.add_argument("--dtype", default="auto", help="auto | float32 | bfloat16")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--width", type=int, default=60)
    ap.add_argument("--no-scenarios", action="store_true")
    ap.add_argument("--no-speed", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    registry_ = ModelRegistry(max_models=1, dtype=None if args.dtype == "auto" else args.dtype)
    worker, limits = registry_.worker, Limits()
    retriever = Retriever(worker)
    print(f"load {open('/proc/loadavg').read().strip()}  dtype {dtype_name(registry_.dtype)}  torch {torch.__version__}")
    answers: dict[str, list[str]] = {}
    speeds = []
    for name, spec in available(args.models):
        started = time.perf_counter()
        lm = registry_.get(spec)
        load = time.perf_counter() - started
        if not args.no_scenarios:
            answers[name] = [run_case(lm, worker, retriever, limits, sid, title) for sid, title in CASES]
        if not args.no_speed:
            tps, ttft = speed(lm, worker, limits, args.repeats)
            n = sum(p.numel() for p in lm.model.parameters()) / 1e6
            speeds.append((name, n, load, tps, ttft))
        del lm
    if answers:
        names = list(answers)
        print("\n| scenario | example | " + " | ".join(names) + " |")
        print("|---|---|" + "---|" * len(names))
        for i, (sid, title) in enumerate(CASES):
            cells = [excerpt(answers[n][i], args.width) for n in names]
            print(f"| {sid} | {title} | " + " | ".join(cells) + " |")
    if speeds:
        print(f"\n| model | params | load (cached) | tok/s | TTFT |\n|---|---|---|---|---|")
        for name, n, load, tps, ttft in speeds:
            print(f"| {name} | {n:.0f}M | {load:.1f} s | {tps:.1f} | {ttft * 1000:.0f} ms |")
    print(f"load {open('/proc/loadavg').read().strip()}")


if __name__ == "__main__":
    main()
