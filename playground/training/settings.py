"""Training settings, limits and errors."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

from .. import settings as env_settings
from ..errors import PlaygroundError
from ..fields import check_fields, setting
from ..sessions import RUN_META

log = logging.getLogger(__name__)

METHODS = ("lora", "full")
TARGET_PRESETS = ("attention-qv", "all-linear")
PRECISIONS = ("auto", "fp32", "bf16")
# Where the query/value projections live, per architecture (peft matches module-name suffixes).
QV_MODULES = {
    "gpt2": ["c_attn"], "gpt_neox": ["query_key_value"], "gptj": ["q_proj", "v_proj"], "bloom": ["query_key_value"],
    "falcon": ["query_key_value"], "opt": ["q_proj", "v_proj"], "phi": ["q_proj", "v_proj"],
    "gpt_bigcode": ["c_attn"],
}
DEFAULT_QV = ["q_proj", "v_proj"]  # llama, mistral, qwen2, gemma, smollm, phi3 (qkv_proj handled below)
META = RUN_META  # a saved run's metadata file (the layout lives in playground.sessions)


class TrainingError(PlaygroundError, RuntimeError):
    """A job could not run; ``code``/``params`` say why (``text(lang)`` in the user's language). Still a
    ``RuntimeError`` for callers that catch it as one."""


class Busy(TrainingError):
    """Every training slot is taken and the waiting line is full."""


_LIMIT_VARS = {"max_jobs": "PLAYGROUND_MAX_TRAINING_JOBS", "max_waiting": "PLAYGROUND_MAX_TRAINING_QUEUE",
               "max_steps": "PLAYGROUND_MAX_TRAIN_STEPS", "full_max_params": "PLAYGROUND_FULL_FT_MAX_PARAMS",
               "merged_max_params": "PLAYGROUND_MERGED_MAX_PARAMS", "worker": "PLAYGROUND_TRAINING_WORKER"}


@dataclass(frozen=True)
class TrainLimits:
    """Server-wide limits; each field's ``PLAYGROUND_*`` variable (``_LIMIT_VARS``) overrides it."""

    max_jobs: int = env_settings.default("PLAYGROUND_MAX_TRAINING_JOBS")  # jobs training at once
    max_waiting: int = env_settings.default("PLAYGROUND_MAX_TRAINING_QUEUE")  # jobs waiting for a slot
    max_steps: int = env_settings.default("PLAYGROUND_MAX_TRAIN_STEPS")
    full_max_params: int = env_settings.default("PLAYGROUND_FULL_FT_MAX_PARAMS")  # full fine-tuning below this
    merged_max_params: int = env_settings.default("PLAYGROUND_MERGED_MAX_PARAMS")  # merged download below this
    worker: str = env_settings.default("PLAYGROUND_TRAINING_WORKER")  # shared | dedicated

    def __post_init__(self) -> None:
        for name, var in _LIMIT_VARS.items():
            env_settings.variable(var).check(getattr(self, name), name)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "TrainLimits":
        return cls(**env_settings.read_many(_LIMIT_VARS, environ))

    def check_steps(self, total: int) -> None:
        """Refuse a run of more steps than this server allows (the one place this is checked)."""
        if total > self.max_steps:
            raise TrainingError("too_many_steps", n=total, limit=self.max_steps)


@dataclass(frozen=True)
class TrainSettings:
    """What and how to train. Defaults make the bundled 135M model pick up the demo text's voice in ~2 minutes
    on a 2-core CPU (LoRA r=8 on q/v, batch 4 x 128 tokens, ~2.2 s/step, 50 steps).

    Each field's range is the one its widget shows (``playground.fields.bounds``); the server also caps the
    number of steps (``TrainLimits.max_steps``). Batch 1-16 and blocks of 32-512 tokens: beyond them one step
    takes minutes on a 2-core CPU, and below 32 tokens a block holds less than a sentence.
    """

    method: str = setting("lora", choices=METHODS, help="LoRA trains small adapters; full changes every weight.")
    max_steps: int = setting(50, min=1, max=2000, step=1, help="Optimisation steps (the server may cap it lower).")
    epochs: float = setting(0.0, min=0.0, max=50.0, step=0.5,
                            help="> 0: that many passes over the training blocks instead of the steps.")
    learning_rate: float = setting(0.0, min=0.0, max=0.01, step=1e-5,
                                   help="0 = 1e-3 for LoRA, 5e-5 for full fine-tuning.")
    batch_size: int = setting(4, min=1, max=16, step=1, help="Blocks per step.")
    block_size: int = setting(128, min=32, max=512, step=16, help="Tokens per training block.")
    warmup_steps: int = setting(5, min=0, max=100, step=1, help="Steps over which the learning rate rises.")
    lora_r: int = setting(8, min=1, max=64, step=1, help="Rank of the LoRA adapters.")
    lora_alpha: int = setting(16, min=1, max=128, step=1, help="LoRA scaling (the update is scaled by alpha / r).")
    lora_dropout: float = setting(0.05, min=0.0, max=0.5, step=0.01, help="Dropout on the LoRA path.")
    lora_targets: str = setting("attention-qv", choices=TARGET_PRESETS, help="Which layers get adapters.")
    eval_every: int = setting(10, min=0, max=100, step=1,
                              help="Steps between validation-loss checks (0 = only before and after).")
    sample_every: int = setting(10, min=0, max=100, step=1, help="Steps between sample completions (0 = off).")
    sample_tokens: int = setting(32, min=1, max=256, step=1, help="Tokens per sample during training.")
    compare_tokens: int = setting(48, min=1, max=256, step=1, help="Tokens per before/after completion.")
    val_fraction: float = setting(0.1, min=0.05, max=0.45, step=0.05, help="Share of blocks held out for validation.")
    max_eval_blocks: int = setting(16, min=1, max=128, step=1, help="Validation blocks scored at each check.")
    weight_decay: float = setting(0.0, min=0.0, max=0.5, step=0.01, help="AdamW weight decay.")
    max_grad_norm: float = setting(1.0, min=0.0, max=10.0, step=0.1, help="Gradient clipping (0 = off).")
    seed: int = setting(0, min=0, max=2**31 - 1, step=1, help="Same seed + same data = the same run.")
    precision: str = setting("auto", choices=PRECISIONS, help="auto: bf16 autocast on GPUs that support it.")

    def __post_init__(self) -> None:
        check_fields(self)

    @property
    def lr(self) -> float:
        return self.learning_rate or (1e-3 if self.method == "lora" else 5e-5)

    def total_steps(self, train_blocks: int) -> int:
        if self.epochs > 0:
            return max(1, math.ceil(self.epochs * train_blocks / self.batch_size))
        return self.max_steps
