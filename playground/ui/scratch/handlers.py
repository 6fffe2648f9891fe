"""Handlers of the From-scratch tab: named UI values in, core calls (``playground.scratch``), display values out.

A run lives in ``engine.scratch`` keyed by the session id, so a page reload re-attaches to it (the Fine-tune
tab's page-load handler binds the page to its session). Watchers only poll the run's progress (async: they hold
no thread), so nobody's generation waits behind a watcher.
"""

from __future__ import annotations

import asyncio
import html
from typing import AsyncIterator

import gradio as gr

from ... import showcode
from ...data import DataLimits
from ...scratch import sentiment as sent
from ...scratch import texts
from ..context import load_or_error
from ..events import Values
from ..strings import UIError, t
from . import view
from .form import MODEL, SENTIMENT

POLL = 0.4  # seconds between progress checks of a watched run
SENT_EN, SENT_ZH, SENT_OWN = "bundled_en", "bundled_zh", "own"


def source_choices(i18n) -> list[tuple]:
    """(label, key) for every text: bundled corpora, Fine-tune demos, then the user's own."""
    items = []
    for src in texts.sources():
        if src.kind == "corpus":
            items.append((i18n(f"fs_src_{src.key}"), src.key))
        else:
            items.append((i18n("fs_src_demo_zh" if src.language == "zh" else "fs_src_demo_en"), src.key))
    return items + [(i18n("fs_src_own"), texts.PASTED)]


def session_id(ctx, v: Values, create: bool = False) -> str | None:
    if not v.session_hash:
        raise UIError("no_session")
    store = ctx.engine.sessions
    session = store.ensure(v.session_hash) if create else store.get(v.session_hash)
    return session.id if session is not None else None


def prepare(v: Values):
    """(settings, text) for a run; raises coded errors in the user's language."""
    settings = MODEL.parse(v)
    paths = [getattr(f, "name", f) for f in (v.files or []) if f]
    text = texts.read_text(v.source or "", v.pasted or "", paths, DataLimits.from_env())
    return settings, text


def check_start(ctx, v: Values) -> None:
    prepare(v)
    owner = session_id(ctx, v)
    if owner is not None:
        ctx.engine.scratch.check_start(owner)


def start(ctx, v: Values) -> None:
    settings, text = prepare(v)
    ctx.engine.scratch.start(session_id(ctx, v, create=True), text, settings)


def stop(ctx, v: Values) -> None:
    owner = session_id(ctx, v)
    if owner is not None:
        ctx.engine.scratch.stop(owner)


def render(ctx, p, lang: str) -> tuple:
    """(status, bar, plot, speed, samples, analysis, position plot, attention plot)."""
    return (view.status_md(p, lang), view.bar_html(p, lang), view.loss_figure(p, lang) if p else None,
            view.speed_md(p, lang), view.samples_html(p, lang), view.analysis_md(p, lang),
            view.position_figure(p, lang) if p is not None and p.analysis is not None else None,
            view.attention_figure(p, lang))


async def watch(ctx, v: Values) -> AsyncIterator[tuple]:
    """Stream this session's run until it ends (a page reload re-attaches the same way)."""
    owner = session_id(ctx, v)
    job = ctx.engine.scratch.job(owner) if owner else None
    if job is None:
        yield render(ctx, None, v.lang)
        return
    last = -1
    while True:
        finished = not job.running
        p = job.snapshot()
        if p.version != last or finished:
            last = p.version
            yield render(ctx, p, v.lang)
        if finished:
            return
        await asyncio.sleep(POLL)


def code(v: Values) -> str:
    """The standalone script for the settings on screen."""
    return showcode.scratch_code(MODEL.parse(v))


# ----------------------------------------------------------------------------------------------- sentiment

def sentiment_rows(v: Values) -> list[sent.Example]:
    if v.sent_data == SENT_OWN:
        path = getattr(v.sent_file, "name", v.sent_file)
        if not path:
            raise UIError("fs_sent_file_missing")
        with open(path, "rb") as f:
            return sent.parse_csv(f.read(sent.MAX_ROWS * (sent.MAX_TEXT + 20)))
    return sent.bundled("zh" if v.sent_data == SENT_ZH else "en")


def check_sentiment(ctx, v: Values) -> None:
    SENTIMENT.parse(v)
    sentiment_rows(v)
    if v.session_hash in ctx.engine.scratch.sentiment_busy:
        raise UIError("fs_sent_busy")


def table_html(results, lang: str) -> str:
    head = "".join(f"<th>{html.escape(t(k, lang))}</th>"
                   for k in ("fs_col_method", "fs_col_acc", "fs_col_time", "fs_col_params", "fs_col_wrong"))
    rows = []
    for r in results:
        wrong = "<br>".join(f"{html.escape(text)} <i>({html.escape(gold)} → {html.escape(pred)})</i>"
                            for text, gold, pred in r.wrong[:6])
        more = f"<br>… +{len(r.wrong) - 6}" if len(r.wrong) > 6 else ""
        rows.append(f"<tr><td>{html.escape(t('fs_m_' + r.method, lang))}</td><td><b>{r.accuracy:.0%}</b></td>"
                    f"<td>{r.seconds:.1f} s</td><td>{r.trainable:,}</td><td class='fs-wrong'>{wrong}{more}</td></tr>")
    return f'<table class="fs-table"><tr>{head}</tr>{"".join(rows)}</table>'


def run_sentiment(ctx, v: Values):
    """Yields (note, table) after each method: LSTM from scratch, zero-shot, then LoRA / head."""
    settings = SENTIMENT.parse(v)
    rows = sentiment_rows(v)
    train, test = sent.split(rows, settings.seed)
    busy = ctx.engine.scratch.sentiment_busy
    busy.add(v.session_hash)
    try:
        note = t("fs_sent_split", v.lang, train=len(train), test=len(test), chance=1 / len(sent.labels_of(rows)))
        results = []
        worker = ctx.engine.worker
        yield note + " " + t("fs_sent_wait", v.lang, method=t("fs_m_lstm", v.lang)), gr.update()
        results.append(worker.call(sent.train_lstm, train, test, settings.lstm_steps, settings.seed))
        yield note + " " + t("fs_sent_wait", v.lang, method=t("fs_m_zero_shot", v.lang)), table_html(results, v.lang)
        lm = load_or_error(ctx, v.model, v.lang, v.request)
        results.append(sent.zero_shot(lm, worker, ctx.engine.limits, train, test))
        if settings.tune_steps and lm.folder:
            method = "fs_m_lora" if settings.lora else "fs_m_head"
            yield note + " " + t("fs_sent_wait", v.lang, method=t(method, v.lang)), table_html(results, v.lang)
            results.append(sent.tune(lm.folder, train, test, settings.tune_steps, lora=settings.lora,
                                     seed=settings.seed, call=worker.call))
        yield note, table_html(results, v.lang)
    finally:
        busy.discard(v.session_hash)
