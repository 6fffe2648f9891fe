"""Saved runs: metadata, loading a tuned model, zip downloads."""

from __future__ import annotations

import logging
import os
import shutil
import zipfile
from pathlib import Path

import torch

from ..models import load_tuned  # noqa: F401 (re-exported: a saved run loads like any model)
from ..sessions import read_run_meta
from .settings import TrainingError

log = logging.getLogger(__name__)

# ----------------------------------------------------------------------------------------------- saved runs

def read_meta(run_dir: Path) -> dict:
    meta = read_run_meta(run_dir)
    if meta is None:
        raise TrainingError("run_missing")
    return meta


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
