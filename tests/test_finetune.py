"""Training on tiny models: loss falls, the right weights change, Stop is prompt, jobs queue, results load."""

import json
import threading
import time
import zipfile
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from playground import data, finetune
from playground.fields import all_bounds, bounds
from playground.finetune import TrainSettings, TrainingManager, TrainLimits
from playground.models import ModelLoadError, ModelSpec, load_model

TEXT = ("The lighthouse keeper wrote in his log every evening. The sea was calm and the lamp was bright. "
        "Ahoy, dear traveller! Fair winds and warm teapots. ") * 40
FAST = dict(max_steps=12, batch_size=4, block_size=32, learning_rate=5e-3, warmup_steps=0, eval_every=4,
            sample_every=4, sample_tokens=4, compare_tokens=4)


def dataset_for(folder, block_size=32):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(folder)
    return data.build_dataset(data.read_inputs(pasted=TEXT), tok, block_size)


def weights(folder: Path) -> dict:
    return load_file(str(folder / "model.safetensors"))


def run(folder, worker, settings, out_dir=None, stop=None, prompts=("The sea",), callback=None):
    events = []

    def cb(event):
        events.append(event)
        if callback:
            callback(event)

    result = finetune.train(folder, dataset_for(folder, settings.block_size), settings, worker,
                            stop or threading.Event(), cb, out_dir=out_dir, prompts=prompts, base_name="tiny")
    return result, events


@pytest.mark.parametrize("kind", ["llama", "gpt2"])
def test_lora_loss_falls_and_only_adapter_weights_change(kind, llama_folder, gpt2_folder, worker, tmp_path):
    folder = llama_folder if kind == "llama" else gpt2_folder
    before = weights(folder)
    result, events = run(folder, worker, TrainSettings(**FAST), out_dir=tmp_path / "run")
    losses = [e.loss for e in events if isinstance(e, finetune.StepEvent)]
    assert len(losses) == 12 and result.status == "done"
    assert sum(losses[-3:]) / 3 < sum(losses[:3]) / 3, losses
    assert result.val_loss_after < result.val_loss_before
    assert 0 < result.trainable_params < result.total_params / 5  # only the small adapter matrices train
    assert any(isinstance(e, finetune.EvalEvent) for e in events) and any(
        isinstance(e, finetune.SampleEvent) for e in events)
    # The adapter file holds only LoRA matrices, and they moved away from their initial state (B starts at 0).
    adapter = load_file(str(tmp_path / "run" / "adapter" / "adapter_model.safetensors"))
    assert adapter and all("lora_" in k for k in adapter)
    assert any(v.abs().sum() > 0 for k, v in adapter.items() if "lora_B" in k)
    config = json.loads((tmp_path / "run" / "adapter" / "adapter_config.json").read_text())
    expected = ["c_attn"] if kind == "gpt2" else ["q_proj", "v_proj"]
    assert sorted(config["target_modules"]) == expected
    assert config["base_model_name_or_path"] == "tiny"  # not a server path
    after = weights(folder)  # the base folder on disk is untouched
    assert all(torch.equal(before[k], after[k]) for k in before)


def test_full_finetuning_changes_the_private_copy_not_the_shared_model(llama_folder, registry, worker, tmp_path):
    shared = registry.get(ModelSpec("local", str(llama_folder)))
    shared_before = {k: v.clone() for k, v in shared.model.state_dict().items()}
    result, _ = run(llama_folder, worker, TrainSettings(method="full", **{**FAST, "learning_rate": 1e-3}),
                    out_dir=tmp_path / "run")
    assert result.trainable_params == result.total_params
    tuned = weights(tmp_path / "run" / "model")
    base = weights(llama_folder)
    changed = [k for k in base if k in tuned and not torch.equal(base[k], tuned[k])]
    assert len(changed) > len(base) // 2  # the base weights of the private copy moved
    assert all(torch.equal(shared_before[k], v) for k, v in shared.model.state_dict().items())
    assert not any(p.requires_grad for p in shared.model.parameters())


def test_stop_ends_within_one_step(llama_folder, worker):
    stop = threading.Event()

    def on_event(event):
        if isinstance(event, finetune.StepEvent) and event.step == 3:
            stop.set()

    result, events = run(llama_folder, worker, TrainSettings(**{**FAST, "max_steps": 500}), stop=stop,
                         callback=on_event)
    steps = [e.step for e in events if isinstance(e, finetune.StepEvent)]
    assert steps == [1, 2, 3] and result.status == "stopped" and result.steps == 3
    assert isinstance(events[-1], finetune.PhaseEvent) and events[-1].phase == "stopped"


def test_saved_run_loads_as_a_session_model_and_differs_from_base(llama_folder, worker, tmp_path):
    cache = tmp_path / "cache"
    run_dir = cache / "sessions" / "abcdefgh1234" / "runs" / "run12345678"
    run(llama_folder, worker, TrainSettings(**FAST), out_dir=run_dir)
    spec = ModelSpec("session", "abcdefgh1234", "run12345678", label="mine")
    tuned = worker.call(load_model, spec, torch.device("cpu"), torch.float32, cache_root=cache)
    base = worker.call(load_model, ModelSpec("local", str(llama_folder)), torch.device("cpu"), torch.float32)
    ids = torch.tensor([[1, 2, 3, 4, 5]])
    with torch.no_grad():
        assert not torch.allclose(tuned.model(ids).logits, base.model(ids).logits)
    assert tuned.spec.name == "mine" and not any(p.requires_grad for p in tuned.model.parameters())
    # A session folder is never reachable as an ordinary local folder, and a missing run is a clear error.
    with pytest.raises(ModelLoadError, match="private files"):
        load_model(ModelSpec("local", str(run_dir)), torch.device("cpu"), torch.float32, cache_root=cache)
    with pytest.raises(ModelLoadError, match="no longer exists"):
        load_model(ModelSpec("session", "abcdefgh1234", "nosuchrun1"), torch.device("cpu"), torch.float32,
                   cache_root=cache)


def test_session_spec_cannot_be_typed_or_forged():
    for text in ("session:abcdefgh1234@run12345678", "⭐ my fine-tuned model", "sessions/abcdefgh1234"):
        try:
            assert ModelSpec.parse(text).source != "session"
        except ValueError:
            pass
    with pytest.raises(ValueError):
        ModelSpec("session", "../../etc", "run12345678")
    with pytest.raises(ValueError):
        ModelSpec("session", "abcdefgh1234", None)


def test_zip_downloads(llama_folder, worker, tmp_path):
    run_dir = tmp_path / "run"
    run(llama_folder, worker, TrainSettings(**FAST), out_dir=run_dir)
    adapter = finetune.zip_run(run_dir, tmp_path / "dl" / "adapter.zip")
    with zipfile.ZipFile(adapter) as zf:
        names = set(zf.namelist())
        assert {"adapter/adapter_model.safetensors", "adapter/adapter_config.json"} <= names
        assert str(tmp_path) not in zf.read("adapter/adapter_config.json").decode()
    merged = worker.call(finetune.zip_run, run_dir, tmp_path / "dl" / "merged.zip", True)
    with zipfile.ZipFile(merged) as zf:
        names = set(zf.namelist())
        assert {"model/config.json", "model/model.safetensors", "model/tokenizer.json"} <= names
    assert not list((tmp_path / "dl").glob(".merge-*"))  # the temporary merge folder is gone


def test_overfitting_flag():
    p = finetune.Progress()
    for step, v in [(0, 3.0), (10, 2.0), (20, 1.8)]:
        p.apply(finetune.EvalEvent(step, v))
    assert not p.overfitting
    p.apply(finetune.EvalEvent(30, 1.9))
    assert not p.overfitting  # one rise can be noise
    p.apply(finetune.EvalEvent(40, 2.1))
    assert p.overfitting


def test_settings_validation_and_limits():
    with pytest.raises(ValueError, match="LoRA rank") as info:
        TrainSettings(lora_r=0)
    assert (info.value.code, info.value.params["field"]) == ("out_of_range", "lora_r")
    assert info.value.text("zh").startswith("LoRA 秩")
    with pytest.raises(ValueError, match="Method") as info:
        TrainSettings(method="magic")
    assert info.value.code == "not_a_choice" and "lora, full" in str(info.value)
    # One range per field, the same the widgets show: batch 1-16, blocks of 32-512 tokens.
    assert (bounds(TrainSettings, "batch_size").min, bounds(TrainSettings, "batch_size").max) == (1, 16)
    assert (bounds(TrainSettings, "block_size").min, bounds(TrainSettings, "block_size").max) == (32, 512)
    for name, value in (("batch_size", 17), ("block_size", 16), ("block_size", 1024)):
        with pytest.raises(ValueError) as info:
            TrainSettings(**{name: value})
        assert info.value.params["field"] == name
    for name, b in all_bounds(TrainSettings).items():
        assert b.help and (b.choices or (b.min <= b.default <= b.max)), name
    assert TrainSettings(batch_size=8.0).batch_size == 8 and type(TrainSettings(batch_size=8.0).batch_size) is int
    assert TrainSettings().lr == 1e-3 and TrainSettings(method="full").lr == 5e-5
    assert TrainSettings(epochs=2, batch_size=4).total_steps(10) == 5
    assert TrainLimits.from_env({"PLAYGROUND_MAX_TRAINING_JOBS": "3"}).max_jobs == 3
    assert TrainLimits.from_env({}).max_jobs == 1
    with pytest.raises(ValueError, match="PLAYGROUND_TRAINING_WORKER"):
        TrainLimits.from_env({"PLAYGROUND_TRAINING_WORKER": "gpu-cluster"})
    with pytest.raises(finetune.TrainingError) as info:  # the step cap is checked in one place
        TrainLimits(max_steps=10).check_steps(11)
    assert info.value.code == "too_many_steps" and "11" in info.value.text("zh")


def test_manager_one_job_per_session_cap_and_waiting_line(llama_folder, worker, tmp_path):
    manager = TrainingManager(worker, TrainLimits(max_jobs=1, max_waiting=1))
    ds = dataset_for(llama_folder)
    slow = TrainSettings(**{**FAST, "max_steps": 400, "sample_every": 0})
    a = manager.start("sess-a", llama_folder, ds, slow, tmp_path / "a")
    with pytest.raises(finetune.TrainingError, match="already") as info:
        manager.start("sess-a", llama_folder, ds, slow, tmp_path / "a")
    assert info.value.code == "already_running" and isinstance(info.value, RuntimeError)
    with pytest.raises(finetune.TrainingError, match="already"):  # the same check, without starting anything
        manager.check_start("sess-a", slow, len(ds.train))
    assert manager.running("sess-a") and not manager.running("sess-b")
    deadline = time.time() + 30
    while a.snapshot().step < 1 and time.time() < deadline:
        time.sleep(0.02)
    b = manager.start("sess-b", llama_folder, ds, slow, tmp_path / "b")
    assert manager.position(b) == 1 and b.snapshot().phase == "waiting"  # the cap holds b back
    with pytest.raises(finetune.Busy, match="busy") as info:
        manager.start("sess-c", llama_folder, ds, slow, tmp_path / "c")
    assert info.value.code == "busy" and info.value.params == {"running": 1, "waiting": 1}
    assert manager.stop("sess-a")
    assert a.finished.wait(30) and a.result is not None and a.result.status == "stopped"
    deadline = time.time() + 30
    while b.snapshot().step < 1 and time.time() < deadline:  # b starts once a's slot is free
        time.sleep(0.02)
    assert b.snapshot().step >= 1 and manager.position(b) == 0
    manager.stop("sess-b")
    assert b.finished.wait(30)
    assert (tmp_path / "a" / a.id / "meta.json").is_file()  # a's stopped run kept what it learnt


def test_a_failed_job_reports_in_words(tmp_path, worker):
    manager = TrainingManager(worker)
    bad = tmp_path / "not-a-model"
    bad.mkdir()
    ds = data.Dataset(((1, 2, 3),) * 4, ((1, 2, 3),), 16, 10, 16, False)
    job = manager.start("sess-x", bad, ds, TrainSettings(**FAST), tmp_path / "runs")
    assert job.finished.wait(30)
    assert job.snapshot().phase == "failed" and job.error and "Traceback" not in job.error
    assert job.failure is not None and job.failure.code == "training_failed" and job.failure.text("zh")
