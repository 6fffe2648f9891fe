"""Figures for the attention views (plotly; no gradio here).

Heatmaps are single ``Heatmap`` traces (numpy arrays travel as compact binary arrays, not one element per weight);
the all-heads overview and the pattern gallery are one PNG each (tiles of downsampled matrices, built here with
numpy + zlib) with a light transparent overlay that carries the hover text and click coordinates.
Every visible word comes from the caller's ``texts`` mapping (already translated); English defaults keep the
functions usable on their own.
"""

from __future__ import annotations

import base64
import struct
import zlib
from typing import Mapping, Sequence

import numpy as np

from .attention import (AblationResult, AttentionResult, LensResult, downsample, mean_heads, max_heads, rollout)
from .attention.patterns import LABELS
from .tokens import visible

# Sequential blue scale with extra resolution near 0: attention is peaky, most weights are small.
SCALE = [[0.0, "#ffffff"], [0.02, "#e3eef9"], [0.08, "#b7d4ea"], [0.2, "#73b3d8"], [0.45, "#2879b9"],
         [1.0, "#08306b"]]
LABEL_COLORS = {"previous-token": "#e63946", "first-token": "#7b2cbf", "self": "#2a9d8f", "local": "#ff8c00",
                "broad": "#8d99ae", "induction": "#ffd60a", "mixed": "#dddddd"}
MASKED = "#eeeeee"
FONT = "ui-monospace, Menlo, Consolas, monospace"

DEFAULT_TEXTS = {
    "query": "token looking (query)", "key": "token looked at (key)", "weight": "weight", "layer": "layer",
    "head": "head", "looks_at": "Where {token} looks, per layer", "looked_by": "Which tokens look at {token}",
    "mean": "Mean over heads · layer {layer}", "max": "Max over heads · layer {layer}",
    "rollout": "Rollout through layers 0-{layer}", "lens_title": "Top prediction of each layer (colour = its probability)",
    "lens_x": "position (token)", "before": "all heads on", "after": "heads switched off",
    "position": "position",
}


def _t(texts: Mapping[str, str] | None, key: str, **fmt) -> str:
    text = (texts or {}).get(key) or DEFAULT_TEXTS[key]
    return text.format(**fmt) if fmt else text


def show_token(label: str, special: bool = False) -> str:
    """Visible whitespace (' the' -> '␣the', newline -> '⏎'); special tokens get a ★."""
    text = visible(label)
    return ("★" + text) if special else text


def axis_labels(result: AttentionResult) -> list[str]:
    """Unique category names '3 ␣cat' (position first, so repeated tokens stay apart)."""
    return [f"{i} {show_token(tok, sp)}" for i, (tok, sp) in enumerate(zip(result.tokens, result.special))]


def _layout(fig, height: int, title: str = "", **extra) -> None:
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=50 if title else 20, b=10), plot_bgcolor=MASKED,
                      title=dict(text=title, font=dict(size=13)), font=dict(size=11), **extra)


def _tick_font(n: int) -> dict:
    return dict(family=FONT, size=11 if n <= 40 else 9 if n <= 90 else 7)


def _masked(matrix: np.ndarray, causal: bool) -> np.ndarray:
    """Causal models cannot look ahead: those cells become gaps (drawn grey), not zeros."""
    m = np.asarray(matrix, dtype=np.float32).copy()
    if causal:
        m[np.triu_indices(m.shape[0], 1)] = np.nan
    return m


def matrix_trace(result: AttentionResult, matrix: np.ndarray, texts=None, zmax: float | None = None,
                 colorbar_x: float | None = None, showscale: bool = True):
    import plotly.graph_objects as go

    names = axis_labels(result)
    return go.Heatmap(z=_masked(matrix, result.causal), x=names, y=names, colorscale=SCALE, zmin=0,
                      zmax=zmax if zmax is not None else max(float(np.nanmax(matrix)), 1e-6), hoverongaps=False,
                      showscale=showscale, colorbar=dict(thickness=10, **({"x": colorbar_x} if colorbar_x else {})),
                      hovertemplate=(f"{_t(texts, 'query')}: %{{y}}<br>{_t(texts, 'key')}: %{{x}}<br>"
                                     f"{_t(texts, 'weight')}: %{{z:.3f}}<extra></extra>"))


def _square_axes(fig, n: int, row: int | None = None, col: int | None = None, texts=None) -> None:
    kw = dict(row=row, col=col) if row else {}
    fig.update_xaxes(tickfont=_tick_font(n), tickangle=-60, title_text=_t(texts, "key"), showgrid=False, **kw)
    fig.update_yaxes(tickfont=_tick_font(n), autorange="reversed", title_text=_t(texts, "query"), showgrid=False,
                     **kw)


def head_figure(result: AttentionResult, layer: int, head: int, title: str = "", texts=None):
    """One head's T x T attention matrix; rows = the token that looks, columns = the tokens it looks at."""
    import plotly.graph_objects as go

    fig = go.Figure(matrix_trace(result, result.weights[layer, head], texts))
    _square_axes(fig, result.n_tokens, texts=texts)
    _layout(fig, _square_height(result.n_tokens), title)
    return fig


def _square_height(n: int) -> int:
    return int(min(760, max(420, 260 + 9 * n)))


def aggregate_figure(result: AttentionResult, layer: int, how: str = "mean", texts=None):
    """Two heatmaps side by side: mean (or max) over the heads of ``layer``, and rollout through layers 0..layer."""
    from plotly.subplots import make_subplots

    agg = result.memo(("agg", how), lambda: (max_heads if how == "max" else mean_heads)(result.weights))[layer]
    roll = result.memo("rollout", lambda: rollout(result.weights))[layer]
    titles = (_t(texts, "max" if how == "max" else "mean", layer=layer), _t(texts, "rollout", layer=layer))
    fig = make_subplots(rows=1, cols=2, subplot_titles=titles, horizontal_spacing=0.16)
    fig.add_trace(matrix_trace(result, agg, texts, colorbar_x=0.43), row=1, col=1)
    fig.add_trace(matrix_trace(result, roll, texts, colorbar_x=1.0), row=1, col=2)
    for c in (1, 2):
        _square_axes(fig, result.n_tokens, row=1, col=c, texts=texts)
    fig.update_yaxes(title_text="", row=1, col=2)
    _layout(fig, _square_height(result.n_tokens) - 60)
    return fig


def focus_figure(result: AttentionResult, position: int, head: int | None = None, title: str = "", texts=None):
    """Token focus: for every layer, where token ``position`` looks (its row) and which tokens look at it (its
    column); mean over heads, or one ``head``."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    w = result.weights[:, head] if head is not None else result.memo(("agg", "mean"), lambda: mean_heads(result.weights))
    row = w[:, position, :]  # [L, T]
    col = w[:, :, position]
    names = axis_labels(result)
    token = names[position]
    layers = [str(i) for i in range(result.n_layers)]
    fig = make_subplots(rows=2, cols=1, vertical_spacing=0.16,
                        subplot_titles=(_t(texts, "looks_at", token=token), _t(texts, "looked_by", token=token)))
    for r, (data, axis_name) in enumerate(((row, "key"), (col, "query")), start=1):
        z = data.copy()
        if result.causal:  # future tokens (row) / earlier tokens (column) are impossible: show as gaps
            if r == 1:
                z[:, position + 1:] = np.nan
            else:
                z[:, :position] = np.nan
        fig.add_trace(go.Heatmap(
            z=z, x=names, y=layers, colorscale=SCALE, zmin=0, zmax=max(float(np.nanmax(z)) if np.isfinite(z).any()
                                                                       else 0.0, 1e-6),
            hoverongaps=False, colorbar=dict(thickness=10, len=0.42, y=0.79 if r == 1 else 0.21),
            hovertemplate=(f"{_t(texts, 'layer')} %{{y}}<br>{_t(texts, axis_name)}: %{{x}}<br>"
                           f"{_t(texts, 'weight')}: %{{z:.3f}}<extra></extra>")), row=r, col=1)
        fig.update_xaxes(tickfont=_tick_font(result.n_tokens), tickangle=-60, showgrid=False, row=r, col=1)
        fig.update_yaxes(title_text=_t(texts, "layer"), autorange="reversed", showgrid=False, row=r, col=1,
                         tickfont=dict(size=9))
    _layout(fig, max(560, 18 * result.n_layers + 420), title)
    return fig


# ----------------------------------------------------------------------------------------------- tiled images

def _palette() -> np.ndarray:
    """256 x 3 uint8 colours: 0..253 interpolated from SCALE (index = sqrt(weight) * 253), 254 masked, 255 white."""
    stops = np.array([s for s, _ in SCALE])
    rgb = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for _, c in SCALE], dtype=float)
    x = np.linspace(0, 1, 254) ** 2  # undo the sqrt, so the image uses the same colours as the heatmaps
    lut = np.stack([np.interp(x, stops, rgb[:, k]) for k in range(3)], axis=1)
    grey = [int(MASKED[i:i + 2], 16) for i in (1, 3, 5)]
    return np.vstack([lut, [grey, [255, 255, 255]]]).astype(np.uint8)


MASKED_INDEX, WHITE_INDEX = 254, 255


def png_bytes(pixels: np.ndarray, palette: np.ndarray | None = None) -> bytes:
    """Encode [H, W, 3] uint8 RGB, or [H, W] uint8 indices into ``palette`` (256 x 3), as PNG (no imaging library).

    Palette images are 1 byte per pixel and compress about 3x better, which keeps the all-heads figure small."""
    indexed = pixels.ndim == 2
    h, w = pixels.shape[:2]
    raw = np.concatenate([np.zeros((h, 1), np.uint8), pixels.reshape(h, -1)], axis=1).tobytes()

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 3 if indexed else 2, 0, 0, 0))
    plte = chunk(b"PLTE", np.asarray(palette, np.uint8).tobytes()) if indexed else b""
    return (b"\x89PNG\r\n\x1a\n" + header + plte + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


def tile_image(tiles: np.ndarray, gap: int = 2, causal: bool = False, zoom: int = 1) -> np.ndarray:
    """[R, C, n, n] weights -> one [H, W] palette-index image of n*zoom-pixel tiles with a ``gap``-pixel white
    border (masked cells grey). Each tile is scaled to its own maximum, so weak heads stay visible."""
    r, c, n, _ = tiles.shape
    v = np.sqrt(np.clip(tiles / np.maximum(tiles.max(axis=(-1, -2), keepdims=True), 1e-9), 0, 1))
    idx = (v * 253).astype(np.uint8)  # [R, C, n, n]
    if causal:
        idx[..., np.triu(np.ones((n, n), bool), 1)] = MASKED_INDEX
    if zoom > 1:  # few tokens: repeat pixels so a tile is still big enough to see
        idx = idx.repeat(zoom, axis=2).repeat(zoom, axis=3)
    s = n * zoom
    img = np.full((r * (s + gap) + gap, c * (s + gap) + gap), WHITE_INDEX, np.uint8)
    for i in range(r):
        y = gap + i * (s + gap)
        for j in range(c):
            x = gap + j * (s + gap)
            img[y:y + s, x:x + s] = idx[i, j]
    return img


def image_source(img: np.ndarray) -> str:
    return "data:image/png;base64," + base64.b64encode(png_bytes(img, _palette())).decode()


def _tile_size(n_tokens: int, cells: int) -> int:
    """Pixels per tile: as many as the token count allows, fewer when there are many heads."""
    budget = 44 if cells <= 64 else 32 if cells <= 300 else 20
    return int(min(max(n_tokens, 4), budget))


def overview_figure(result: AttentionResult, labels: np.ndarray, scores: Mapping[str, np.ndarray],
                    label_names: Mapping[str, str] | None = None, texts=None, selected: tuple[int, int] | None = None):
    """All layers x heads in one figure: an image of downsampled thumbnails (layers across, heads down), a small
    colour mark per head for its pattern label, and hover text with every score. Clicking returns (x=layer,
    y=head) through the transparent overlay."""
    import plotly.graph_objects as go

    L, H = result.n_layers, result.n_heads
    budget = _tile_size(result.n_tokens, L * H)
    small = downsample(result.weights, budget)  # [L, H, n, n]
    zoom = max(1, budget // small.shape[-1])
    s, gap = small.shape[-1] * zoom, 2
    img = tile_image(small.transpose(1, 0, 2, 3), gap=gap, causal=result.causal, zoom=zoom)
    src = image_source(img)
    step = s + gap
    fig = go.Figure()
    fig.add_trace(go.Image(source=src, x0=0, y0=0, dx=1, dy=1, hoverinfo="skip"))
    names = label_names or {}
    hover = np.empty((H, L), dtype=object)
    for l in range(L):
        for h in range(H):
            parts = [f"{_t(texts, 'layer')} {l} · {_t(texts, 'head')} {h}", f"<b>{names.get(labels[l, h], labels[l, h])}</b>"]
            parts += [f"{names.get(k, k)}: {v[l, h]:.2f}" for k, v in scores.items()]
            hover[h, l] = "<br>".join(parts)
    centers_x = gap + np.arange(L) * step + s / 2
    centers_y = gap + np.arange(H) * step + s / 2
    fig.add_trace(go.Heatmap(z=np.zeros((H, L)), x=centers_x, y=centers_y, text=hover, hoverinfo="text",
                             opacity=0, showscale=False, hoverlabel=dict(font=dict(size=11))))
    for name in LABELS:  # one marker trace per label, so the legend explains the colours
        where = np.argwhere(labels == name)
        if not len(where):
            continue
        fig.add_trace(go.Scatter(
            x=gap + where[:, 0] * step + s - 3, y=gap + where[:, 1] * step + 3, mode="markers", hoverinfo="skip",
            marker=dict(symbol="square", size=6, color=LABEL_COLORS[name], line=dict(width=0.5, color="#333")),
            name=f"{names.get(name, name)} ({len(where)})"))
    if selected is not None:
        l, h = selected
        x0, y0 = gap + l * step - 1.5, gap + h * step - 1.5
        fig.add_shape(type="rect", x0=x0, y0=y0, x1=x0 + s + 3, y1=y0 + s + 3, line=dict(color="#e4572e", width=2))
    width_px, height_px = img.shape[1], img.shape[0]
    fig.update_xaxes(range=[0, width_px], tickvals=centers_x, ticktext=[str(l) for l in range(L)],
                     title_text=_t(texts, "layer"), showgrid=False, zeroline=False, tickfont=dict(size=9))
    fig.update_yaxes(range=[height_px, 0], tickvals=centers_y, ticktext=[str(h) for h in range(H)],
                     title_text=_t(texts, "head"), showgrid=False, zeroline=False, scaleanchor="x",
                     tickfont=dict(size=9))
    _layout(fig, int(min(900, max(300, height_px * 1260 / max(width_px, 1) + 150))),
            legend=dict(orientation="h", y=-0.12 if H > 4 else -0.3, x=0, font=dict(size=11)))
    fig.update_layout(plot_bgcolor="white", hovermode="closest", dragmode=False)
    return fig


def gallery_figure(result: AttentionResult, labels: np.ndarray, scores: Mapping[str, np.ndarray],
                   label_names: Mapping[str, str] | None = None, per_label: int = 6, texts=None):
    """Heads grouped by pattern label: one row per label, the ``per_label`` highest-scoring heads as thumbnails."""
    import plotly.graph_objects as go

    names = label_names or {}
    rows: list[tuple[str, list[tuple[int, int, float]]]] = []
    for name in LABELS:
        where = [tuple(x) for x in np.argwhere(labels == name)]
        if not where:
            continue
        key = name if name in scores else None
        ranked = sorted(((l, h, float(scores[key][l, h]) if key else float("nan")) for l, h in where),
                        key=lambda x: -x[2] if key else x[0])
        rows.append((name, ranked))
    n = min(result.n_tokens, 64)
    zoom = max(1, 64 // n)
    s, gap = n * zoom, 16
    cols = max((min(len(r), per_label) for _, r in rows), default=1)
    tiles = np.zeros((max(len(rows), 1), cols, n, n), np.float32)
    for i, (_, ranked) in enumerate(rows):
        for j, (l, h, _) in enumerate(ranked[:per_label]):
            tiles[i, j] = downsample(result.weights[l, h], n)
    img = tile_image(tiles, gap=gap, causal=result.causal, zoom=zoom)
    step = s + gap
    for i, (_, ranked) in enumerate(rows):  # rows with fewer heads than columns: leave the rest blank
        for j in range(min(len(ranked), per_label), cols):
            img[gap + i * step: gap + i * step + s, gap + j * step: gap + j * step + s] = WHITE_INDEX
    fig = go.Figure(go.Image(source=image_source(img), hoverinfo="skip"))
    notes = []  # one layout update with every annotation: add_annotation one by one is slow in plotly
    for i, (name, ranked) in enumerate(rows):
        y = gap + i * step
        notes.append(dict(x=img.shape[1] + 6, y=y + s / 2, xanchor="left", showarrow=False, align="left",
                          text=(f"<span style='color:{LABEL_COLORS[name]}'>■</span> <b>{names.get(name, name)}</b>"
                                f"<br>{len(ranked)} × {_t(texts, 'head')}"), font=dict(size=11)))
        for j, (l, h, score) in enumerate(ranked[:per_label]):
            txt = f"L{l} H{h}" + ("" if np.isnan(score) else f" · {score:.2f}")
            notes.append(dict(x=gap + j * step + s / 2, y=y - 1, yanchor="bottom", showarrow=False, text=txt,
                              font=dict(size=9)))
    fig.update_layout(annotations=notes)
    width = img.shape[1] + 150
    fig.update_xaxes(visible=False, range=[0, width])
    fig.update_yaxes(visible=False, range=[img.shape[0], -gap])
    _layout(fig, int(min(1400, max(260, img.shape[0] * 1.5 + 40))))
    fig.update_layout(plot_bgcolor="white", dragmode=False, margin=dict(l=10, r=10, t=10, b=10))
    return fig


# ----------------------------------------------------------------------------------------------- lens, ablation

def lens_figure(result: AttentionResult, lens: LensResult, texts=None, title: str = ""):
    """Layers (rows, embeddings at the top) x positions: each cell shows that layer's top prediction, coloured by
    its probability; hover lists the top-k."""
    import plotly.graph_objects as go

    names = axis_labels(result)
    x = [names[p] for p in lens.positions]
    n_layers = lens.top_probs.shape[0]
    y = [f"{i}" for i in range(n_layers)]
    top1 = [[show_token(lens.top_tokens[l][p][0]) for p in range(len(lens.positions))] for l in range(n_layers)]
    hover = [["<br>".join(f"{show_token(tok)}  {prob:.1%}" for tok, prob in
                          zip(lens.top_tokens[l][p], lens.top_probs[l, p].tolist()))
              for p in range(len(lens.positions))] for l in range(n_layers)]
    fig = go.Figure(go.Heatmap(
        z=lens.top_probs[:, :, 0].numpy(), x=x, y=y, text=top1, customdata=hover, texttemplate="%{text}",
        textfont=dict(family=FONT, size=10), colorscale="YlGnBu", zmin=0, zmax=1, colorbar=dict(thickness=10),
        hovertemplate=f"{_t(texts, 'layer')} %{{y}} · %{{x}}<br>%{{customdata}}<extra></extra>"))
    fig.update_xaxes(side="top", tickfont=dict(family=FONT, size=10), title_text=_t(texts, "lens_x"))
    fig.update_yaxes(autorange="reversed", title_text=_t(texts, "layer"), tickfont=dict(size=9))
    _layout(fig, max(420, 19 * n_layers + 140), title or _t(texts, "lens_title"))
    fig.update_layout(plot_bgcolor="white", margin=dict(l=10, r=10, t=90, b=10))
    return fig


def ablation_view(ab: AblationResult, tokenizer, top_n: int = 12):
    """A ``NextTokenView`` whose raw bars are the prediction with every head on and whose second bars are the
    prediction with the chosen heads off (so ``plots.next_token_figure`` can draw it)."""
    import torch

    from .generation import Alternative, NextTokenView
    from .tokens import token_label

    before, after = torch.softmax(ab.before.float(), -1), torch.softmax(ab.after.float(), -1)
    ids = list(dict.fromkeys(torch.topk(before, top_n).indices.tolist() + torch.topk(after, 4).indices.tolist()))
    ids.sort(key=lambda i: -float(before[i]))
    items = tuple(Alternative(i, token_label(tokenizer, i), float(after[i]), float(before[i])) for i in ids)
    nz = after[after > 0]
    return NextTokenView(items, int(after.numel()), float(-(nz * torch.log2(nz)).sum()), after.numel())


def ablation_figure(ab: AblationResult, tokenizer, title: str = "", texts=None):
    from .plots import next_token_figure

    return next_token_figure(ablation_view(ab, tokenizer), title, (_t(texts, "before"), _t(texts, "after")))


def label_counts(labels: np.ndarray) -> dict[str, int]:
    return {name: int((labels == name).sum()) for name in LABELS if (labels == name).any()}


def scores_table(labels: np.ndarray, scores: Mapping[str, np.ndarray], label_names=None) -> list[list]:
    """Rows [layer, head, label, score per pattern...] for a table view."""
    names = label_names or {}
    rows = []
    for l in range(labels.shape[0]):
        for h in range(labels.shape[1]):
            rows.append([l, h, names.get(labels[l, h], labels[l, h])] + [round(float(v[l, h]), 3)
                                                                          for v in scores.values()])
    return rows


__all__: Sequence[str] = ["head_figure", "aggregate_figure", "focus_figure", "overview_figure", "gallery_figure",
                          "lens_figure", "ablation_figure", "ablation_view", "png_bytes", "tile_image",
                          "axis_labels", "show_token", "scores_table", "label_counts"]
