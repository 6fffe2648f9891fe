"""Handlers of the Attention tab: UI values in, core calls (on the compute worker), figures out.

One run = one forward pass, cached (``ResultCache``) per model and text; every selector change and every view
switch redraws from the cache. Only the view on screen is drawn and sent, so payloads stay bounded.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field

import gradio as gr
import numpy as np

from ... import plots_attention as pa
from ...attention import (AblationUnavailable, AttentionResult, AttentionUnavailable, LensUnavailable, ResultCache,
                         ablate, head_scores, label_heads, logit_lens, max_attention_tokens, model_induction_scores)
from ...attention.patterns import LABELS
from ...models import ModelSpec
from ..context import UIContext, model_error, spec_from_choice
from ..events import Values
from ..generate.handlers import check_text
from ..strings import UIError, t

PICKER, ENCODER = "picker", "encoder"
VIEWS = ("head", "grid", "focus", "agg", "patterns", "lens", "ablation")
FIG_KEYS = ("query", "key", "weight", "layer", "head", "looks_at", "looked_by", "mean", "max", "rollout",
            "lens_title", "lens_x", "before", "after", "position")
HEAD_RE = re.compile(r"^\s*L?\s*(\d+)\s*[·.:,/ -]?\s*H?\s*(\d+)\s*$", re.I)


def fig_texts(lang: str, encoder: bool = False) -> dict[str, str]:
    texts = {k: t(f"at_fig_{k}", lang) for k in FIG_KEYS}
    if encoder:
        texts["lens_title"] = t("at_fig_lens_title_enc", lang)
    return texts


def label_names(lang: str) -> dict[str, str]:
    return {name: t(f"at_pat_{name}", lang) for name in LABELS}


def head_name(layer: int, head: int) -> str:
    return f"L{layer}·H{head}"


def parse_head(text: str) -> tuple[int, int] | None:
    m = HEAD_RE.match(str(text or ""))
    return (int(m.group(1)), int(m.group(2))) if m else None


@dataclass
class AttentionService:
    """Per-app caches of the tab: recent extractions and each model's induction scores (shared, read-only)."""

    ctx: UIContext
    cache: ResultCache = field(default_factory=ResultCache)
    induction: dict[str, np.ndarray] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    # ------------------------------------------------------------------ checks (fast, no model work)
    def check_run(self, v: Values) -> None:
        check_text(self.ctx, v.text)
        if v.source == ENCODER:
            if not (v.encoder or "").strip():
                raise UIError("at_encoder_empty")
            self.ctx.parse_spec(v.encoder)
        else:
            spec_from_choice(v.model)

    # ------------------------------------------------------------------ model + result
    def load(self, source: str, encoder: str, choice: str, lang: str):
        """The eager-attention model this tab analyses (the picker's causal LM, or a masked-LM encoder)."""
        engine = self.ctx.engine
        try:
            if source == ENCODER:
                return engine.registry.get(self.ctx.parse_spec(encoder), attn_implementation="eager",
                                           task="masked-lm")
            return engine.model(spec_from_choice(choice), attention=True)
        except Exception as exc:  # noqa: BLE001 - shown as a message
            raise gr.Error(model_error(exc, lang)) from None

    def result(self, state: dict | None, lang: str) -> tuple[object, AttentionResult]:
        if not state or not state.get("text"):
            raise UIError("at_not_run")
        lm = self.load(state["source"], state.get("encoder", ""), state.get("choice", ""), lang)
        try:
            return lm, self.cache.get(lm, state["text"], self.ctx.engine.worker, state.get("cap"))
        except AttentionUnavailable as exc:
            raise UIError("at_no_attention", error=str(exc)) from None

    def labels(self, lm, result: AttentionResult):
        """(scores dict, labels [L, H]) — induction scores come from one extra pass per model, cached."""
        with self.lock:
            induction = self.induction.get(result.model_key)
        if induction is None:
            try:
                induction = self.ctx.engine.worker.call(model_induction_scores, lm)
            except Exception:  # noqa: BLE001 - the other patterns still work without it
                induction = np.zeros((result.n_layers, result.n_heads), np.float32)
            with self.lock:
                self.induction[result.model_key] = induction

        def make():
            scores = head_scores(result.weights, result.causal, induction)
            return scores.as_dict(), label_heads(scores)

        return result.memo("labels", make)


# ---------------------------------------------------------------------- selectors

def _index(value, count: int, key: str) -> int:
    try:
        i = int(str(value).strip())
    except (TypeError, ValueError):
        i = -1
    if not 0 <= i < count:
        raise UIError(key, value=value, last=count - 1)
    return i


def selection(result: AttentionResult, layer, head, focus) -> tuple[int, int, int]:
    """Validated (layer, head, focus); empty values mean layer 0, head 0 and the last (or [MASK]) token."""
    empty = (None, "")
    return (0 if layer in empty else _index(layer, result.n_layers, "at_bad_layer"),
            0 if head in empty else _index(head, result.n_heads, "at_bad_head"),
            result.target if focus in empty else _index(focus, result.n_tokens, "at_bad_focus"))


def check_selection(svc: AttentionService, state, layer, head, focus) -> None:
    """Validate selectors against the cached result: no model load, no forward pass (nothing to check before the
    first run, or when the result has left the cache; the real handler validates again)."""
    if not state or not state.get("text"):
        return
    try:
        spec = svc.ctx.parse_spec(state["encoder"]) if state.get("source") == ENCODER else spec_from_choice(
            state.get("choice", ""))
    except ValueError:
        return
    task = "masked-lm" if state.get("source") == ENCODER else "causal-lm"
    result = svc.cache.find(spec.key, task, state["text"], state.get("cap") or max_attention_tokens())
    if result is not None:
        selection(result, layer, head, focus)


def focus_choices(result: AttentionResult) -> list[tuple[str, int]]:
    names = pa.axis_labels(result)
    return [(name, i) for i, name in enumerate(names)]


# ---------------------------------------------------------------------- views

def render(svc: AttentionService, view: str, lm, result: AttentionResult, layer: int, head: int, focus: int,
           agg: str, window: int, lang: str):
    """The figure(s) of one view: a tuple matching ``VIEW_OUTPUTS[view]`` (see attention_tab)."""
    texts = fig_texts(lang, not result.causal)
    names = label_names(lang)
    if view == "head":
        scores, labels = svc.labels(lm, result)
        title = t("at_head_title", lang, layer=layer, head=head, label=names[labels[layer, head]])
        return (pa.head_figure(result, layer, head, title, texts),)
    if view == "grid":
        scores, labels = svc.labels(lm, result)
        return (pa.overview_figure(result, labels, scores, names, texts, selected=(layer, head)),)
    if view == "focus":
        return (pa.focus_figure(result, focus, texts=texts),)
    if view == "agg":
        return (pa.aggregate_figure(result, layer, "max" if agg == "max" else "mean", texts),)
    if view == "patterns":
        scores, labels = svc.labels(lm, result)
        headers = [t("at_fig_layer", lang), t("at_fig_head", lang), t("at_col_pattern", lang)] + \
            [names.get(k, k) for k in scores]
        table = gr.update(value=pa.scores_table(labels, scores, names), headers=headers)
        return pa.gallery_figure(result, labels, scores, names, texts=texts), table
    if view == "lens":
        window = max(1, min(int(window or 8), 24))
        positions = tuple(range(max(0, focus - window + 1), focus + 1))
        try:
            lens = result.memo(("lens", positions),
                               lambda: svc.ctx.engine.worker.call(logit_lens, lm, result, positions))
        except LensUnavailable as exc:
            return None, t("at_lens_unavailable", lang, error=str(exc))
        return pa.lens_figure(result, lens, texts), t("at_lens_note", lang, first=positions[0], last=positions[-1])
    raise ValueError(view)


def summary(result: AttentionResult, seconds: float, cap: int, lang: str) -> str:
    kind = t("at_kind_decoder" if result.causal else "at_kind_encoder", lang)
    text = t("at_summary", lang, n=result.n_tokens, layers=result.n_layers, heads=result.n_heads, kind=kind,
             seconds=seconds)
    if result.n_kv_heads and result.n_kv_heads != result.n_heads:
        text += t("at_gqa", lang, heads=result.n_heads, kv=result.n_kv_heads)
    if result.truncated:
        text += "\n\n" + t("at_truncated", lang, total=result.total_tokens, kept=result.n_tokens, cap=cap)
    return text


def run_ablation(svc: AttentionService, state, heads: list | None, focus, lang: str):
    """(figure, summary markdown) for switching ``heads`` off, compared at the token in focus."""
    lm, result = svc.result(state, lang)
    position = result.target if focus in (None, "") else _index(focus, result.n_tokens, "at_bad_focus")
    pairs = []
    for item in heads or []:
        pair = parse_head(item)
        if pair is None or not (0 <= pair[0] < result.n_layers and 0 <= pair[1] < result.n_heads):
            raise UIError("at_bad_heads", value=item)
        pairs.append(pair)
    if not pairs:
        raise UIError("at_ablation_none")
    try:
        ab = svc.ctx.engine.worker.call(ablate, lm, result, pairs, position)
    except AblationUnavailable as exc:
        raise UIError("at_ablation_unavailable", error=str(exc)) from None
    import torch

    before, after = torch.softmax(ab.before, -1), torch.softmax(ab.after, -1)
    from ...tokens import token_label

    label = lambda i: pa.show_token(token_label(lm.tokenizer, i))  # noqa: E731
    context = "".join(result.tokens[max(0, ab.position - 5): ab.position + 1])
    text = t("at_ablation_summary", lang, context=pa.show_token(context), before=label(ab.top_before),
             p_before=float(before[ab.top_before]), after=label(ab.top_after), p_after=float(after[ab.top_after]),
             n=len(ab.heads), kl=ab.kl_bits)
    heads_txt = ", ".join(head_name(l, h) for l, h in ab.heads[:6]) + ("…" if len(ab.heads) > 6 else "")
    fig = pa.ablation_figure(ab, lm.tokenizer, t("at_ablation_title", lang, heads=heads_txt), fig_texts(lang))
    return fig, text


def code_for(svc: AttentionService, v: Values) -> str:
    """The forward pass behind the chosen head, as a script (``playground.showcode.attention_code``)."""
    from ...showcode import attention_code, model_ref

    svc.check_run(v)
    check_selection(svc, v.state, v.layer, v.head, None)
    spec = svc.ctx.parse_spec(v.encoder) if v.source == ENCODER else spec_from_choice(v.model, svc.ctx, v.request)
    layer, head = (max(0, int(x)) if x not in (None, "") else 0 for x in (v.layer, v.head))
    return attention_code(model_ref(spec), v.text, layer, head)


def timed_result(svc: AttentionService, state: dict, lang: str):
    started = time.perf_counter()
    lm, result = svc.result(state, lang)
    return lm, result, time.perf_counter() - started


__all__ = ["AttentionService", "render", "run_ablation", "summary", "selection", "check_selection", "VIEWS",
           "PICKER", "ENCODER", "focus_choices", "head_name", "parse_head", "timed_result", "code_for"]
