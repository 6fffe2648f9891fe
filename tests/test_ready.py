"""Ready-made runs for the demo datasets, and the training line's start estimate."""

import json
import threading

import pytest
import torch
from safetensors.torch import load_file

from playground import data
from playground.finetune import Progress, TrainingManager, TrainLimits, TrainSettings
from playground.models import ModelSpec, load_model
from playground.training.jobs import TrainJob
from playground.training.ready import install, ready_root, ready_run, save_ready
from test_finetune import FAST, run


def test_a_saved_ready_run_installs_as_the_same_finished_run(llama_folder, worker, tmp_path):
    progress = Progress()
    result, _ = run(llama_folder, worker, TrainSettings(**FAST), out_dir=tmp_path / "trained", callback=progress.apply)
    ready = save_ready(tmp_path / "trained", tmp_path / "ready" / "demo_en", progress, result, "tiny")
    assert ready_run("demo_en", tmp_path / "ready") == ready and ready_run("other", tmp_path / "ready") is None
    assert json.loads((ready / "meta.json").read_text())["base_folder"] == ""  # no path of the machine it came from

    runs = tmp_path / "cache" / "sessions" / "abcdefgh1234" / "runs"
    job = install(ready, runs, "abcdefgh1234", str(llama_folder), "tiny-choice")
    assert job.ready and not job.running and job.owner == "abcdefgh1234"
    r = job.result
    assert (r.steps, r.val_loss_before, r.val_loss_after, r.tuned_completions) == \
        (result.steps, result.val_loss_before, result.val_loss_after, result.tuned_completions)
    assert r.diff == result.diff and job.snapshot().losses == progress.losses and job.snapshot().phase == "done"
    # The installed copy loads as this session's model: the adapter merged into the base, unlike the base.
    spec = ModelSpec("session", "abcdefgh1234", job.id, label="mine")
    tuned = worker.call(load_model, spec, torch.device("cpu"), torch.float32, cache_root=tmp_path / "cache")
    base = worker.call(load_model, ModelSpec("local", str(llama_folder)), torch.device("cpu"), torch.float32)
    ids = torch.tensor([[1, 2, 3, 4, 5]])
    with torch.no_grad():
        assert not torch.allclose(tuned.model(ids).logits, base.model(ids).logits)


def test_the_shipped_ready_runs_cover_every_demo_and_stay_small():
    demos = data.demo_sets()
    assert demos
    for demo in demos:
        folder = ready_run(demo.key)
        assert folder is not None, f"no ready-made run for {demo.key}: run scripts/make_ready_runs.py"
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        assert meta["method"] == "lora" and meta["result"]["val_loss_after"] < meta["result"]["val_loss_before"]
        assert list(meta["result"]["prompts"]) == list(demo.prompts)
        weights = load_file(str(folder / "adapter" / "adapter_model.safetensors"))
        assert weights and all("lora_" in k for k in weights)
        size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
        assert size < 8_000_000
    assert {p.name for p in ready_root().iterdir()} == {d.key for d in demos}


def job(owner: str, total: int, steps: int = 0, step_seconds: float = 2.0) -> TrainJob:
    j = TrainJob(owner, owner, TrainSettings(), total)
    for _ in range(steps):
        j.progress.step += 1
        j.progress.step_times.append(step_seconds)
    return j


def test_the_waiting_line_estimates_each_start(worker):
    manager = TrainingManager(worker, TrainLimits(max_jobs=1))
    running, first, second = job("a", 20, steps=5), job("b", 30), job("c", 10)
    manager._jobs.update(a=running, b=first, c=second)
    manager._waiting.extend([first, second])
    assert manager.start_estimate(first) == pytest.approx(15 * 2.0)  # a's 15 remaining steps of 2 s
    assert manager.start_estimate(second) == pytest.approx(15 * 2.0 + 30 * 2.0)  # then all of b's run
    manager.limits = TrainLimits(max_jobs=2)  # two slots: b starts at once, c when the first slot frees
    assert manager.start_estimate(first) == 0.0 and manager.start_estimate(second) == pytest.approx(30.0)
    fresh = TrainingManager(worker, TrainLimits(max_jobs=1))
    waiting = job("d", 10)
    fresh._jobs.update(x=job("x", 10), d=waiting)
    fresh._waiting.append(waiting)
    assert fresh.start_estimate(waiting) is None  # no step measured yet: no guess


def test_a_ready_run_is_refused_while_the_session_trains(worker):
    manager = TrainingManager(worker)
    busy = job("s", 10)
    manager._jobs["s"] = busy
    ready = job("s", 10)
    ready.finished.set()
    with pytest.raises(Exception) as info:
        manager.adopt(ready)
    assert getattr(info.value, "code", "") == "already_running"
    busy.finished.set()
    manager.adopt(ready)
    assert manager.job("s") is ready
