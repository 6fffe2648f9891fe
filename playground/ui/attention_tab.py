"""The Attention tab: one head's heatmap, all heads at once, token focus, mean and rollout, head patterns, logit
lens and head ablation. Handlers live in ``attention_logic``."""

from __future__ import annotations

import gradio as gr

from ..attention import max_attention_tokens
from ..devices import gpu_task
from .attention_logic import (ENCODER, PICKER, VIEWS, AttentionService, check_selection, focus_choices, head_name,
                              parse_head, render, run_ablation, selection, summary, timed_result)
from .context import UIContext, lang_of
from .strings import t

EXAMPLES = [
    "The cat sat on the mat because the cat was tired.",
    "Alice gave the book to Bob, and then Bob gave the book back to Alice.",
    "小猫坐在垫子上，因为小猫累了。",
    "The capital of France is Paris. The capital of Germany is",
    "The quick brown fox jumps over the lazy dog. The quick brown fox jumps over the lazy dog.",
]

# Clicking a thumbnail of the all-heads figure: the transparent overlay heatmap reports (row = head, col = layer);
# the bridge stores "layer,head,nonce" and fires its change event, which opens that head.
CLICK_JS = """
const bind = () => {
  const plot = document.querySelector('#at-grid .js-plotly-plot');
  if (!plot || !plot.on || plot.__atBound) return;
  plot.__atBound = true;
  plot.on('plotly_click', (ev) => {
    const p = (ev.points || []).find(q => q.data && q.data.type === 'heatmap');
    if (!p || !Array.isArray(p.pointNumber)) return;
    props.value = `${p.pointNumber[1]},${p.pointNumber[0]},${Date.now()}`;
    trigger('change');
  });
};
setInterval(bind, 600);
"""


def build_attention_tab(ctx: UIContext) -> dict[str, gr.components.Component]:
    i18n = ctx.i18n
    svc = AttentionService(ctx)
    cap = max_attention_tokens()
    gr.Markdown(i18n("at_intro"))
    with gr.Row():
        with gr.Column(scale=3):
            text = gr.Textbox(label=i18n("at_text"), lines=3, elem_id="at-text",
                              placeholder=t("at_text_placeholder", "en", cap=cap))
            run = gr.Button(i18n("at_run"), variant="primary", elem_id="at-run")
            info = gr.Markdown(elem_id="at-summary")
            gr.Examples([[e] for e in EXAMPLES], inputs=[text], label=i18n("at_examples"), examples_per_page=5)
        with gr.Column(scale=2):
            source = gr.Radio([(i18n("at_source_picker"), PICKER), (i18n("at_source_encoder"), ENCODER)],
                              value=PICKER, label=i18n("at_source"), info=i18n("at_source_info"), elem_id="at-source")
            encoder = gr.Textbox(label=i18n("at_encoder_path"), info=i18n("at_encoder_info"), visible=False,
                                 elem_id="at-encoder")
            with gr.Row():
                layer = gr.Dropdown([("0", 0)], value=0, label=i18n("at_layer"), allow_custom_value=True,
                                    elem_id="at-layer", min_width=90)
                head = gr.Dropdown([("0", 0)], value=0, label=i18n("at_head"), allow_custom_value=True,
                                   elem_id="at-head-select", min_width=90)
                focus = gr.Dropdown([], value=None, label=i18n("at_focus"), info=i18n("at_focus_info"),
                                    allow_custom_value=True, elem_id="at-focus", min_width=160)
            with gr.Accordion(i18n("at_formula_title"), open=True):
                gr.Markdown(i18n("at_formula"))

    with gr.Tabs(elem_id="at-views") as views:
        with gr.Tab(i18n("at_view_head"), id="at-head") as tab_head:
            gr.Markdown(i18n("at_help_head"))
            head_plot = gr.Plot(show_label=False, elem_id="at-head-plot")
        with gr.Tab(i18n("at_view_grid"), id="at-grid-tab") as tab_grid:
            gr.Markdown(i18n("at_help_grid"))
            grid_plot = gr.Plot(show_label=False, elem_id="at-grid")
            bridge = gr.HTML("", html_template="<span></span>", js_on_load=CLICK_JS, elem_id="at-click-bridge",
                             padding=False)
        with gr.Tab(i18n("at_view_focus"), id="at-focus-tab") as tab_focus:
            gr.Markdown(i18n("at_help_focus"))
            focus_plot = gr.Plot(show_label=False, elem_id="at-focus-plot")
        with gr.Tab(i18n("at_view_agg"), id="at-agg-tab") as tab_agg:
            gr.Markdown(i18n("at_help_agg"))
            agg = gr.Radio([(i18n("at_agg_mean"), "mean"), (i18n("at_agg_max"), "max")], value="mean",
                           label=i18n("at_agg"), elem_id="at-agg")
            agg_plot = gr.Plot(show_label=False, elem_id="at-agg-plot")
        with gr.Tab(i18n("at_view_patterns"), id="at-patterns-tab") as tab_patterns:
            gr.Markdown(i18n("at_help_patterns"))
            gallery_plot = gr.Plot(show_label=False, elem_id="at-gallery")
            with gr.Accordion(i18n("at_scores_table"), open=False):
                table = gr.Dataframe(interactive=False, elem_id="at-scores", max_height=420)
        with gr.Tab(i18n("at_view_lens"), id="at-lens-tab") as tab_lens:
            gr.Markdown(i18n("at_help_lens"))
            window = gr.Slider(1, 24, value=8, step=1, label=i18n("at_lens_window"), elem_id="at-window")
            lens_note = gr.Markdown(elem_id="at-lens-note")
            lens_plot = gr.Plot(show_label=False, elem_id="at-lens-plot")
        with gr.Tab(i18n("at_view_ablation"), id="at-ablation-tab") as tab_ablation:
            gr.Markdown(i18n("at_help_ablation"))
            with gr.Row(equal_height=True):
                ablate_heads = gr.Dropdown([], value=[], multiselect=True, label=i18n("at_ablate_heads"),
                                           info=i18n("at_ablate_info"), allow_custom_value=True, scale=4,
                                           elem_id="at-ablate-heads")
                ablate_btn = gr.Button(i18n("at_ablate_btn"), scale=1, elem_id="at-ablate")
            ablation_md = gr.Markdown(elem_id="at-ablation-summary")
            ablation_plot = gr.Plot(show_label=False, elem_id="at-ablation-plot")

    state = gr.State({})
    # The active view: set by the sub-tabs; a hidden textbox (not a State) so API callers can pick a view too.
    view = gr.Textbox("head", visible=False, elem_id="at-view")
    model = ctx.components["model"]
    view_outputs = {"head": [head_plot], "grid": [grid_plot], "focus": [focus_plot], "agg": [agg_plot],
                    "patterns": [gallery_plot, table], "lens": [lens_plot, lens_note]}
    all_views = [c for v in view_outputs.values() for c in v]
    blank = {head_plot: None, grid_plot: None, focus_plot: None, agg_plot: None, gallery_plot: None, table: [],
             lens_plot: None, lens_note: ""}

    def draw(view_name, lm, result, layer_i, head_i, focus_i, agg_v, window_v, lang, fill_blank: bool):
        """Updates for every view output: the active view drawn, the others blanked or left alone."""
        out = []
        drawn = render(svc, view_name, lm, result, layer_i, head_i, focus_i, agg_v, window_v, lang) \
            if view_name in view_outputs else ()
        for name, comps in view_outputs.items():
            if name == view_name:
                out.extend(drawn)
            else:
                out.extend(blank[c] if fill_blank else gr.skip() for c in comps)
        return out

    # ------------------------------------------------------------------ run (one forward pass)
    def check_run(text_v, source_v, encoder_v, choice, request: gr.Request):
        svc.check_run(text_v, source_v, encoder_v, choice, lang_of(request))

    @gpu_task()
    def run_fn(text_v, source_v, encoder_v, choice, view_v, layer_v, head_v, focus_v, agg_v, window_v, old,
               old_heads, request: gr.Request):
        lang = lang_of(request)
        svc.check_run(text_v, source_v, encoder_v, choice, lang)  # API callers skip the UI's check
        new = {"text": text_v, "source": source_v, "encoder": (encoder_v or "").strip(), "choice": choice, "cap": cap}
        lm, result, seconds = timed_result(svc, new, lang)
        same = bool(old) and all(old.get(k) == new[k] for k in ("text", "source", "encoder", "choice"))
        layer_i = _clamp(layer_v, result.n_layers)
        head_i = _clamp(head_v, result.n_heads)
        focus_i = _clamp(focus_v, result.n_tokens) if same and focus_v not in (None, "") else result.target
        heads = [head_name(l, h) for l in range(result.n_layers) for h in range(result.n_heads)]
        kept = [h for h in (old_heads or []) if h in heads] if same else []
        return [new, summary(result, seconds, cap, lang),
                gr.update(choices=[(str(i), i) for i in range(result.n_layers)], value=layer_i),
                gr.update(choices=[(str(i), i) for i in range(result.n_heads)], value=head_i),
                gr.update(choices=focus_choices(result), value=focus_i),
                gr.update(choices=heads, value=kept),
                *draw(view_v, lm, result, layer_i, head_i, focus_i, agg_v, window_v, lang, fill_blank=True),
                None, ""]

    run_inputs = [text, source, encoder, model, view, layer, head, focus, agg, window, state, ablate_heads]
    run_outputs = [state, info, layer, head, focus, ablate_heads, *all_views, ablation_plot, ablation_md]
    for i, trigger in enumerate((run.click, text.submit)):
        trigger(check_run, [text, source, encoder, model], None, concurrency_limit=None, api_name=False).success(
            run_fn, run_inputs, run_outputs, concurrency_id="model", show_progress="minimal",
            api_name="attention" if i == 0 else False)

    # ------------------------------------------------------------------ redraws (no forward pass)
    def check_select(state_v, layer_v, head_v, focus_v, request: gr.Request):
        check_selection(svc, state_v, layer_v, head_v, focus_v, lang_of(request))

    def redraw(state_v, view_v, layer_v, head_v, focus_v, agg_v, window_v, request: gr.Request):
        lang = lang_of(request)
        if not state_v or not state_v.get("text"):
            return [gr.skip()] * len(all_views)
        if view_v not in VIEWS:
            raise gr.Error(t("at_bad_view", lang, value=view_v, views=", ".join(VIEWS)))
        lm, result = svc.result(state_v, lang)
        layer_i, head_i, focus_i = selection(result, layer_v, head_v, focus_v, lang)
        return draw(view_v, lm, result, layer_i, head_i, focus_i, agg_v, window_v, lang, fill_blank=False)

    sel_inputs = [state, view, layer, head, focus, agg, window]
    for comp, event in ((layer, layer.input), (head, head.input), (focus, focus.input), (agg, agg.input),
                        (window, window.release)):
        event(check_select, [state, layer, head, focus], None, concurrency_limit=None, api_name=False).success(
            redraw, sel_inputs, all_views, concurrency_id="light", concurrency_limit=4, show_progress="minimal",
            api_name=False)
    redraw_api = gr.Button(visible=False)
    redraw_api.click(redraw, sel_inputs, all_views, concurrency_id="light", api_name="attention_view")

    for tab, name in ((tab_head, "head"), (tab_grid, "grid"), (tab_focus, "focus"), (tab_agg, "agg"),
                      (tab_patterns, "patterns"), (tab_lens, "lens"), (tab_ablation, "ablation")):
        tab.select(lambda n=name: n, None, view, queue=False, show_progress="hidden", api_name=False).then(
            redraw, sel_inputs, all_views, concurrency_id="light", concurrency_limit=4, show_progress="minimal",
            api_name=False)

    def open_clicked(value, state_v, focus_v, agg_v, window_v, request: gr.Request):
        lang = lang_of(request)
        parts = str(value or "").split(",")
        if len(parts) < 2 or not state_v:
            return [gr.skip()] * 5
        lm, result = svc.result(state_v, lang)
        layer_i, head_i, focus_i = selection(result, parts[0], parts[1], focus_v if focus_v is not None else 0, lang)
        fig = render(svc, "head", lm, result, layer_i, head_i, focus_i, agg_v, window_v, lang)[0]
        return layer_i, head_i, "head", gr.Tabs(selected="at-head"), fig

    bridge.change(open_clicked, [bridge, state, focus, agg, window], [layer, head, view, views, head_plot],
                  concurrency_id="light", api_name=False)

    # ------------------------------------------------------------------ ablation (one extra forward pass)
    def check_ablation(state_v, heads_v, request: gr.Request):
        lang = lang_of(request)
        if not state_v or not state_v.get("text"):
            raise gr.Error(t("at_not_run", lang))
        if not heads_v:
            raise gr.Error(t("at_ablation_none", lang))
        for item in heads_v:
            if parse_head(item) is None:
                raise gr.Error(t("at_bad_heads", lang, value=item))

    @gpu_task()
    def ablation_fn(state_v, heads_v, focus_v, request: gr.Request):
        return run_ablation(svc, state_v, heads_v, focus_v, lang_of(request))

    ablate_btn.click(check_ablation, [state, ablate_heads], None, concurrency_limit=None, api_name=False).success(
        ablation_fn, [state, ablate_heads, focus], [ablation_plot, ablation_md], concurrency_id="model",
        show_progress="minimal", api_name="attention_ablate")
    source.change(lambda s: gr.update(visible=s == ENCODER), source, encoder, queue=False, api_name=False)
    return {"text": text, "run": run, "summary": info, "layer": layer, "head": head, "focus": focus,
            "views": views, "head_plot": head_plot, "grid_plot": grid_plot, "state": state}



def _clamp(value, count: int) -> int:
    try:
        i = int(value)
    except (TypeError, ValueError):
        return 0
    return min(max(i, 0), count - 1)
