"""HTML of the scenarios tab's results: retrieved passages, ranked answers, supporting sentence, label table."""

from __future__ import annotations

import html
from typing import Any, Sequence

from ...generation import GenerationDone, PreparedPrompt
from ...scenarios import runner, scoring
from ..strings import t

STYLE = """<style>
.sc-table{border-collapse:collapse;width:100%;font-size:14px;margin:4px 0 10px}
.sc-table th,.sc-table td{border-bottom:1px solid #e5e7eb;padding:5px 6px;text-align:left;vertical-align:top}
.sc-table th{color:#555;font-weight:600}
.sc-bar{background:#e5e7eb;border-radius:3px;height:10px;width:90px;display:inline-block;vertical-align:middle}
.sc-bar span{display:block;height:10px;border-radius:3px;background:#4f86f7}
.sc-best{background:#eefbe9}
.sc-h{font-weight:600;margin:6px 0 2px}
.sc-muted{color:#666;font-size:13px}
.sc-passage{line-height:1.7}
.sc-passage mark{background:#fff1a8;padding:1px 2px;border-radius:3px}
.sc-big{font-size:22px;font-weight:700;margin:4px 0}
</style>"""


def esc(text: Any) -> str:
    return html.escape(str(text))


def passages_html(hits, lang: str, source: str, n: int, method: str) -> str:
    top = max((h.score for h in hits), default=0.0)
    rows = []
    for h in hits:
        width = 0 if top <= 0 else max(0.0, h.score) / top * 100
        title = f"<b>{esc(h.passage.title)}</b><br>" if h.passage.title else ""
        rows.append(f"<tr><td>{h.rank}</td><td><span class='sc-bar'><span style='width:{width:.0f}%'></span></span> "
                    f"{h.score:.3f}</td><td>{title}{esc(h.passage.text)}</td></tr>")
    note = f"<div class='sc-muted'>{esc(t('sc_no_match', lang))}</div>" if top <= 0 else ""
    return (f"<div class='sc-h'>{esc(t('sc_passages', lang))}</div>"
            f"<div class='sc-muted'>{esc(t('sc_kb_source', lang, source=source, n=n, method=method))}</div>{note}"
            f"<table class='sc-table'><tr><th>{esc(t('sc_col_rank', lang))}</th><th>{esc(t('sc_col_score', lang))}</th>"
            f"<th>{esc(t('sc_col_passage', lang))}</th></tr>{''.join(rows)}</table>")


def ranking_html(ranked: Sequence[scoring.RankedAnswer], lang: str) -> str:
    rows = []
    for i, a in enumerate(ranked):
        cls = " class='sc-best'" if i == 0 else ""
        rows.append(f"<tr{cls}><td>{i + 1}</td><td>{esc(a.text)}</td><td>{esc(t('sc_origin_' + a.origin, lang))}</td>"
                    f"<td><span class='sc-bar'><span style='width:{a.confidence * 100:.0f}%'></span></span> "
                    f"{a.mean_logprob:.3f}</td></tr>")
    return (f"<div class='sc-h'>{esc(t('sc_ranked', lang))}</div><div class='sc-muted'>{esc(t('sc_rank_help', lang))}"
            f"</div><table class='sc-table'><tr><th>#</th><th>{esc(t('sc_col_answer', lang))}</th>"
            f"<th>{esc(t('sc_col_origin', lang))}</th><th>{esc(t('sc_col_conf', lang))}</th></tr>{''.join(rows)}</table>")


def support_html(support: runner.Support, lang: str) -> str:
    if support.best < 0:
        return f"<div class='sc-muted'>{esc(t('sc_no_support', lang))}</div>"
    parts = [f"<mark>{esc(s)}</mark>" if i == support.best else esc(s) for i, s in enumerate(support.sentences)]
    return (f"<div class='sc-h'>{esc(t('sc_support', lang))}</div>"
            f"<div class='sc-passage' id='sc-support'>{' '.join(parts)}</div>")


def label_table_html(scores: Sequence[scoring.LabelScore], lang: str) -> str:
    rows = "".join(f"<tr><td>{esc(s.label)}</td><td>{s.prob:.3f}</td><td>{s.logprob:.3f}</td><td>{s.tokens}</td></tr>"
                   for s in scores)
    head = "".join(f"<th>{esc(t(k, lang))}</th>" for k in ("sc_col_label", "sc_col_p", "sc_col_logp", "sc_col_tokens"))
    return f"<table class='sc-table'><tr>{head}</tr>{rows}</table>"


def stats_line(done: GenerationDone, prepared: PreparedPrompt, lang: str) -> str:
    return t("sc_stats", lang, n=done.new_tokens, tps=done.tokens_per_second, seconds=done.seconds,
             prompt=done.prompt_count or "?")
