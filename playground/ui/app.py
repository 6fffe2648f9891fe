"""``build_app()``: the whole Blocks app, built without launching; ``launch_kwargs()``: how to serve it."""

from __future__ import annotations

import os

import gradio as gr

from ..engine import Engine
from .attention.layout import build_attention_tab
from .context import UIContext
from .events import LANG_SYNC_JS
from .finetune.layout import build_finetune_tab
from .generate.layout import build_generation_tab
from .model_picker import build_model_picker
from .scenarios.layout import build_scenarios_tab

CSS = """
.gradio-container {max-width: 1400px !important}
#gen-stats {min-height: 1.5em; color: #444}
footer {opacity: .8}
#model-load {align-self: stretch}
#page-lang {display: none !important}
#lang-switch {align-self: center; max-width: 130px}
"""


# The language button drives gradio's own language setting (settings panel -> Language), so labels (translated
# in the browser) and run-time messages (which follow the page's language, see events.py) switch together.
SWITCH_LANGUAGE_JS = """
async () => {
  const pause = (ms) => new Promise((r) => setTimeout(r, ms));
  const wanted = document.querySelector('#lang-switch').innerText.includes('中文') ? '简体中文' : 'English';
  const opener = [...document.querySelectorAll('footer button, footer a')]
    .find((e) => /settings|设置/i.test(e.textContent));
  if (!opener) return;
  opener.click();
  let box = null;
  for (let i = 0; i < 30 && !box; i++) { await pause(100); box = document.querySelector('.banner-wrap input[role=combobox]'); }
  if (!box) return;
  box.focus(); box.click();
  let option = null;
  for (let i = 0; i < 30 && !option; i++) {
    await pause(100);
    option = [...document.querySelectorAll('ul[role=listbox] li')].find((li) => li.textContent.trim().endsWith(wanted));
  }
  if (!option) return;
  option.dispatchEvent(new MouseEvent('mousedown', {bubbles: true}));
  option.click();
  await pause(300);
  const close = document.querySelector('[role=dialog] button');  // the panel's ✕
  if (close) close.click();
}
"""


def build_app(engine: Engine | None = None) -> tuple[gr.Blocks, UIContext]:
    """The Blocks app and its context. Nothing is loaded or launched here."""
    ctx = UIContext(engine or Engine.from_env())
    i18n = ctx.i18n
    with gr.Blocks(title="LLM Playground", delete_cache=(3600, 24 * 3600), analytics_enabled=False) as demo:
        ctx.demo = demo
        # The page's language, translated in the browser like every label; a cookie follows it (see events.py).
        gr.Markdown(i18n("lang_code"), elem_id="page-lang")
        demo.load(None, js=LANG_SYNC_JS, api_name=False)
        with gr.Row(equal_height=True):
            gr.Markdown(i18n("title_md"), elem_id="title")
            switch = gr.Button(i18n("lang_switch"), size="sm", scale=0, min_width=110, elem_id="lang-switch")
        switch.click(None, js=SWITCH_LANGUAGE_JS, api_name=False)
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
