"""Handlers of the Fine-tune tab: named UI values in, core calls (data, finetune, sessions), display values out.

The job itself lives in ``engine.training`` keyed by the session id, so a page reload (a new Gradio session hash)
re-attaches to it through the session's resume key. The view handlers only poll the job's progress; they hold no
model slot, so other users' generations are never queued behind a watcher.
"""

from __future__ import annotations

import asyncio
import html
import shutil
from pathlib import Path
from typing import AsyncIterator

import gradio as gr

from ... import data as data_mod
from ...finetune import Busy, TokenDiff, TrainJob, complete, token_logprobs
from ...sessions import Session
from ..context import SESSION_CHOICE, UIContext, is_session_choice, load_or_error, spec_from_choice
from ..events import Values
from ..model_picker import picker_choices
from ..strings import UIError
from .form import FULL, LORA, TRAINING
from .view import compare_table, diff_html, job_view

POLL = 0.4  # seconds between progress checks of a watched job
DEMO_NONE = "none"
COMPARE_TOKENS = 48


# ----------------------------------------------------------------------------------------------- sessions

def session_of(ctx: UIContext, v: Values) -> Session:
    if not v.session_hash:
        raise UIError("no_session")
    return ctx.engine.sessions.ensure(v.session_hash)


def current_session(ctx: UIContext, v: Values) -> Session | None:
    return ctx.engine.sessions.get(v.session_hash)


def attach(ctx: UIContext, v: Values):
    """Page load: bind this page to its earlier session (resume key from localStorage) or a new one."""
    session, resumed = ctx.engine.sessions.attach(v.session_hash, v.resume)
    job = ctx.engine.training.job(session.id)
    note = v.t("fi_resumed") if resumed and job is not None else ""
    demo = next((d for d in data_mod.demo_sets() if d.language == v.lang), None)
    demo_update = gr.update(value=demo.key) if demo is not None and job is None else gr.update()
    return session.resume_key, gr.update(choices=picker_choices(ctx, v.request, v.lang)), note, demo_update


def release(ctx: UIContext, v: Values) -> None:
    """Page closed: the session's files go after the TTL unless a page re-attaches (a running job finishes)."""
    ctx.engine.sessions.release(v.session_hash)


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


def documents(v: Values) -> list[data_mod.Document]:
    """All chosen inputs as documents (raises ``DataError``). Demo files come from the server's own assets."""
    paths = [getattr(f, "name", f) for f in (v.files or []) if f]
    for item in data_mod.demo_sets():
        if v.demo and v.demo == item.key:
            paths.append(str(item.path))
    return data_mod.read_paths(paths, v.pasted or "", (v.column or "").strip() or None,
                               data_mod.DataLimits.from_env())


def command_line(v: Values) -> str:
    """The shell command that runs this training outside the app (``python -m playground.train``): the settings
    shown (only those changed from the defaults), the model and the data by name. Unfinished values: no change."""
    from ...models import ModelSpec
    from ...train import command_for

    try:
        settings = TRAINING.parse(v)
        spec = ModelSpec.parse(v.model) if v.model and not is_session_choice(v.model) else ModelSpec.bundled()
    except (ValueError, TypeError):
        return gr.skip()
    model = {"bundled": "bundled", "pack": spec.ref, "hub": spec.ref}.get(spec.source, "MODEL_FOLDER")
    files = [Path(getattr(f, "name", f)).name for f in (v.files or []) if f]
    files += [f"assets/finetune/{d.path.name}" for d in data_mod.demo_sets() if v.demo == d.key]
    files += ["my-text.txt"] if (v.pasted or "").strip() else []
    prompts = [line.strip() for line in (v.prompts or "").splitlines() if line.strip()][:4]
    return command_for(settings, model, files or ["DATA.txt"], "runs/my-run", prompts)


def code_for(ctx: UIContext, v: Values) -> str:
    """The LoRA set-up for the settings on screen, as a script (``playground.showcode.lora_code``)."""
    from ...showcode import lora_code, model_ref

    if is_session_choice(v.model):
        raise UIError("fi_base_is_tuned")
    settings = TRAINING.parse(v)
    return lora_code(model_ref(spec_from_choice(v.model, ctx, v.request)), settings)


def method_choices(ctx: UIContext, v: Values):
    """Offer full fine-tuning only for models below the size limit (waits for the picker's own load)."""
    if is_session_choice(v.model):
        return gr.update()
    try:
        lm = ctx.engine.model(spec_from_choice(v.model, ctx, v.request))
    except Exception:  # noqa: BLE001 - the picker shows the load error itself
        return gr.update()
    if not lm.has_weights:
        return gr.update()
    small = sum(p.numel() for p in lm.model.parameters()) <= ctx.engine.training.limits.full_max_params
    choices = [(v.t("fi_method_lora"), LORA)] + ([(v.t("fi_method_full"), FULL)] if small else [])
    return gr.update(choices=choices, value=v.method if small else LORA)


def base_model(ctx: UIContext, v: Values):
    if is_session_choice(v.model):
        raise UIError("fi_base_is_tuned")
    lm = load_or_error(ctx, v.model, v.lang, weights=True)
    if not lm.folder or not Path(lm.folder).is_dir():
        raise UIError("fi_not_causal")
    return lm


def prepare(ctx: UIContext, v: Values):
    """Validate everything for a run; returns (base LoadedModel, dataset, settings)."""
    settings = TRAINING.parse(v)
    docs = documents(v)
    lm = base_model(ctx, v)
    limits = ctx.engine.training.limits
    if settings.method == FULL:
        n = sum(p.numel() for p in lm.model.parameters())
        if n > limits.full_max_params:
            raise UIError("fi_full_too_big", limit=limits.full_max_params // 10**6, n=n // 10**6)
    dataset = data_mod.build_dataset(docs, lm.tokenizer, settings.block_size, settings.val_fraction, settings.seed)
    return lm, dataset, settings


def check_start(ctx: UIContext, v: Values) -> None:
    """Everything a run needs, checked without starting it: settings, data, model, step cap, one run per session."""
    _, dataset, settings = prepare(ctx, v)
    session = current_session(ctx, v)
    ctx.engine.training.check_start(session.id if session else "", settings, len(dataset.train))


def preview_view(ctx: UIContext, v: Values):
    """(preview markdown, sample blocks html, csv column dropdown update)."""
    docs = documents(v)
    lm = base_model(ctx, v)
    dataset = data_mod.build_dataset(docs, lm.tokenizer, int(v.block_size))
    p = data_mod.preview(dataset, lm.tokenizer)
    md = v.t("fi_preview_md", chars=p.chars, tokens=p.tokens, blocks=p.blocks, block=p.block_size,
             train=p.train_blocks, val=p.val_blocks, kind=v.t("fi_kind_chat" if p.chat else "fi_kind_text"))
    items = ", ".join(v.t("fi_source_item", name=name, kind=kind, enc=enc, n=n) for name, kind, enc, n, _ in p.sources)
    md += "\n\n" + v.t("fi_sources", items=items)
    blocks = "".join(
        f'<details{" open" if i == 0 else ""}><summary>{html.escape(v.t("fi_sample_block", n=i + 1))}</summary>'
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
        session.model_label = f"{job.base_name} + {'LoRA' if result.method == LORA else 'full FT'} ×{result.steps}"
        runs = ctx.engine.sessions.runs(session)
        for old in runs.iterdir() if runs.is_dir() else ():
            if old.name != job.id:
                shutil.rmtree(old, ignore_errors=True)
        ctx.engine.registry.evict(lambda s: s.source == "session" and s.ref == session.id and s.revision != job.id)
    ctx.engine.sessions.set_busy(session, False)


def use_ready(ctx: UIContext, v: Values) -> TrainJob:
    """Install the demo's ready-made run as this session's finished run (and its model in the picker)."""
    from ...models import ModelSpec
    from ...finetune import TrainingError, read_meta
    from ...training.ready import install, ready_run

    ready = ready_run(v.demo) if v.demo and v.demo != DEMO_NONE else None
    if ready is None:
        raise UIError("fi_ready_none")
    bundled = ModelSpec.bundled()
    if is_session_choice(v.model) or spec_from_choice(v.model, ctx, v.request).key != bundled.key:
        raise UIError("fi_ready_model", name=bundled.name)
    session = session_of(ctx, v)
    if ctx.engine.training.running(session.id):
        raise TrainingError("already_running")
    lm = base_model(ctx, v)
    job = install(ready, ctx.engine.sessions.runs(session), session.id, lm.folder, v.model)
    ctx.engine.training.adopt(job)
    session.info.update(base_choice=v.model, chat=bool(read_meta(ready).get("chat")), passage=[],
                        prompts=list(job.result.prompts))
    _finished(ctx, session, job)
    return job


def start(ctx: UIContext, v: Values) -> TrainJob:
    session = session_of(ctx, v)
    lm, dataset, settings = prepare(ctx, v)
    prompt_list = [line.strip() for line in (v.prompts or "").splitlines() if line.strip()][:4]
    manager = ctx.engine.training
    manager.check_start(session.id, settings, len(dataset.train))
    ctx.engine.sessions.set_busy(session, True)
    try:
        job = manager.start(session.id, lm.folder, dataset, settings, session.folder / "runs", prompt_list,
                            base_name=lm.spec.name, base_choice=v.model,
                            on_finish=lambda j: _finished(ctx, session, j))
    except Busy as exc:
        ctx.engine.sessions.set_busy(session, False)
        raise UIError("fi_busy", detail=str(exc)) from None
    except Exception:
        ctx.engine.sessions.set_busy(session, False)
        raise
    session.info.update(base_choice=v.model, chat=dataset.chat, passage=list(dataset.val[0])[:128],
                        prompts=prompt_list)
    return job


async def watch(ctx: UIContext, v: Values) -> AsyncIterator[tuple]:
    """Stream the session's job view until the job ends (re-attaching after a reload works the same way).

    Async on purpose: a watcher only sleeps and reads, so it must not hold one of gradio's worker threads for
    minutes (30 participants watching their runs would otherwise use up the thread pool)."""
    session = current_session(ctx, v)
    job = ctx.engine.training.job(session.id) if session is not None else None
    if job is None or session is None:
        yield job_view(ctx, None, session, v.lang, v.request)  # type: ignore[arg-type]
        return
    last = -1
    while True:
        finished = not job.running
        version = job.progress.version
        if version != last or finished:
            last = version
            yield job_view(ctx, job, session, v.lang, v.request)
        if finished:
            return
        await asyncio.sleep(POLL)


def stop(ctx: UIContext, v: Values) -> None:
    session = current_session(ctx, v)
    if session is not None:
        ctx.engine.training.stop(session.id)


# ----------------------------------------------------------------------------------------------- after training

def check_has_model(ctx: UIContext, v: Values) -> Session:
    session = current_session(ctx, v)
    if session is None or not session.model_run:
        raise UIError("fi_no_model")
    return session


def compare_again(ctx: UIContext, v: Values) -> tuple[str, str]:
    """Base vs tuned (both through the shared registry, read-only) on the current prompts + the passage diff."""
    session = check_has_model(ctx, v)
    base = load_or_error(ctx, session.info.get("base_choice", ""), v.lang)
    tuned = load_or_error(ctx, SESSION_CHOICE, v.lang, v.request)
    prompt_list = [line.strip() for line in (v.prompts or "").splitlines() if line.strip()][:4]
    chat = bool(session.info.get("chat"))
    worker = ctx.engine.worker
    base_out = worker.call(complete, base.model, base.tokenizer, prompt_list, chat, COMPARE_TOKENS, base.device)
    tuned_out = worker.call(complete, tuned.model, tuned.tokenizer, prompt_list, chat, COMPARE_TOKENS, tuned.device)
    diff = ""
    ids = session.info.get("passage") or []
    if len(ids) >= 2:
        from ...tokens import token_label

        b = worker.call(token_logprobs, base.model, ids, base.device)
        a = worker.call(token_logprobs, tuned.model, ids, tuned.device)
        diff = diff_html(TokenDiff(tuple(token_label(base.tokenizer, i) for i in ids[1:]), tuple(b), tuple(a)),
                         v.t("fi_diff_legend"))
    return compare_table(prompt_list, base_out, tuned_out, v.lang), diff


def download(ctx: UIContext, v: Values, merged: bool) -> str:
    """Path of a zip built from this session's own run folder (never a path from the client)."""
    from ...finetune import read_meta, zip_run

    session = check_has_model(ctx, v)
    run_dir = ctx.engine.sessions.run(session)
    meta = read_meta(run_dir)
    if merged:
        n = meta["result"]["total_params"]
        if n > ctx.engine.training.limits.merged_max_params:
            raise UIError("fi_merged_too_big", limit=ctx.engine.training.limits.merged_max_params // 10**6)
    name = f"finetuned-{'merged' if merged else meta['method']}-{session.model_run}.zip"
    target = session.downloads / name
    if not target.is_file():
        ctx.engine.worker.call(zip_run, run_dir, target, merged)  # merging is torch work: on the worker
    return str(target)


def use_model(ctx: UIContext, v: Values):
    check_has_model(ctx, v)
    return (gr.update(choices=picker_choices(ctx, v.request, v.lang), value=SESSION_CHOICE),
            gr.Tabs(selected="generate"))

