"""Figures from core results (plotly; no gradio here)."""

from __future__ import annotations

from .distributions import NextTokenView
from .tokens import visible as _show


def next_token_figure(view: NextTokenView, title: str = "", labels: tuple[str, str] = ("model", "sampler")):
    """Horizontal bars: the model's probability of each top token and the probability after reshaping.

    ``labels``: legend names for (raw, reshaped), already translated by the caller.
    """
    import plotly.graph_objects as go

    items = list(view.tokens)[::-1]  # plotly draws the first bar at the bottom
    names = []
    seen: dict[str, int] = {}
    for alt in items:  # two tokens can look alike (e.g. byte pieces): keep axis labels unique
        name = _show(alt.token)
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name} ({alt.token_id})")
    fig = go.Figure()
    fig.add_bar(y=names, x=[a.raw_prob for a in items], orientation="h", name=labels[0],
                marker_color="#9db4d6", hovertemplate="%{y}: %{x:.2%}<extra>" + labels[0] + "</extra>")
    fig.add_bar(y=names, x=[a.prob for a in items], orientation="h", name=labels[1],
                marker_color="#e4572e", hovertemplate="%{y}: %{x:.2%}<extra>" + labels[1] + "</extra>")
    fig.update_layout(barmode="group", height=max(320, 26 * len(items) + 90), margin=dict(l=10, r=10, t=50, b=30),
                      title=dict(text=title, font=dict(size=13)), xaxis=dict(tickformat=".0%", rangemode="tozero"),
                      legend=dict(orientation="h", y=1.02, x=1, xanchor="right", yanchor="bottom"),
                      plot_bgcolor="white", bargap=0.25)
    fig.update_yaxes(tickfont=dict(family="monospace"))
    fig.update_xaxes(gridcolor="#eee")
    return fig


def counts_figure(items, title: str = "", x_label: str = ""):
    """Horizontal bars of (label, count) pairs, largest on top (e.g. the first token drawn in N samples)."""
    import plotly.graph_objects as go

    items = list(items)[:15][::-1]
    names = [_show(label) or "∅" for label, _ in items]
    fig = go.Figure(go.Bar(y=names, x=[c for _, c in items], orientation="h", marker_color="#4c78a8",
                           hovertemplate="%{y}: %{x}<extra></extra>"))
    fig.update_layout(height=max(220, 28 * len(items) + 80), margin=dict(l=10, r=10, t=40, b=30),
                      title=dict(text=title, font=dict(size=13)), plot_bgcolor="white",
                      xaxis=dict(title=x_label, dtick=1, rangemode="tozero", gridcolor="#eee"))
    fig.update_yaxes(tickfont=dict(family="monospace"))
    return fig


def loss_figure(progress: Progress, labels: tuple[str, str, str, str]):
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
                      yaxis=dict(title=labels[3], gridcolor="#eee", rangemode="tozero"),
                      legend=dict(orientation="h", y=1.02, x=1, xanchor="right", yanchor="bottom"))
    return fig
