"""Fine-tuning from the command line: ``python -m playground.train CONFIG`` (or flags), one or several processes.

It runs the Fine-tune tab's own code: the same data checks (``data.read_paths`` with the upload limits), the same
``TrainSettings`` (every field's bounds), the same step cap (``TrainLimits``), the same loop
(``training.loop.train``), and it writes what a tab run writes (``adapter/`` or ``model/`` plus ``meta.json``, so the
run loads like a session's model through ``models.load_tuned``), plus ``metrics.json`` and the loss curve
(``loss_curve.csv`` and ``loss_curve.html``).

CONFIG is a JSON or YAML file::

    {"model": "bundled", "data": ["notes.txt"], "output": "runs/notes",
     "settings": {"max_steps": 50, "lora_r": 8}, "prompts": ["Once upon a time"]}

(``TrainSettings`` fields may also sit at the top level.) Flags override the file: ``--model``, ``--data``,
``--output``, ``--prompt`` and one ``--<field>`` per settings field. Under ``accelerate launch --multi_gpu
--num_processes N`` the run is data-parallel (``accelerate.Accelerator``: gradients averaged over the processes; on
a machine without GPU the processes train on the CPU through gloo); the main process saves.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import shlex
import sys
import threading
from pathlib import Path
from typing import Any, Sequence

from .training.settings import TrainLimits, TrainSettings, TrainingError

log = logging.getLogger(__name__)

KEYS = ("model", "data", "output", "prompts", "csv_column", "settings")
FIELDS = {f.name: f for f in dataclasses.fields(TrainSettings)}


def read_config(path: str | Path) -> dict:
    """A config file as a dict (JSON, or YAML when PyYAML is installed)."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            import yaml  # optional: only YAML configs need it
        except ImportError:
            raise SystemExit("Reading a YAML config needs PyYAML (pip install pyyaml), or write it as JSON.") from None
        config = yaml.safe_load(text) or {}
    else:
        config = json.loads(text)
    if not isinstance(config, dict):
        raise SystemExit(f"{path}: the config must be a mapping of keys to values.")
    return config


def split_config(config: dict) -> tuple[dict, TrainSettings]:
    """(run keys, validated TrainSettings) from a config dict; unknown keys are refused by name."""
    config = dict(config)
    values = dict(config.pop("settings", None) or {})
    for name in list(config):
        if name in FIELDS:
            values[name] = config.pop(name)
    unknown = sorted(set(config) - set(KEYS)) + sorted(set(values) - set(FIELDS))
    if unknown:
        raise SystemExit(f"Unknown config keys: {', '.join(unknown)}. Known: {', '.join(KEYS + tuple(FIELDS))}.")
    return config, TrainSettings(**values)


def command_for(settings: TrainSettings, model: str = "bundled", data: Sequence[str] = ("DATA.txt",),
                output: str = "runs/my-run", prompts: Sequence[str] = (), processes: int = 1) -> str:
    """The shell command that runs the same training as ``settings`` (only fields that differ from the defaults
    are written). ``processes`` > 1 gives the ``accelerate launch`` form."""
    default = TrainSettings()
    parts = ["python", "-m", "playground.train"]
    if processes > 1:
        # --multi_gpu selects accelerate's torchrun launcher, which also starts CPU processes (gloo) when there is
        # no GPU; with --cpu, accelerate 1.15 starts one process unless MPI is set up (--mpirun_hostfile).
        parts = ["accelerate", "launch", "--multi_gpu", "--num_processes", str(processes), "-m", "playground.train"]
    parts += ["--model", model, "--output", output]
    for item in data:
        parts += ["--data", item]
    for prompt in prompts:
        parts += ["--prompt", prompt]
    for name in FIELDS:
        value = getattr(settings, name)
        if value != getattr(default, name):
            parts += [f"--{name.replace('_', '-')}", f"{value:g}" if isinstance(value, float) else str(value)]
    return " ".join(shlex.quote(p) for p in parts)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m playground.train", description=__doc__.split("\n\n")[0])
    p.add_argument("config", nargs="?", help="JSON or YAML file (flags override it)")
    p.add_argument("--model", help="'bundled', a preset or pack name, a Hub id, or a model folder")
    p.add_argument("--data", action="append", help="a training file (.txt, .md, .jsonl, .csv, ...); repeatable")
    p.add_argument("--output", help="folder for the adapter, meta.json, metrics.json and the loss curve")
    p.add_argument("--prompt", action="append", dest="prompts", help="a before/after prompt; repeatable")
    p.add_argument("--csv-column", dest="csv_column")
    for name, f in FIELDS.items():
        kind = f.type if isinstance(f.type, type) else {"int": int, "float": float}.get(str(f.type), str)
        p.add_argument(f"--{name.replace('_', '-')}", dest=f"set_{name}", type=kind, metavar=name.upper())
    return p


def resolve_model(text: str, cache_root: Path) -> tuple[Path, str]:
    """(plain safetensors folder, display name) of the model to train: a folder given by the operator, or what
    the picker accepts (bundled model, offline pack, Hub id)."""
    from . import bundled, packs
    from .models import ModelSpec, resolve_hub

    folder = Path(text).expanduser()
    if folder.is_dir():
        return folder.resolve(), folder.name
    spec = ModelSpec.parse(text)
    if spec.source == "bundled":
        return bundled.ensure_converted(cache_root), spec.name
    if spec.source == "pack":
        return packs.ensure_ready(packs.get(spec.ref), cache_root), spec.name
    if spec.source == "hub":
        return resolve_hub(spec), spec.name
    return Path(spec.ref), spec.name


def run(config: dict, settings: TrainSettings, echo=print) -> dict:
    """Train as configured; returns the metrics (also written to ``output/metrics.json`` by the main process)."""
    import torch

    from . import data as data_mod
    from .config import default_cache_dir
    from .training.events import Progress
    from .training.loop import train
    from .worker import ComputeWorker

    for key in ("model", "data", "output"):
        if not config.get(key):
            raise SystemExit(f"The config needs '{key}'.")
    accelerator = _accelerator()
    rank = accelerator.process_index if accelerator is not None else 0
    folder, name = resolve_model(str(config["model"]), default_cache_dir())
    files = [config["data"]] if isinstance(config["data"], str) else list(config["data"])
    docs = data_mod.read_paths(files, csv_column=config.get("csv_column"), limits=data_mod.DataLimits.from_env())
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder, trust_remote_code=False)
    dataset = data_mod.build_dataset(docs, tokenizer, settings.block_size, settings.val_fraction, settings.seed)
    limits = TrainLimits.from_env()
    limits.check_steps(settings.total_steps(len(dataset.train)))
    out = Path(config["output"]).expanduser()
    progress = Progress()

    def report(event) -> None:
        progress.apply(event)
        if rank == 0 and type(event).__name__ == "StepEvent":
            echo(f"step {event.step}/{event.total}  loss {event.loss:.4f}  lr {event.lr:.2e}")
        elif rank == 0 and type(event).__name__ == "EvalEvent":
            echo(f"step {event.step}  validation loss {event.val_loss:.4f}")

    device = accelerator.device if accelerator is not None else torch.device("cpu")
    result = train(folder, dataset, settings, ComputeWorker(name="playground-train-cli"), threading.Event(), report,
                   out_dir=out, prompts=config.get("prompts") or (), base_name=name, device=device,
                   accelerator=accelerator)
    metrics = {"rank": rank, "processes": accelerator.num_processes if accelerator is not None else 1,
               "status": result.status, "steps": result.steps, "losses": progress.losses,
               "val_losses": progress.val_losses, "val_loss_before": result.val_loss_before,
               "val_loss_after": result.val_loss_after, "tokens_per_second": result.tokens_per_second,
               "seconds": result.seconds, "base": name, "settings": dataclasses.asdict(settings)}
    if rank == 0:
        _write_outputs(out, metrics, progress)
        echo(f"saved to {out}")
    echo("playground.train result " + json.dumps({k: metrics[k] for k in ("rank", "steps", "losses",
                                                                          "val_loss_after")}))
    return metrics


def _accelerator():
    """An ``accelerate.Accelerator`` when launched on several processes (else None: a plain one-process run)."""
    import os

    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return None
    import torch
    from accelerate import Accelerator

    # Without cpu=True, accelerate 1.15 on a machine with no GPU sees one process (DistributedType.NO).
    cpu = os.environ.get("ACCELERATE_USE_CPU", "").lower() in ("1", "true", "yes") or not torch.cuda.is_available()
    accelerator = Accelerator(cpu=cpu)
    if accelerator.num_processes <= 1:
        raise SystemExit("WORLD_SIZE > 1 but accelerate did not start a multi-process run.")
    return accelerator


def _write_outputs(out: Path, metrics: dict, progress) -> None:
    from .plots import loss_figure

    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=1), encoding="utf-8")
    rows = ["step,train_loss,val_loss"] + [f"{s},{v:.6f}," for s, v in progress.losses] + [
        f"{s},,{v:.6f}" for s, v in progress.val_losses]
    (out / "loss_curve.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    loss_figure(progress, ("train", "validation", "step", "loss")).write_html(out / "loss_curve.html",
                                                                               include_plotlyjs="directory")


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    config: dict[str, Any] = read_config(args.config) if args.config else {}
    for key in ("model", "data", "output", "prompts", "csv_column"):
        if getattr(args, key) is not None:
            config[key] = getattr(args, key)
    for name in FIELDS:
        value = getattr(args, f"set_{name}")
        if value is not None:
            config.setdefault("settings", {})[name] = value
    try:
        run_keys, settings = split_config(config)
        run(run_keys, settings)
    except (TrainingError, ValueError) as exc:  # coded errors and settings checks: a sentence, no traceback
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    raise SystemExit(main())
