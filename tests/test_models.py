"""Model specs, the shared registry (load once, LRU, errors), safe loading rules, the Hub path, devices and dtypes."""

from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path

import pytest
import torch

from playground.config import GenerationSettings, Limits
from playground.devices import pick_device, pick_dtype
from playground.generation import generate, prepare_prompt
from playground.models import (BUNDLED_REF, LoadedModel, ModelLoadError, ModelRegistry, ModelSpec, default_spec,
                               presets)
from tiny import make_hub_cache, make_model

COMMIT = "0123456789abcdef0123456789abcdef01234567"


# ----------------------------------------------------------------------------------------------- ModelSpec

def test_parse_bundled_names():
    for text in ("bundled", "Bundled", BUNDLED_REF, "  bundled  "):
        spec = ModelSpec.parse(text)
        assert spec.source == "bundled" and spec.ref == BUNDLED_REF


def test_parse_hub_id_and_revision():
    spec = ModelSpec.parse("openai-community/gpt2")
    assert (spec.source, spec.ref, spec.revision) == ("hub", "openai-community/gpt2", None)
    spec = ModelSpec.parse("owner/model.v2_x@refs/pr/1")
    assert (spec.source, spec.ref, spec.revision) == ("hub", "owner/model.v2_x", "refs/pr/1")
    assert spec.key == "hub:owner/model.v2_x@refs/pr/1"
    assert ModelSpec.parse("owner/name@").revision is None
    assert ModelSpec.parse("gpt2").ref == "gpt2"  # legacy single-name ids are valid


def test_parse_presets_by_label_and_ref():
    for preset in presets():
        assert ModelSpec.parse(preset.label) == preset
        assert ModelSpec.parse(preset.ref) == preset


def test_parse_decides_path_or_hub_id_from_the_text_alone(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mymodel").mkdir()
    (tmp_path / "owner" / "name").mkdir(parents=True)
    assert ModelSpec.parse("mymodel").source == "hub"  # an existing relative folder no longer wins
    assert ModelSpec.parse("owner/name").source == "hub"
    monkeypatch.setenv("PLAYGROUND_MODEL_DIRS", str(tmp_path))
    spec = ModelSpec.parse("./mymodel")
    assert spec.source == "local" and spec.ref == str((tmp_path / "mymodel").resolve())
    assert spec.name == "mymodel"


@pytest.mark.parametrize("text", ["a b", "x--y", "owner/x--y", "owner/na..me", "a/b/c", "-lead/x", "owner/",
                                  "own er/name", "owner/name@bad rev", "owner/name;rm", "ä/ö"])
def test_parse_rejects_invalid_hub_ids(text):
    with pytest.raises(ValueError) as info:
        ModelSpec.parse(text)
    assert "valid" in str(info.value)


@pytest.mark.parametrize("text", ["", "   ", None])
def test_parse_rejects_empty_input(text):
    with pytest.raises(ValueError, match="model id"):
        ModelSpec.parse(text)


@pytest.mark.parametrize("ref", ["../etc", "..", "a/../b", "x--y", "a b", "/etc/passwd", ""])
def test_hub_spec_rejects_unsafe_refs(ref):
    with pytest.raises(ValueError):
        ModelSpec("hub", ref)


def test_unknown_source_is_refused():
    with pytest.raises(ValueError, match="Unknown model source"):
        ModelSpec("ftp", "x")


def test_default_spec_is_the_bundled_model_when_installed():
    from playground import bundled

    expected = "bundled" if bundled.find_gguf() is not None else "hub"
    assert default_spec().source == expected


# ----------------------------------------------------------------------------------------------- registry

def fake_loaded(spec: ModelSpec, device, dtype, attn, task) -> LoadedModel:
    return LoadedModel(spec, model=object(), tokenizer=None, device=device, dtype=dtype, attn_implementation=attn,
                       task=task, load_seconds=0.0)


class CountingLoader:
    """A slow loader that counts calls; ``fail_first`` makes the first call raise."""

    def __init__(self, delay: float = 0.0, fail_first: bool = False, wait_for: int = 0) -> None:
        self.calls: list[str] = []
        self.delay, self.fail_first, self.wait_for = delay, fail_first, wait_for
        self.callers = 0  # incremented by the test's threads just before they call get()
        self.lock = threading.Lock()

    def __call__(self, spec, device, dtype, attn, task, **kwargs):
        deadline = time.monotonic() + 10
        while self.callers < self.wait_for and time.monotonic() < deadline:  # let every caller arrive first
            time.sleep(0.01)
        time.sleep(self.delay)
        with self.lock:
            self.calls.append(spec.key)
            n = len(self.calls)
        if self.fail_first and n == 1:
            raise ModelLoadError("disk on fire")
        return fake_loaded(spec, device, dtype, attn, task)


def run_threads(n: int, fn) -> list:
    results: list = [None] * n

    def body(i):
        try:
            results[i] = ("ok", fn())
        except BaseException as exc:  # noqa: BLE001
            results[i] = ("error", exc)

    threads = [threading.Thread(target=body, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
        assert not t.is_alive()
    return results


def test_concurrent_callers_share_one_load(worker):
    loader = CountingLoader(delay=0.3, wait_for=8)
    registry = ModelRegistry(max_models=2, device="cpu", dtype="float32", worker=worker, loader=loader)
    spec = ModelSpec("hub", "org/concurrent")

    def call():
        with loader.lock:
            loader.callers += 1
        return registry.get(spec)

    results = run_threads(8, call)
    assert all(kind == "ok" for kind, _ in results), results
    assert loader.calls == [spec.key]
    assert registry.loads == 1
    first = results[0][1]
    assert all(value is first for _, value in results)
    assert registry.get(spec) is first and registry.loads == 1  # cached afterwards


def test_failed_load_reaches_every_waiter_and_a_later_call_retries(worker):
    loader = CountingLoader(delay=0.2, fail_first=True, wait_for=6)
    registry = ModelRegistry(max_models=2, device="cpu", dtype="float32", worker=worker, loader=loader)
    spec = ModelSpec("hub", "org/flaky")

    def call():
        with loader.lock:
            loader.callers += 1
        return registry.get(spec)

    results = run_threads(6, call)
    assert [kind for kind, _ in results] == ["error"] * 6
    assert all(isinstance(exc, ModelLoadError) and "disk on fire" in str(exc) for _, exc in results)
    assert len(loader.calls) == 1 and registry.loads == 0
    assert registry.loaded_keys() == []
    loaded = registry.get(spec)  # the failure is not cached: the next request loads again
    assert loaded.spec == spec
    assert len(loader.calls) == 2 and registry.loads == 1


def test_lru_eviction_keeps_max_models(worker):
    loader = CountingLoader()
    registry = ModelRegistry(max_models=2, device="cpu", dtype="float32", worker=worker, loader=loader)
    a, b, c = (ModelSpec("hub", f"org/{n}") for n in "abc")
    la = registry.get(a)
    registry.get(b)
    assert registry.get(a) is la  # touching a makes b the least recently used
    registry.get(c)
    keys = [k[0] for k in registry.loaded_keys()]
    assert keys == [a.key, c.key]
    assert loader.calls == [a.key, b.key, c.key]
    registry.get(b)  # evicted, so it loads again and evicts a
    assert loader.calls[-1] == b.key and len(loader.calls) == 4
    assert [k[0] for k in registry.loaded_keys()] == [c.key, b.key]


def test_registry_key_separates_attention_and_task(worker):
    loader = CountingLoader()
    registry = ModelRegistry(max_models=4, device="cpu", dtype="float32", worker=worker, loader=loader)
    spec = ModelSpec("hub", "org/model")
    sdpa = registry.get(spec)
    eager = registry.get(spec, attn_implementation="eager")
    assert sdpa is not eager and eager.attn_implementation == "eager"
    assert registry.get(spec) is sdpa and len(loader.calls) == 2
    with pytest.raises(ValueError, match="Unknown task"):
        registry.get(spec, task="translation")


def test_loads_run_on_the_worker_thread(worker):
    seen = []

    def loader(spec, device, dtype, attn, task, **kwargs):
        seen.append(threading.current_thread())
        return fake_loaded(spec, device, dtype, attn, task)

    ModelRegistry(device="cpu", dtype="float32", worker=worker, loader=loader).get(ModelSpec("hub", "org/w"))
    assert seen and seen[0] is not threading.current_thread() and seen[0].name.startswith(worker.name)


# ----------------------------------------------------------------------------------------------- local folders

def test_local_folder_loads_ready_for_inference(registry, gpt2_folder):
    lm = registry.get(ModelSpec("local", str(gpt2_folder)))
    assert not lm.model.training
    assert not any(p.requires_grad for p in lm.model.parameters())
    assert lm.tokenizer.pad_token_id is not None
    assert lm.dtype == torch.float32 and next(lm.model.parameters()).dtype == torch.float32
    assert lm.folder == str(gpt2_folder)
    assert "parameters" in lm.describe()


def test_pickled_only_folder_is_refused(registry, tmp_path):
    folder = make_model("gpt2", tmp_path / "pickled", chat=False, safetensors=False)
    assert (folder / "pytorch_model.bin").is_file() and not list(folder.glob("*.safetensors"))
    with pytest.raises(ModelLoadError) as info:
        registry.get(ModelSpec("local", str(folder)))
    message = str(info.value)
    assert "pytorch_model.bin" in message and ".safetensors" in message


def test_folder_without_config_is_refused(registry, gpt2_folder, tmp_path):
    folder = tmp_path / "noconfig"
    shutil.copytree(gpt2_folder, folder)
    (folder / "config.json").unlink()
    with pytest.raises(ModelLoadError, match="config.json"):
        registry.get(ModelSpec("local", str(folder)))


def test_missing_folder_is_refused(registry, tmp_path):
    with pytest.raises(ModelLoadError, match="does not exist") as info:
        registry.get(ModelSpec("local", str(tmp_path / "nowhere")))
    assert info.value.code == "folder_missing" and str(tmp_path) not in str(info.value)


def _custom_folder(src: Path, dst: Path, auto_map: bool) -> Path:
    shutil.copytree(src, dst)
    config = json.loads((dst / "config.json").read_text())
    config["model_type"] = "something-custom"
    config["architectures"] = ["SomethingCustomForCausalLM"]
    if auto_map:
        config["auto_map"] = {"AutoConfig": "configuration_custom.CustomConfig",
                              "AutoModelForCausalLM": "modeling_custom.SomethingCustomForCausalLM"}
        # Code that must never run: it would leave a file behind if it did.
        marker = dst / "EXECUTED"
        code = f"open({str(marker)!r}, 'w').write('ran')\n"
        (dst / "configuration_custom.py").write_text(code)
        (dst / "modeling_custom.py").write_text(code)
    (dst / "config.json").write_text(json.dumps(config))
    return dst


@pytest.mark.parametrize("auto_map", [True, False])
def test_custom_code_model_is_refused(registry, gpt2_folder, tmp_path, auto_map):
    folder = _custom_folder(gpt2_folder, tmp_path / "custom", auto_map)
    with pytest.raises(ModelLoadError) as info:
        registry.get(ModelSpec("local", str(folder)))
    assert "custom code" in str(info.value)
    assert "only runs architectures built into transformers" in str(info.value)
    assert not (folder / "EXECUTED").exists()


def test_non_causal_model_is_refused_for_generation(registry, tmp_path):
    from safetensors.torch import save_file
    from transformers import ViTConfig

    folder = tmp_path / "vit"
    ViTConfig(hidden_size=8, num_hidden_layers=1, num_attention_heads=2, intermediate_size=8).save_pretrained(folder)
    save_file({"w": torch.zeros(1)}, folder / "model.safetensors")
    with pytest.raises(ModelLoadError, match="cannot generate text"):
        registry.get(ModelSpec("local", str(folder)))


# ----------------------------------------------------------------------------------------------- the Hub path

@pytest.fixture
def hub_cache(tmp_path, monkeypatch, gpt2_folder):
    cache = tmp_path / "hf-cache"
    make_hub_cache(cache, "tiny-org/tiny-gpt2", gpt2_folder, commit=COMMIT)
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return cache


def _greedy(lm, worker, prompt="The cat sat", n=6) -> str:
    limits = Limits()
    settings = GenerationSettings(do_sample=False, max_new_tokens=n, repetition_penalty=1.0, seed=0)
    return generate(lm, worker, prepare_prompt(lm, limits, prompt), settings, limits)


def test_hub_model_loads_from_the_local_cache_offline(hub_cache, worker, registry, gpt2_folder):
    hub_registry = ModelRegistry(max_models=2, device="cpu", dtype="float32", worker=worker)
    lm = hub_registry.get(ModelSpec("hub", "tiny-org/tiny-gpt2"))
    assert Path(lm.folder).is_relative_to(hub_cache)
    assert Path(lm.folder).name == COMMIT
    done = _greedy(lm, worker)
    assert done.new_tokens == 6 and done.stop_reason == "length"
    # The same weights from a local folder give the same text.
    local = registry.get(ModelSpec("local", str(gpt2_folder)))
    assert done.text == _greedy(local, worker).text
    # A pinned revision (the commit) resolves too.
    pinned = hub_registry.get(ModelSpec("hub", "tiny-org/tiny-gpt2", revision=COMMIT))
    assert Path(pinned.folder).name == COMMIT


@pytest.mark.parametrize("ref", ["tiny-org/not-cached", "gpt2"])
def test_unknown_hub_id_offline_gives_advice(hub_cache, worker, ref):
    registry = ModelRegistry(device="cpu", dtype="float32", worker=worker)
    with pytest.raises(ModelLoadError) as info:
        registry.get(ModelSpec("hub", ref))
    message = str(info.value)
    assert ref in message
    assert "offline" in message
    assert "bundled model" in message and "local folder" in message


def test_unknown_revision_offline_gives_advice(hub_cache, worker):
    registry = ModelRegistry(device="cpu", dtype="float32", worker=worker)
    with pytest.raises(ModelLoadError, match="offline"):
        registry.get(ModelSpec("hub", "tiny-org/tiny-gpt2", revision="v9"))


def test_pickled_only_hub_repo_is_refused(hub_cache, worker, tmp_path):
    source = make_model("gpt2", tmp_path / "bin-src", chat=False, safetensors=False)
    make_hub_cache(hub_cache, "tiny-org/pickled", source)
    registry = ModelRegistry(device="cpu", dtype="float32", worker=worker)
    with pytest.raises(ModelLoadError) as info:
        registry.get(ModelSpec("hub", "tiny-org/pickled"))
    assert "pytorch_model.bin" in str(info.value) and "safetensors" in str(info.value)
    assert registry.loads == 0


# ----------------------------------------------------------------------------------------------- devices and dtypes

def test_pick_device(monkeypatch):
    monkeypatch.delenv("PLAYGROUND_DEVICE", raising=False)
    assert pick_device("cpu") == torch.device("cpu")
    assert pick_device(" CPU ") == torch.device("cpu")
    monkeypatch.setenv("PLAYGROUND_DEVICE", "cpu")
    assert pick_device() == torch.device("cpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA GPU"):
            pick_device("cuda")
        monkeypatch.delenv("PLAYGROUND_DEVICE")
        assert pick_device() == pick_device("auto")
        assert pick_device().type in ("cpu", "mps")


@pytest.mark.parametrize("name, dtype", [("float32", torch.float32), ("fp32", torch.float32),
                                         ("bfloat16", torch.bfloat16), ("BF16", torch.bfloat16),
                                         ("float16", torch.float16), ("fp16", torch.float16)])
def test_pick_dtype_explicit_names(name, dtype, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_DTYPE", "float16" if dtype != torch.float16 else "float32")  # explicit wins
    assert pick_dtype(torch.device("cpu"), name) == dtype


@pytest.mark.parametrize("name", ["int8", "float64", "half-ish"])
def test_pick_dtype_rejects_unknown_names(name):
    with pytest.raises(ValueError, match="Unknown dtype"):
        pick_dtype(torch.device("cpu"), name)


def test_pick_dtype_auto_on_cpu_is_float32_or_bfloat16(monkeypatch):
    from playground.devices import cpu_prefers_bf16

    monkeypatch.delenv("PLAYGROUND_DTYPE", raising=False)
    expected = torch.bfloat16 if cpu_prefers_bf16() else torch.float32
    assert pick_dtype(torch.device("cpu")) == expected
    assert pick_dtype(torch.device("cpu"), "auto") == expected


def test_playground_dtype_env_is_respected_by_the_registry(monkeypatch, worker, gpt2_folder):
    monkeypatch.setenv("PLAYGROUND_DTYPE", "bfloat16")
    assert pick_dtype(torch.device("cpu")) == torch.bfloat16
    registry = ModelRegistry(device="cpu", worker=worker)  # no dtype given: the environment decides
    lm = registry.get(ModelSpec("local", str(gpt2_folder)))
    assert registry.dtype == torch.bfloat16 and lm.dtype == torch.bfloat16
    assert next(lm.model.parameters()).dtype == torch.bfloat16
    assert registry.loaded_keys()[0][1] == "bfloat16"
    monkeypatch.setenv("PLAYGROUND_DTYPE", "nonsense")
    with pytest.raises(ValueError, match="PLAYGROUND_DTYPE='nonsense' is not valid") as info:
        ModelRegistry(device="cpu", worker=worker).dtype
    assert "bfloat16" in str(info.value)  # it lists what the variable accepts


def test_the_dtype_probe_weighs_the_batched_case():
    """bf16 is chosen where it wins for a room (a batch of rows) without losing much alone, or wins clearly alone."""
    from playground.devices import bf16_wins

    assert bf16_wins(0.83, 1.5)  # Intel Xeon with AMX: loses alone, wins in a batch
    assert bf16_wins(1.9, 1.9)  # AMD EPYC with AVX512-BF16: wins everywhere
    assert not bf16_wins(1.1, 1.1)  # noise-level gains keep fp32
    assert not bf16_wins(0.6, 1.4)  # a batch win does not pay for a single user twice as slow
