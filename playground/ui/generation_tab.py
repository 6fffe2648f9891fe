"""The Generation tab: chat or continue text, streamed tokens coloured by probability, the next-token chart."""

from __future__ import annotations

import gradio as gr

from ..devices import gpu_task
from . import render
from .context import UIContext
from .generation_extras import build_generation_extras
from .generation_logic import CHAT, COMPLETE, analyze_prompt, run_generation, validate_request

EXAMPLES = [
    [CHAT, "Explain what a neural network is in two sentences."],
    [CHAT, "用两句话解释什么是神经网络。"],
    [COMPLETE, "Once upon a time, in a small village by the sea,"],
    [COMPLETE, "从前，在一个海边的小村庄里，"],
    [CHAT, "Write a short poem about autumn leaves."],
    [COMPLETE, "The three primary colors are"],
]


def build_generation_tab(ctx: UIContext) -> dict[str, gr.components.Component]:
    i18n, limits = ctx.i18n, ctx.engine.limits
    with gr.Row():
        with gr.Column(scale=3):
            mode = gr.Radio([(i18n("mode_chat"), CHAT), (i18n("mode_complete"), COMPLETE)], value=CHAT,
                            label=i18n("mode"), info=i18n("mode_info"), elem_id="gen-mode")
            chatbot = gr.Chatbot(label=i18n("conversation"), height=300, elem_id="gen-chat", buttons=["copy"])
            output = gr.Textbox(label=i18n("output"), lines=8, visible=False, elem_id="gen-output", buttons=["copy"])
            prompt = gr.Textbox(label=i18n("prompt"), placeholder=i18n("prompt_placeholder"), lines=3,
                                elem_id="gen-prompt")
            with gr.Row():
                run = gr.Button(i18n("generate"), variant="primary", elem_id="gen-run")
                stop = gr.Button(i18n("stop"), variant="stop", elem_id="gen-stop")
                clear = gr.Button(i18n("clear"), elem_id="gen-clear")
            stats = gr.Markdown(elem_id="gen-stats")
            tokens = gr.HTML(render.tokens_html([], empty=""), label=i18n("tokens_view"), elem_id="gen-tokens")
            with gr.Accordion(i18n("token_table"), open=False):
                table = gr.Dataframe(headers=["#", "token", "p (sampler)", "p (model)", "alternatives"],
                                     column_widths=["6%", "18%", "13%", "13%", "50%"],
                                     interactive=False, wrap=True, elem_id="gen-table")
            gr.Examples(EXAMPLES, inputs=[mode, prompt], label=i18n("examples"), examples_per_page=6,
                        example_labels=[("💬 " if m == CHAT else "✍️ ") + text for m, text in EXAMPLES])
        with gr.Column(scale=2):
            with gr.Accordion(i18n("settings"), open=True):
                max_new = gr.Slider(1, limits.max_new_tokens, value=min(128, limits.max_new_tokens), step=1,
                                    label=i18n("max_new_tokens"))
                do_sample = gr.Checkbox(value=True, label=i18n("do_sample"))
                temperature = gr.Slider(0.05, 2.0, value=0.7, step=0.05, label=i18n("temperature"),
                                        info=i18n("temperature_info"))
                top_k = gr.Slider(0, 200, value=50, step=1, label=i18n("top_k"), info=i18n("top_k_info"))
                top_p = gr.Slider(0.05, 1.0, value=0.95, step=0.01, label=i18n("top_p"), info=i18n("top_p_info"))
                with gr.Accordion(i18n("advanced"), open=False):
                    min_p = gr.Slider(0.0, 0.5, value=0.0, step=0.01, label=i18n("min_p"), info=i18n("min_p_info"))
                    rep = gr.Slider(1.0, 2.0, value=1.1, step=0.05, label=i18n("repetition_penalty"))
                    ngram = gr.Slider(0, 6, value=0, step=1, label=i18n("no_repeat_ngram"))
                    beams = gr.Slider(1, 4, value=1, step=1, label=i18n("num_beams"))
                    stops = gr.Textbox(label=i18n("stop_sequences"), lines=2)
                    seed = gr.Textbox(value="", label=i18n("seed"), placeholder="random", max_lines=1,
                                      elem_id="gen-seed")
                    max_time = gr.Slider(1, int(limits.max_time), value=min(60, int(limits.max_time)), step=1,
                                         label=i18n("max_time"))
            with gr.Accordion(i18n("system"), open=False) as system_box:
                system = gr.Textbox(label=i18n("system"), info=i18n("system_info"), lines=2, elem_id="gen-system")
            gr.Markdown(i18n("next_token_md"))
            analyze = gr.Button(i18n("analyze"), elem_id="gen-analyze")
            chart = gr.Plot(label=i18n("next_token"), elem_id="gen-chart")
            with gr.Accordion(i18n("tokenizer"), open=True):
                gr.Markdown(i18n("tokenizer_help"))
                chips = gr.HTML(elem_id="gen-chips")
            with gr.Accordion(i18n("template"), open=False):
                gr.Markdown(i18n("template_help"))
                template = gr.Textbox(show_label=False, lines=6, interactive=False, elem_id="gen-template",
                                      buttons=["copy"])
            with gr.Accordion(i18n("concept_title"), open=False):
                gr.Markdown(i18n("concept"))

    model = ctx.components["model"]
    settings = [max_new, do_sample, temperature, top_k, top_p, min_p, rep, ngram, beams, stops, seed, max_time]
    gen_inputs = [mode, prompt, system, chatbot, model, *settings]
    @gpu_task()  # on a ZeroGPU Space the GPU is attached for the duration of this call; a no-op elsewhere
    def generate(mode, prompt, system, history, model, max_new, do_sample, temperature, top_k, top_p, min_p, rep,
                 ngram, beams, stops, seed, max_time, request: gr.Request):
        yield from run_generation(ctx, mode, prompt, system, history, model, max_new, do_sample, temperature, top_k,
                                  top_p, min_p, rep, ngram, beams, stops, seed, max_time, request=request)

    def next_token(mode, prompt, system, history, model, do_sample, temperature, top_k, top_p, min_p,
                   request: gr.Request):
        return analyze_prompt(ctx, mode, prompt, system, history, model, do_sample, temperature, top_k, top_p,
                              min_p, request=request)

    def reshape(mode, prompt, system, history, model, do_sample, temperature, top_k, top_p, min_p,
                request: gr.Request):
        return analyze_prompt(ctx, mode, prompt, system, history, model, do_sample, temperature, top_k, top_p,
                              min_p, quiet=True, request=request)

    def request_stop(request: gr.Request):
        ctx.request_stop(request)

    def check_generate(mode, prompt, history, model, max_new, do_sample, temperature, top_k, top_p, min_p, rep,
                       ngram, beams, stops, seed, max_time, request: gr.Request):
        validate_request(ctx, mode, prompt, history, model, (max_new, do_sample, temperature, top_k, top_p, min_p,
                                                             rep, ngram, beams, stops, seed, max_time), request)

    def check_analyze(mode, prompt, history, model, request: gr.Request):
        validate_request(ctx, mode, prompt, history, model, None, request)

    # Each action = a fast check with no outputs (a bad input becomes a message and changes nothing on screen),
    # then the real work.
    outputs = [chatbot, output, tokens, stats, table, prompt]
    check_inputs = [mode, prompt, chatbot, model, *settings]
    gens = []
    for trigger in (run.click, prompt.submit):
        checked = trigger(check_generate, check_inputs, None, concurrency_limit=None, api_name=False)
        gens.append(checked.success(generate, gen_inputs, outputs, concurrency_id="model", show_progress="minimal",
                                    api_name="generate" if trigger == run.click else False))
    stop.click(request_stop, None, None, cancels=gens, queue=False, api_name="stop")
    clear.click(lambda: ([], "", render.tokens_html([], empty=""), "", [], ""), None,
                [chatbot, output, tokens, stats, table, prompt], queue=False, api_name=False)
    mode.change(lambda m: (gr.update(visible=m == CHAT), gr.update(visible=m != CHAT), gr.update(visible=m == CHAT)),
                mode, [chatbot, output, system_box], queue=False, api_name=False)

    nt_inputs = [mode, prompt, system, chatbot, model, do_sample, temperature, top_k, top_p, min_p]
    analyze.click(check_analyze, [mode, prompt, chatbot, model], None, concurrency_limit=None, api_name=False).success(
        next_token, nt_inputs, [chart, chips, template], concurrency_id="light", concurrency_limit=4,
        api_name="next_token")
    for slider in (temperature, top_k, top_p, min_p):
        slider.release(reshape, nt_inputs, [chart, chips, template], concurrency_id="light", api_name=False)
    do_sample.change(reshape, nt_inputs, [chart, chips, template], concurrency_id="light", api_name=False)
    ctx.components["gen_prompt"] = prompt  # other tabs' "open in Generation" fill these
    ctx.components["gen_mode"] = mode
    parts = {"mode": mode, "prompt": prompt, "chatbot": chatbot, "output": output, "tokens": tokens,
             "stats": stats, "chart": chart, "run": run, "stop": stop, "system": system, "max_new": max_new}
    build_generation_extras(ctx, parts)
    return parts
