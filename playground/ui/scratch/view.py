"""What the From-scratch tab shows of a run: status, progress, the loss/perplexity plot, speeds, samples side
by side, the analysis and the code. Pure functions of a ``Progress`` snapshot and the page's language."""

from __future__ import annotations

import html
import math

from ...errors import text_of
from ...scratch.jobs import Progress
from ..strings import t

COLORS = {"lstm": "#e4572e", "transformer": "#4c78a8"}


def _clock(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "–"
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def loss_figure(p: Progress, lang: str):
    """Both training losses per step (lines) and both validation perplexities (markers, right axis)."""
    import plotly.graph_objects as go

    fig = go.Figure()
    names = {"lstm": t("fs_lstm", lang), "transformer": t("fs_transformer", lang)}
    if p.losses:
        steps, lstm, tf = zip(*p.losses)
        for key, ys in (("lstm", lstm), ("transformer", tf)):
            fig.add_scatter(x=steps, y=ys, mode="lines", name=t("fs_train_loss", lang, name=names[key]),
                            line=dict(color=COLORS[key], width=2))
    if p.perplexity:
        steps, lstm, tf = zip(*p.perplexity)
        for key, ys in (("lstm", lstm), ("transformer", tf)):
            fig.add_scatter(x=steps, y=ys, mode="markers+lines", yaxis="y2",
                            name=t("fs_val_ppl", lang, name=names[key]),
                            line=dict(color=COLORS[key], dash="dot", width=1), marker=dict(size=9, symbol="diamond"))
    fig.update_layout(height=380, margin=dict(l=10, r=10, t=20, b=10), plot_bgcolor="white",
                      xaxis=dict(title=t("fs_step_axis", lang), rangemode="tozero", gridcolor="#eee"),
                      yaxis=dict(title=t("fs_loss_axis", lang), gridcolor="#eee", rangemode="tozero"),
                      yaxis2=dict(title=t("fs_ppl_axis", lang), overlaying="y", side="right", rangemode="tozero",
                                  showgrid=False),
                      legend=dict(orientation="h", y=-0.22, x=0, yanchor="top"))
    return fig


def status_md(p: Progress | None, lang: str) -> str:
    if p is None:
        return t("fs_none", lang)
    if p.phase == "failed":
        return t("fs_phase_failed", lang, error=text_of(p.error, lang) if p.error else "?")
    lines = [t(f"fs_phase_{p.phase}", lang)]
    if p.start is not None:
        params, widths = p.start.params, p.start.widths
        lines.append(t("fs_models_md", lang, vocab=p.start.vocab_size, chars=p.start.chars, w_lstm=widths["lstm"],
                       p_lstm=params["lstm"], w_tf=widths["transformer"], p_tf=params["transformer"],
                       diff=100 * (params["transformer"] - params["lstm"]) / params["lstm"]))
    return "\n\n".join(lines)


def bar_html(p: Progress | None, lang: str) -> str:
    if p is None:
        return ""
    share = p.step / p.total if p.total else 0.0
    eta = p.eta if p.phase == "training" else 0.0
    line = t("fs_step_line", lang, step=p.step, total=p.total or "?", elapsed=_clock(p.elapsed), eta=_clock(eta))
    return (f'<div class="fi-bar"><div class="fi-fill" style="width:{100 * share:.1f}%"></div></div>'
            f'<div class="fi-line">{html.escape(line)}</div>')


def speed_md(p: Progress | None, lang: str) -> str:
    if p is None or not p.speed:
        return ""
    text = t("fs_speed", lang, lstm=p.speed.get("lstm", 0.0), tf=p.speed.get("transformer", 0.0))
    if p.perplexity and p.start is not None:
        step, lstm, tf = p.perplexity[-1]
        text += "\n\n" + t("fs_last", lang, step=step, lstm=lstm, tf=tf, vocab=p.start.vocab_size)
    return text


def samples_html(p: Progress | None, lang: str) -> str:
    """The samples side by side, newest first: one row per check, one column per model."""
    if p is None or not p.samples:
        return ""
    prompt = html.escape(p.start.prompt if p.start is not None else "")
    head = (f"<tr><th></th><th>{html.escape(t('fs_lstm', lang))}</th>"
            f"<th>{html.escape(t('fs_transformer', lang))}</th></tr>")
    rows = []
    for step, texts in p.samples[-6:][::-1]:
        cells = "".join(f'<td class="fs-sample"><b>{prompt}</b>{html.escape(texts[k])}</td>'
                        for k in ("lstm", "transformer"))
        rows.append(f"<tr><td>{html.escape(t('fs_sample_step', lang, step=step))}</td>{cells}</tr>")
    return f'<table class="fs-samples">{head}{"".join(rows)}</table>'


def analysis_md(p: Progress | None, lang: str) -> str:
    a = p.analysis if p is not None else None
    if a is None:
        return ""
    from ...scratch.analysis import NAME_LEN

    copy = a.copy
    parts = [t("fs_copy_md", lang, n=NAME_LEN, context=a.context, distance=copy["lstm"].distance,
               lstm=copy["lstm"].accuracy, lstm_base=copy["lstm"].baseline,
               tf=copy["transformer"].accuracy, tf_base=copy["transformer"].baseline),
             t("fs_steps_md", lang, lstm=a.sequential_steps["lstm"], tf=a.sequential_steps["transformer"],
               context=a.context),
             t("fs_position_md", lang)]
    return "\n\n".join(parts)


def position_figure(p: Progress | None, lang: str):
    import plotly.graph_objects as go

    fig = go.Figure()
    a = p.analysis if p is not None else None
    if a is not None:
        for key, ys in a.position_loss.items():
            fig.add_scatter(x=list(range(1, len(ys) + 1)), y=ys, mode="lines", line=dict(color=COLORS[key]),
                            name=t("fs_lstm" if key == "lstm" else "fs_transformer", lang))
    fig.update_layout(height=300, margin=dict(l=10, r=10, t=30, b=30), plot_bgcolor="white",
                      xaxis=dict(title=t("fs_position_axis", lang), gridcolor="#eee"),
                      yaxis=dict(title=t("fs_loss_axis", lang), gridcolor="#eee"))
    return fig


def attention_figure(p: Progress | None, lang: str):
    """The last layer's mean attention over heads, drawn by the Attention tab's own figure function."""
    a = p.analysis if p is not None else None
    if a is None:
        return None
    from ...plots_attention import aggregate_figure
    from ...scratch.analysis import attention_result
    from ..attention.handlers import fig_texts

    result = attention_result(a)
    return aggregate_figure(result, result.n_layers - 1, "mean", fig_texts(lang))
