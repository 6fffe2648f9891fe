"""The From-scratch controls, declared once (see ``ui/forms.py``)."""

from __future__ import annotations

from ...scratch.sentiment import SentimentSettings
from ...scratch.settings import ScratchSettings
from ..forms import Field, FormSpec

MODEL = FormSpec(ScratchSettings, [
    Field("layers", label="fs_f_layers", info="", kwargs={"elem_id": "fs-layers"}),
    Field("width", label="fs_f_width", info="fs_h_width", kwargs={"elem_id": "fs-width"}),
    Field("context", label="fs_f_context", info="fs_h_context", kwargs={"elem_id": "fs-context"}),
    Field("steps", label="fs_f_steps", info="", kwargs={"elem_id": "fs-steps"}),
    Field("lr", "number", group="advanced", label="fs_f_lr", info=""),
    Field("batch", group="advanced", label="fs_f_batch", info=""),
    Field("sample_every", group="advanced", label="fs_f_sample_every", info=""),
    Field("temperature", group="advanced", label="fs_f_temperature", info=""),
    Field("max_seconds", group="advanced", label="fs_f_max_seconds", info="fs_h_max_seconds",
          kwargs={"elem_id": "fs-max-seconds"}),
    Field("seed", "number", group="advanced", label="fs_f_seed", info="", kwargs={"precision": 0}),
])

SENTIMENT = FormSpec(SentimentSettings, [
    Field("lstm_steps", label="fs_sent_lstm_steps", info=""),
    Field("tune_steps", label="fs_sent_tune_steps", info="", kwargs={"elem_id": "fs-tune-steps"}),
    Field("lora", "checkbox", label="fs_sent_lora", info=""),
    Field("seed", "number", label="fs_f_seed", info="", kwargs={"precision": 0}),
])
