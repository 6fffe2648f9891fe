"""The one object the UI holds: limits, the shared model registry, the compute worker and small caches.

Created by ``build_app`` (never at import). Everything in it is shared by all users and read-only once loaded;
per-user data lives in ``gr.State`` or in per-session folders.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from pathlib import Path

from . import settings as env_settings
from .config import Limits, default_cache_dir
from .finetune import TrainingManager, TrainLimits
from .distributions import LogitsCache
from .models import LoadedModel, ModelRegistry, ModelSpec, default_spec
from .sessions import SessionStore
from .worker import ComputeWorker


@dataclass
class Engine:
    limits: Limits
    registry: ModelRegistry
    logits_cache: LogitsCache = field(default_factory=LogitsCache)
    _sessions: SessionStore | None = field(default=None, repr=False)
    _training: TrainingManager | None = field(default=None, repr=False)
    _scratch: Any = field(default=None, repr=False)

    @property
    def sessions(self) -> SessionStore:
        """Per-session folders (fine-tuned models, downloads); made on first use, nothing is created at build."""
        if self._sessions is None:
            self._sessions = SessionStore.from_env(self.registry.cache_root or default_cache_dir(),
                                                   on_delete=self._session_deleted)
        return self._sessions

    @property
    def training(self) -> TrainingManager:
        """Fine-tuning jobs: one per session, ``PLAYGROUND_MAX_TRAINING_JOBS`` at once."""
        if self._training is None:
            self._training = TrainingManager(self.worker, TrainLimits.from_env(), device=self.registry.device)
        return self._training

    @property
    def scratch(self):
        """From-scratch runs (``playground.scratch.jobs.ScratchJobs``): one per session, steps on the worker."""
        if self._scratch is None:
            from .scratch.jobs import ScratchJobs

            self._scratch = ScratchJobs(self.worker)
        return self._scratch

    def _session_deleted(self, session) -> None:
        if self._scratch is not None:
            self._scratch.forget(session.id)
        if self._training is not None:
            self._training.forget(session.id)
        self.registry.evict(lambda spec: spec.source == "session" and spec.ref == session.id)

    @classmethod
    def from_env(cls, device: str | None = None, dtype: str | None = None, cache_root: Path | None = None) -> "Engine":
        """The engine for this server, configured from ``PLAYGROUND_*`` variables. Every variable is checked first,
        so a bad value stops the start with a message naming it (not the first request that happens to read it)."""
        env_settings.check_environment()
        limits = Limits.from_env()
        registry = ModelRegistry(max_models=limits.max_models, device=device, dtype=dtype, cache_root=cache_root)
        return cls(limits, registry)

    @property
    def worker(self) -> ComputeWorker:
        return self.registry.worker

    def model(self, spec: ModelSpec | None = None, attention: bool = False) -> LoadedModel:
        """A loaded causal LM; ``attention=True`` gives an eager-attention copy that returns attention weights."""
        return self.registry.get(spec or default_spec(), attn_implementation="eager" if attention else "sdpa")
