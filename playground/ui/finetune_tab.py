"""The Fine-tuning tab: your text in, a LoRA (or full) run you can watch, before/after comparison, downloads."""

from __future__ import annotations

import anyio
import gradio as gr

from ..finetune import TrainLimits, TrainSettings
from . import finetune_logic as logic
from .context import UIContext, lang_of
from .strings import t

CSS = """
.fi-bar{height:14px;border-radius:7px;background:#e5e7eb;overflow:hidden}
.fi-fill{height:100%;background:linear-gradient(90deg,#4c78a8,#72b7b2);transition:width .4s}
.fi-line{font-size:13px;color:#444;margin-top:4px;font-variant-numeric:tabular-nums}
.fi-block{white-space:pre-wrap;font-size:12px;max-height:220px;overflow:auto;background:#f7f7f9;padding:6px;
  border-radius:6px}
"""


def build_finetune_tab(ctx: UIContext) -> dict[str, gr.components.Component]:
    i18n = ctx.i18n
    d = TrainSettings()
    max_steps = TrainLimits.from_env().max_steps  # the job manager itself is made on first use
    demos = logic.demo_choices(i18n)
    first_demo = next((key for _, key in demos if key.endswith("_en")), demos[-1][1])  # page load may switch to zh
    gr.HTML(f"<style>{CSS}</style>", padding=False)
    resume = ctx.components["resume"]  # made by the model picker, outside the tabs
    gr.Markdown(i18n("fi_intro"))
    with gr.Row():
        with gr.Column(scale=3):
            gr.Markdown(i18n("fi_data"))
            with gr.Group():
                demo = gr.Dropdown(demos, value=first_demo, label=i18n("fi_demo"), elem_id="fi-demo")
                files = gr.File(file_count="multiple", file_types=[".txt", ".md", ".csv", ".tsv", ".jsonl"],
                                label=i18n("fi_files"), elem_id="fi-files", height=120)
                pasted = gr.Textbox(label=i18n("fi_paste"), placeholder=i18n("fi_paste_ph"), lines=3,
                                    elem_id="fi-paste")
                column = gr.Dropdown([], value=None, label=i18n("fi_column"), info=i18n("fi_column_info"),
                                     allow_custom_value=True, elem_id="fi-column")
            gr.Markdown(i18n("fi_formats"), elem_id="fi-formats")
            check = gr.Button(i18n("fi_preview_btn"), elem_id="fi-preview-btn")
            preview = gr.Markdown(elem_id="fi-preview")
            blocks = gr.HTML(elem_id="fi-blocks")
        with gr.Column(scale=2):
            gr.Markdown(i18n("fi_settings"))
            method = gr.Radio([(i18n("fi_method_lora"), logic.LORA), (i18n("fi_method_full"), logic.FULL)],
                              value=d.method, label=i18n("fi_method"), info=i18n("fi_method_info"),
                              elem_id="fi-method")
            steps = gr.Slider(1, max_steps, value=min(d.max_steps, max_steps), step=1, label=i18n("fi_steps"),
                              info=i18n("fi_steps_info"), elem_id="fi-steps")
            prompts = gr.Textbox(label=i18n("fi_prompts"), lines=3, elem_id="fi-prompts",
                                 value=logic.demo_prompts(first_demo) or "")
            with gr.Accordion(i18n("fi_advanced"), open=False):
                epochs = gr.Number(value=0, minimum=0, maximum=100, label=i18n("fi_epochs"))
                lr = gr.Number(value=0, minimum=0, maximum=1, label=i18n("fi_lr"))
                with gr.Row():
                    batch = gr.Slider(1, 16, value=d.batch_size, step=1, label=i18n("fi_batch"))
                    block = gr.Slider(32, 512, value=d.block_size, step=16, label=i18n("fi_block"), elem_id="fi-block")
                with gr.Row():
                    warmup = gr.Slider(0, 50, value=d.warmup_steps, step=1, label=i18n("fi_warmup"))
                    seed = gr.Number(value=d.seed, precision=0, minimum=0, label=i18n("fi_seed"))
                with gr.Row():
                    rank = gr.Slider(1, 64, value=d.lora_r, step=1, label=i18n("fi_rank"))
                    alpha = gr.Slider(1, 128, value=d.lora_alpha, step=1, label=i18n("fi_alpha"))
                    dropout = gr.Slider(0, 0.5, value=d.lora_dropout, step=0.01, label=i18n("fi_dropout"))
                targets = gr.Radio([(i18n("fi_targets_qv"), logic.QV), (i18n("fi_targets_all"), logic.ALL)],
                                   value=d.lora_targets, label=i18n("fi_targets"))
                with gr.Row():
                    eval_every = gr.Slider(1, 100, value=d.eval_every, step=1, label=i18n("fi_eval_every"))
                    sample_every = gr.Slider(0, 100, value=d.sample_every, step=1, label=i18n("fi_sample_every"))
            with gr.Row():
                start = gr.Button(i18n("fi_start"), variant="primary", elem_id="fi-start")
                stop = gr.Button(i18n("fi_stop"), variant="stop", elem_id="fi-stop")
                resume_btn = gr.Button(i18n("fi_resume"), size="sm", elem_id="fi-resume")
            with gr.Accordion(i18n("fi_concept_title"), open=False):
                gr.Markdown(i18n("fi_concept"))
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
    settings = [method, steps, epochs, lr, batch, block, warmup, rank, alpha, dropout, targets, eval_every,
                sample_every, seed]
    data_inputs = [picker, files, pasted, demo, column]
    view = [status, bar, plot, samples, results, table, diff, picker]

    # Explicit parameters: gradio injects gr.Request only into positional-or-keyword parameters.
    def check_start(choice, files, pasted, demo, column, prompts, method, steps, epochs, lr, batch, block, warmup,
                    rank, alpha, dropout, targets, eval_every, sample_every, seed, request: gr.Request):
        values = (method, steps, epochs, lr, batch, block, warmup, rank, alpha, dropout, targets, eval_every,
                  sample_every, seed)
        logic.prepare(ctx, choice, files, pasted, demo, column, values, request)
        session = ctx.engine.sessions.get(request.session_hash)
        job = ctx.engine.training.job(session.id) if session is not None else None
        if job is not None and job.running:
            raise gr.Error(t("fi_already", lang_of(request)))

    async def run(choice, files, pasted, demo, column, prompts, method, steps, epochs, lr, batch, block, warmup, rank,
            alpha, dropout, targets, eval_every, sample_every, seed, request: gr.Request):
        values = (method, steps, epochs, lr, batch, block, warmup, rank, alpha, dropout, targets, eval_every,
                  sample_every, seed)
        # Starting reads and tokenizes the data (and may load the base model): blocking work, off the event loop.
        await anyio.to_thread.run_sync(logic.start, ctx, choice, files, pasted, demo, column, prompts, values,
                                       request)
        async for view in logic.watch(ctx, request):
            yield view

    async def watch(request: gr.Request):
        async for view in logic.watch(ctx, request):
            yield view

    def check_preview(choice, files, pasted, demo, column, request: gr.Request):
        try:
            logic.documents(files, pasted, demo, column)
        except logic.data_mod.DataError as exc:
            raise gr.Error(logic.data_error(exc, lang_of(request))) from None

    def do_preview(choice, files, pasted, demo, column, block, request: gr.Request):
        return logic.preview_view(ctx, choice, files, pasted, demo, column, block, request)

    def check_model(request: gr.Request):
        logic.check_has_model(ctx, request)

    def do_stop(request: gr.Request):
        logic.stop(ctx, request)

    def do_compare(prompt_text, request: gr.Request):
        return logic.compare_again(ctx, prompt_text, request)

    def get_adapter(request: gr.Request):
        return logic.download(ctx, False, request)

    def get_merged(request: gr.Request):
        return logic.download(ctx, True, request)

    def do_use(request: gr.Request):
        return logic.use_model(ctx, request)

    def do_attach(key, request: gr.Request):
        return logic.attach(ctx, key, request)

    def do_methods(choice, current, request: gr.Request):
        return logic.method_choices(ctx, choice, current, request)

    def show():
        return gr.update(visible=True)

    def do_release(request: gr.Request):
        logic.release(ctx, request)

    run_inputs = [*data_inputs, prompts, *settings]
    started = start.click(check_start, run_inputs, None, concurrency_limit=None, api_name=False).success(
        run, run_inputs, view, concurrency_id="finetune-view", concurrency_limit=None, show_progress="hidden",
        api_name="finetune")
    # Stop sets the job's stop event; the watcher then shows the stopped run's result by itself (within one step),
    # so it is not cancelled (cancelling would hide the final numbers).
    stop.click(do_stop, None, None, queue=False, api_name="finetune_stop")
    resume_btn.click(watch, None, view, concurrency_id="finetune-view", concurrency_limit=None,
                     show_progress="hidden", api_name="finetune_watch")
    check.click(check_preview, data_inputs, None, concurrency_limit=None, api_name=False).success(
        do_preview, [*data_inputs, block], [preview, blocks, column], concurrency_id="light",
        api_name="finetune_preview")
    demo.change(lambda key: logic.demo_prompts(key) or gr.update(), demo, prompts, queue=False, api_name=False)
    compare.click(check_model, None, None, concurrency_limit=None, api_name=False).success(
        do_compare, prompts, [table, diff], concurrency_id="model",
        api_name="finetune_compare")
    dl_adapter.click(check_model, None, None, concurrency_limit=None, api_name=False).success(
        get_adapter, None, download, concurrency_id="light",
        api_name="finetune_download").success(show, None, download, queue=False, api_name=False)
    dl_merged.click(check_model, None, None, concurrency_limit=None, api_name=False).success(
        get_merged, None, download, concurrency_id="model",
        api_name="finetune_download_merged").success(show, None, download, queue=False, api_name=False)
    use.click(check_model, None, None, concurrency_limit=None, api_name=False).success(
        do_use, None, [picker, ctx.components["tabs"]], queue=False,
        api_name=False)
    picker.change(do_methods, [picker, method], method, concurrency_limit=None, api_name=False,
                  show_progress="hidden")
    # Page load: re-join this browser's earlier session (reload mid-training) and show its run, if any.
    ctx.demo.load(do_attach, resume, [resume, picker, status, demo],
                  concurrency_limit=None, api_name=False, show_progress="hidden").then(
        watch, None, view, concurrency_id="finetune-view", concurrency_limit=None, show_progress="hidden",
        api_name=False)
    ctx.demo.unload(do_release)
    return {"demo": demo, "files": files, "pasted": pasted, "start": start, "stop": stop, "status": status,
            "plot": plot, "table": table, "diff": diff, "download": download, "resume": resume, "started": started}
