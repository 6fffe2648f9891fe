"""Two panels under the Generation tab: perplexity of a text, and two decoding set-ups side by side."""

from __future__ import annotations

import gradio as gr

from ..config import GenerationSettings
from ..generation import GenerationDone, generate, prepare_prompt, score_text
from . import render
from .context import UIContext, lang_of, load_or_error, preset_choices, spec_from_choice
from .generation_logic import CHAT, history_messages, parse_seed
from .strings import t

PPL_EXAMPLES = [
    "The cat sat on the mat and looked out of the window.",
    "Window the of out looked and mat the on sat cat the.",
    "小猫坐在垫子上，看着窗外。",
]


def score(ctx: UIContext, text: str, choice: str, request: gr.Request | None = None):
    lang = lang_of(request)
    lm = load_or_error(ctx, choice, lang)
    try:
        result = score_text(lm, ctx.engine.worker, text or "", ctx.engine.limits)
    except ValueError as exc:
        raise gr.Error(str(exc)) from None
    mean_bits = sum(result.surprisal_bits) / len(result.surprisal_bits)
    summary = t("ppl_summary", lang, ppl=result.perplexity, bits=mean_bits, n=len(result.tokens))
    first = lm.tokenizer.decode(lm.tokenizer(text)["input_ids"][:1]) if len(result.tokens) else ""
    return summary, render.surprisal_html(result.tokens, result.probs, result.surprisal_bits, first=first,
                                          legend=t("ppl_legend", lang))


def compare(ctx: UIContext, mode: str, prompt: str, system: str, history: list | None, max_new: int,
            model_a: str, sample_a: bool, temp_a: float, top_p_a: float, seed_a,
            model_b: str, sample_b: bool, temp_b: float, top_p_b: float, seed_b, request: gr.Request | None = None):
    """Run the same prompt through set-up A, then B (one after the other on the shared compute thread)."""
    lang = lang_of(request)
    if not (prompt or "").strip():
        raise gr.Error(t("empty_prompt", lang))
    results = []
    for choice, sample, temp, top_p, seed in ((model_a, sample_a, temp_a, top_p_a, seed_a),
                                              (model_b, sample_b, temp_b, top_p_b, seed_b)):
        lm = load_or_error(ctx, choice, lang)
        try:
            settings = GenerationSettings(max_new_tokens=int(max_new), do_sample=bool(sample), temperature=float(temp),
                                          top_p=float(top_p), seed=parse_seed(seed),
                                          repetition_penalty=1.1).capped(ctx.engine.limits)
            prepared = prepare_prompt(lm, ctx.engine.limits, prompt=prompt, chat=(mode == CHAT),
                                      messages=history_messages(history) if mode == CHAT else None, system=system)
        except ValueError as exc:
            raise gr.Error(str(exc)) from None
        done: GenerationDone = generate(lm, ctx.engine.worker, prepared, settings, ctx.engine.limits)
        labels = dict(legend=t("legend", lang), prob_label=t("prob_label", lang), raw_label=t("raw_label", lang))
        mean_p = sum(e.raw_prob for e in done.tokens) / max(1, len(done.tokens))
        stats = t("cmp_stats", lang, name=lm.spec.name, n=done.new_tokens, tps=done.tokens_per_second,
                  p=mean_p, seed=done.seed)
        results += [render.tokens_html(list(done.tokens), **labels), stats]
    return tuple(results)


def _setup_column(ctx: UIContext, title_key: str, default_sample: bool, default_temp: float):
    i18n = ctx.i18n
    with gr.Column():
        gr.Markdown(i18n(title_key))
        model = gr.Dropdown(preset_choices(), value=preset_choices()[0] if preset_choices() else None,
                            allow_custom_value=True, label=i18n("model"))
        sample = gr.Checkbox(value=default_sample, label=i18n("do_sample"))
        temp = gr.Slider(0.05, 2.0, value=default_temp, step=0.05, label=i18n("temperature"))
        top_p = gr.Slider(0.05, 1.0, value=0.95, step=0.01, label=i18n("top_p"))
        seed = gr.Textbox(value="", label=i18n("seed"), placeholder="random", max_lines=1)
        html = gr.HTML()
        stats = gr.Markdown()
    return [model, sample, temp, top_p, seed], [html, stats]


def build_generation_extras(ctx: UIContext, tab: dict) -> None:
    """Perplexity and comparison panels; ``tab`` holds the Generation tab's components (prompt, mode, ...)."""
    i18n = ctx.i18n
    with gr.Accordion(i18n("cmp_title"), open=False):
        gr.Markdown(i18n("cmp_help"))
        with gr.Row():
            a_inputs, a_outputs = _setup_column(ctx, "cmp_a", False, 0.7)
            b_inputs, b_outputs = _setup_column(ctx, "cmp_b", True, 1.3)
        run = gr.Button(i18n("cmp_run"), variant="primary", elem_id="cmp-run")
    with gr.Accordion(i18n("ppl_title"), open=False):
        gr.Markdown(i18n("ppl_help"))
        text = gr.Textbox(label=i18n("ppl_text"), lines=3, elem_id="ppl-text")
        go = gr.Button(i18n("ppl_run"), elem_id="ppl-run")
        summary = gr.Markdown(elem_id="ppl-summary")
        scored = gr.HTML(elem_id="ppl-html")
        gr.Examples([[e] for e in PPL_EXAMPLES], inputs=[text], label=i18n("examples"))

    model = ctx.components["model"]

    def check_score(text: str, choice: str, request: gr.Request):
        lang = lang_of(request)
        if not (text or "").strip():
            raise gr.Error(t("empty_prompt", lang))
        if len(text) > ctx.engine.limits.max_input_chars:
            raise gr.Error(t("too_long", lang, n=len(text), limit=ctx.engine.limits.max_input_chars))
        try:
            spec_from_choice(choice)
        except ValueError as exc:
            raise gr.Error(t("model_error", lang, error=str(exc))) from None

    def do_score(text: str, choice: str, request: gr.Request):
        return score(ctx, text, choice, request)

    go.click(check_score, [text, model], None, concurrency_limit=None, api_name=False).success(
        do_score, [text, model], [summary, scored], concurrency_id="model", api_name="perplexity")

    def check_compare(prompt: str, request: gr.Request):
        if not (prompt or "").strip():
            raise gr.Error(t("empty_prompt", lang_of(request)))

    def do_compare(mode, prompt, system, history, max_new, ma, sa, ta, pa, da, mb, sb, tb, pb, db,
                   request: gr.Request):
        return compare(ctx, mode, prompt, system, history, max_new, ma, sa, ta, pa, da, mb, sb, tb, pb, db, request)

    inputs = [tab["mode"], tab["prompt"], tab["system"], tab["chatbot"], tab["max_new"], *a_inputs, *b_inputs]
    run.click(check_compare, [tab["prompt"]], None, concurrency_limit=None, api_name=False).success(
        do_compare, inputs, [*a_outputs, *b_outputs], concurrency_id="model", api_name="compare")
