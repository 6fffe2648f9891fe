"""Ready-made runs: LoRA adapters trained beforehand on the demo datasets (``scripts/make_ready_runs.py``), so in a
crowded workshop everyone sees a before/after at once while the machine serves generations.

A ready run is a saved run folder (``adapter/`` + ``meta.json``, as ``loop.train`` writes it) plus the run's
progress (loss curve, samples) and its token diff in ``ready.json``. Installing one copies it into a session's runs
and hands back a finished ``TrainJob``: the tab shows it exactly like a run that just ended.
"""

from __future__ import annotations

import json
import secrets
import shutil
from dataclasses import asdict
from pathlib import Path

from .events import Progress, TokenDiff, TrainResult
from .jobs import TrainJob
from .settings import META, TrainSettings, TrainingError

READY_FILE = "ready.json"


def ready_root() -> Path:
    return Path(__file__).resolve().parents[2] / "assets" / "adapters"


def ready_run(demo_key: str, root: Path | None = None) -> Path | None:
    """The ready-made run folder for a demo dataset, when one ships."""
    folder = (root or ready_root()) / demo_key
    ok = (folder / META).is_file() and (folder / READY_FILE).is_file() and (folder / "adapter").is_dir()
    return folder if ok else None


def save_ready(run_dir: Path, target: Path, progress: Progress, result: TrainResult, base_name: str) -> Path:
    """Keep a finished run as a ready-made one (the base folder, a path on this machine, is left out)."""
    target = Path(target)
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(Path(run_dir) / "adapter", target / "adapter")
    meta = json.loads((Path(run_dir) / META).read_text(encoding="utf-8"))
    meta["base_folder"] = ""
    meta["base_name"] = base_name
    (target / META).write_text(json.dumps(meta, indent=1, ensure_ascii=False), encoding="utf-8")
    extra = {"losses": progress.losses, "val_losses": progress.val_losses, "samples": progress.samples,
             "tokens": progress.tokens, "train_seconds": progress.train_seconds,
             "diff": asdict(result.diff) if result.diff is not None else None}
    (target / READY_FILE).write_text(json.dumps(extra, ensure_ascii=False), encoding="utf-8")
    return target


def install(ready: Path, runs_dir: Path, owner: str, base_folder: str, base_choice: str) -> TrainJob:
    """Copy a ready-made run into ``runs_dir`` (a session's runs) and return it as a finished job."""
    ready = Path(ready)
    meta = json.loads((ready / META).read_text(encoding="utf-8"))
    extra = json.loads((ready / READY_FILE).read_text(encoding="utf-8"))
    if meta.get("method") != "lora":
        raise TrainingError("run_missing")
    run_id = secrets.token_hex(6)
    target = Path(runs_dir) / run_id
    shutil.copytree(ready / "adapter", target / "adapter")
    meta.update(run_id=run_id, base_folder=str(base_folder), ready=ready.name)
    meta["result"].update(run_id=run_id, folder=str(target))
    (target / META).write_text(json.dumps(meta, indent=1, ensure_ascii=False), encoding="utf-8")

    fields = {k: (tuple(v) if isinstance(v, list) else v) for k, v in meta["result"].items()}
    diff = extra.get("diff")
    result = TrainResult(**fields, diff=TokenDiff(*(tuple(diff[k]) for k in ("tokens", "base", "tuned")))
                         if diff else None)
    progress = Progress(phase="done", step=result.steps, total=result.total_steps,
                        losses=[tuple(x) for x in extra["losses"]], val_losses=[tuple(x) for x in extra["val_losses"]],
                        samples=[tuple(x) for x in extra["samples"]], tokens=extra["tokens"],
                        train_seconds=extra["train_seconds"])
    progress.ended = progress.started
    job = TrainJob(run_id, owner, TrainSettings(**meta["settings"]), result.total_steps, progress=progress,
                   result=result, base_name=meta.get("base_name", ""), base_choice=base_choice, ready=True)
    job.finished.set()
    return job
