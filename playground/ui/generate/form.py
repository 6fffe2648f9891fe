"""The decoding controls, declared once (see ``ui/forms.py``): the Generate tab shows them all, the comparison
panel and the scenarios tab show a few of the same fields."""

from __future__ import annotations

from ...config import GenerationSettings
from ..forms import Field, FormSpec

GENERATION = FormSpec(GenerationSettings, [
    Field("max_new_tokens"),
    Field("do_sample", "checkbox"),
    Field("temperature"),
    Field("top_k"),
    Field("top_p"),
    Field("min_p", group="advanced"),
    Field("typical_p", group="advanced"),
    Field("repetition_penalty", group="advanced"),
    Field("no_repeat_ngram_size", group="advanced"),
    Field("num_beams", group="advanced"),
    Field("stop", "lines", group="advanced"),
    Field("seed", "seed", group="advanced", kwargs={"elem_id": "gen-seed"}),
    Field("max_time", group="advanced"),
])

# One set-up of the side-by-side comparison (rendered twice, with the prefixes "a_" and "b_").
SETUP = FormSpec(GenerationSettings, [
    Field("do_sample", "checkbox"),
    Field("temperature", info=""),
    Field("top_p", info=""),
    Field("seed", "seed"),
])

# What the scenarios tab lets a user change; the rest comes from the scenario's own settings.
SCENARIO = FormSpec(GenerationSettings, [
    Field("max_new_tokens"),
    Field("do_sample", "checkbox"),
    Field("temperature", info=""),
])
