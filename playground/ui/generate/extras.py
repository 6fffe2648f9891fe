"""Two panels under the Generate tab: perplexity of a text, and two decoding set-ups side by side."""

from __future__ import annotations

import gradio as gr

from ...generation import GenerationDone, generate, prepare_prompt, score_text
from .. import render
from ..context import UIContext, load_or_error, preset_choices
from ..events import Values, wire
from ..links import text_up_to
from . import handlers as h
from .form import SETUP

PPL_EXAMPLES = [
    "The cat sat on the mat and looked out of the window.",
    "Window the of out looked and mat the on sat cat the.",
    "小猫坐在垫子上，看着窗外。",
]


def check_score(ctx: UIContext, v: Values) -> None:
    h.check_text(ctx, v.text)
    h.check_model(v.model)


def score(ctx: UIContext, v: Values):
    check_score(ctx, v)
    lm = load_or_error(ctx, v.model, v.lang)
    result = score_text(lm, ctx.engine.worker, v.text or "", ctx.engine.limits)
    mean_bits = sum(result.surprisal_bits) / len(result.surprisal_bits)
    summary = v.t("ppl_summary", ppl=result.perplexity, bits=mean_bits, n=len(result.tokens))
    if lm.has_weights:
        first = lm.tokenizer.decode(lm.tokenizer(v.text)["input_ids"][:1]) if len(result.tokens) else ""
    else:  # a remote engine's tokens: the text before the scored ones is its first token
        joined = "".join(result.tokens)
        first = v.text[:len(v.text) - len(joined)] if v.text.endswith(joined) else ""
    if result.approximate:
        summary += " " + v.t("ppl_bounded", n=result.approximate)
    return summary, render.surprisal_html(result.tokens, result.probs, result.surprisal_bits, first=first,
                                          legend=v.t("ppl_legend"), surprisal_label=v.t("surprisal"))


def check_compare(ctx: UIContext, v: Values) -> None:
    h.check_text(ctx, v.prompt)
    for side in ("a_", "b_"):
        SETUP.parse(v, prefix=side)
        h.check_model(v[side + "model"])


def compare(ctx: UIContext, v: Values):
    """Run the same prompt through set-up A, then B (one after the other on the shared compute thread)."""
    check_compare(ctx, v)
    base = h.settings_of(ctx, v)  # the Generate tab's max new tokens; the rest as set per side
    results = []
    for side in ("a_", "b_"):
        lm = load_or_error(ctx, v[side + "model"], v.lang)
        settings = SETUP.parse(v, prefix=side, base=base).capped(ctx.engine.limits)
        prepared = prepare_prompt(lm, ctx.engine.limits, prompt=v.prompt, chat=(v.mode == h.CHAT),
                                  messages=h.history_messages(v.history) if v.mode == h.CHAT else None,
                                  system=v.system)
        done: GenerationDone = generate(lm, ctx.engine.worker, prepared, settings, ctx.engine.limits)
        mean_p = sum(e.raw_prob for e in done.tokens) / max(1, len(done.tokens))
        stats = v.t("cmp_stats", name=lm.spec.name, n=done.new_tokens, tps=done.tokens_per_second, p=mean_p,
                    seed=done.seed)
        results += [render.tokens_html(list(done.tokens), **h.token_labels(v)), stats]
    return tuple(results)


def _setup_column(ctx: UIContext, prefix: str, title_key: str, defaults):
    i18n = ctx.i18n
    with gr.Column():
        gr.Markdown(i18n(title_key))
        choices = preset_choices()
        model = gr.Dropdown(choices, value=choices[0] if choices else None, allow_custom_value=True,
                            label=i18n("model"), elem_id=f"cmp-{prefix}model")
        form = SETUP.bind(ctx, prefix=prefix, defaults=defaults)
        form.render()
        html = gr.HTML()
        stats = gr.Markdown()
    return {f"{prefix}model": model, **form.inputs()}, [html, stats]


def build_generation_extras(ctx: UIContext, tab: dict) -> None:
    """Perplexity and comparison panels; ``tab`` holds the Generate tab's components (prompt, mode, ...)."""
    i18n = ctx.i18n
    with gr.Accordion(i18n("cmp_title"), open=False):
        gr.Markdown(i18n("cmp_help"))
        gr.Markdown(i18n("cmp_base_instruct"), elem_id="cmp-base-instruct")
        with gr.Row():
            a_inputs, a_outputs = _setup_column(ctx, "a_", "cmp_a", SETUP.target(do_sample=False))
            b_inputs, b_outputs = _setup_column(ctx, "b_", "cmp_b", SETUP.target(do_sample=True, temperature=1.3))
        run = gr.Button(i18n("cmp_run"), variant="primary", elem_id="cmp-run")
    with gr.Accordion(i18n("ppl_title"), open=False, elem_id="ppl-box") as ppl_box:
        gr.Markdown(i18n("ppl_help"))
        text = gr.Textbox(label=i18n("ppl_text"), lines=3, elem_id="ppl-text")
        go = gr.Button(i18n("ppl_run"), elem_id="ppl-run")
        summary = gr.Markdown(elem_id="ppl-summary")
        scored = gr.HTML(elem_id="ppl-html")
        gr.Examples([[e] for e in PPL_EXAMPLES], inputs=[text], label=i18n("examples"))

    if ctx.links is not None:  # a link (or the tour) may fill the text to score and open the panel
        limit = ctx.engine.limits.max_input_chars
        ctx.links.custom("generate", ("ppl",), [text, ppl_box],
                         lambda p: [text_up_to(limit)(p["ppl"]), gr.Accordion(open=True)])
    score_inputs = ctx.inputs(text=text, model=ctx.components["model"])
    checked = wire(go.click, lambda v: check_score(ctx, v), score_inputs, None, concurrency_limit=None,
                   api_name=False)
    wire(checked.success, lambda v: score(ctx, v), score_inputs, [summary, scored], concurrency_id="model",
         api_name="perplexity")

    form = tab["form"]
    cmp_inputs = ctx.inputs(mode=tab["mode"], prompt=tab["prompt"], system=tab["system"], history=tab["chatbot"],
                            max_new_tokens=form.components["max_new_tokens"], a=a_inputs, b=b_inputs)
    checked = wire(run.click, lambda v: check_compare(ctx, v), cmp_inputs, None, concurrency_limit=None,
                   api_name=False)
    wire(checked.success, lambda v: compare(ctx, v), cmp_inputs, [*a_outputs, *b_outputs], concurrency_id="generate",
         concurrency_limit=ctx.generation_slots, api_name="compare")
