"""``build_app()``: the whole Blocks app, built without launching; ``launch_kwargs()``: how to serve it."""

from __future__ import annotations

import os

import gradio as gr

from ..engine import Engine
from .attention.layout import build_attention_tab
from .context import UIContext
from .finetune.layout import build_finetune_tab
from .generate.layout import build_generation_tab
from .model_picker import build_model_picker
from .scenarios.layout import build_scenarios_tab

CSS = """
.gradio-container {max-width: 1400px !important}
#gen-stats {min-height: 1.5em; color: #444}
footer {opacity: .8}
#model-load {align-self: stretch}
"""


def build_app(engine: Engine | None = None) -> tuple[gr.Blocks, UIContext]:
    """The Blocks app and its context. Nothing is loaded or launched here."""
    ctx = UIContext(engine or Engine.from_env())
    i18n = ctx.i18n
    with gr.Blocks(title="LLM Playground", delete_cache=(3600, 24 * 3600), analytics_enabled=False) as demo:
        ctx.demo = demo
        # The page's language, translated in the browser like every label (see events.py); sent with every event.
        ctx.lang = gr.Textbox(value=i18n("lang_code"), visible=False, elem_id="page-lang")
        gr.Markdown(i18n("title_md"), elem_id="title")
        gr.Markdown(i18n("intro"))
        build_model_picker(ctx)
        with gr.Tabs() as tabs:
            ctx.components["tabs"] = tabs
            with gr.Tab(i18n("tab_generate"), id="generate"):
                build_generation_tab(ctx)
            with gr.Tab(i18n("at_tab"), id="attention"):
                build_attention_tab(ctx)
            with gr.Tab(i18n("fi_tab"), id="finetune"):
                build_finetune_tab(ctx)
            with gr.Tab(i18n("sc_tab"), id="scenarios"):
                build_scenarios_tab(ctx)
    limits = ctx.engine.limits
    demo.queue(max_size=limits.queue_size, default_concurrency_limit=limits.concurrency)
    return demo, ctx


def launch_kwargs(ctx: UIContext) -> dict:
    """Arguments for ``demo.launch``: safe defaults for a shared workshop machine or a Space."""
    return dict(
        server_name=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
        server_port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
        max_file_size=ctx.engine.limits.max_file_size,
        enable_monitoring=False,
        run_history=False,
        mcp_server=False,
        show_error=False,  # errors reach users only through gr.Error / gr.Warning messages
        i18n=ctx.i18n,
        css=CSS,
        theme=gr.themes.Soft(),
        footer_links=["api", "settings"],
    )
