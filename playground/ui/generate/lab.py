"""The generation lab under the Generate tab: branch at any token, sample N times, compare tokenizers."""

from __future__ import annotations

import html
import time

import gradio as gr

from ...generation import GenerationDone, stream
from ...lab import (MAX_SAMPLES, BranchTree, branch_prompt, compare_tokenizers, reference_tokenizers,
                    sample_many)
from ...plots import counts_figure
from .. import render
from ..context import UIContext, load_or_error
from ..events import Values, wire
from ..strings import UIError
from . import handlers as h

TEXT_EVERY = 0.15  # seconds between streamed updates of a branch


# ----------------------------------------------------------------------------------------------- branching

def tree_html(tree: BranchTree, current: int | None, lang: str) -> str:
    """The tree as nested lists: each branch says where it forks, which token it took there and how likely that
    token was."""
    from ..strings import t

    def item(node: dict, depth: int) -> str:
        mark = " pg-current" if node["id"] == current else ""
        text = html.escape(node["text"][-160:] if node["parent"] is not None else node["text"][:160])
        if node["parent"] is None:
            head = t("lab_root", lang, id=node["id"])
        else:
            head = t("lab_fork", lang, id=node["id"], at=node["at"] + 1, token=render.visible_label(node["token"]),
                     p=node["p_fork"])
        kids = "".join(item(c, depth + 1) for c in tree.children(node["id"]))
        return (f'<li class="lab-node{mark}"><b>{html.escape(head)}</b> <span class="lab-text">{text}</span>'
                f'{"<ul>" + kids + "</ul>" if kids else ""}</li>')

    roots = [n for n in tree.nodes if n["parent"] is None]
    return render.STYLE + LAB_STYLE + "<ul class='lab-tree'>" + "".join(item(r, 0) for r in roots) + "</ul>"


LAB_STYLE = """<style>
.lab-tree{font-size:14px;line-height:1.6}.lab-tree ul{margin-left:1.2em;border-left:2px solid #e5e7eb}
.lab-node.pg-current>b{background:#fff1a8}.lab-text{color:#444}
.lab-chip{display:inline-block;margin:2px;padding:1px 5px;border-radius:4px;background:#eef2f8;
  border:1px solid #cbd5e1;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px}
.lab-row{margin:6px 0 12px}.lab-row h4{margin:2px 0}
</style>"""


def node_tokens_html(node: dict, lang: str) -> str:
    """One branch's tokens coloured by probability; the fork token outlined."""
    from ..strings import t

    spans = []
    for i, (label, p) in enumerate(zip(node["labels"], node["probs"])):
        tip = f"#{i + 1} {label!r} p={p:.1%}"
        span = render.span(label, render.prob_color(p), tip)
        if node["parent"] is not None and i == node["at"]:
            span = f'<span style="outline:2px solid #e4572e;border-radius:3px">{span}</span>'
        spans.append(span)
    return render.STYLE + f'<div class="pg-tokens">{"".join(spans)}</div>' + render.scale_html(t("legend", lang))


def branch_choices(tree: BranchTree, lang: str) -> list[tuple[str, int]]:
    from ..strings import t

    return [(t("lab_root", lang, id=n["id"]) if n["parent"] is None else
             t("lab_fork", lang, id=n["id"], at=n["at"] + 1, token=render.visible_label(n["token"]), p=n["p_fork"]),
             n["id"]) for n in tree.nodes]


def alternative_choices(tree: BranchTree, node_id, position) -> list[tuple[str, int]]:
    """The alternatives the model considered at ``position`` (1-based) of a branch, as (label, token id)."""
    if not tree.nodes or node_id in (None, "") or position in (None, ""):
        return []
    node = tree.node(int(node_id))
    i = int(position) - 1
    if not 0 <= i < len(node["alts"]):
        return []
    chosen = node["ids"][i]
    return [(f"{render.visible_label(label)}  {p:.1%}", tid) for tid, label, p in node["alts"][i] if tid != chosen]


def select_branch(ctx: UIContext, v: Values):
    """Show a branch (walking back through the tree) and offer the alternatives at the chosen position."""
    tree = BranchTree.from_dict(v.tree)
    if not tree.nodes:
        raise UIError("lab_generate_first")
    node_id = int(v.branch) if v.branch not in (None, "") else tree.nodes[-1]["id"]
    node = tree.node(node_id)
    position = min(max(int(v.position or 1), 1), len(node["ids"])) if node["ids"] else 1
    alts = alternative_choices(tree, node_id, position)
    return (node_tokens_html(node, v.lang), gr.update(choices=alts, value=alts[0][1] if alts else None),
            tree_html(tree, node_id, v.lang))


def continue_branch(ctx: UIContext, v: Values):
    """Continue the chosen branch from ``position`` with the chosen alternative; the new branch joins the tree."""
    tree = BranchTree.from_dict(v.tree)
    if not tree.nodes:
        raise UIError("lab_generate_first")
    if v.alternative in (None, ""):
        raise UIError("lab_pick_alternative")
    parent = tree.node(int(v.branch) if v.branch not in (None, "") else tree.nodes[-1]["id"])
    at = int(v.position or 1) - 1
    settings = h.settings_of(ctx, v)
    lm = load_or_error(ctx, (v.tree or {}).get("model") or v.model, v.lang, weights=True)
    prompt = branch_prompt(tree.prompt_ids, parent["ids"], at, int(v.alternative), lm.tokenizer)
    prompt = h.fit_prompt(ctx, lm, prompt)
    done: GenerationDone | None = None
    text, last = "", 0.0
    stop = ctx.new_stop(v.request)
    try:
        for event in stream(lm, ctx.engine.worker, prompt, settings, ctx.engine.limits, stop_event=stop):
            if isinstance(event, GenerationDone):
                done = event
                break
            text += event.text
            if time.monotonic() - last > ctx.update_every(TEXT_EVERY):
                last = time.monotonic()
                yield gr.skip(), gr.skip(), gr.skip(), v.t("lab_continuing", text=text[-200:]), gr.skip()
    finally:
        ctx.release_stop(v.request, stop)
    node = tree.fork(parent["id"], at, int(v.alternative), done, lm.tokenizer)
    data = tree.to_dict() | {"model": (v.tree or {}).get("model") or v.model}
    yield (data, tree_html(tree, node["id"], v.lang), node_tokens_html(node, v.lang),
           v.t("lab_branch_done", id=node["id"], n=done.new_tokens, reason=v.t(f"reason_{done.stop_reason}")),
           gr.update(choices=branch_choices(tree, v.lang), value=node["id"]))


# ----------------------------------------------------------------------------------------------- sampling

def sample(ctx: UIContext, v: Values):
    h.check_request(ctx, v)
    settings = h.settings_of(ctx, v)
    lm = load_or_error(ctx, v.model, v.lang)  # a remote engine gets the N requests at once (it batches them)
    prompt = h.prepare(ctx, lm, v)
    summary = sample_many(lm, ctx.engine.worker, prompt, settings, int(v.samples), bool(v.same_seed),
                          ctx.engine.limits)
    rows = "".join(f"<tr><td>{count}</td><td>{count / summary.n:.0%}</td><td>{html.escape(text)}</td></tr>"
                   for text, count in summary.texts)
    head = "".join(f"<th>{html.escape(v.t(k))}</th>" for k in ("lab_col_count", "lab_col_share", "lab_col_text"))
    table = (render.STYLE + f"<table class='fi-cmp'><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
    note = v.t("lab_sample_stats", n=summary.n, distinct=len(summary.texts), seconds=summary.seconds,
               tps=summary.tokens / max(summary.seconds, 1e-9),
               seeds=", ".join(map(str, summary.seeds[:3])) + ("…" if summary.n > 3 else ""))
    if not settings.do_sample:
        note += "\n\n" + v.t("lab_greedy_note")
    figure = counts_figure(summary.first_tokens, v.t("lab_first_title"), v.t("lab_first_x"))
    return note, table, figure


# ----------------------------------------------------------------------------------------------- tokenizers

def tokenizers_view(ctx: UIContext, v: Values) -> str:
    text = (v.text or "").strip() or (v.prompt or "").strip()
    h.check_text(ctx, text)
    lm = load_or_error(ctx, v.model, v.lang)
    own = [(f"{lm.spec.name}", lm.tokenizer)] if lm.has_weights else []  # a remote engine keeps its tokenizer
    named = own + reference_tokenizers() + ctx.extra_tokenizers()
    results = compare_tokenizers(text, named)
    fewest = min(r.count for r in results)
    parts = []
    for r in results:
        chips = "".join(f'<span class="lab-chip">{html.escape(render.visible_label(p))}</span>' for p in r.pieces)
        summary = v.t("lab_tok_row", n=r.count, cpt=r.chars_per_token, ratio=r.count / max(fewest, 1))
        parts.append(f"<div class='lab-row'><h4>{html.escape(r.name)}</h4>"
                     f"<div class='pg-legend'>{html.escape(summary)}</div><div>{chips}</div></div>")
    return render.STYLE + LAB_STYLE + "".join(parts)


# ----------------------------------------------------------------------------------------------- layout

def build_generation_lab(ctx: UIContext, tab: dict) -> None:
    i18n, form = ctx.i18n, tab["form"]
    with gr.Accordion(i18n("lab_branch_title"), open=False, elem_id="lab-branch-box"):
        gr.Markdown(i18n("lab_branch_help"))
        with gr.Row():
            # Choices follow the session's tree; the handlers check every value against it (API calls too).
            branch = gr.Dropdown([], value=None, label=i18n("lab_branch"), scale=3, allow_custom_value=True,
                                 elem_id="lab-branch")
            position = gr.Number(1, precision=0, minimum=1, label=i18n("lab_position"), scale=1,
                                 elem_id="lab-position")
            alternative = gr.Dropdown([], value=None, label=i18n("lab_alternative"), scale=2,
                                      allow_custom_value=True, elem_id="lab-alternative")
        go = gr.Button(i18n("lab_continue"), variant="primary", elem_id="lab-continue")
        status = gr.Markdown(elem_id="lab-status")
        node_view = gr.HTML(elem_id="lab-node")
        tree_view = gr.HTML(elem_id="lab-tree")
    with gr.Accordion(i18n("lab_sample_title"), open=False, elem_id="lab-sample-box"):
        gr.Markdown(i18n("lab_sample_help"))
        with gr.Row():
            samples = gr.Slider(1, MAX_SAMPLES, value=10, step=1, label=i18n("lab_samples"), elem_id="lab-samples")
            same_seed = gr.Checkbox(False, label=i18n("lab_same_seed"), elem_id="lab-same-seed")
        run = gr.Button(i18n("lab_sample_run"), variant="primary", elem_id="lab-sample-run")
        note = gr.Markdown(elem_id="lab-sample-note")
        with gr.Row():
            table = gr.HTML(elem_id="lab-sample-table")
            firsts = gr.Plot(show_label=False, elem_id="lab-first")
    with gr.Accordion(i18n("lab_tok_title"), open=False, elem_id="lab-tok-box"):
        gr.Markdown(i18n("lab_tok_help"))
        text = gr.Textbox("", label=i18n("lab_tok_text"), placeholder=i18n("lab_tok_placeholder"), lines=2,
                          elem_id="lab-tok-text")
        compare = gr.Button(i18n("lab_tok_run"), elem_id="lab-tok-run")
        tok_view = gr.HTML(elem_id="lab-tok-view")
        gr.Markdown(i18n("lab_tok_why"))
    with gr.Accordion(i18n("lab_code_title"), open=False, elem_id="lab-code-box"):
        gr.Markdown(i18n("lab_code_help"))
        show_code = gr.Button(i18n("lab_code_run"), elem_id="lab-code-run")
        code = gr.Code(language="python", interactive=False, elem_id="lab-code")

    tree = tab["tree"]
    model = ctx.components["model"]
    base = dict(tree=tree, branch=branch, position=position)

    def show(v: Values):
        return select_branch(ctx, v)

    def grow(v: Values):
        yield from continue_branch(ctx, v)

    for event in (branch.input, position.submit, position.blur):
        wire(event, show, ctx.inputs(**base), [node_view, alternative, tree_view], queue=False, api_name=False)
    wire(tab["table"].select, lambda v: pick_row(ctx, v), ctx.inputs(**base), [position, node_view, alternative,
         tree_view], selection=True, queue=False, api_name=False)
    wire(go.click, grow, ctx.inputs(**base, alternative=alternative, model=model, settings=form),
         [tree, tree_view, node_view, status, branch], gpu=True, concurrency_id="generate",
         concurrency_limit=ctx.generation_slots, api_name="branch")

    def list_branches(v: Values):
        """A new generation or branch: list the branches and show the newest at once (no extra click)."""
        tree_ = BranchTree.from_dict(v.tree)
        if not tree_.nodes:
            return gr.update(choices=[], value=None), gr.skip(), "", gr.update(choices=[], value=None), ""
        newest = tree_.nodes[-1]["id"]
        shown = select_branch(ctx, Values({**dict(v), "branch": newest, "position": 1}, v.request))
        return (gr.update(choices=branch_choices(tree_, v.lang), value=newest), 1, *shown)

    wire(tree.change, list_branches, ctx.inputs(tree=tree), [branch, position, node_view, alternative, tree_view],
         queue=False, api_name=False)
    sample_inputs = ctx.inputs(mode=tab["mode"], prompt=tab["prompt"], system=tab["system"], history=tab["chatbot"],
                               model=model, samples=samples, same_seed=same_seed, settings=form)
    wire(run.click, lambda v: sample(ctx, v), sample_inputs, [note, table, firsts], gpu=True,
         concurrency_id="generate", concurrency_limit=ctx.generation_slots, api_name="sample")
    wire(show_code.click, lambda v: code_for(ctx, v), ctx.inputs(mode=tab["mode"], prompt=tab["prompt"],
         system=tab["system"], model=model, settings=form), code, concurrency_id="light", api_name="generate_code")
    wire(compare.click, lambda v: tokenizers_view(ctx, v), ctx.inputs(text=text, prompt=tab["prompt"], model=model),
         tok_view, concurrency_id="light", api_name="tokenizers")


def code_for(ctx: UIContext, v: Values) -> str:
    """``model.generate`` with the tab's prompt and settings, as a script (see ``playground.showcode``)."""
    from ... import bundled
    from ...showcode import generation_code
    from ..context import spec_from_choice

    settings = h.settings_of(ctx, v)
    spec = spec_from_choice(v.model, ctx, v.request)
    if spec.source == "remote":  # the HTTP request the engine gets, not a local model
        from ... import remote_views
        from ...showcode import remote_generation_code

        lm = load_or_error(ctx, v.model, v.lang)
        seed = settings.seed if settings.seed is not None else 0
        return remote_generation_code(*remote_views.generation_request(lm, h.prepare(ctx, lm, v), settings, seed,
                                                                         ctx.engine.limits.top_alternatives))
    model = {"bundled": bundled.HUB_ID, "hub": spec.ref}.get(spec.source, spec.name)
    return generation_code(model, settings, v.prompt or "", chat=v.mode == h.CHAT, system=v.system or "")


def pick_row(ctx: UIContext, v: Values):
    """Clicking a row of the token table picks that position for branching (on the newest generation)."""
    tree = BranchTree.from_dict(v.tree)
    if not tree.nodes:
        return gr.skip(), gr.skip(), gr.skip(), gr.skip()
    index = getattr(v.event, "index", None)
    row = index[0] if isinstance(index, (list, tuple)) else int(index or 0)
    node = tree.nodes[-1] if v.branch in (None, "") else tree.node(int(v.branch))
    values = Values({**v, "position": row + 1, "branch": node["id"]}, v.request)
    node_html, alts, tree_view = select_branch(ctx, values)
    return row + 1, node_html, alts, tree_view
