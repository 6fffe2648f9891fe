"""playground.settings: one typed table for every PLAYGROUND_* variable, checked at start-up, shown in the README."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from playground import settings
from playground.errors import PlaygroundError

ROOT = Path(__file__).resolve().parents[1]


def test_readme_table_is_the_generated_one():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert settings.readme_section(readme) == settings.readme_table(), (
        "README.md's settings table differs from playground/settings.py: run "
        "`python -m playground.settings --write README.md`")


def test_every_playground_variable_read_in_the_core_is_in_the_table():
    """No module reads PLAYGROUND_* on its own: every name in the code is a row of the table."""
    names = set()
    for path in (ROOT / "playground").rglob("*.py"):
        names |= set(re.findall(r"PLAYGROUND_[A-Z_]+", path.read_text(encoding="utf-8")))
    known = {v.name for v in settings.VARIABLES}
    assert names - known == set()
    reads = subprocess.run(["grep", "-rn", "--include=*.py", r"environ\.get(.PLAYGROUND_\|getenv(.PLAYGROUND_",
                            str(ROOT / "playground")], capture_output=True, text=True).stdout
    assert reads == ""  # every read goes through settings.read


def test_defaults_and_typed_values():
    assert settings.read("PLAYGROUND_MAX_NEW_TOKENS", {}) == 512
    assert settings.read("PLAYGROUND_MAX_NEW_TOKENS", {"PLAYGROUND_MAX_NEW_TOKENS": " 64 "}) == 64
    assert settings.read("PLAYGROUND_MAX_TIME", {"PLAYGROUND_MAX_TIME": "2.5"}) == 2.5
    assert settings.read("PLAYGROUND_FULL_FT_MAX_PARAMS", {"PLAYGROUND_FULL_FT_MAX_PARAMS": "3e8"}) == 300_000_000
    assert settings.read("PLAYGROUND_MAX_NEW_TOKENS", {"PLAYGROUND_MAX_NEW_TOKENS": ""}) == 512  # empty = unset
    assert settings.read("PLAYGROUND_TRAINING_WORKER", {"PLAYGROUND_TRAINING_WORKER": "Dedicated"}) == "dedicated"
    assert settings.read("PLAYGROUND_DEVICE", {"PLAYGROUND_DEVICE": "cuda:1"}) == "cuda:1"
    assert settings.read("PLAYGROUND_CACHE", {}) is None
    assert settings.read("PLAYGROUND_CACHE", {"PLAYGROUND_CACHE": "~/x"}) == Path("~/x").expanduser()
    dirs = settings.read("PLAYGROUND_MODEL_DIRS", {"PLAYGROUND_MODEL_DIRS": f"/a{os.pathsep}{os.pathsep}/b"})
    assert dirs == (Path("/a"), Path("/b"))


@pytest.mark.parametrize("name, raw, code", [
    ("PLAYGROUND_MAX_NEW_TOKENS", "many", "env_not_number"),
    ("PLAYGROUND_MAX_NEW_TOKENS", "1.5", "env_not_number"),
    ("PLAYGROUND_MAX_NEW_TOKENS", "0", "env_out_of_range"),
    ("PLAYGROUND_SESSION_TTL", "-1", "env_out_of_range"),
    ("PLAYGROUND_MAX_ATTENTION_TOKENS", "5000", "env_out_of_range"),
    ("PLAYGROUND_DTYPE", "int4", "env_not_a_choice"),
    ("PLAYGROUND_DEVICE", "tpu", "env_not_a_choice"),
])
def test_bad_values_name_the_variable_and_what_it_accepts(name, raw, code):
    with pytest.raises(PlaygroundError) as info:
        settings.read(name, {name: raw})
    err = info.value
    assert err.code == code
    accepted = settings.variable(name).accepted()
    for lang in ("en", "zh"):
        assert name in err.text(lang) and repr(raw) in err.text(lang) and accepted.text(lang) in err.text(lang)


def test_check_environment_reads_everything_at_start_up(monkeypatch):
    monkeypatch.setenv("PLAYGROUND_MAX_TRAINING_QUEUE", "lots")
    with pytest.raises(PlaygroundError, match="PLAYGROUND_MAX_TRAINING_QUEUE"):
        settings.check_environment()
    from playground.engine import Engine

    with pytest.raises(PlaygroundError, match="PLAYGROUND_MAX_TRAINING_QUEUE"):  # the server does not start
        Engine.from_env()
    monkeypatch.delenv("PLAYGROUND_MAX_TRAINING_QUEUE")
    values = settings.check_environment({})
    assert values["PLAYGROUND_MAX_MODELS"] == 2 and "GRADIO_SERVER_PORT" not in values


def test_every_limit_dataclass_takes_its_defaults_and_bounds_from_the_table():
    from playground.config import Limits
    from playground.data import DataLimits
    from playground.finetune import TrainLimits
    from playground.sessions import SessionStore

    assert Limits().max_models == settings.default("PLAYGROUND_MAX_MODELS")
    assert DataLimits().max_upload_mb == settings.default("PLAYGROUND_MAX_UPLOAD_MB")
    assert TrainLimits().max_steps == settings.default("PLAYGROUND_MAX_TRAIN_STEPS")
    env = {"PLAYGROUND_MAX_UPLOAD_FILES": "3", "PLAYGROUND_MAX_TRAIN_STEPS": "99", "PLAYGROUND_SESSION_TTL": "60"}
    assert DataLimits.from_env(env).max_files == 3 and TrainLimits.from_env(env).max_steps == 99
    assert SessionStore.from_env(Path("/tmp/x"), env).ttl == 60
    with pytest.raises(PlaygroundError):
        DataLimits.from_env({"PLAYGROUND_MAX_UPLOAD_FILES": "0"})
    with pytest.raises(PlaygroundError):
        TrainLimits(max_jobs=0)
