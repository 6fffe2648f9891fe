"""The Attention tab: one head's heatmap, all heads at once, token focus, mean and rollout, head patterns, logit
lens and head ablation. Handlers live in ``attention_logic``."""

from __future__ import annotations

import gradio as gr

from ..model_picker import weights_note
from ...attention import max_attention_tokens
from ..context import UIContext
from ..events import Values, wire
from ..links import int_in, text_up_to
from ..strings import UIError
from .handlers import (ENCODER, PICKER, VIEWS, AttentionService, check_selection, code_for, focus_choices,
                       head_name, parse_head, render, run_ablation, selection, summary, timed_result)

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
    weights_note(ctx)
    gr.Markdown(i18n("at_intro"))
    with gr.Row():
        with gr.Column(scale=3):
            text = gr.Textbox(label=i18n("at_text"), lines=3, elem_id="at-text",
                              placeholder=i18n("at_text_placeholder"))
            run = gr.Button(i18n("at_run"), variant="primary", elem_id="at-run")
            info = gr.Markdown(elem_id="at-summary")
            gr.Examples([[e] for e in EXAMPLES], inputs=[text], label=i18n("at_examples"), examples_per_page=5)
        with gr.Column(scale=2):
            source = gr.Radio([(i18n("at_source_picker"), PICKER), (i18n("at_source_encoder"), ENCODER)],
                              value=PICKER, label=i18n("at_source"), info=i18n("at_source_info"), elem_id="at-source")
            encoder = gr.Textbox("", label=i18n("at_encoder_path"), info=i18n("at_encoder_info"), visible=False,
                                 elem_id="at-encoder")
            with gr.Row():
                layer = gr.Dropdown([("0", 0)], value=0, label=i18n("at_layer"), allow_custom_value=True,
                                    elem_id="at-layer", min_width=90)
                head = gr.Dropdown([("0", 0)], value=0, label=i18n("at_head"), allow_custom_value=True,
                                   elem_id="at-head-select", min_width=90)
                focus = gr.Dropdown([], value="", label=i18n("at_focus"), info=i18n("at_focus_info"),
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

    with gr.Accordion(i18n("at_code_title"), open=False, elem_id="at-code-box"):
        gr.Markdown(i18n("at_code_help"))
        code_btn = gr.Button(i18n("at_code_run"), elem_id="at-code-run")
        code = gr.Code(language="python", interactive=False, elem_id="at-code")

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
    def check_run(v: Values):
        svc.check_run(v)

    def run_fn(v: Values):
        """Run the text through the model once (attention of every layer and head), then draw the chosen view."""
        svc.check_run(v)  # API callers skip the UI's check
        new = {"text": v.text, "source": v.source, "encoder": (v.encoder or "").strip(), "choice": v.model,
               "cap": cap}
        lm, result, seconds = timed_result(svc, new, v.lang)
        old = v.state or {}
        same = bool(old) and all(old.get(k) == new[k] for k in ("text", "source", "encoder", "choice"))
        layer_i = _clamp(v.layer, result.n_layers)
        head_i = _clamp(v.head, result.n_heads)
        focus_i = _clamp(v.focus, result.n_tokens) if same and v.focus not in (None, "") else result.target
        heads = [head_name(l, h) for l in range(result.n_layers) for h in range(result.n_heads)]
        kept = [h for h in (v.ablate_heads or []) if h in heads] if same else []
        return [new, summary(result, seconds, cap, v.lang),
                gr.update(choices=[(str(i), i) for i in range(result.n_layers)], value=layer_i),
                gr.update(choices=[(str(i), i) for i in range(result.n_heads)], value=head_i),
                gr.update(choices=focus_choices(result), value=focus_i),
                gr.update(choices=heads, value=kept),
                *draw(v.view, lm, result, layer_i, head_i, focus_i, v.agg, v.window, v.lang, fill_blank=True),
                None, ""]

    run_inputs = ctx.inputs(text=text, source=source, encoder=encoder, model=model, view=view, layer=layer,
                            head=head, focus=focus, agg=agg, window=window, state=state, ablate_heads=ablate_heads)
    run_outputs = [state, info, layer, head, focus, ablate_heads, *all_views, ablation_plot, ablation_md]
    for i, trigger in enumerate((run.click, text.submit)):
        checked = wire(trigger, check_run, run_inputs, None, concurrency_limit=None, api_name=False)
        wire(checked.success, run_fn, run_inputs, run_outputs, gpu=True, concurrency_id="model",
             show_progress="minimal", api_name="attention" if i == 0 else False)

    # ------------------------------------------------------------------ redraws (no forward pass)
    def check_select(v: Values):
        check_selection(svc, v.state, v.layer, v.head, v.focus)

    def redraw(v: Values):
        """Draw a view of the last run again (a new layer, head, token or view; no forward pass)."""
        if not v.state or not v.state.get("text"):
            return [gr.skip()] * len(all_views)
        if v.view not in VIEWS:
            raise UIError("at_bad_view", value=v.view, views=", ".join(VIEWS))
        lm, result = svc.result(v.state, v.lang)
        layer_i, head_i, focus_i = selection(result, v.layer, v.head, v.focus)
        return draw(v.view, lm, result, layer_i, head_i, focus_i, v.agg, v.window, v.lang, fill_blank=False)

    sel_inputs = ctx.inputs(state=state, view=view, layer=layer, head=head, focus=focus, agg=agg, window=window)
    for event in (layer.input, head.input, focus.input, agg.input, window.release):
        checked = wire(event, check_select, sel_inputs, None, concurrency_limit=None, api_name=False)
        wire(checked.success, redraw, sel_inputs, all_views, concurrency_id="light", concurrency_limit=4,
             show_progress="minimal", api_name=False)
    redraw_api = gr.Button(visible=False)
    wire(redraw_api.click, redraw, sel_inputs, all_views, concurrency_id="light", api_name="attention_view")

    for tab, name in ((tab_head, "head"), (tab_grid, "grid"), (tab_focus, "focus"), (tab_agg, "agg"),
                      (tab_patterns, "patterns"), (tab_lens, "lens"), (tab_ablation, "ablation")):
        selected = tab.select(lambda n=name: n, None, view, queue=False, show_progress="hidden", api_name=False)
        wire(selected.then, redraw, sel_inputs, all_views, concurrency_id="light", concurrency_limit=4,
             show_progress="minimal", api_name=False)

    def open_clicked(v: Values):
        parts = str(v.clicked or "").split(",")
        if len(parts) < 2 or not v.state:
            return [gr.skip()] * 5
        lm, result = svc.result(v.state, v.lang)
        layer_i, head_i, focus_i = selection(result, parts[0], parts[1], v.focus if v.focus is not None else 0)
        fig = render(svc, "head", lm, result, layer_i, head_i, focus_i, v.agg, v.window, v.lang)[0]
        return layer_i, head_i, "head", gr.Tabs(selected="at-head"), fig

    wire(bridge.change, open_clicked, ctx.inputs(clicked=bridge, state=state, focus=focus, agg=agg, window=window),
         [layer, head, view, views, head_plot], concurrency_id="light", api_name=False)

    # ------------------------------------------------------------------ ablation (one extra forward pass)
    def check_ablation(v: Values):
        if not v.state or not v.state.get("text"):
            raise UIError("at_not_run")
        if not v.heads:
            raise UIError("at_ablation_none")
        for item in v.heads:
            if parse_head(item) is None:
                raise UIError("at_bad_heads", value=item)

    def ablation_fn(v: Values):
        """Switch the chosen heads off and compare the next-token prediction before and after."""
        return run_ablation(svc, v.state, v.heads, v.focus, v.lang)

    ab_inputs = ctx.inputs(state=state, heads=ablate_heads, focus=focus)
    checked = wire(ablate_btn.click, check_ablation, ab_inputs, None, concurrency_limit=None, api_name=False)
    wire(checked.success, ablation_fn, ab_inputs, [ablation_plot, ablation_md], gpu=True, concurrency_id="model",
         show_progress="minimal", api_name="attention_ablate")
    code_inputs = ctx.inputs(text=text, source=source, encoder=encoder, model=model, layer=layer, head=head,
                             state=state)
    # A bad input is a message from a check with no outputs, not an error badge on the code box.
    checked = wire(code_btn.click, lambda v: code_for(svc, v) and None, code_inputs, None, concurrency_limit=None,
                   api_name=False)
    wire(checked.success, lambda v: code_for(svc, v), code_inputs, code, concurrency_id="light",
         api_name="attention_code")
    source.change(lambda s: gr.update(visible=s == ENCODER), source, encoder, queue=False, api_name=False)
    if ctx.links is not None:
        ctx.links.field("attention", "text", text, text_up_to(ctx.engine.limits.max_input_chars), "")
        ctx.links.field("attention", "layer", layer, int_in(0, 999), 0)
        ctx.links.field("attention", "head", head, int_in(0, 999), 0)
    return {"text": text, "run": run, "summary": info, "layer": layer, "head": head, "focus": focus,
            "views": views, "head_plot": head_plot, "grid_plot": grid_plot, "state": state, "code": code}



def _clamp(value, count: int) -> int:
    try:
        i = int(value)
    except (TypeError, ValueError):
        return 0
    return min(max(i, 0), count - 1)
