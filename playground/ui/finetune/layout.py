"""The Fine-tuning tab: your text in, a LoRA (or full) run you can watch, before/after comparison, downloads."""

from __future__ import annotations

import anyio
import gradio as gr

from ..model_picker import weights_note
from ...finetune import TrainLimits
from ..context import UIContext
from ..events import Values, wire
from ..links import choice_of
from . import handlers as logic
from .form import ROWS, TRAINING

CSS = """
.fi-bar{height:14px;border-radius:7px;background:#e5e7eb;overflow:hidden}
.fi-fill{height:100%;background:linear-gradient(90deg,#4c78a8,#72b7b2);transition:width .4s}
.fi-line{font-size:13px;color:#444;margin-top:4px;font-variant-numeric:tabular-nums}
.fi-block{white-space:pre-wrap;font-size:12px;max-height:220px;overflow:auto;background:#f7f7f9;padding:6px;
  border-radius:6px}
"""


def build_finetune_tab(ctx: UIContext) -> dict[str, gr.components.Component]:
    i18n = ctx.i18n
    max_steps = TrainLimits.from_env().max_steps  # the job manager itself is made on first use
    form = TRAINING.bind(ctx, caps={"max_steps": max_steps})
    demos = logic.demo_choices(i18n)
    first_demo = next((key for _, key in demos if key.endswith("_en")), demos[-1][1])  # page load may switch to zh
    gr.HTML(f"<style>{CSS}</style>", padding=False)
    resume = ctx.components["resume"]  # made by the model picker, outside the tabs
    weights_note(ctx)
    gr.Markdown(i18n("fi_intro"))
    with gr.Row():
        with gr.Column(scale=3):
            gr.Markdown(i18n("fi_data"))
            with gr.Group():
                demo = gr.Dropdown(demos, value=first_demo, label=i18n("fi_demo"), elem_id="fi-demo")
                files = gr.File(file_count="multiple", file_types=[".txt", ".md", ".csv", ".tsv", ".jsonl"],
                                label=i18n("fi_files"), elem_id="fi-files", height=120)
                pasted = gr.Textbox("", label=i18n("fi_paste"), placeholder=i18n("fi_paste_ph"), lines=3,
                                    elem_id="fi-paste")
                column = gr.Dropdown([], value="", label=i18n("fi_column"), info=i18n("fi_column_info"),
                                     allow_custom_value=True, elem_id="fi-column")
            gr.Markdown(i18n("fi_formats"), elem_id="fi-formats")
            check = gr.Button(i18n("fi_preview_btn"), elem_id="fi-preview-btn")
            preview = gr.Markdown(elem_id="fi-preview")
            blocks = gr.HTML(elem_id="fi-blocks")
        with gr.Column(scale=2):
            gr.Markdown(i18n("fi_settings"))
            form.render("main")
            prompts = gr.Textbox(label=i18n("fi_prompts"), lines=3, elem_id="fi-prompts",
                                 value=logic.demo_prompts(first_demo) or "")
            with gr.Accordion(i18n("fi_advanced"), open=False):
                for row in ROWS:
                    with gr.Row():
                        form.render(row)
            with gr.Row():
                start = gr.Button(i18n("fi_start"), variant="primary", elem_id="fi-start")
                stop = gr.Button(i18n("fi_stop"), variant="stop", elem_id="fi-stop")
                resume_btn = gr.Button(i18n("fi_resume"), size="sm", elem_id="fi-resume")
            ready = gr.Button(i18n("fi_ready"), size="sm", elem_id="fi-ready")
            gr.Markdown(i18n("fi_ready_info"))
            command = gr.Code(language="shell", label=i18n("fi_command"), interactive=False, lines=2,
                              elem_id="fi-command")
            gr.Markdown(i18n("fi_command_info"), elem_id="fi-command-info")
            with gr.Accordion(i18n("fi_concept_title"), open=False):
                gr.Markdown(i18n("fi_concept"))
            with gr.Accordion(i18n("fi_code_title"), open=False, elem_id="fi-code-box"):
                gr.Markdown(i18n("fi_code_help"))
                code_btn = gr.Button(i18n("fi_code_run"), elem_id="fi-code-run")
                code = gr.Code(language="python", interactive=False, elem_id="fi-code")
    gr.Markdown(i18n("fi_progress"))
    with gr.Row():
        with gr.Column(scale=3):
            status = gr.Markdown(elem_id="fi-status")
            bar = gr.HTML(elem_id="fi-bar")
            plot = gr.Plot(label=i18n("fi_plot"), elem_id="fi-plot")
        with gr.Column(scale=2):
            gr.Markdown(i18n("fi_samples_md"))
            samples = gr.Markdown(label=i18n("fi_samples"), elem_id="fi-samples", container=True,
                                  min_height=120, max_height=420)
    with gr.Accordion(i18n("fi_results"), open=True):
        results = gr.Markdown(elem_id="fi-results")
        table = gr.HTML(elem_id="fi-table")
        compare = gr.Button(i18n("fi_compare_btn"), size="sm", elem_id="fi-compare")
        gr.Markdown(i18n("fi_diff"))
        diff = gr.HTML(elem_id="fi-diff")
    with gr.Accordion(i18n("fi_downloads"), open=True):
        with gr.Row():
            dl_adapter = gr.Button(i18n("fi_dl_adapter"), elem_id="fi-dl-adapter")
            dl_merged = gr.Button(i18n("fi_dl_merged"), elem_id="fi-dl-merged")
            use = gr.Button(i18n("fi_use"), variant="secondary", elem_id="fi-use")
        download = gr.File(label=i18n("fi_download"), interactive=False, elem_id="fi-download", visible=False)

    picker = ctx.components["model"]
    method = form.components["method"]
    data = dict(model=picker, files=files, pasted=pasted, demo=demo, column=column)
    run_inputs = ctx.inputs(**data, prompts=prompts, settings=form)
    preview_inputs = ctx.inputs(**data, block_size=form.components["block_size"])
    view = [status, bar, plot, samples, results, table, diff, picker]

    def check_start(v: Values):
        logic.check_start(ctx, v)

    async def run(v: Values):
        """Start fine-tuning on the chosen text and stream the run's progress until it ends."""
        # Starting reads and tokenizes the data (and may load the base model): blocking work, off the event loop.
        await anyio.to_thread.run_sync(logic.start, ctx, v)
        async for update in logic.watch(ctx, v):
            yield update

    async def watch(v: Values):
        """Stream the progress of this session's run (e.g. after a page reload)."""
        async for update in logic.watch(ctx, v):
            yield update

    def check_preview(v: Values):
        logic.documents(v)

    def do_preview(v: Values):
        """Check the text and show what training would see: sizes, the split and sample blocks."""
        return logic.preview_view(ctx, v)

    def check_model(v: Values):
        logic.check_has_model(ctx, v)

    def get_adapter(v: Values):
        """A zip of this session's LoRA adapter (or fine-tuned weights)."""
        return logic.download(ctx, v, merged=False)

    def get_merged(v: Values):
        """A zip of this session's model with the adapter merged in."""
        return logic.download(ctx, v, merged=True)

    def show():
        return gr.update(visible=True)

    light = ctx.inputs()
    started = wire(start.click, check_start, run_inputs, None, concurrency_limit=None, api_name=False)
    started = wire(started.success, run, run_inputs, view, concurrency_id="finetune-view", concurrency_limit=None,
                   show_progress="hidden", api_name="finetune")
    # Stop sets the job's stop event; the watcher then shows the stopped run's result by itself (within one step),
    # so it is not cancelled (cancelling would hide the final numbers).
    wire(stop.click, lambda v: logic.stop(ctx, v), light, None, queue=False, api_name="finetune_stop")
    async def use_ready(v: Values):
        """Show the demo's ready-made run (trained beforehand) as this session's result, at once."""
        await anyio.to_thread.run_sync(logic.use_ready, ctx, v)
        async for update in logic.watch(ctx, v):
            yield update

    wire(ready.click, use_ready, ctx.inputs(model=picker, demo=demo), view, concurrency_id="finetune-view",
         concurrency_limit=None, show_progress="hidden", api_name="finetune_ready")
    wire(resume_btn.click, watch, light, view, concurrency_id="finetune-view", concurrency_limit=None,
         show_progress="hidden", api_name="finetune_watch")
    checked = wire(check.click, check_preview, preview_inputs, None, concurrency_limit=None, api_name=False)
    wire(checked.success, do_preview, preview_inputs, [preview, blocks, column], concurrency_id="light",
         api_name="finetune_preview")
    demo.change(lambda key: logic.demo_prompts(key) or gr.update(), demo, prompts, queue=False, api_name=False)
    if ctx.links is not None:
        ctx.links.field("finetune", "demo", demo, choice_of([key for _, key in demos]), first_demo)
        ctx.links.form("finetune", form, ("method", "max_steps", "learning_rate", "lora_r"))
    checked = wire(compare.click, check_model, light, None, concurrency_limit=None, api_name=False)
    wire(checked.success, lambda v: logic.compare_again(ctx, v), ctx.inputs(prompts=prompts), [table, diff],
         concurrency_id="model", api_name="finetune_compare")
    for button, fn, api, queue_id in ((dl_adapter, get_adapter, "finetune_download", "light"),
                                      (dl_merged, get_merged, "finetune_download_merged", "model")):
        checked = wire(button.click, check_model, light, None, concurrency_limit=None, api_name=False)
        got = wire(checked.success, fn, light, download, concurrency_id=queue_id, api_name=api)
        got.success(show, None, download, queue=False, api_name=False)
    checked = wire(use.click, check_model, light, None, concurrency_limit=None, api_name=False)
    wire(checked.success, lambda v: logic.use_model(ctx, v), light, [picker, ctx.components["tabs"]], queue=False,
         api_name=False)
    code_inputs = ctx.inputs(model=picker, settings=form)
    checked = wire(code_btn.click, lambda v: logic.code_for(ctx, v) and None, code_inputs, None,
                   concurrency_limit=None, api_name=False)  # a bad setting: a message, no error badge on the box
    wire(checked.success, lambda v: logic.code_for(ctx, v), code_inputs, code, concurrency_id="light",
         api_name="finetune_code")
    command_inputs = ctx.inputs(**data, prompts=prompts, settings=form)
    for component in [picker, files, pasted, demo, prompts, *form.components.values()]:
        wire(component.change, logic.command_line, command_inputs, command, queue=False, api_name=False,
             show_progress="hidden")
    wire(ctx.demo.load, logic.command_line, command_inputs, command, queue=False, api_name=False,
         show_progress="hidden")
    wire(picker.change, lambda v: logic.method_choices(ctx, v), ctx.inputs(model=picker, method=method), method,
         concurrency_limit=None, api_name=False, show_progress="hidden")
    # Page load: re-join this browser's earlier session (reload mid-training) and show its run, if any.
    attached = wire(ctx.demo.load, lambda v: logic.attach(ctx, v), ctx.inputs(resume=resume),
                    [resume, picker, status, demo], concurrency_limit=None, api_name=False, show_progress="hidden")
    wire(attached.then, watch, light, view, concurrency_id="finetune-view", concurrency_limit=None,
         show_progress="hidden", api_name=False)

    def release(request: gr.Request):
        logic.release(ctx, Values({}, request))

    ctx.demo.unload(release)
    return {"demo": demo, "files": files, "pasted": pasted, "start": start, "stop": stop, "status": status,
            "plot": plot, "table": table, "diff": diff, "download": download, "resume": resume, "started": started,
            "command": command, "code": code}
