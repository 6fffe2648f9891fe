"""``python -m playground.train``: the Fine-tune tab's training from a config file, on one or two processes."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from playground import train as train_cli
from playground.finetune import TrainSettings
from playground.models import ModelSpec, load_tuned
from tiny import make_model

ROOT = Path(__file__).resolve().parents[1]
TEXT = ("The lighthouse keeper wrote in his log every evening. The sea was calm and the lamp was bright. "
        "Ahoy, dear traveller! Fair winds and warm teapots. ") * 40
FAST = {"max_steps": 12, "batch_size": 2, "block_size": 32, "learning_rate": 1e-2, "warmup_steps": 0,
        "eval_every": 5, "sample_every": 0, "compare_tokens": 4}


def config_file(tmp_path: Path, model: Path, suffix: str = ".json", **extra) -> Path:
    (tmp_path / "notes.txt").write_text(TEXT, encoding="utf-8")
    config = {"model": str(model), "data": [str(tmp_path / "notes.txt")], "output": str(tmp_path / "out"),
              "settings": FAST, **extra}
    path = tmp_path / f"cfg{suffix}"
    if suffix == ".json":
        path.write_text(json.dumps(config), encoding="utf-8")
    else:
        import yaml

        path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def results(stdout: str) -> list[dict]:
    marker = "playground.train result "
    return [json.loads(line.split(marker, 1)[1]) for line in stdout.splitlines() if marker in line]


def test_config_keys_and_settings_are_checked(tmp_path):
    run, settings = train_cli.split_config({"model": "m", "lora_r": 4, "settings": {"max_steps": 3}})
    assert settings == TrainSettings(lora_r=4, max_steps=3) and run == {"model": "m"}
    with pytest.raises(SystemExit, match="Unknown config keys: colour"):
        train_cli.split_config({"colour": "red"})
    with pytest.raises(ValueError):  # the dataclass's own bounds, as in the tab
        train_cli.split_config({"settings": {"batch_size": 999}})


def test_command_for_lists_only_changed_settings_and_parses_back():
    settings = TrainSettings(max_steps=20, lora_r=4, learning_rate=0.002)
    command = train_cli.command_for(settings, model="bundled", data=["my notes.txt"], output="runs/a")
    assert command.startswith("python -m playground.train --model bundled --output runs/a --data 'my notes.txt'")
    assert "--max-steps 20" in command and "--lora-r 4" in command and "--batch-size" not in command
    args = train_cli.parser().parse_args(__import__("shlex").split(command)[3:])
    assert {n: getattr(args, f"set_{n}") for n in ("max_steps", "lora_r", "learning_rate")} == \
        {"max_steps": 20, "lora_r": 4, "learning_rate": 0.002}
    assert train_cli.command_for(settings, processes=2).startswith("accelerate launch --multi_gpu --num_processes 2 -m ")


def test_one_process_run_writes_the_tab_outputs_and_loads_as_a_session_model(tmp_path):
    model = make_model("llama", tmp_path / "llama")
    metrics = train_cli.run(*train_cli.split_config(train_cli.read_config(config_file(tmp_path, model, ".yaml"))),
                            echo=lambda *_: None)
    out = tmp_path / "out"
    assert (out / "adapter" / "adapter_model.safetensors").is_file() and (out / "meta.json").is_file()
    assert json.loads((out / "metrics.json").read_text())["steps"] == 12 == metrics["steps"]
    assert (out / "loss_curve.csv").read_text().startswith("step,train_loss,val_loss")
    assert (out / "loss_curve.html").is_file()
    assert metrics["val_loss_after"] < metrics["val_loss_before"]
    loaded = load_tuned(out, ModelSpec("session", "a" * 12, "b" * 12), torch.device("cpu"), torch.float32)
    assert loaded.model.generate(torch.tensor([[1, 2, 3]]), max_new_tokens=2).shape == (1, 5)


def test_bad_data_is_refused_with_the_tab_message(tmp_path, capsys):
    model = make_model("llama", tmp_path / "llama")
    path = config_file(tmp_path, model)
    (tmp_path / "notes.txt").write_text("too short", encoding="utf-8")
    assert train_cli.main([str(path)]) == 2
    assert "characters" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("accelerate", path=os.path.dirname(sys.executable)) is None,
                    reason="accelerate is not installed")
def test_two_processes_under_accelerate_agree_and_save_once(tmp_path):
    model = make_model("llama", tmp_path / "llama")
    path = config_file(tmp_path, model)
    accelerate = os.path.join(os.path.dirname(sys.executable), "accelerate")
    # --multi_gpu is accelerate's torchrun launcher; with no GPU visible its processes train on the CPU (gloo).
    # (`--cpu --num_processes 2` starts a single process in accelerate 1.15 unless MPI is configured.)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT), "CUDA_VISIBLE_DEVICES": ""}
    done = subprocess.run([accelerate, "launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1",
                           "--mixed_precision", "no", "--dynamo_backend", "no", "-m", "playground.train", str(path)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    found = sorted(results(done.stdout), key=lambda r: r["rank"])
    assert [r["rank"] for r in found] == [0, 1]
    assert found[0]["losses"] == found[1]["losses"]  # the averaged loss, step by step, on both processes
    assert found[0]["val_loss_after"] == pytest.approx(found[1]["val_loss_after"], abs=1e-6)
    losses = [loss for _, loss in found[0]["losses"]]
    assert sum(losses[-3:]) / 3 < sum(losses[:3]) / 3
    out = tmp_path / "out"
    assert json.loads((out / "metrics.json").read_text())["processes"] == 2
    assert done.stdout.count("saved to") == 1 and not list(out.glob("*.tmp*"))
    loaded = load_tuned(out, ModelSpec("session", "a" * 12, "b" * 12), torch.device("cpu"), torch.float32)
    assert loaded.model.generate(torch.tensor([[1, 2, 3]]), max_new_tokens=2).shape == (1, 5)


def test_finetune_tab_shows_the_command_for_its_settings():
    from playground.ui.events import Values
    from playground.ui.finetune import handlers

    shown = handlers.command_line(Values({"model": "bundled", "files": None, "pasted": "my own text", "demo": "none",
                                          "prompts": "Once\n", "max_steps": 20, "lora_r": 4}, None))
    assert shown == ("python -m playground.train --model bundled --output runs/my-run --data my-text.txt "
                     "--prompt Once --max-steps 20 --lora-r 4")
    args = train_cli.parser().parse_args(__import__("shlex").split(shown)[3:])
    assert args.set_max_steps == 20 and args.data == ["my-text.txt"]
    unfinished = handlers.command_line(Values({"model": "bundled", "max_steps": "abc"}, None))
    assert not isinstance(unfinished, str)  # a value being typed leaves the shown command as it was
