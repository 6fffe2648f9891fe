"""Handlers of the Fine-tuning tab: UI values in, core calls (data, finetune, sessions), display values out.

The job itself lives in ``engine.training`` keyed by the session id, so a page reload (a new Gradio session hash)
re-attaches to it through the session's resume key. The view handlers only poll the job's progress; they hold no
model slot, so other users' generations are never queued behind a watcher.
"""

from __future__ import annotations

import asyncio
import html
import math
import shutil
import time
from pathlib import Path
from typing import AsyncIterator

import gradio as gr

from .. import data as data_mod
from ..finetune import Busy, Progress, TokenDiff, TrainingError, TrainJob, TrainSettings, complete, token_logprobs
from ..sessions import Session
from . import render
from .context import SESSION_CHOICE, UIContext, is_session_choice, lang_of, load_or_error, spec_from_choice
from .model_picker import picker_choices
from .strings import t

POLL = 0.4  # seconds between progress checks of a watched job
DEMO_NONE = "none"
LORA, FULL = "lora", "full"
QV, ALL = "attention-qv", "all-linear"


# ----------------------------------------------------------------------------------------------- sessions

def session_of(ctx: UIContext, request: gr.Request | None) -> Session:
    if request is None or not request.session_hash:
        raise gr.Error("No browser session.")
    return ctx.engine.sessions.ensure(request.session_hash)


def attach(ctx: UIContext, resume_key: str | None, request: gr.Request):
    """Page load: bind this page to its earlier session (resume key from localStorage) or a new one."""
    lang = lang_of(request)
    session, resumed = ctx.engine.sessions.attach(request.session_hash, resume_key)
    job = ctx.engine.training.job(session.id)
    note = t("fi_resumed", lang) if resumed and job is not None else ""
    demo = next((d for d in data_mod.demo_sets() if d.language == lang), None)
    demo_update = gr.update(value=demo.key) if demo is not None and job is None else gr.update()
    return session.resume_key, gr.update(choices=picker_choices(ctx, request, lang)), note, demo_update


def release(ctx: UIContext, request: gr.Request) -> None:
    """Page closed: the session's files go after the TTL unless a page re-attaches (a running job finishes)."""
    ctx.engine.sessions.release(getattr(request, "session_hash", None))


# ----------------------------------------------------------------------------------------------- data

def demo_choices(i18n) -> list[tuple]:
    items = [(i18n("fi_demo_none"), DEMO_NONE)]
    for demo in data_mod.demo_sets():
        items.append((i18n("fi_demo_zh" if demo.language == "zh" else "fi_demo_en"), demo.key))
    return items


def demo_prompts(key: str) -> str | None:
    for demo in data_mod.demo_sets():
        if demo.key == key:
            return "\n".join(demo.prompts)
    return None


def data_error(exc: Exception, lang: str) -> str:
    code = getattr(exc, "code", "")
    if lang == "zh" and code:
        return t(f"fi_err_{code}", "zh") + "\n" + str(exc)
    return str(exc)


def documents(files, pasted: str, demo: str, column: str | None) -> list[data_mod.Document]:
    """All chosen inputs as documents (raises ``DataError``). Demo files come from the server's own assets."""
    paths = [getattr(f, "name", f) for f in (files or []) if f]
    for item in data_mod.demo_sets():
        if demo and demo == item.key:
            paths.append(str(item.path))
    return data_mod.read_paths(paths, pasted or "", (column or "").strip() or None, data_mod.DataLimits.from_env())


def method_choices(ctx: UIContext, choice: str, method: str, request: gr.Request | None):
    """Offer full fine-tuning only for models below the size limit (waits for the picker's own load)."""
    lang = lang_of(request)
    if is_session_choice(choice):
        return gr.update()
    try:
        lm = ctx.engine.model(spec_from_choice(choice, ctx, request))
    except Exception:  # noqa: BLE001 - the picker shows the load error itself
        return gr.update()
    small = sum(p.numel() for p in lm.model.parameters()) <= ctx.engine.training.limits.full_max_params
    choices = [(t("fi_method_lora", lang), LORA)] + ([(t("fi_method_full", lang), FULL)] if small else [])
    return gr.update(choices=choices, value=method if small else LORA)


def settings_from_ui(method, steps, epochs, lr, batch, block, warmup, rank, alpha, dropout, targets, eval_every,
                     sample_every, seed) -> TrainSettings:
    try:
        return TrainSettings(method=str(method), max_steps=int(steps), epochs=float(epochs or 0),
                             learning_rate=float(lr or 0), batch_size=int(batch), block_size=int(block),
                             warmup_steps=int(warmup), lora_r=int(rank), lora_alpha=int(alpha),
                             lora_dropout=float(dropout), lora_targets=str(targets), eval_every=int(eval_every),
                             sample_every=int(sample_every), seed=int(seed or 0))
    except (TypeError, OverflowError) as exc:
        raise ValueError(str(exc)) from None


def base_model(ctx: UIContext, choice: str, lang: str):
    if is_session_choice(choice):
        raise gr.Error(t("fi_base_is_tuned", lang))
    lm = load_or_error(ctx, choice, lang)
    if not lm.folder or not Path(lm.folder).is_dir():
        raise gr.Error(t("fi_not_causal", lang))
    return lm


def prepare(ctx: UIContext, choice, files, pasted, demo, column, settings_values, request):
    """Validate everything for a run; returns (base LoadedModel, dataset, settings). Raises ``gr.Error``."""
    lang = lang_of(request)
    try:
        settings = settings_from_ui(*settings_values)
    except ValueError as exc:
        raise gr.Error(t("fi_bad_setting", lang, error=str(exc))) from None
    limits = ctx.engine.training.limits
    try:
        docs = documents(files, pasted, demo, column)
    except data_mod.DataError as exc:
        raise gr.Error(data_error(exc, lang)) from None
    lm = base_model(ctx, choice, lang)
    if settings.method == FULL:
        n = sum(p.numel() for p in lm.model.parameters())
        if n > limits.full_max_params:
            raise gr.Error(t("fi_full_too_big", lang, limit=limits.full_max_params // 10**6, n=n // 10**6))
    try:
        dataset = data_mod.build_dataset(docs, lm.tokenizer, settings.block_size, settings.val_fraction, settings.seed)
    except data_mod.DataError as exc:
        raise gr.Error(data_error(exc, lang)) from None
    except ValueError as exc:
        raise gr.Error(t("fi_bad_setting", lang, error=str(exc))) from None
    total = settings.total_steps(len(dataset.train))
    if total > limits.max_steps:
        raise gr.Error(t("fi_bad_setting", lang, error=f"{total} steps; this server allows at most {limits.max_steps}."))
    return lm, dataset, settings


def preview_view(ctx: UIContext, choice, files, pasted, demo, column, block, request: gr.Request):
    """(preview markdown, sample blocks html, csv column dropdown update)."""
    lang = lang_of(request)
    try:
        docs = documents(files, pasted, demo, column)
    except data_mod.DataError as exc:
        raise gr.Error(data_error(exc, lang)) from None
    lm = base_model(ctx, choice, lang)
    try:
        dataset = data_mod.build_dataset(docs, lm.tokenizer, int(block))
    except data_mod.DataError as exc:
        raise gr.Error(data_error(exc, lang)) from None
    p = data_mod.preview(dataset, lm.tokenizer)
    md = t("fi_preview_md", lang, chars=p.chars, tokens=p.tokens, blocks=p.blocks, block=p.block_size,
           train=p.train_blocks, val=p.val_blocks, kind=t("fi_kind_chat" if p.chat else "fi_kind_text", lang))
    items = ", ".join(t("fi_source_item", lang, name=name, kind=kind, enc=enc, n=n) for name, kind, enc, n, _ in p.sources)
    md += "\n\n" + t("fi_sources", lang, items=items)
    blocks = "".join(
        f'<details{" open" if i == 0 else ""}><summary>{html.escape(t("fi_sample_block", lang, n=i + 1))}</summary>'
        f'<pre class="fi-block">{html.escape(s)}</pre></details>' for i, s in enumerate(p.samples))
    columns = [c for d in docs for c in d.columns]
    chosen = next((d.column for d in docs if d.column), None)
    return md, blocks, gr.update(choices=columns, value=chosen) if columns else gr.update()


# ----------------------------------------------------------------------------------------------- training

def _finished(ctx: UIContext, session: Session, job: TrainJob) -> None:
    """Driver-thread hook: publish the new model to this session's picker and drop older runs."""
    result = job.result
    if result is not None and result.folder:
        session.model_run = job.id
        method = "LoRA" if result.method == LORA else "full fine-tuning"
        session.model_label = f"{job.base_name} + {method}, {result.steps} steps"
        runs = session.folder / "runs"
        for old in runs.iterdir() if runs.is_dir() else ():
            if old.name != job.id:
                shutil.rmtree(old, ignore_errors=True)
        ctx.engine.registry.evict(lambda s: s.source == "session" and s.ref == session.id and s.revision != job.id)
    ctx.engine.sessions.set_busy(session, False)


def start(ctx: UIContext, choice, files, pasted, demo, column, prompts, settings_values, request) -> TrainJob:
    lang = lang_of(request)
    session = session_of(ctx, request)
    lm, dataset, settings = prepare(ctx, choice, files, pasted, demo, column, settings_values, request)
    prompt_list = [line.strip() for line in (prompts or "").splitlines() if line.strip()][:4]
    manager = ctx.engine.training
    old = manager.job(session.id)
    if old is not None and old.running:
        raise gr.Error(t("fi_already", lang))
    ctx.engine.sessions.set_busy(session, True)
    try:
        job = manager.start(session.id, lm.folder, dataset, settings, session.folder / "runs", prompt_list,
                            base_name=lm.spec.name, base_choice=choice,
                            on_finish=lambda j: _finished(ctx, session, j))
    except Busy as exc:
        ctx.engine.sessions.set_busy(session, False)
        raise gr.Error(t("fi_busy", lang, detail=str(exc))) from None
    except TrainingError as exc:
        ctx.engine.sessions.set_busy(session, False)
        raise gr.Error(str(exc)) from None
    session.info.update(base_choice=choice, chat=dataset.chat, passage=list(dataset.val[0])[:128],
                        prompts=prompt_list)
    return job


def loss_figure(progress: Progress, labels: tuple[str, str, str]):
    """Train loss per step (line) and validation loss at each check (markers)."""
    import plotly.graph_objects as go

    fig = go.Figure()
    if progress.losses:
        xs, ys = zip(*progress.losses)
        fig.add_scatter(x=xs, y=ys, mode="lines", name=labels[0], line=dict(color="#4c78a8", width=2))
    if progress.val_losses:
        xs, ys = zip(*progress.val_losses)
        fig.add_scatter(x=xs, y=ys, mode="lines+markers", name=labels[1], line=dict(color="#e4572e", width=2),
                        marker=dict(size=8))
    fig.update_layout(height=320, margin=dict(l=10, r=10, t=30, b=30), plot_bgcolor="white",
                      xaxis=dict(title=labels[2], range=[-0.5, max(1, progress.total) + 0.5], gridcolor="#eee"),
                      yaxis=dict(title="loss", gridcolor="#eee", rangemode="tozero"),
                      legend=dict(orientation="h", y=1.02, x=1, xanchor="right", yanchor="bottom"))
    return fig


def _clock(seconds: float | None, lang: str) -> str:
    if seconds is None or not math.isfinite(seconds):
        return t("fi_eta_unknown", lang)
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def progress_html(progress: Progress, lang: str) -> str:
    share = progress.step / progress.total if progress.total else 0.0
    eta = progress.eta_seconds if progress.phase not in ("done", "stopped", "failed") else None
    line = t("fi_step_line", lang, step=progress.step, total=progress.total or "?", tps=progress.tokens_per_second,
             elapsed=_clock((progress.ended or time.time()) - progress.started, lang), eta=_clock(eta, lang))
    return (f'<div class="fi-bar"><div class="fi-fill" style="width:{100 * share:.1f}%"></div></div>'
            f'<div class="fi-line">{html.escape(line)}</div>')


def samples_md(progress: Progress, lang: str) -> str:
    rows = []
    for step, prompt, text in progress.samples[-8:][::-1]:
        rows.append(f"**step {step}** · _{html.escape(prompt)}_ → {html.escape(text) or '∅'}")
    return "\n\n".join(rows)


def diff_html(diff: TokenDiff | None, legend: str) -> str:
    """The passage with each token coloured by how much likelier the tuned model finds it (log-prob difference)."""
    if diff is None or not diff.tokens:
        return ""
    spans = []
    for label, b, a in zip(diff.tokens, diff.base, diff.tuned):
        d = a - b
        strength = min(1.0, abs(d) / 3.0)
        hue = 120 if d >= 0 else 0
        color = f"hsla({hue}, 70%, 55%, {0.12 + 0.75 * strength:.2f})"
        tip = html.escape(f"{label!r}\nbase p={math.exp(b):.1%}\ntuned p={math.exp(a):.1%}\nΔ log p={d:+.2f}",
                          quote=True)
        text = html.escape(label.replace("\n", "⏎\n"))
        spans.append(f'<span class="pg-tok" style="background:{color}" data-tip="{tip}">{text}</span>')
    return (render.STYLE + f'<div class="pg-tokens">{"".join(spans)}</div>'
            f'<div class="pg-legend">{html.escape(legend)}</div>')


TABLE_CSS = """<style>
.fi-cmp{width:100%;border-collapse:collapse;font-size:14px}
.fi-cmp th{text-align:left;background:#f3f4f6;padding:6px 8px;border-bottom:2px solid #d1d5db}
.fi-cmp td{vertical-align:top;padding:6px 8px;border-bottom:1px solid #e5e7eb;white-space:pre-wrap}
.fi-cmp td.fi-p{width:20%;color:#444;font-style:italic}
.fi-cmp td.fi-t{background:#f0fdf4}
</style>"""


def compare_table(prompts, base, tuned, lang: str) -> str:
    """Prompt | base completion | tuned completion, as an HTML table (headers in the user's language)."""
    if not prompts:
        return ""
    head = "".join(f"<th>{html.escape(t(k, lang))}</th>" for k in ("fi_col_prompt", "fi_col_base", "fi_col_tuned"))
    rows = "".join(f'<tr><td class="fi-p">{html.escape(p)}</td><td>{html.escape(b) or "∅"}</td>'
                   f'<td class="fi-t">{html.escape(a) or "∅"}</td></tr>' for p, b, a in zip(prompts, base, tuned))
    return TABLE_CSS + f'<table class="fi-cmp"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


EMPTY_TABLE = ""


def job_view(ctx: UIContext, job: TrainJob | None, session: Session, lang: str, request=None) -> tuple:
    """(status, progress html, plot, samples, results md, compare table html, diff html, picker update)."""
    labels = (t("fi_train_loss", lang), t("fi_val_loss", lang), t("fi_step", lang))
    if job is None:
        return t("fi_no_job", lang), "", None, "", "", EMPTY_TABLE, "", gr.update()
    p = job.snapshot()
    phase = p.phase
    status = t(f"fi_phase_{phase}", lang)
    if phase == "waiting":
        k = ctx.engine.training.position(job)
        status = t("fi_waiting", lang, k=k) if k else status
    if phase == "failed":
        status += " — " + t("fi_failed", lang, error=job.error or p.detail)
    if job.stop.is_set() and job.running:
        status += " — " + t("fi_stopping", lang)
    if p.overfitting:
        status += "\n\n" + t("fi_overfit", lang)
    results, rows, diff, picker = "", EMPTY_TABLE, "", gr.update()
    r = job.result
    if r is not None and not job.running:
        change = 100 * (r.ppl_after / r.ppl_before - 1) if r.ppl_before else 0.0
        params = t("fi_params", lang, trainable=r.trainable_params, total=r.total_params,
                   share=100 * r.trainable_params / max(1, r.total_params))
        results = t("fi_ppl", lang, before=r.ppl_before, after=r.ppl_after, change=change, steps=r.steps,
                    seconds=r.seconds, params=params)
        if r.folder:
            ttl = ctx.engine.sessions.ttl
            results += "\n\n" + t("fi_in_picker", lang, ttl=f"{ttl / 60:.0f} min")
            picker = gr.update(choices=picker_choices(ctx, request, lang))
        rows = compare_table(r.prompts, r.base_completions, r.tuned_completions, lang)
        diff = diff_html(r.diff, t("fi_diff_legend", lang))
    fig = loss_figure(p, labels) if (p.losses or p.val_losses) else None
    return status, progress_html(p, lang), fig, samples_md(p, lang), results, rows, diff, picker


async def watch(ctx: UIContext, request: gr.Request) -> AsyncIterator[tuple]:
    """Stream the session's job view until the job ends (re-attaching after a reload works the same way).

    Async on purpose: a watcher only sleeps and reads, so it must not hold one of gradio's worker threads for
    minutes (30 participants watching their runs would otherwise use up the thread pool)."""
    lang = lang_of(request)
    session = ctx.engine.sessions.get(getattr(request, "session_hash", None))
    job = ctx.engine.training.job(session.id) if session is not None else None
    if job is None or session is None:
        yield job_view(ctx, None, session, lang, request)  # type: ignore[arg-type]
        return
    last = -1
    while True:
        finished = not job.running
        version = job.progress.version
        if version != last or finished:
            last = version
            yield job_view(ctx, job, session, lang, request)
        if finished:
            return
        await asyncio.sleep(POLL)


def stop(ctx: UIContext, request: gr.Request) -> None:
    session = ctx.engine.sessions.get(getattr(request, "session_hash", None))
    if session is not None:
        ctx.engine.training.stop(session.id)


# ----------------------------------------------------------------------------------------------- after training

def check_has_model(ctx: UIContext, request: gr.Request) -> Session:
    lang = lang_of(request)
    session = ctx.engine.sessions.get(getattr(request, "session_hash", None))
    if session is None or not session.model_run:
        raise gr.Error(t("fi_no_model", lang))
    return session


def compare_again(ctx: UIContext, prompts: str, request: gr.Request) -> tuple[str, str]:
    """Base vs tuned (both through the shared registry, read-only) on the current prompts + the passage diff."""
    lang = lang_of(request)
    session = check_has_model(ctx, request)
    base = load_or_error(ctx, session.info.get("base_choice", ""), lang)
    tuned = load_or_error(ctx, SESSION_CHOICE, lang, request)
    prompt_list = [line.strip() for line in (prompts or "").splitlines() if line.strip()][:4]
    chat = bool(session.info.get("chat"))
    worker = ctx.engine.worker
    n = 48
    base_out = worker.call(complete, base.model, base.tokenizer, prompt_list, chat, n, base.device)
    tuned_out = worker.call(complete, tuned.model, tuned.tokenizer, prompt_list, chat, n, tuned.device)
    diff = ""
    ids = session.info.get("passage") or []
    if len(ids) >= 2:
        from ..tokens import token_label

        b = worker.call(token_logprobs, base.model, ids, base.device)
        a = worker.call(token_logprobs, tuned.model, ids, tuned.device)
        diff = diff_html(TokenDiff(tuple(token_label(base.tokenizer, i) for i in ids[1:]), tuple(b), tuple(a)),
                         t("fi_diff_legend", lang))
    return compare_table(prompt_list, base_out, tuned_out, lang), diff


def download(ctx: UIContext, merged: bool, request: gr.Request) -> str:
    """Path of a zip built from this session's own run folder (never a path from the client)."""
    from ..finetune import read_meta, zip_run

    lang = lang_of(request)
    session = check_has_model(ctx, request)
    run_dir = session.folder / "runs" / str(session.model_run)
    meta = read_meta(run_dir)
    if merged:
        n = meta["result"]["total_params"]
        if n > ctx.engine.training.limits.merged_max_params:
            raise gr.Error(t("fi_merged_too_big", lang, limit=ctx.engine.training.limits.merged_max_params // 10**6))
    name = f"finetuned-{'merged' if merged else meta['method']}-{session.model_run}.zip"
    target = session.downloads / name
    if not target.is_file():
        ctx.engine.worker.call(zip_run, run_dir, target, merged)  # merging is torch work: on the worker
    return str(target)


def use_model(ctx: UIContext, request: gr.Request):
    lang = lang_of(request)
    check_has_model(ctx, request)
    return gr.update(choices=picker_choices(ctx, request, lang), value=SESSION_CHOICE), gr.Tabs(selected="generate")

