"""The "Start here" tab: eight steps, each one idea, one "Try it" button into the real tabs, one thing to notice."""

from __future__ import annotations

import gradio as gr

from ..context import UIContext
from ..events import Values, wire
from .steps import STEPS


def build_tour_tab(ctx: UIContext) -> dict:
    i18n = ctx.i18n
    gr.Markdown(i18n("tour_intro"), elem_id="tour-intro")
    buttons = []
    for i, step in enumerate(STEPS):
        with gr.Group(elem_classes=["tour-step"]):
            with gr.Row():
                with gr.Column(scale=5):
                    gr.Markdown(i18n(f"tour_{step.key}_title"), elem_classes=["tour-title"])
                    gr.Markdown(i18n(f"tour_{step.key}_idea"))
                    gr.Markdown(i18n(f"tour_{step.key}_do_md"))
                    gr.Markdown(i18n(f"tour_{step.key}_notice_md"), elem_classes=["tour-notice"])
                with gr.Column(scale=1, min_width=150):
                    button = gr.Button(i18n("tour_try"), variant="primary", elem_id=f"tour-try-{i + 1}")
        buttons.append((button, step))
    return {"buttons": buttons}


def wire_tour(ctx: UIContext, parts: dict) -> None:
    """Called once every tab has declared what a link may set: each button applies its step's link."""
    links = ctx.links
    for button, step in parts["buttons"]:
        def go(v: Values, step=step):
            updates, _ = links.apply(step.link.get(v.lang, step.link["en"]))
            return updates

        wire(button.click, go, ctx.inputs(), links.outputs(), queue=False, api_name=False)
