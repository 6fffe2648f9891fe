"""Hugging Face Hub models: find them in the local cache or download their safe files (config, tokenizer,
safetensors weights). Failures become a coded ``ModelLoadError`` with advice."""

from __future__ import annotations

import os
from pathlib import Path

from .errors import ModelLoadError

HUB_FILES = ["*.json", "*.safetensors", "*.txt", "*.model", "*.tiktoken", "*.jinja", "*.py.disabled"]


def hub_cache_dir() -> str | None:
    """The Hugging Face cache folder, read at call time so tests can point it elsewhere."""
    return os.environ.get("HF_HUB_CACHE") or (
        os.path.join(os.environ["HF_HOME"], "hub") if os.environ.get("HF_HOME") else None)


def hub_offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def resolve_hub(ref: str, revision: str | None = None) -> Path:
    """Download (or find in the local cache) the config, tokenizer and safetensors files of a Hub model."""
    from huggingface_hub import snapshot_download
    from huggingface_hub import errors as hf_errors

    offline = hub_offline()
    where = "offline" if offline else "online"
    try:
        folder = snapshot_download(ref, revision=revision, allow_patterns=HUB_FILES, cache_dir=hub_cache_dir(),
                                   local_files_only=offline)
    except hf_errors.GatedRepoError:
        raise ModelLoadError("hub_gated", where, ref=ref) from None
    except hf_errors.RepositoryNotFoundError:
        raise ModelLoadError("hub_not_found", where, ref=ref) from None
    except hf_errors.RevisionNotFoundError:
        raise ModelLoadError("hub_no_revision", ref=ref, revision=revision) from None
    except (hf_errors.LocalEntryNotFoundError, hf_errors.OfflineModeIsEnabled, OSError) as exc:
        raise ModelLoadError("hub_not_cached", ref=ref) from exc
    except Exception as exc:  # httpx / network errors from huggingface_hub
        if "connect" in type(exc).__name__.lower() or "timeout" in type(exc).__name__.lower():
            raise ModelLoadError("hub_unreachable", ref=ref) from exc
        raise
    return Path(folder)
