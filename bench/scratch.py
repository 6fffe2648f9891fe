"""The From-scratch tab's two experiments, measured as a participant runs them with the tab's defaults.

1. LSTM vs Transformer language models on a bundled corpus (English fables by default): parameters, characters/s
   of each, validation perplexity over time, the per-position loss (early vs late in the context) and the
   long-range copy test, for a run of --seconds at most.
2. Sentiment three ways on the bundled labelled sets (EN and ZH): an LSTM classifier from scratch, zero-shot label
   likelihood with the bundled SmolLM2, and a LoRA-tuned classifier on it: accuracy on the held-out split,
   training time, trainable parameters.

    .venv/bin/python bench/scratch.py                 # both, ~5 min on 2 cores
    .venv/bin/python bench/scratch.py --skip-lm       # only the sentiment table
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TQDM_DISABLE", "1")

from playground.config import Limits  # noqa: E402
from playground.models import ModelRegistry, default_spec  # noqa: E402
from playground.scratch import loop, sentiment as sent, texts  # noqa: E402
from playground.scratch.settings import ScratchSettings  # noqa: E402


def lm_race(source: str, seconds: int, steps: int | None = None) -> None:
    text = texts.read_text(source)
    settings = dataclasses.replace(ScratchSettings(), max_seconds=seconds)
    if steps:
        settings = dataclasses.replace(settings, steps=steps, sample_every=max(50, steps // 10))
    print(f"\n## LSTM vs Transformer on `{source}` ({len(text):,} characters), {settings.steps} steps, "
          f"at most {seconds} s\n")
    evals, speeds, analysis, start = [], {}, None, None
    t0 = time.perf_counter()
    for event in loop.run(text, settings, threading.Event()):
        if isinstance(event, loop.StartEvent):
            start = event
        elif isinstance(event, loop.StepEvent):
            for name, v in event.tokens_per_second.items():
                speeds.setdefault(name, []).append(v)
        elif isinstance(event, loop.EvalEvent):
            evals.append((event.step, time.perf_counter() - t0, event.perplexity))
        elif isinstance(event, loop.AnalysisEvent):
            analysis = event.analysis
    print(f"parameters: {start.params}; characters/s (median): "
          + ", ".join(f"{n} {sorted(v)[len(v) // 2]:,.0f}" for n, v in speeds.items()))
    print("\n| step | seconds | LSTM val. perplexity | Transformer val. perplexity |\n|---|---|---|---|")
    for step, sec, ppl in evals:
        print(f"| {step} | {sec:.0f} | {ppl['lstm']:.2f} | {ppl['transformer']:.2f} |")
    if analysis is not None:
        print(f"\nsequential steps per sequence: {analysis.sequential_steps}")
        for name, losses in analysis.position_loss.items():
            k = max(1, len(losses) // 8)
            print(f"per-position loss, {name}: first {k} positions {sum(losses[:k]) / k:.3f}, "
                  f"last {k} {sum(losses[-k:]) / k:.3f} nats/char")
        print(f"long-range copy test: {analysis.copy}")


def sentiment_table() -> None:
    registry = ModelRegistry(max_models=1)
    lm = registry.get(default_spec())
    worker = registry.worker
    defaults = sent.SentimentSettings()
    print("\n## Sentiment three ways (bundled sets, held-out split, defaults)\n")
    print("| language | method | accuracy | training s | trainable parameters | wrong |\n|---|---|---|---|---|---|")
    for lang in ("en", "zh"):
        rows = sent.bundled(lang)
        train, test = sent.split(rows, defaults.seed)
        results = [worker.call(sent.train_lstm, train, test, defaults.lstm_steps, defaults.seed),
                   sent.zero_shot(lm, worker, Limits(), train, test),
                   sent.tune(lm.folder, train, test, defaults.tune_steps, lora=defaults.lora, seed=defaults.seed,
                             call=worker.call)]
        for r in results:
            print(f"| {lang} ({len(train)} train / {len(test)} test, chance {1 / len(sent.labels_of(rows)):.2f}) | "
                  f"{r.method} | {r.accuracy:.2f} | {r.seconds:.1f} | {r.trainable:,} | {len(r.wrong)} |",
                  flush=True)
    worker.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", default="fables_en")
    parser.add_argument("--seconds", type=int, default=150)
    parser.add_argument("--steps", type=int, help="training steps (default: the tab's)")
    parser.add_argument("--skip-lm", action="store_true")
    parser.add_argument("--skip-sentiment", action="store_true")
    args = parser.parse_args()
    print("load average at start:", open("/proc/loadavg").read().split()[:3])
    if not args.skip_lm:
        lm_race(args.source, args.seconds, args.steps)
    if not args.skip_sentiment:
        sentiment_table()
    print("\nload average at end:", open("/proc/loadavg").read().split()[:3])


if __name__ == "__main__":
    main()
