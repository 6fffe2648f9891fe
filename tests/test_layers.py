"""Layering: the core never imports gradio, and importing it does no work (no threads, no models, no files)."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def core_modules() -> list[str]:
    import playground

    names = ["playground"]
    for info in pkgutil.walk_packages(playground.__path__, "playground."):
        if info.name == "playground.ui" or info.name.startswith("playground.ui."):
            continue
        names.append(info.name)
    return sorted(names)


def run_fresh(code: str, tmp_path: Path) -> dict:
    """Run ``code`` in a fresh interpreter (repo root on the path); it prints one JSON object."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PLAYGROUND_CACHE": str(tmp_path / "cache"),
           "HF_HOME": str(tmp_path / "hf"), "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT),
           "TOKENIZERS_PARALLELISM": "false"}
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_core_modules_are_found():
    names = core_modules()
    for expected in ("playground.config", "playground.devices", "playground.bundled", "playground.models",
                     "playground.worker", "playground.tokens", "playground.generation", "playground.engine"):
        assert expected in names
    assert not any(n.startswith("playground.ui") for n in names)


def test_core_never_imports_gradio(tmp_path):
    names = core_modules()
    code = f"""
import importlib, json, sys
for name in {names!r}:
    importlib.import_module(name)
print(json.dumps({{"gradio": sorted(m for m in sys.modules if m == "gradio" or m.startswith("gradio.")),
                  "imported": sorted(m for m in sys.modules if m.startswith("playground"))}}))
"""
    out = run_fresh(code, tmp_path)
    assert out["gradio"] == []
    assert set(names) <= set(out["imported"])
    assert not any(m.startswith("playground.ui") for m in out["imported"])


def test_importing_core_does_no_work(tmp_path):
    names = core_modules()
    code = f"""
import gc, importlib, json, sys, threading
import torch
before = threading.active_count()
for name in {names!r}:
    importlib.import_module(name)
gc.collect()
modules = sum(isinstance(o, torch.nn.Module) for o in gc.get_objects())
print(json.dumps({{"threads_before": before, "threads_after": threading.active_count(),
                  "thread_names": [t.name for t in threading.enumerate()], "modules": modules,
                  "modeling": sorted(m for m in sys.modules if ".modeling_" in m and m.startswith("transformers"))}}))
"""
    out = run_fresh(code, tmp_path)
    assert out["threads_after"] == out["threads_before"], out["thread_names"]
    assert out["modules"] == 0  # no model was built
    assert out["modeling"] == []  # not even a model class was imported
    assert not (tmp_path / "cache").exists()  # nothing converted or written
    assert not (tmp_path / "hf").exists()


def test_importing_models_and_generation_starts_nothing(tmp_path):
    code = """
import json, threading
import torch
before = threading.active_count()
import playground.models, playground.generation
from playground.engine import Engine
after = threading.active_count()
print(json.dumps({"before": before, "after": after, "names": [t.name for t in threading.enumerate()]}))
"""
    out = run_fresh(code, tmp_path)
    assert out["after"] == out["before"], out["names"]
    assert not any(name.startswith("playground") for name in out["names"])
