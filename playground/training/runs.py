"""Saved runs: metadata, loading a tuned model, zip downloads."""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
import zipfile
from pathlib import Path

import torch


from .settings import META, TrainingError

log = logging.getLogger(__name__)

# ----------------------------------------------------------------------------------------------- saved runs

def read_meta(run_dir: Path) -> dict:
    try:
        return json.loads((Path(run_dir) / META).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise TrainingError("This fine-tuned model is incomplete or was deleted.") from exc


def load_tuned(run_dir: Path, spec, device, dtype, attn_implementation: str = "sdpa", task: str = "causal-lm"):
    """A saved run as a plain ``LoadedModel``: the base weights with the LoRA adapter merged in (or the fully
    fine-tuned weights). The base folder comes from the run's own ``meta.json``, written by the server."""
    from ..models import ModelLoadError, load_folder

    try:
        meta = read_meta(run_dir)
    except TrainingError as exc:
        raise ModelLoadError(str(exc)) from None
    started = time.perf_counter()
    if meta["method"] == "full":
        loaded = load_folder(Path(run_dir) / "model", spec, device, dtype, attn_implementation, task)
    else:
        from peft import PeftModel

        loaded = load_folder(Path(meta["base_folder"]), spec, device, dtype, attn_implementation, task)
        loaded.model = PeftModel.from_pretrained(loaded.model, Path(run_dir) / "adapter").merge_and_unload()
        loaded.model.eval().requires_grad_(False)
    loaded.load_seconds = time.perf_counter() - started
    return loaded


def zip_run(run_dir: Path, target: Path, merged: bool = False, device: str = "cpu") -> Path:
    """A zip for download: the adapter (safetensors + config) or, with ``merged``, a complete model folder."""
    run_dir, target = Path(run_dir), Path(target)
    meta = read_meta(run_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".part")
    readme = (f"Fine-tuned in the LLM Playground ({meta['method']}, {meta['result']['steps']} steps) from "
              f"{meta.get('base_name') or 'the base model'}.\n")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED if not merged else zipfile.ZIP_STORED) as zf:
        zf.writestr("README.txt", readme)
        if merged or meta["method"] == "full":
            folder = run_dir / "model"
            if meta["method"] == "lora":
                folder = _merge_to_folder(run_dir, meta, target.parent / f".merge-{meta['run_id']}")
            for f in sorted(folder.iterdir()):
                if f.is_file():
                    zf.write(f, f"model/{f.name}")
            if folder != run_dir / "model":
                shutil.rmtree(folder, ignore_errors=True)
        else:
            for f in sorted((run_dir / "adapter").iterdir()):
                if f.is_file() and f.suffix in (".json", ".safetensors", ".md"):
                    zf.write(f, f"adapter/{f.name}")
    os.replace(tmp, target)
    return target


def _merge_to_folder(run_dir: Path, meta: dict, folder: Path) -> Path:
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    base = AutoModelForCausalLM.from_pretrained(meta["base_folder"], dtype=torch.float32, use_safetensors=True)
    merged = PeftModel.from_pretrained(base, run_dir / "adapter").merge_and_unload()
    shutil.rmtree(folder, ignore_errors=True)
    merged.save_pretrained(folder, safe_serialization=True)
    AutoTokenizer.from_pretrained(meta["base_folder"]).save_pretrained(folder)
    return folder
