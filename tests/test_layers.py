"""Layering: the core never imports gradio, and importing it does no work (no threads, no models, no files)."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def core_modules() -> list[str]:
    """Every module of the package except ``playground.ui`` (found on disk, without importing anything)."""
    names = []

    def walk(path: Path, prefix: str) -> None:
        names.append(prefix)
        for info in pkgutil.iter_modules([str(path)]):
            name = f"{prefix}.{info.name}"
            if name == "playground.ui":
                continue
            if info.ispkg:
                walk(path / info.name, name)
            else:
                names.append(name)

    walk(ROOT / "playground", "playground")
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


@pytest.fixture(scope="module")
def fresh_import(tmp_path_factory) -> dict:
    """Import playground.models and .generation, then every other core module, in one fresh interpreter."""
    tmp_path = tmp_path_factory.mktemp("fresh")
    names = core_modules()
    code = f"""
import gc, importlib, json, sys, threading
import torch
start = threading.active_count()
import playground.models, playground.generation
after_models = threading.active_count()
for name in {names!r}:
    importlib.import_module(name)
gc.collect()
print(json.dumps({{
    "start": start, "after_models": after_models, "after_all": threading.active_count(),
    "thread_names": [t.name for t in threading.enumerate()],
    "nn_modules": sum(isinstance(o, torch.nn.Module) for o in gc.get_objects()),
    "modeling": sorted(m for m in sys.modules if m.startswith("transformers") and ".modeling_" in m),
    "gradio": sorted(m for m in sys.modules if m == "gradio" or m.startswith("gradio.")),
    "imported": sorted(m for m in sys.modules if m.startswith("playground")),
}}))
"""
    out = run_fresh(code, tmp_path)
    out["tmp"] = str(tmp_path)
    return out


def test_core_never_imports_gradio(fresh_import):
    assert fresh_import["gradio"] == []
    assert set(core_modules()) <= set(fresh_import["imported"])
    assert not any(m.startswith("playground.ui") for m in fresh_import["imported"])


def test_importing_models_and_generation_starts_no_thread(fresh_import):
    assert fresh_import["after_models"] == fresh_import["start"], fresh_import["thread_names"]
    assert not any(name.startswith("playground") for name in fresh_import["thread_names"])


def test_importing_core_does_no_work(fresh_import):
    assert fresh_import["after_all"] == fresh_import["start"], fresh_import["thread_names"]
    assert fresh_import["nn_modules"] == 0  # no model was built
    assert fresh_import["modeling"] == []  # not even a model class was imported
    tmp = Path(fresh_import["tmp"])
    assert not (tmp / "cache").exists()  # nothing converted or written
    assert not (tmp / "hf").exists()


def import_graph() -> dict[str, set[str]]:
    """Core module -> core modules it imports (at module level or inside functions; ``TYPE_CHECKING`` blocks and
    a package's own submodules left out), read from the source without importing anything."""
    import ast

    paths = {}
    for path in (ROOT / "playground").rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if "ui" in parts:
            continue
        paths[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        deps: set[str] = set()

        class Visitor(ast.NodeVisitor):
            def visit_If(self, node):
                if not (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"):
                    self.generic_visit(node)

            def visit_ImportFrom(self, node):
                base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
                target = ".".join(base + ([node.module] if node.module else []))
                for alias in node.names:
                    full = f"{target}.{alias.name}"
                    deps.add(full if full in paths else target)

        Visitor().visit(ast.parse(path.read_text(encoding="utf-8")))
        graph[name] = {d for d in deps if d in paths and d != name and not d.startswith(name + ".")
                       and not name.startswith(d + ".")}
    return graph


def test_core_imports_have_no_cycles():
    """models sits below finetune: a saved run is found through sessions and loaded by models, so no import
    (not even a lazy one inside a function) closes a loop."""
    graph = import_graph()
    assert "playground.finetune" not in graph["playground.models"]
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                raise AssertionError("import cycle: " + " -> ".join(stack[stack.index(dep):] + [dep]))
            if dep not in state:
                visit(dep)
        stack.pop()
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)


def test_core_files_stay_small():
    sizes = {str(p.relative_to(ROOT)): len(p.read_text(encoding="utf-8").splitlines())
             for p in (ROOT / "playground").rglob("*.py") if "ui" not in p.parts}
    assert {name: n for name, n in sizes.items() if n > 420} == {}
