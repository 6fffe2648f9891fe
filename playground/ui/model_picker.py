"""The model picker shared by every tab."""

from __future__ import annotations

import gradio as gr

from ..models import ModelLoadError, default_spec
from .context import (SESSION_CHOICE, UIContext, current_request, lang_of, preset_choices, register_app,
                      session_spec, spec_from_choice)
from .strings import t


def picker_choices(ctx: UIContext, request: gr.Request | None = None, lang: str = "en") -> list:
    """The picker's choices for one session: the presets, plus this session's fine-tuned model when it has one."""
    choices: list = list(preset_choices())
    spec = session_spec(ctx, current_request(request))
    if spec is not None:
        choices.append((f"{t('fi_my_model', lang)} · {spec.name}", SESSION_CHOICE))
    return choices


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
            spec = spec_from_choice(value, ctx, request)
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
    # A per-browser secret (localStorage) that lets a reloaded page re-join its session's fine-tuned model and
    # running job. It lives here, outside the tabs, because a component in a tab not yet opened is not mounted when
    # the page-load event reads it.
    resume = gr.BrowserState(None, storage_key="llm-playground-session")
    ctx.components.update(model=choice, model_status=status, resume=resume)
    register_app(ctx)
    return {"model": choice, "load": load, "status": status}
