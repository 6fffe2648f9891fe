"""The one object the UI holds: limits, the shared model registry, the compute worker and small caches.

Created by ``build_app`` (never at import). Everything in it is shared by all users and read-only once loaded;
per-user data lives in ``gr.State`` or in per-session folders.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .config import Limits
from .generation import LogitsCache
from .models import LoadedModel, ModelRegistry, ModelSpec, default_spec
from .worker import ComputeWorker


@dataclass
class Engine:
    limits: Limits
    registry: ModelRegistry
    logits_cache: LogitsCache = field(default_factory=LogitsCache)

    @classmethod
    def from_env(cls, device: str | None = None, dtype: str | None = None, cache_root: Path | None = None) -> "Engine":
        limits = Limits.from_env()
        registry = ModelRegistry(max_models=limits.max_models, device=device, dtype=dtype, cache_root=cache_root)
        return cls(limits, registry)

    @property
    def worker(self) -> ComputeWorker:
        return self.registry.worker

    def model(self, spec: ModelSpec | None = None, attention: bool = False) -> LoadedModel:
        """A loaded causal LM; ``attention=True`` gives an eager-attention copy that returns attention weights."""
        return self.registry.get(spec or default_spec(), attn_implementation="eager" if attention else "sdpa")
