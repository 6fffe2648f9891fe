"""The Application scenarios tab: a picker, one panel driven by the chosen scenario's spec, transparent runs."""

from __future__ import annotations

import gradio as gr

from ...scenarios import registry, runner, scoring
from ...scenarios.retrieval import Retriever
from ...scenarios.spec import SLOT_ORDER, Scenario, fill_template
from ..context import UIContext, spec_from_choice
from ..events import Values, wire
from ..generate.form import SCENARIO
from ..strings import UIError
from . import handlers as logic

FILE_TYPES = [".txt", ".md", ".csv", ".json"]


def _models_md(spec: Scenario) -> str:
    return "\n".join(f"- `{m}`" for m in spec.models)


def _placeholders_md(spec: Scenario) -> str:
    return " ".join(f"`{{{p}}}`" for p in spec.placeholders)


def _disclaimer(ctx: UIContext, spec: Scenario):
    return gr.update(value=ctx.i18n(f"sc_s_{spec.id}_disc") if spec.disclaimer else "", visible=bool(spec.disclaimer))


def _output_visibility(spec: Scenario) -> list:
    """Updates for [text, code, json, label, batch_df, batch_file], clearing old values."""
    return [gr.update(value="", visible=True), gr.update(value="", visible=spec.output == "code",
                                                         language=(spec.code_language or "python")),
            gr.update(value=None, visible=spec.kind == "extract"), gr.update(value=None, visible=spec.kind == "classify"),
            gr.update(value=None, visible=False), gr.update(value=None, visible=False)]  # shown by a batch run


def _kwargs(update: dict) -> dict:
    return {k: v for k, v in update.items() if k != "__type__"}


def code_for(ctx: UIContext, retriever: Retriever, v: Values) -> str:
    """The scenario's model call as a script (``playground.showcode``): label likelihoods for a classification,
    ``model.generate`` on the filled template (retrieved passages included) for every other kind."""
    from ...showcode import classify_code, generation_code, model_ref

    spec, cleaned, settings = logic.validate_run(ctx, v)
    values = cleaned.values
    model = model_ref(spec_from_choice(v.model, ctx, v.request))
    filled = runner.template_values(spec, values)
    if spec.kind == "classify":  # every placeholder but {text} and {labels} filled in; the script fills those
        template = fill_template(v.template, {**filled, "text": "{text}", "labels": "{labels}"})
        return classify_code(model, template, scoring.parse_labels(values["labels"]), values.get("text") or "")
    if spec.kind == "rag":  # the same passages the run retrieves, in the same place
        passages, _, _ = runner.load_kb(values.get("kb"), values["question"])
        hits = retriever.search(values["question"], passages, k=int(values.get("top_k") or 2))
        filled["context"] = runner.context_block(hits)
    prompt = fill_template(v.template, filled)
    return generation_code(model, settings, prompt, chat=spec.chat, system=(v.system or "").strip() if spec.chat
                           else "")


def build_scenarios_tab(ctx: UIContext) -> dict[str, gr.components.Component]:
    i18n, limits = ctx.i18n, ctx.engine.limits
    specs = registry.all_scenarios()
    first = specs[0]
    retriever = Retriever(worker=ctx.engine.worker)  # the embedding model loads on the first search
    gr.Markdown(i18n("sc_intro"))
    with gr.Row():
        with gr.Column(scale=2, min_width=300):
            picker = gr.Dropdown([(i18n(f"sc_s_{s.id}_title"), s.id) for s in specs], value=first.id,
                                 label=i18n("sc_pick"), elem_id="sc-picker", filterable=False)
            desc = gr.Markdown(i18n(f"sc_s_{first.id}_desc"), elem_id="sc-desc")
            disclaimer = gr.Markdown(**_kwargs(_disclaimer(ctx, first)), elem_id="sc-disclaimer")
            with gr.Accordion(i18n("sc_honest"), open=True):
                limits_md = gr.Markdown(i18n(f"sc_s_{first.id}_limits"), elem_id="sc-limits")
                gr.Markdown(i18n("sc_bundled_note"))
                models_md = gr.Markdown(_models_md(first), elem_id="sc-models")
            with gr.Accordion(i18n("sc_settings"), open=False):
                form = SCENARIO.bind(ctx, defaults=first.settings, caps={"max_new_tokens": limits.max_new_tokens})
                form.render()
            with gr.Accordion(i18n("sc_template_acc"), open=False):
                system = gr.Textbox(value=first.system, label=i18n("sc_system"), lines=2, elem_id="sc-system")
                template = gr.Textbox(value=first.template, label=i18n("sc_template"), info=i18n("sc_template_info"),
                                      lines=8, max_lines=20, elem_id="sc-template")
                placeholders = gr.Markdown(_placeholders_md(first), elem_id="sc-placeholders")
                reset = gr.Button(i18n("sc_reset"), size="sm", elem_id="sc-reset")
        with gr.Column(scale=3):
            init = dict(zip(SLOT_ORDER, logic.slot_updates(ctx, first)))
            comps = []
            for kind, n in SLOT_ORDER:
                kw = _kwargs(init[(kind, n)])
                eid = f"sc-{kind}-{n}"
                if kind == "textarea":
                    comps.append(gr.Textbox(lines=4 if n == 0 else 3, max_lines=14, elem_id=eid, **kw))
                elif kind == "line":
                    comps.append(gr.Textbox(lines=1, elem_id=eid, **kw))
                elif kind == "choice":
                    # Choices change with the scenario; the server-side check against the first scenario's list
                    # is replaced by runner.clean_inputs, which checks the chosen scenario's own choices.
                    comps.append(gr.Dropdown(elem_id=eid, allow_custom_value=True, filterable=False,
                                             **{"choices": [], **kw}))
                elif kind == "number":
                    # A Number without bounds: a Slider would enforce the first scenario's bounds on API calls;
                    # runner.clean_inputs clamps to the chosen scenario's range instead.
                    comps.append(gr.Number(precision=0, elem_id=eid, **kw))
                else:
                    comps.append(gr.File(file_types=FILE_TYPES, type="filepath", elem_id=eid, height=140, **kw))
            with gr.Row(elem_id="sc-examples"):
                gr.Markdown(i18n("sc_examples"))
                buttons = [gr.Button(size="sm", min_width=80, elem_id=f"sc-example-{i}",
                                     **_kwargs(u)) for i, u in enumerate(logic.example_button_updates(first))]
            with gr.Row():
                run = gr.Button(i18n("sc_run"), variant="primary", elem_id="sc-run")
                stop = gr.Button(i18n("sc_stop"), variant="stop", elem_id="sc-stop")
            notes = gr.Markdown(elem_id="sc-notes")
            out_text = gr.Textbox(label=i18n("sc_output"), lines=5, max_lines=20, interactive=False,
                                  elem_id="sc-output", buttons=["copy"])
            out_code = gr.Code(label=i18n("sc_code"), language="python", visible=first.output == "code",
                               interactive=False, elem_id="sc-code")
            out_json = gr.JSON(label=i18n("sc_json"), visible=first.kind == "extract", elem_id="sc-json")
            out_label = gr.Label(label=i18n("sc_probs"), visible=first.kind == "classify", elem_id="sc-label")
            details = gr.HTML(elem_id="sc-details")
            batch_df = gr.Dataframe(label=i18n("sc_batch_table"), interactive=False,
                                    visible=False, wrap=True, elem_id="sc-batch")
            batch_file = gr.File(label=i18n("sc_batch_file"), interactive=False, visible=False,
                                 elem_id="sc-batch-file")
            stats = gr.Markdown(elem_id="sc-stats")
            with gr.Accordion(i18n("sc_prompt_acc"), open=True):
                prompt_box = gr.Textbox(label=i18n("sc_prompt_sent"), lines=4, max_lines=14, interactive=False,
                                        elem_id="sc-prompt", buttons=["copy"])
                with gr.Row():
                    open_gen = gr.Button(i18n("sc_open_gen"), size="sm", elem_id="sc-open-gen", scale=0,
                                         min_width=220)
                    gr.Markdown(i18n("sc_open_gen_info"))
            with gr.Accordion(i18n("sc_code_title"), open=False, elem_id="sc-code-box"):
                gr.Markdown(i18n("sc_code_help"))
                code_btn = gr.Button(i18n("sc_code_run"), elem_id="sc-code-run")
                shown_code = gr.Code(language="python", interactive=False, elem_id="sc-shown-code")

    model = ctx.components["model"]
    settings = list(form.inputs().values())
    panel = [desc, disclaimer, limits_md, models_md, *comps, *buttons, template, system, placeholders, *settings,
             out_text, out_code, out_json, out_label, batch_df, batch_file, details, notes, stats, prompt_box]

    def select(scenario_id: str):
        spec = registry.get(scenario_id)
        return (gr.update(value=i18n(f"sc_s_{spec.id}_desc")), _disclaimer(ctx, spec),
                gr.update(value=i18n(f"sc_s_{spec.id}_limits")), _models_md(spec),
                *logic.slot_updates(ctx, spec), *logic.example_button_updates(spec), spec.template, spec.system,
                _placeholders_md(spec), *form.values(spec.settings), *_output_visibility(spec), "", "", "", "")

    picker.input(select, picker, panel, queue=False, api_name=False)

    def from_link(params):
        """A shared link's scenario (and optionally one of its examples): the picker, the panel and the slots."""
        spec = registry.get(params.get("scenario") or picker.value)
        updates = [spec.id, *select(spec.id)]
        if "example" in params:
            index = int(params["example"])
            if not 0 <= index < len(spec.examples):
                raise ValueError(index)
            filled = logic.slot_updates(ctx, spec, logic.example_values(spec, index))
            start = 1 + 4  # picker, then desc, disclaimer, limits, models come before the slots in ``panel``
            updates[start:start + len(comps)] = filled
        return updates

    if ctx.links is not None:
        ctx.links.custom("scenarios", ("scenario", "example"), [picker, *panel], from_link)

    def fill_example(index: int):
        def fill(scenario_id: str):
            spec = registry.get(scenario_id)
            return logic.slot_updates(ctx, spec, logic.example_values(spec, index))
        return fill

    for i, button in enumerate(buttons):
        button.click(fill_example(i), picker, comps, queue=False, api_name=False)
    reset.click(lambda sid: (registry.get(sid).template, registry.get(sid).system), picker, [template, system],
                queue=False, api_name=False)

    run_inputs = ctx.inputs(scenario=picker, template=template, system=system,
                            slots={logic.slot_name(key): comp for key, comp in zip(SLOT_ORDER, comps)},
                            settings=form, model=model)
    outputs = [notes, out_text, out_code, out_json, out_label, details, batch_df, batch_file, prompt_box, stats]

    def check(v: Values):
        logic.validate_run(ctx, v)

    def run_fn(v: Values):
        """Run the chosen scenario on the inputs; streams notes, output, details, the exact prompt and stats."""
        yield from logic.run_scenario(ctx, retriever, v)

    def request_stop(v: Values):
        ctx.request_stop(v.request)

    checked = wire(run.click, check, run_inputs, None, concurrency_limit=None, api_name=False)
    event = wire(checked.success, run_fn, run_inputs, outputs, gpu=True, concurrency_id="generate",
                 concurrency_limit=ctx.generation_slots, show_progress="minimal", api_name="scenario_run")
    # Same check as Run first, with no outputs: a missing input is a message, not an error badge on the code box.
    checked_code = wire(code_btn.click, check, run_inputs, None, concurrency_limit=None, api_name=False)
    wire(checked_code.success, lambda v: code_for(ctx, retriever, v), run_inputs, shown_code,
         concurrency_id="light", api_name="scenario_code")
    wire(stop.click, request_stop, ctx.inputs(), None, cancels=[event], queue=False, api_name="scenario_stop")

    tabs, gen_prompt, gen_mode = (ctx.components.get(k) for k in ("tabs", "gen_prompt", "gen_mode"))
    if tabs is not None and gen_prompt is not None and gen_mode is not None:
        def check_prompt(v: Values):
            if not (v.prompt or "").strip():
                raise UIError("sc_no_prompt")

        # The exact prompt (chat template already applied) goes to "Continue text" mode, so the Generation tab
        # tokenizes the very same text instead of wrapping it in the chat template a second time.
        wire(open_gen.click, check_prompt, ctx.inputs(prompt=prompt_box), None, queue=False, api_name=False).success(
            lambda text: (gr.Tabs(selected="generate"), text, "complete"), prompt_box, [tabs, gen_prompt, gen_mode],
            queue=False, api_name=False)
    else:
        open_gen.visible = False
    return {"picker": picker, "run": run, "stop": stop, "output": out_text, "details": details, "prompt": prompt_box,
            "stats": stats, "template": template, "slots": comps, "code": shown_code}
