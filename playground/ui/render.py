"""HTML for the token views. Pure string building, escaped; no gradio import needed."""

from __future__ import annotations

import html
from typing import Iterable, Sequence

from ..generation import TokenEvent
from ..tokens import TokenInfo, visible

STYLE = """<style>
.pg-tokens{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:14px;line-height:2.1;white-space:pre-wrap;
  word-break:break-word}
.pg-tok{position:relative;border-radius:3px;padding:1px 0;margin:0 1px;border-bottom:2px solid rgba(0,0,0,.15);
  cursor:help;color:#111}
.pg-tok:hover{outline:2px solid #333}
.pg-tok:hover::after{content:attr(data-tip);position:absolute;left:0;top:1.9em;z-index:50;background:#222;color:#fff;
  padding:6px 8px;border-radius:6px;font-size:12px;line-height:1.45;white-space:pre;pointer-events:none;
  box-shadow:0 2px 8px rgba(0,0,0,.3)}
.pg-legend{font-size:12px;color:#555;margin-top:6px}
.pg-legend span{display:inline-block;padding:0 6px;margin-right:4px;border-radius:3px;color:#111}
.pg-chip{display:inline-block;margin:2px;padding:2px 5px;border-radius:4px;background:#eef2f8;
  border:1px solid #cbd5e1;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px;color:#111}
.pg-chip small{color:#666;margin-left:3px}
.pg-chip.special{background:#fde8d7;border-color:#f0b27a}
.pg-empty{color:#777;font-style:italic}
</style>"""


def prob_color(p: float) -> str:
    """Background colour for a probability: red (unlikely) -> yellow -> green (likely)."""
    p = min(max(p, 0.0), 1.0)
    return f"hsl({int(120 * p)}, 75%, 82%)"


def visible_label(text: str) -> str:
    """A token as a short label with its whitespace shown (for lists and chips)."""
    return visible(text)


def span(text: str, background: str, tip: str) -> str:
    """One token as a coloured span whose hover box shows ``tip`` (the one way every view draws a token)."""
    return (f'<span class="pg-tok" style="background:{background}" data-tip="{html.escape(tip, quote=True)}">'
            f"{html.escape(visible(text, inline=False))}</span>")


def scale_html(legend: str) -> str:
    """The colour scale under a token view."""
    scale = "".join(f'<span style="background:{prob_color(p)}">{p:.0%}</span>' for p in (0.05, 0.25, 0.5, 0.75, 1.0))
    return f'<div class="pg-legend">{html.escape(legend)} {scale}</div>'


def token_span(event: TokenEvent, prob_label: str = "p", raw_label: str = "model") -> str:
    lines = [f"{event.token!r}  {prob_label}={event.prob:.1%}  {raw_label}={event.raw_prob:.1%}"]
    for alt in event.alternatives:
        mark = "→" if alt.token_id == event.token_id else " "
        lines.append(f"{mark} {alt.token!r:<16} {alt.prob:6.1%}  ({raw_label} {alt.raw_prob:.1%})")
    return span(event.token, prob_color(event.prob), "\n".join(lines))


def tokens_html(events: Sequence[TokenEvent], legend: str = "", empty: str = "",
                prob_label: str = "p", raw_label: str = "model") -> str:
    """Generated tokens coloured by the probability the sampler gave them; hover shows the alternatives."""
    if not events:
        return STYLE + f'<div class="pg-empty">{html.escape(empty)}</div>'
    body = "".join(token_span(e, prob_label, raw_label) for e in events)
    return STYLE + f'<div class="pg-tokens">{body}</div>' + scale_html(legend)


def chips_html(tokens: Iterable[TokenInfo], summary: str = "") -> str:
    """The tokenizer view: each token as a chip with its id."""
    chips = "".join(
        f'<span class="pg-chip{" special" if t.special else ""}">{html.escape(visible(t.label, inline=False)) or "∅"}'
        f"<small>{t.token_id}</small></span>" for t in tokens)
    return STYLE + f'<div class="pg-legend">{html.escape(summary)}</div><div>{chips}</div>'


def table_headers(lang: str) -> list[str]:
    from .strings import t

    return [t(k, lang) for k in ("col_pos", "col_token", "col_prob", "col_raw", "col_alts")]


def token_table(events: Sequence[TokenEvent], headers: list[str]) -> dict:
    """The click-to-inspect table (headers in the user's language): position, token, probabilities, alternatives."""
    rows = []
    for e in events:
        alts = ", ".join(f"{a.token!r} {a.prob:.0%}" for a in e.alternatives if a.token_id != e.token_id)
        rows.append([e.index + 1, repr(e.token), round(e.prob, 4), round(e.raw_prob, 4), alts])
    return {"headers": headers, "data": rows}


def surprisal_html(tokens: Sequence[str], probs: Sequence[float], bits: Sequence[float], first: str = "",
                   legend: str = "", surprisal_label: str = "surprisal") -> str:
    """A scored text: each token coloured by the probability the model gave it (hover: p and surprisal)."""
    spans = [span(first, "#eee", first)] if first else []
    for tok, p, b in zip(tokens, probs, bits):
        spans.append(span(tok, prob_color(p), f"{tok!r}  p={p:.2%}  {surprisal_label}={b:.2f} bits"))
    return STYLE + f'<div class="pg-tokens">{"".join(spans)}</div>' + scale_html(legend)
