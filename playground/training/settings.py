"""Training settings, limits and errors."""

from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass
from typing import Any




log = logging.getLogger(__name__)

METHODS = ("lora", "full")
TARGET_PRESETS = ("attention-qv", "all-linear")
# Where the query/value projections live, per architecture (peft matches module-name suffixes).
QV_MODULES = {
    "gpt2": ["c_attn"], "gpt_neox": ["query_key_value"], "gptj": ["q_proj", "v_proj"], "bloom": ["query_key_value"],
    "falcon": ["query_key_value"], "opt": ["q_proj", "v_proj"], "phi": ["q_proj", "v_proj"],
    "gpt_bigcode": ["c_attn"],
}
DEFAULT_QV = ["q_proj", "v_proj"]  # llama, mistral, qwen2, gemma, smollm, phi3 (qkv_proj handled below)
META = "meta.json"


class TrainingError(RuntimeError):
    """A job could not run; the message says why in plain words."""


class Busy(TrainingError):
    """Every training slot is taken and the waiting line is full."""


@dataclass(frozen=True)
class TrainLimits:
    """Server-wide limits (``PLAYGROUND_*`` environment variables override)."""

    max_jobs: int = 1  # PLAYGROUND_MAX_TRAINING_JOBS: jobs training at once
    max_waiting: int = 8  # PLAYGROUND_MAX_TRAINING_QUEUE: jobs waiting for a slot
    max_steps: int = 400  # PLAYGROUND_MAX_TRAIN_STEPS
    full_max_params: int = 200_000_000  # PLAYGROUND_FULL_FT_MAX_PARAMS: full fine-tuning only below this size
    merged_max_params: int = 500_000_000  # PLAYGROUND_MERGED_MAX_PARAMS: merged-model download only below this
    worker: str = "shared"  # PLAYGROUND_TRAINING_WORKER: shared | dedicated

    def __post_init__(self) -> None:
        if self.max_jobs < 1 or self.max_waiting < 0 or self.max_steps < 1:
            raise ValueError("Training limits must be positive.")
        if self.worker not in ("shared", "dedicated"):
            raise ValueError("PLAYGROUND_TRAINING_WORKER must be 'shared' or 'dedicated'.")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "TrainLimits":
        env = os.environ if environ is None else environ
        names = {"PLAYGROUND_MAX_TRAINING_JOBS": "max_jobs", "PLAYGROUND_MAX_TRAINING_QUEUE": "max_waiting",
                 "PLAYGROUND_MAX_TRAIN_STEPS": "max_steps", "PLAYGROUND_FULL_FT_MAX_PARAMS": "full_max_params",
                 "PLAYGROUND_MERGED_MAX_PARAMS": "merged_max_params", "PLAYGROUND_TRAINING_WORKER": "worker"}
        values: dict[str, Any] = {}
        for key, name in names.items():
            raw = env.get(key, "").strip()
            if raw:
                try:
                    values[name] = raw if name == "worker" else int(float(raw))
                except ValueError:
                    raise ValueError(f"{key}={raw!r} is not a valid number.") from None
        return cls(**values)


@dataclass(frozen=True)
class TrainSettings:
    """What and how to train. Defaults make the bundled 135M model pick up the demo text's voice in ~2 minutes
    on a 2-core CPU (LoRA r=8 on q/v, batch 4 x 128 tokens, ~2.2 s/step, 50 steps)."""

    method: str = "lora"
    max_steps: int = 50
    epochs: float = 0.0  # > 0: that many passes over the training blocks instead of max_steps
    learning_rate: float = 0.0  # 0: 1e-3 for LoRA, 5e-5 for full fine-tuning
    batch_size: int = 4
    block_size: int = 128
    warmup_steps: int = 5
    lora_r: int = 8
    lora_alpha: int = 16
    lora_dropout: float = 0.05
    lora_targets: str = "attention-qv"
    eval_every: int = 10  # steps between validation-loss checks (0 = only before and after)
    sample_every: int = 10  # steps between sample completions (0 = off)
    sample_tokens: int = 32
    compare_tokens: int = 48
    val_fraction: float = 0.1
    max_eval_blocks: int = 16
    weight_decay: float = 0.0
    max_grad_norm: float = 1.0
    seed: int = 0
    precision: str = "auto"  # auto | fp32 | bf16

    def __post_init__(self) -> None:
        checks = [
            (self.method in METHODS, "The method must be LoRA or full fine-tuning."),
            (1 <= self.max_steps <= 100_000, "Steps must be at least 1."),
            (0 <= self.epochs <= 100, "Epochs must be between 0 and 100 (0 = use the number of steps)."),
            (0 <= self.learning_rate <= 1, "The learning rate must be between 0 and 1 (e.g. 0.001)."),
            (1 <= self.batch_size <= 64, "The batch size must be between 1 and 64."),
            (16 <= self.block_size <= 2048, "The block size must be between 16 and 2048 tokens."),
            (0 <= self.warmup_steps <= 10_000, "Warm-up steps must be 0 or more."),
            (1 <= self.lora_r <= 256, "The LoRA rank must be between 1 and 256."),
            (0 < self.lora_alpha <= 1024, "LoRA alpha must be between 1 and 1024."),
            (0 <= self.lora_dropout < 1, "LoRA dropout must be between 0 and 1."),
            (self.lora_targets in TARGET_PRESETS, "Unknown LoRA target preset."),
            (self.eval_every >= 0 and self.sample_every >= 0, "Intervals must be 0 (off) or positive."),
            (1 <= self.sample_tokens <= 256 and 1 <= self.compare_tokens <= 256, "Sample length must be 1-256."),
            (0 < self.val_fraction < 0.5, "The validation share must be between 0 and 0.5."),
            (self.precision in ("auto", "fp32", "bf16"), "Precision must be auto, fp32 or bf16."),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(message)

    @property
    def lr(self) -> float:
        return self.learning_rate or (1e-3 if self.method == "lora" else 5e-5)

    def total_steps(self, train_blocks: int) -> int:
        if self.epochs > 0:
            return max(1, math.ceil(self.epochs * train_blocks / self.batch_size))
        return self.max_steps
