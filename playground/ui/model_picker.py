"""The model picker shared by every tab."""

from __future__ import annotations

import gradio as gr

from .. import packs, remote
from ..errors import ModelLoadError
from ..models import ModelSpec, default_spec
from .context import SESSION_CHOICE, UIContext, current_request, load_visibly, model_error, preset_choices, \
    register_app, session_spec, spec_from_choice
from .events import Values, wire
from .strings import t


def pack_label(label: str, lang: str = "en") -> str:
    """How the picker shows a choice: an installed offline pack gets its badge in ``lang``; others stay as they are."""
    for pack in packs.PACKS:
        if label == pack.label:
            return f"{pack.name} · {t('pack_badge', lang)}"
    for name in remote.configured_names():
        if label == ModelSpec.remote(name).label:
            return f"{name} · {t('remote_badge', lang)}"
    return label


def base_choices(lang: str = "en") -> list:
    """The presets: plain labels, except offline packs, which are (shown with the badge, label) pairs."""
    return [label if pack_label(label, lang) == label else (pack_label(label, lang), label)
            for label in preset_choices()]


def picker_choices(ctx: UIContext, request: gr.Request | None = None, lang: str = "en") -> list:
    """The picker's choices for one session: the presets, plus this session's fine-tuned model when it has one."""
    choices: list = base_choices(lang)
    spec = session_spec(ctx, current_request(request))
    if spec is not None:
        choices.append((f"{t('fi_my_model', lang)} · {spec.name}", SESSION_CHOICE))
    return choices


def model_from_link(ctx: UIContext, raw: str) -> str:
    """A model named in a shared link: a preset or a Hub id (never a session's private model)."""
    if raw in preset_choices():
        return raw
    spec = ctx.parse_spec(raw)
    if spec.source not in ("hub", "bundled", "pack"):
        raise ValueError(raw)
    return raw


def weights_note(ctx: UIContext) -> gr.Markdown:
    """A note at the top of a tab that needs the model's weights (Attention, Fine-tune), shown while the picker holds
    a remote engine's model: the tab says what it cannot do with it before anyone clicks."""
    note = gr.Markdown(visible=False, elem_classes=["pg-remote-note"])

    def show(v: Values):
        try:
            spec = spec_from_choice(v.model, ctx, v.request)
        except Exception:  # noqa: BLE001 - the picker reports a bad choice itself
            return gr.update(visible=False)
        if spec.source != "remote":
            return gr.update(visible=False)
        return gr.update(value="🌐 " + model_error(ModelLoadError("remote_no_weights", name=spec.name), v.lang),
                         visible=True)

    wire(ctx.components["model"].change, show, ctx.inputs(model=ctx.components["model"]), note, queue=False,
         api_name=False, show_progress="hidden")
    return note


def build_model_picker(ctx: UIContext) -> dict[str, gr.components.Component]:
    i18n = ctx.i18n
    default = default_spec()
    with gr.Row(equal_height=True):
        choice = gr.Dropdown(base_choices(), value=default.label or default.ref, label=i18n("model"),
                             info=i18n("model_info"), allow_custom_value=True, scale=4, elem_id="model-choice")
        load = gr.Button(i18n("load"), scale=1, elem_id="model-load")
    status = gr.Markdown(elem_id="model-status")

    def load_model(v: Values):
        """Load a model (preset name, Hub id, or an allowed server folder); yields status lines."""
        try:
            spec = spec_from_choice(v.model, ctx, v.request)
            yield v.t("model_loading", name=spec.name)
            lm = yield from load_visibly(ctx, v.model, v.lang, v.request)
            ready = v.t("model_ready", info=lm.describe())
            if not lm.has_weights:  # say at once what a remote model can and cannot show
                ready += "\n\n" + model_error(ModelLoadError("remote_no_weights", name=spec.name), v.lang)
            yield ready
        except Exception as exc:  # noqa: BLE001 - a status line, never a traceback
            if ctx.startup_error and v.model == (default.label or default.ref):
                yield v.t("startup_failed", error=ctx.startup_error)
            else:
                yield "⚠️ " + (exc.message if isinstance(exc, gr.Error) else model_error(exc, v.lang))

    inputs = ctx.inputs(model=choice)
    for trigger in (load.click, choice.input):
        wire(trigger, load_model, inputs, status, concurrency_id="model",
             api_name="load_model" if trigger == load.click else False)
    def page_choices(v: Values):
        """The choices in the page's language (the pack badge), with this session's model after a reload."""
        return gr.update(choices=picker_choices(ctx, v.request, v.lang))

    wire(ctx.demo.load, page_choices, ctx.inputs(), choice, queue=False, api_name=False, show_progress="hidden")
    # On page load: show "loading…" and then "ready" (waits for the start-up preload instead of loading twice). It
    # runs after a shared link has set the model (``wire_header``), so the line is about the model the page shows.
    ctx.after_link.append(lambda trigger: wire(trigger, load_model, inputs, status, concurrency_limit=None,
                                               api_name=False, show_progress="hidden"))
    # A per-browser secret (localStorage) that lets a reloaded page re-join its session's fine-tuned model and
    # running job. It lives here, outside the tabs, because a component in a tab not yet opened is not mounted when
    # the page-load event reads it.
    resume = gr.BrowserState(None, storage_key="llm-playground-session")
    if ctx.links is not None:
        ctx.links.shared_field("model", choice, lambda raw: model_from_link(ctx, raw), default.label or default.ref)
    ctx.components.update(model=choice, model_status=status, resume=resume)
    register_app(ctx)
    return {"model": choice, "load": load, "status": status}
