"""What the Fine-tune tab shows of a job: progress bar, loss plot, samples, before/after table, token changes."""

from __future__ import annotations

import html
import math
import time

import gradio as gr

from ...finetune import Progress, TokenDiff, TrainJob
from ...sessions import Session
from .. import render
from ..context import UIContext
from ...plots import loss_figure  # noqa: F401 (the figure lives in the core: the CLI draws it too)
from ..model_picker import picker_choices
from ..strings import t


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
        rows.append(f"**{html.escape(t('fi_sample_step', lang, step=step))}** · _{html.escape(prompt)}_ → "
                    f"{html.escape(text) or '∅'}")
    return "\n\n".join(rows)


def diff_html(diff: TokenDiff | None, legend: str) -> str:
    """The passage with each token coloured by how much likelier the tuned model finds it (log-prob difference)."""
    if diff is None or not diff.tokens:
        return ""
    spans = []
    for label, b, a in zip(diff.tokens, diff.base, diff.tuned):
        d = a - b
        strength = min(1.0, abs(d) / 3.0)
        color = f"hsla({120 if d >= 0 else 0}, 70%, 55%, {0.12 + 0.75 * strength:.2f})"
        tip = f"{label!r}\nbase p={math.exp(b):.1%}\ntuned p={math.exp(a):.1%}\nΔ log p={d:+.2f}"
        spans.append(render.span(label, color, tip))
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
    labels = (t("fi_train_loss", lang), t("fi_val_loss", lang), t("fi_step", lang), t("fi_loss", lang))
    if job is None:
        return t("fi_no_job", lang), "", None, "", "", EMPTY_TABLE, "", gr.update()
    p = job.snapshot()
    phase = p.phase
    status = t(f"fi_phase_{phase}", lang)
    if phase == "waiting":
        k = ctx.engine.training.position(job)
        eta = ctx.engine.training.start_estimate(job) if k else None
        if k:
            status = t("fi_waiting", lang, k=k) if eta is None else t("fi_waiting_eta", lang, k=k,
                                                                       eta=_clock(eta, lang))
    if phase == "failed":
        reason = job.failure.text(lang) if job.failure is not None else (job.error or p.detail)
        status += " — " + t("fi_failed", lang, error=reason)
    if job.stop.is_set() and job.running:
        status += " — " + t("fi_stopping", lang)
    if job.ready:
        status += "\n\n" + t("fi_ready_done", lang, steps=p.step)
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


