"""Handlers of the Generate tab: named UI values in (``events.Values``), core calls, display values out."""

from __future__ import annotations

import dataclasses
import html
import time
from typing import Any, Iterator

import gradio as gr

from ...config import GenerationSettings
from ... import remote_views
from ...distributions import view_of_top
from ...errors import Msg, text_in
from ...generation import GenerationDone, TokenEvent, next_token_view, prepare_prompt, stream
from ...lab import BranchTree
from ...plots import next_token_figure
from ...tokens import describe_ids
from .. import render
from ..context import UIContext, load_or_error, load_visibly, spec_from_choice
from ..events import Values
from ..strings import UIError
from .form import GENERATION

CHAT, COMPLETE = "chat", "complete"
TEXT_EVERY = 0.08  # seconds between streamed text updates
TOKENS_EVERY = 0.6  # seconds between coloured-token updates (the HTML grows with every token)


def message_text(content: Any) -> str:
    """Plain text of a Chatbot message (gradio 6 may hand content over as a list of parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    if isinstance(content, dict):
        return str(content.get("text", ""))
    return "" if content is None else str(content)


def history_messages(history: list | None) -> list[dict]:
    return [{"role": m["role"], "content": message_text(m.get("content"))}
            for m in (history or []) if isinstance(m, dict) and m.get("role") in ("user", "assistant", "system")]


def check_text(ctx: UIContext, text: str | None, allow_empty: bool = False) -> None:
    """The checks every text box shares: not empty (unless allowed), not over the server's size limit."""
    limit = ctx.engine.limits.max_input_chars
    if not (text or "").strip() and not allow_empty:
        raise UIError("empty_prompt")
    if len(text or "") > limit:
        raise UIError("too_long", n=len(text or ""), limit=limit)


def check_model(choice: str) -> None:
    """The picker value names a model (nothing is loaded)."""
    spec_from_choice(choice)


def settings_of(ctx: UIContext, v: Values) -> GenerationSettings:
    """The validated decoding settings of an event, within the server's limits."""
    return GENERATION.parse(v).capped(ctx.engine.limits)


def check_request(ctx: UIContext, v: Values, with_settings: bool = True) -> None:
    """Fast checks before any model work (the UI runs them first, so a bad input changes nothing on screen)."""
    check_text(ctx, v.prompt, allow_empty=not with_settings and v.mode == CHAT and bool(v.history))
    if with_settings:
        settings_of(ctx, v)
    check_model(v.model)


def prepare(ctx: UIContext, lm, v: Values):
    """The model input for the event's mode, prompt, system prompt and chat history."""
    chat = v.mode == CHAT
    return prepare_prompt(lm, ctx.engine.limits, prompt=v.prompt or "", chat=chat,
                          messages=history_messages(v.history) if chat else None, system=v.system)


def fit_prompt(ctx: UIContext, lm, prompt):
    """A prompt built from token ids (a branch) cut to the server's prompt limit, keeping its last tokens."""
    keep = ctx.engine.limits.max_prompt_tokens
    if len(prompt.input_ids) <= keep:
        return prompt
    ids = list(prompt.input_ids[-keep:])
    return dataclasses.replace(prompt, input_ids=ids, text=lm.tokenizer.decode(ids, skip_special_tokens=False),
                               truncated=prompt.truncated + len(prompt.input_ids) - keep)


def token_labels(v: Values) -> dict:
    return dict(legend=v.t("legend"), prob_label=v.t("prob_label"), raw_label=v.t("raw_label"))


def run_generation(ctx: UIContext, v: Values) -> Iterator[tuple]:
    """Stream one generation. Yields (chat history, output text, tokens html, stats, table, prompt box, branch
    tree); the tree (for the lab's branching) arrives with the last update."""
    check_request(ctx, v)  # API callers skip the UI's check
    settings = settings_of(ctx, v)
    lm = yield from load_visibly(ctx, v.model, v.lang, v.request,
                                 show=lambda line: (*[gr.skip()] * 3, line, *[gr.skip()] * 3))
    prepared = prepare(ctx, lm, v)
    for warning in prepared.warnings:
        gr.Warning(text_in(warning, v.lang))
    chat = v.mode == CHAT
    prompt = v.prompt or ""
    base = history_messages(v.history) + ([{"role": "user", "content": prompt}] if chat else [])
    labels = token_labels(v)
    empty_html = render.tokens_html([], empty=v.t("no_tokens_yet"))
    events: list[TokenEvent] = []
    text = ""
    last_text = last_tokens = 0.0
    tokens_html = empty_html
    stop = ctx.new_stop(v.request)
    try:
        yield (base + [{"role": "assistant", "content": "…"}] if chat else gr.skip(), "" if not chat else gr.skip(),
               empty_html, v.t("waiting"), [], "" if chat else gr.skip(), gr.skip())
        for event in stream(lm, ctx.engine.worker, prepared, settings, ctx.engine.limits, stop_event=stop):
            now = time.monotonic()
            if isinstance(event, GenerationDone):
                text = event.text
                stats = v.t("stats", n=event.new_tokens, tps=event.tokens_per_second,
                            ttft=event.first_token_seconds or 0.0, prompt=event.prompt_count or "?",
                            reason=v.t(f"reason_{event.stop_reason}"), seed=event.seed)
                yield (base + [{"role": "assistant", "content": text}] if chat else gr.skip(),
                       text if not chat else gr.skip(), render.tokens_html(list(event.tokens), **labels),
                       stats, render.token_table(event.tokens, render.table_headers(v.lang)), gr.skip(),
                       tree_data(event, v.model))
                return
            events.append(event)
            text += event.text
            if now - last_text < ctx.update_every(TEXT_EVERY):
                continue
            last_text = now
            if now - last_tokens >= ctx.update_every(TOKENS_EVERY):
                last_tokens = now
                tokens_html = render.tokens_html(events, **labels)
            yield (base + [{"role": "assistant", "content": text}] if chat else gr.skip(),
                   text if not chat else gr.skip(), tokens_html, f"{len(events)} …", gr.skip(), gr.skip(), gr.skip())
    finally:
        ctx.release_stop(v.request, stop)


def tree_data(done: GenerationDone, model: str) -> dict:
    """A new branching tree rooted at this generation (plain data for the session's state)."""
    tree = BranchTree()
    tree.start(done)
    return tree.to_dict() | {"model": model}


def analyze_prompt(ctx: UIContext, v: Values, quiet: bool = False):
    """Next-token chart, tokenizer chips and the exact model input for the current prompt.

    The logits are cached per prompt, so moving a slider only reshapes them (no forward pass).
    ``quiet``: slider events skip silently when there is nothing to show yet.
    """
    if not (v.prompt or "").strip() and not (v.mode == CHAT and v.history):
        if quiet:
            return gr.skip(), gr.skip(), gr.skip()
        raise UIError("empty_prompt")
    settings = GENERATION.parse(v)
    lm = load_or_error(ctx, v.model, v.lang)
    prepared = prepare(ctx, lm, v)
    shape = dict(temperature=settings.temperature, top_k=settings.top_k, top_p=settings.top_p, min_p=settings.min_p,
                 greedy=not settings.do_sample, top_n=15)
    if not lm.has_weights:  # a remote engine: the top of its distribution, from a one-token request
        view = view_of_top(remote_views.next_top(lm, prepared), **shape)
        title = v.t("nt_remote", vocab=view.vocab_size, mass=view.known_mass, kept=view.kept)
        chips = render.STYLE + f"<div class='pg-legend'>{html.escape(text_in(Msg('remote_no_tokenizer', name=lm.spec.name), v.lang))}</div>"
    else:
        logits = ctx.engine.logits_cache.get(lm, ctx.engine.worker, prepared.input_ids)
        view = next_token_view(logits, lm.tokenizer, **shape)
        title = (v.t("nt_greedy") if not settings.do_sample else
                 v.t("nt_title", kept=view.kept, vocab=view.vocab_size, entropy=view.entropy_bits))
        infos = describe_ids(lm.tokenizer, prepared.input_ids)
        chips = render.chips_html(infos, v.t("tokens_summary", n=len(infos), chars=len(prepared.text)))
    figure = next_token_figure(view, title, (v.t("legend_model"), v.t("legend_sampler")))
    return figure, chips, prepared.text
