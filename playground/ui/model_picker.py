"""The model picker shared by every tab."""

from __future__ import annotations

import gradio as gr

from ..models import ModelLoadError, default_spec
from .context import UIContext, lang_of, preset_choices, spec_from_choice
from .strings import t


def build_model_picker(ctx: UIContext) -> dict[str, gr.components.Component]:
    i18n = ctx.i18n
    default = default_spec()
    with gr.Row(equal_height=True):
        choice = gr.Dropdown(preset_choices(), value=default.label or default.ref, label=i18n("model"),
                             info=i18n("model_info"), allow_custom_value=True, scale=4, elem_id="model-choice")
        load = gr.Button(i18n("load"), scale=1, elem_id="model-load")
    status = gr.Markdown(elem_id="model-status")

    def load_model(value: str, request: gr.Request):
        lang = lang_of(request)
        try:
            spec = spec_from_choice(value)
            yield t("model_loading", lang, name=spec.name)
            yield t("model_ready", lang, info=ctx.engine.model(spec).describe())
        except (ModelLoadError, ValueError, OSError) as exc:
            if ctx.startup_error and value == (default.label or default.ref):
                yield t("startup_failed", lang, error=ctx.startup_error)
            else:
                yield "⚠️ " + t("model_error", lang, error=str(exc))

    gr.on([load.click, choice.input], load_model, inputs=choice, outputs=status, concurrency_id="model",
          api_name="load_model")
    # On page load: show "loading…" and then "ready" (waits for the start-up preload instead of loading twice).
    ctx.demo.load(load_model, inputs=choice, outputs=status, concurrency_limit=None, api_name=False,
                  show_progress="hidden")
    ctx.components.update(model=choice, model_status=status)
    return {"model": choice, "load": load, "status": status}
