"""The From-scratch tab: an LSTM and a Transformer trained side by side from random weights, then compared."""

from __future__ import annotations

import anyio
import gradio as gr

from ..context import UIContext
from ..events import Values, wire
from ..links import choice_of
from . import handlers as logic
from .form import MODEL, SENTIMENT

CSS = """
.fs-samples{width:100%;border-collapse:collapse;font-size:13px}
.fs-samples td,.fs-samples th{border-bottom:1px solid #eee;padding:4px 6px;vertical-align:top;text-align:left}
.fs-sample{white-space:pre-wrap;font-family:ui-monospace,Menlo,Consolas,monospace;width:45%}
.fs-table{width:100%;border-collapse:collapse;font-size:13px}
.fs-table td,.fs-table th{border-bottom:1px solid #eee;padding:4px 6px;vertical-align:top;text-align:left}
.fs-wrong{font-size:12px;color:#555}
"""


def build_scratch_tab(ctx: UIContext) -> dict[str, gr.components.Component]:
    i18n = ctx.i18n
    form = MODEL.bind(ctx)
    sentiment_form = SENTIMENT.bind(ctx, prefix="sent_")
    choices = logic.source_choices(i18n)
    gr.HTML(f"<style>{CSS}</style>", padding=False)
    gr.Markdown(i18n("fs_intro"))
    with gr.Row():
        with gr.Column(scale=2):
            gr.Markdown(i18n("fs_data"))
            source = gr.Dropdown(choices, value=choices[0][1], label=i18n("fs_source"), elem_id="fs-source")
            pasted = gr.Textbox("", label=i18n("fs_paste"), placeholder=i18n("fs_paste_ph"), lines=3,
                                elem_id="fs-paste")
            files = gr.File(file_count="multiple", file_types=[".txt", ".md", ".csv", ".jsonl"],
                            label=i18n("fs_files"), height=100, elem_id="fs-files")
            gr.Markdown(i18n("fs_chars_md"))
        with gr.Column(scale=3):
            gr.Markdown(i18n("fs_settings"))
            form.render("main")
            with gr.Accordion(i18n("fs_advanced"), open=False):
                form.render("advanced")
            with gr.Row():
                start = gr.Button(i18n("fs_start"), variant="primary", elem_id="fs-start")
                stop = gr.Button(i18n("fs_stop"), variant="stop", elem_id="fs-stop")
                again = gr.Button(i18n("fs_watch"), size="sm", elem_id="fs-watch")
    gr.Markdown(i18n("fs_progress"))
    status = gr.Markdown(elem_id="fs-status")
    bar = gr.HTML(elem_id="fs-bar")
    with gr.Row():
        with gr.Column(scale=3):
            plot = gr.Plot(label=i18n("fs_plot"), elem_id="fs-plot")
            speed = gr.Markdown(elem_id="fs-speed")
        with gr.Column(scale=2):
            gr.Markdown(i18n("fs_samples_title"))
            samples = gr.HTML(elem_id="fs-samples")
    with gr.Accordion(i18n("fs_analysis"), open=True):
        gr.Markdown(i18n("fs_expect"))
        analysis = gr.Markdown(elem_id="fs-analysis")
        with gr.Row():
            position = gr.Plot(label=i18n("fs_position_plot"), elem_id="fs-position")
            attention = gr.Plot(label=i18n("fs_attention_plot"), elem_id="fs-attention")
    with gr.Accordion(i18n("fs_code"), open=False):
        gr.Markdown(i18n("fs_code_md"))
        code_btn = gr.Button(i18n("fs_code_btn"), size="sm", elem_id="fs-code-btn")
        code = gr.Code(language="python", label=i18n("fs_code_box"), interactive=False, elem_id="fs-code")
    with gr.Accordion(i18n("fs_sentiment"), open=False):
        gr.Markdown(i18n("fs_sent_md"))
        with gr.Row():
            with gr.Column():
                sent_data = gr.Radio([(i18n("fs_sent_en"), logic.SENT_EN), (i18n("fs_sent_zh"), logic.SENT_ZH),
                                      (i18n("fs_sent_own"), logic.SENT_OWN)], value=logic.SENT_EN,
                                     label=i18n("fs_sent_data"), elem_id="fs-sent-data")
                sent_file = gr.File(file_types=[".csv"], label=i18n("fs_sent_file"), height=90, elem_id="fs-sent-file")
            with gr.Column():
                sentiment_form.render("main")
        sent_run = gr.Button(i18n("fs_sent_run"), variant="primary", elem_id="fs-sent-run")
        sent_note = gr.Markdown(elem_id="fs-sent-note")
        sent_table = gr.HTML(elem_id="fs-sent-table")

    view = [status, bar, plot, speed, samples, analysis, position, attention]
    run_inputs = ctx.inputs(source=source, pasted=pasted, files=files, settings=form)
    light = ctx.inputs()

    def check_start(v: Values):
        logic.check_start(ctx, v)

    async def run(v: Values):
        """Train an LSTM and a Transformer from scratch on the chosen text and stream both runs until they end."""
        await anyio.to_thread.run_sync(logic.start, ctx, v)  # reads and checks the text: off the event loop
        async for update in logic.watch(ctx, v):
            yield update

    async def watch(v: Values):
        """Stream the progress of this session's from-scratch run (e.g. after a page reload)."""
        async for update in logic.watch(ctx, v):
            yield update

    def show_code(v: Values):
        """A standalone Python script (torch only) with the two models and the training loop for these settings."""
        return logic.code(v)

    def check_sentiment(v: Values):
        logic.check_sentiment(ctx, v)

    def sentiment(v: Values):
        """Sentiment three ways on the same rows: LSTM from scratch, zero-shot label likelihood, LoRA (or head)."""
        yield from logic.run_sentiment(ctx, v)

    checked = wire(start.click, check_start, run_inputs, None, concurrency_limit=None, api_name=False)
    started = wire(checked.success, run, run_inputs, view, concurrency_id="scratch-view", concurrency_limit=None,
                   show_progress="hidden", api_name="scratch")
    wire(checked.success, show_code, ctx.inputs(settings=form), code, queue=False, api_name=False)
    # Stop sets the run's stop event; the watcher then shows the stopped run by itself (within one step).
    wire(stop.click, lambda v: logic.stop(ctx, v), light, None, queue=False, api_name="scratch_stop")
    wire(again.click, watch, light, view, concurrency_id="scratch-view", concurrency_limit=None,
         show_progress="hidden", api_name="scratch_watch")
    wire(code_btn.click, show_code, ctx.inputs(settings=form), code, queue=False, api_name="scratch_code")
    sent_inputs = ctx.inputs(model=ctx.components["model"], sent_data=sent_data, sent_file=sent_file,
                             settings=sentiment_form)
    checked = wire(sent_run.click, check_sentiment, sent_inputs, None, concurrency_limit=None, api_name=False)
    wire(checked.success, sentiment, sent_inputs, [sent_note, sent_table], concurrency_id="model",
         api_name="scratch_sentiment")
    if ctx.links is not None:
        ctx.links.field("scratch", "source", source, choice_of([key for _, key in choices]), choices[0][1])
        ctx.links.form("scratch", form, ("layers", "width", "context", "steps"))
    return {"source": source, "pasted": pasted, "start": start, "stop": stop, "status": status, "plot": plot,
            "samples": samples, "analysis": analysis, "code": code, "sent_table": sent_table}
