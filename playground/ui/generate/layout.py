"""The Generate tab: chat or continue text, streamed tokens coloured by probability, the next-token chart."""

from __future__ import annotations

import gradio as gr

from .. import render
from ..context import UIContext
from ..events import wire
from ..forms import keyed
from ..links import choice_of, text_up_to
from . import handlers as h
from .extras import build_generation_extras
from .lab import build_generation_lab
from .form import GENERATION

EXAMPLES = [
    [h.CHAT, "Explain what a neural network is in two sentences."],
    [h.CHAT, "用两句话解释什么是神经网络。"],
    [h.COMPLETE, "Once upon a time, in a small village by the sea,"],
    [h.COMPLETE, "从前，在一个海边的小村庄里，"],
    [h.CHAT, "Write a short poem about autumn leaves."],
    [h.COMPLETE, "The three primary colors are"],
]
SAMPLING = ("do_sample", "temperature", "top_k", "top_p", "min_p")  # what the next-token chart depends on


def build_generation_tab(ctx: UIContext) -> dict[str, gr.components.Component]:
    i18n, limits = ctx.i18n, ctx.engine.limits
    form = GENERATION.bind(ctx, caps={"max_new_tokens": limits.max_new_tokens, "max_time": limits.max_time},
                           defaults=GENERATION.target(max_new_tokens=min(128, limits.max_new_tokens),
                                                      max_time=min(60.0, limits.max_time)))
    with gr.Row():
        with gr.Column(scale=3):
            mode = gr.Radio([(i18n("mode_chat"), h.CHAT), (i18n("mode_complete"), h.COMPLETE)], value=h.CHAT,
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
                table = gr.Dataframe(headers=render.table_headers("en"),
                                     column_widths=["6%", "18%", "13%", "13%", "50%"],
                                     interactive=False, wrap=True, elem_id="gen-table")
            gr.Examples(EXAMPLES, inputs=[mode, prompt], label=i18n("examples"), examples_per_page=6,
                        example_labels=[("💬 " if m == h.CHAT else "✍️ ") + text for m, text in EXAMPLES])
        with gr.Column(scale=2):
            with gr.Accordion(i18n("settings"), open=True):
                form.render("main")
                with gr.Accordion(i18n("advanced"), open=False):
                    form.render("advanced")
            with gr.Accordion(i18n("system"), open=False) as system_box:
                system = gr.Textbox("", label=i18n("system"), info=i18n("system_info"), lines=2, elem_id="gen-system")
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

    links = ctx.links
    if links is not None:
        links.field("generate", "mode", mode, choice_of((h.CHAT, h.COMPLETE)), h.CHAT)
        links.field("generate", "prompt", prompt, text_up_to(limits.max_input_chars), "")
        links.field("generate", "system", system, text_up_to(limits.max_input_chars), "")
        links.form("generate", form)

    prompt_parts = dict(mode=mode, prompt=prompt, system=system, history=chatbot, model=ctx.components["model"])
    gen_inputs = ctx.inputs(**prompt_parts, settings=form)
    nt_inputs = ctx.inputs(**prompt_parts, sampling=keyed(form.inputs(), *SAMPLING))
    tree = gr.State({})  # the lab's branching tree, rooted at the latest generation
    outputs = [chatbot, output, tokens, stats, table, prompt, tree]

    def check(v):
        h.check_request(ctx, v)

    def generate(v):
        yield from h.run_generation(ctx, v)

    def check_analyze(v):
        h.check_request(ctx, v, with_settings=False)

    def next_token(v):
        return h.analyze_prompt(ctx, v)

    def reshape(v):
        return h.analyze_prompt(ctx, v, quiet=True)

    def request_stop(v):
        ctx.request_stop(v.request)

    # Each action = a fast check with no outputs (a bad input becomes a message and changes nothing on screen),
    # then the real work.
    gens = []
    for trigger in (run.click, prompt.submit):
        checked = wire(trigger, check, gen_inputs, None, concurrency_limit=None, api_name=False)
        gens.append(wire(checked.success, generate, gen_inputs, outputs, gpu=True, concurrency_id="generate",
                         concurrency_limit=ctx.generation_slots, show_progress="minimal",
                         api_name="generate" if trigger == run.click else False))
    wire(stop.click, request_stop, ctx.inputs(), None, cancels=gens, queue=False, api_name="stop")
    clear.click(lambda: ([], "", render.tokens_html([], empty=""), "", [], ""), None,
                [chatbot, output, tokens, stats, table, prompt], queue=False, api_name=False)
    mode.change(lambda m: (gr.update(visible=m == h.CHAT), gr.update(visible=m != h.CHAT),
                           gr.update(visible=m == h.CHAT)),
                mode, [chatbot, output, system_box], queue=False, api_name=False)
    checked = wire(analyze.click, check_analyze, nt_inputs, None, concurrency_limit=None, api_name=False)
    wire(checked.success, next_token, nt_inputs, [chart, chips, template], concurrency_id="light",
         concurrency_limit=4, api_name="next_token")
    for name in SAMPLING:  # moving a slider reshapes the cached distribution (no forward pass)
        widget = form.components[name]
        wire(widget.change if name == "do_sample" else widget.release, reshape, nt_inputs, [chart, chips, template],
             concurrency_id="light", api_name=False)
    ctx.components["gen_prompt"] = prompt  # other tabs' "open in Generation" fill these
    ctx.components["gen_mode"] = mode
    parts = {"mode": mode, "prompt": prompt, "chatbot": chatbot, "output": output, "tokens": tokens,
             "stats": stats, "chart": chart, "run": run, "stop": stop, "system": system, "form": form,
             "table": table, "tree": tree}
    build_generation_extras(ctx, parts)
    build_generation_lab(ctx, parts)
    return parts
