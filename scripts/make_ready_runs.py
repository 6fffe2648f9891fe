"""Train the ready-made LoRA runs for the demo datasets on the bundled model (seeded: the same run every time).

    .venv/bin/python scripts/make_ready_runs.py            # writes assets/adapters/<demo>/
    .venv/bin/python scripts/make_ready_runs.py lighthouse_tea_en   # only that demo

Each run uses the Fine-tune tab's default settings and the demo's sample prompts, so what a participant gets from
"Use the ready-made run" is what pressing Start would have given them, minus the wait.
"""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playground import data as data_mod  # noqa: E402
from playground.config import default_cache_dir  # noqa: E402
from playground.bundled import ensure_converted  # noqa: E402
from playground.finetune import Progress, TrainSettings  # noqa: E402
from playground.models import ModelSpec  # noqa: E402
from playground.training.loop import train  # noqa: E402
from playground.training.ready import ready_root, save_ready  # noqa: E402
from playground.worker import ComputeWorker  # noqa: E402


def main() -> None:
    from transformers import AutoTokenizer

    folder = ensure_converted(default_cache_dir())
    tokenizer = AutoTokenizer.from_pretrained(folder)
    settings = TrainSettings()  # the tab's defaults, seed 0
    worker = ComputeWorker(name="ready-runs")
    wanted = set(sys.argv[1:])
    for demo in data_mod.demo_sets():
        if wanted and demo.key not in wanted:
            continue
        docs = data_mod.read_paths([str(demo.path)], "", None, data_mod.DataLimits.from_env())
        dataset = data_mod.build_dataset(docs, tokenizer, settings.block_size, settings.val_fraction, settings.seed)
        progress = Progress()
        started = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            result = train(folder, dataset, settings, worker, threading.Event(), progress.apply,
                           out_dir=Path(tmp) / "run", prompts=demo.prompts, base_name=ModelSpec.bundled().name)
            target = save_ready(Path(tmp) / "run", ready_root() / demo.key, progress, result,
                                ModelSpec.bundled().name)
        size = sum(f.stat().st_size for f in target.rglob("*") if f.is_file())
        print(f"{demo.key}: {result.steps} steps in {time.perf_counter() - started:.0f} s, perplexity "
              f"{result.ppl_before:.1f} -> {result.ppl_after:.1f}, {size / 1e6:.1f} MB in {target}", flush=True)
    worker.shutdown()


if __name__ == "__main__":
    main()
