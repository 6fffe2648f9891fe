"""Handlers of the Generation tab: UI values in, core calls, display values out."""

from __future__ import annotations

import time
from typing import Any, Iterator

import gradio as gr

from ..config import GenerationSettings
from ..generation import GenerationDone, TokenEvent, next_token_view, prepare_prompt, stream
from ..plots import next_token_figure
from ..tokens import describe_ids
from . import render
from .context import UIContext, lang_of, load_or_error, spec_from_choice
from .strings import t

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


def parse_stops(text: str | None) -> tuple[str, ...]:
    return tuple(line.replace("\\n", "\n").replace("\\t", "\t") for line in (text or "").splitlines() if line)


def parse_seed(value) -> int | None:
    """Empty means "pick one at random"; anything else must be a whole number."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"Seed must be a whole number (or empty for a random one), not {value!r}.") from None
    if not number.is_integer():
        raise ValueError(f"Seed must be a whole number (or empty for a random one), not {value!r}.")
    return int(number)


def settings_from_ui(max_new_tokens, do_sample, temperature, top_k, top_p, min_p, repetition_penalty,
                     no_repeat_ngram_size, num_beams, stops, seed, max_time) -> GenerationSettings:
    """Build validated settings from widget values; ``ValueError`` carries a readable message."""
    try:
        return GenerationSettings(
            max_new_tokens=int(max_new_tokens), do_sample=bool(do_sample), temperature=float(temperature),
            top_k=int(top_k), top_p=float(top_p), min_p=float(min_p), repetition_penalty=float(repetition_penalty),
            no_repeat_ngram_size=int(no_repeat_ngram_size), num_beams=int(num_beams), stop=parse_stops(stops),
            seed=parse_seed(seed), max_time=None if not max_time else float(max_time))
    except (TypeError, OverflowError) as exc:
        raise ValueError(str(exc)) from None


def validate_request(ctx: UIContext, mode: str, prompt: str, history: list | None, choice: str,
                     settings_values: tuple | None, request: gr.Request | None = None) -> None:
    """Fast checks before any model work; raises ``gr.Error`` (shown as a message, outputs untouched)."""
    lang = lang_of(request)
    if not (prompt or "").strip() and not (settings_values is None and mode == CHAT and history):
        raise gr.Error(t("empty_prompt", lang))
    if len(prompt or "") > ctx.engine.limits.max_input_chars:
        raise gr.Error(t("too_long", lang, n=len(prompt), limit=ctx.engine.limits.max_input_chars))
    if settings_values is not None:
        try:
            settings_from_ui(*settings_values).capped(ctx.engine.limits)
        except ValueError as exc:
            raise gr.Error(t("bad_setting", lang, error=str(exc))) from None
    try:
        spec_from_choice(choice)
    except ValueError as exc:
        raise gr.Error(t("model_error", lang, error=str(exc))) from None


def _prepare(ctx: UIContext, lm, mode: str, prompt: str, system: str, history: list | None):
    return prepare_prompt(lm, ctx.engine.limits, prompt=prompt or "", chat=(mode == CHAT),
                          messages=history_messages(history) if mode == CHAT else None, system=system)


def run_generation(ctx: UIContext, mode: str, prompt: str, system: str, history: list | None, choice: str,
                   *settings_values, request: gr.Request | None = None) -> Iterator[tuple]:
    """Stream one generation. Yields (chat history, output text, tokens html, stats, table, prompt box)."""
    lang = lang_of(request)
    prompt = prompt or ""
    validate_request(ctx, mode, prompt, history, choice, settings_values, request)  # API callers skip the UI's check
    settings = settings_from_ui(*settings_values).capped(ctx.engine.limits)
    lm = load_or_error(ctx, choice, lang)
    try:
        prepared = _prepare(ctx, lm, mode, prompt, system, history)
    except ValueError as exc:
        raise gr.Error(str(exc)) from None
    for warning in prepared.warnings:
        gr.Warning(warning)
    chat = mode == CHAT
    base = history_messages(history) + ([{"role": "user", "content": prompt}] if chat else [])
    labels = dict(legend=t("legend", lang), prob_label=t("prob_label", lang), raw_label=t("raw_label", lang))
    empty_html = render.tokens_html([], empty=t("no_tokens_yet", lang))
    events: list[TokenEvent] = []
    text = ""
    last_text = last_tokens = 0.0
    tokens_html = empty_html
    stop = ctx.new_stop(request)
    try:
        yield (base + [{"role": "assistant", "content": "…"}] if chat else gr.skip(), "" if not chat else gr.skip(),
               empty_html, t("waiting", lang), [], "" if chat else gr.skip())
        for event in stream(lm, ctx.engine.worker, prepared, settings, ctx.engine.limits, stop_event=stop):
            now = time.monotonic()
            if isinstance(event, GenerationDone):
                text = event.text
                stats = t("stats", lang, n=event.new_tokens, tps=event.tokens_per_second,
                          ttft=event.first_token_seconds or 0.0, prompt=len(prepared.input_ids),
                          reason=t(f"reason_{event.stop_reason}", lang), seed=event.seed)
                yield (base + [{"role": "assistant", "content": text}] if chat else gr.skip(),
                       text if not chat else gr.skip(), render.tokens_html(list(event.tokens), **labels),
                       stats, render.token_table(event.tokens), gr.skip())
                return
            events.append(event)
            text += event.text
            if now - last_text < TEXT_EVERY:
                continue
            last_text = now
            if now - last_tokens >= TOKENS_EVERY:
                last_tokens = now
                tokens_html = render.tokens_html(events, **labels)
            yield (base + [{"role": "assistant", "content": text}] if chat else gr.skip(),
                   text if not chat else gr.skip(), tokens_html, f"{len(events)} …", gr.skip(), gr.skip())
    except gr.Error:
        raise
    except Exception as exc:  # noqa: BLE001 - shown as a message, never a traceback
        raise gr.Error(t("generation_failed", lang, error=str(exc))) from None
    finally:
        ctx.release_stop(request, stop)


def analyze_prompt(ctx: UIContext, mode: str, prompt: str, system: str, history: list | None, choice: str,
                   do_sample: bool, temperature: float, top_k: int, top_p: float, min_p: float,
                   quiet: bool = False, request: gr.Request | None = None):
    """Next-token chart, tokenizer chips and the exact model input for the current prompt.

    The logits are cached per prompt, so moving a slider only reshapes them (no forward pass).
    ``quiet``: slider events skip silently when there is nothing to show yet.
    """
    lang = lang_of(request)
    if not (prompt or "").strip() and not (mode == CHAT and history):
        if quiet:
            return gr.skip(), gr.skip(), gr.skip()
        raise gr.Error(t("empty_prompt", lang))
    lm = load_or_error(ctx, choice, lang)
    try:
        prepared = _prepare(ctx, lm, mode, prompt, system, history)
        logits = ctx.engine.logits_cache.get(lm, ctx.engine.worker, prepared.input_ids)
        view = next_token_view(logits, lm.tokenizer, temperature=float(temperature), top_k=int(top_k),
                               top_p=float(top_p), min_p=float(min_p), greedy=not do_sample, top_n=15)
    except ValueError as exc:
        raise gr.Error(str(exc)) from None
    title = (t("nt_greedy", lang) if not do_sample else
             t("nt_title", lang, kept=view.kept, vocab=view.vocab_size, entropy=view.entropy_bits))
    figure = next_token_figure(view, title, (t("legend_model", lang), t("legend_sampler", lang)))
    infos = describe_ids(lm.tokenizer, prepared.input_ids)
    chips = render.chips_html(infos, t("tokens_summary", lang, n=len(infos), chars=len(prepared.text)))
    return figure, chips, prepared.text
