"""The fine-tuning controls, declared once (see ``ui/forms.py``); each group is laid out as one row."""

from __future__ import annotations

from ...finetune import TrainSettings
from ..forms import Field, FormSpec

LORA, FULL = "lora", "full"
QV, ALL = "attention-qv", "all-linear"

TRAINING = FormSpec(TrainSettings, [
    Field("method", "radio", label="fi_method", info="fi_method_info",
          choices=(("fi_method_lora", LORA), ("fi_method_full", FULL)), kwargs={"elem_id": "fi-method"}),
    Field("max_steps", label="fi_steps", info="fi_steps_info", kwargs={"elem_id": "fi-steps"}),
    Field("epochs", "number", group="length", label="fi_epochs", info=""),
    Field("learning_rate", "number", group="length", label="fi_lr", info=""),
    Field("batch_size", group="size", label="fi_batch", info=""),
    Field("block_size", group="size", label="fi_block", info="", kwargs={"elem_id": "fi-block"}),
    Field("warmup_steps", group="schedule", label="fi_warmup", info=""),
    Field("seed", "number", group="schedule", label="fi_seed", info="", kwargs={"precision": 0}),
    Field("lora_r", group="lora", label="fi_rank", info=""),
    Field("lora_alpha", group="lora", label="fi_alpha", info=""),
    Field("lora_dropout", group="lora", label="fi_dropout", info=""),
    Field("lora_targets", "radio", group="targets", label="fi_targets", info="",
          choices=(("fi_targets_qv", QV), ("fi_targets_all", ALL))),
    Field("eval_every", group="checks", label="fi_eval_every", info=""),
    Field("sample_every", group="checks", label="fi_sample_every", info=""),
])
ROWS = ("length", "size", "schedule", "lora", "targets", "checks")  # the advanced groups, in screen order
