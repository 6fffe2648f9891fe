"""``build_app()``: the whole Blocks app, built without launching; ``launch_kwargs()``: how to serve it."""

from __future__ import annotations

import gradio as gr

from .. import settings
from ..engine import Engine
from .attention.layout import build_attention_tab
from .context import UIContext
from .finetune.layout import build_finetune_tab
from .generate.layout import build_generation_tab
from .header import build_header, wire_header
from .model_picker import build_model_picker
from .scenarios.layout import build_scenarios_tab
from .scratch.layout import build_scratch_tab
from .teacher.layout import build_teacher_tab, wire_teacher
from .tour.layout import build_tour_tab, wire_tour

TABS = [  # (id used by links and the tour, label key, builder), in screen order
    ("tour", "tour_tab", build_tour_tab),
    ("generate", "tab_generate", build_generation_tab),
    ("attention", "at_tab", build_attention_tab),
    ("finetune", "fi_tab", build_finetune_tab),
    ("scratch", "fs_tab", build_scratch_tab),
    ("scenarios", "sc_tab", build_scenarios_tab),
]

CSS = """
.gradio-container {max-width: 1400px !important}
#gen-stats {min-height: 1.5em; color: #444}
footer {opacity: .8}
#model-load {align-self: stretch}
#page-lang {display: none !important}
#lang-switch, #share-btn {align-self: center; max-width: 130px}
.tour-step {margin-bottom: 10px; padding: 4px 8px}
.tour-notice {color: #1f5f3a}
#broadcast {background: #fff4d6; border: 1px solid #f0c36d; border-radius: 8px; padding: 6px 12px}
"""


def build_app(engine: Engine | None = None) -> tuple[gr.Blocks, UIContext]:
    """The Blocks app and its context. Nothing is loaded or launched here."""
    ctx = UIContext(engine or Engine.from_env())
    i18n = ctx.i18n
    with gr.Blocks(title="LLM Playground", delete_cache=(3600, 24 * 3600), analytics_enabled=False) as demo:
        ctx.demo = demo
        header = build_header(ctx)
        build_model_picker(ctx)
        with gr.Tabs() as tabs:
            ctx.components["tabs"] = tabs
            built = {}
            for tab_id, label, build in TABS:
                with gr.Tab(i18n(label), id=tab_id, elem_id=f"tab-{tab_id}") as tab:
                    built[tab_id] = build(ctx)
                tab.select(lambda t=tab_id: t, None, header["current_tab"], queue=False, show_progress="hidden",
                           api_name=False)
            if ctx.teacher_token:  # the teacher's view exists only where the operator set a token
                with gr.Tab(i18n("te_tab"), id="teacher", elem_id="tab-teacher", visible=False) as teacher_tab:
                    teacher = build_teacher_tab(ctx)
        wire_header(ctx, header)
        wire_tour(ctx, built["tour"])
        if ctx.teacher_token:
            wire_teacher(ctx, teacher, teacher_tab)
    limits = ctx.engine.limits
    demo.queue(max_size=limits.queue_size, default_concurrency_limit=limits.concurrency)
    return demo, ctx


def launch_kwargs(ctx: UIContext) -> dict:
    """Arguments for ``demo.launch``: safe defaults for a shared workshop machine or a Space."""
    return dict(
        server_name=settings.read("GRADIO_SERVER_NAME"),
        server_port=settings.read("GRADIO_SERVER_PORT"),
        max_file_size=ctx.engine.limits.max_file_size,
        # Streaming handlers each hold a thread while they wait for tokens: room for every batched generation
        # plus the other events (gradio's default is 40).
        max_threads=max(40, ctx.generation_slots + 24),
        enable_monitoring=False,
        run_history=False,
        mcp_server=False,
        show_error=False,  # errors reach users only through gr.Error / gr.Warning messages
        i18n=ctx.i18n,
        css=CSS,
        theme=gr.themes.Soft(),
        footer_links=["api", "settings"],
    )
