"""Handlers of the Application scenarios tab: named UI values in, core calls (playground.scenarios), views out.

The panel reuses a fixed set of input slots (``SLOT_ORDER``), named ``textarea_0``, ``line_1`` … in events and
in the API; ``slots(spec)`` says which input of the chosen scenario each slot shows. Every run is a generator
yielding the ``OUTPUTS`` tuple.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any, Iterator

import gradio as gr

from ... import packs
from ...config import GenerationSettings
from ...errors import Msg, text_in
from ...generation import GenerationDone, PreparedPrompt, stream
from ...scenarios import extract, registry, runner, scoring
from ...scenarios.retrieval import Retriever
from ...scenarios.spec import MAX_EXAMPLES, SLOT_ORDER, Scenario, fill_template, slots, template_names
from ..context import UIContext, load_or_error, spec_from_choice
from ..events import Values
from ..generate.form import SCENARIO
from ..strings import UIError, error_text, t
from .view import STYLE, esc, label_table_html, passages_html, ranking_html, stats_line, support_html

OUTPUTS = ("notes", "text", "code", "json", "label", "details", "batch_df", "batch_file", "prompt", "stats")
TEXT_EVERY = 0.1  # seconds between streamed text updates
LABEL_RESERVE = 24  # positions kept free after a classification prompt for the label tokens


class Stopped(Exception):
    """The user pressed Stop: the run ends and shows what it has so far."""


# ----------------------------------------------------------------------------------------------- validation

def slot_name(key: tuple[str, int]) -> str:
    """The event/API name of a slot, e.g. ("textarea", 0) -> "textarea_0"."""
    return f"{key[0]}_{key[1]}"


def slot_inputs(spec: Scenario, v: Values) -> dict[str, Any]:
    """The chosen scenario's inputs by name, read from the slots that show them."""
    return {item.name: v.get(slot_name(key)) for key, item in slots(spec).items()}


def validate_run(ctx: UIContext, v: Values):
    """Fast checks before any model work. Returns (spec, cleaned inputs, settings)."""
    try:
        spec = registry.get(v.scenario)
    except KeyError:
        raise UIError("sc_unknown", value=str(v.scenario)) from None
    template = v.template or ""
    try:
        cleaned = runner.clean_inputs(spec, slot_inputs(spec, v))
        runner.check_kind_inputs(spec, cleaned.values)
        if not template.strip():
            raise UIError("sc_template_empty")
        dummy = {c: "" for c in spec.placeholders}
        fill_template(template, {**runner.template_values(spec, cleaned.values), **dummy})
        if spec.kind == "rag":
            runner.load_kb(cleaned.values.get("kb"), cleaned.values["question"])
        if spec.kind == "classify" and cleaned.values.get("csv"):
            runner.read_csv_column(cleaned.values["csv"], cleaned.values.get("column") or "")
        settings = SCENARIO.parse(v, base=spec.settings).capped(ctx.engine.limits)
        spec_from_choice(v.model)
    except runner.EmptyInput as exc:
        raise UIError("sc_empty_input", label=exc.item.label.get(v.lang, exc.item.label["en"])) from None
    except UIError:
        raise
    except (ValueError, TypeError) as exc:  # input, knowledge-base, template and settings errors
        raise UIError("sc_bad_input", error=error_text(exc, v.lang)) from None
    return spec, cleaned, settings


# ----------------------------------------------------------------------------------------------- running

class _Out(dict):
    """The run's outputs by name (``OUTPUTS``), plus the reader's language for the notes."""

    lang = "en"

    def tuple(self) -> tuple:
        return tuple(self.get(k, gr.skip()) for k in OUTPUTS)


def _generate(ctx: UIContext, lm, prepared: PreparedPrompt, settings: GenerationSettings, stop) -> Iterator[str]:
    """Yields the growing text every TEXT_EVERY seconds; returns the ``GenerationDone`` (None when stopped).

    ``stop`` is the session's stop switch. ``stream`` sets it when it ends (to release the worker), so it is
    cleared again after a generation the user did not stop: a run may hold several generations.
    """
    text, last, done = "", 0.0, None
    events = stream(lm, ctx.engine.worker, prepared, settings, ctx.engine.limits, stop_event=stop)
    try:
        for event in events:
            if isinstance(event, GenerationDone):
                done = event
                break
            text += event.text
            now = time.monotonic()
            if now - last >= ctx.update_every(TEXT_EVERY):
                last = now
                yield text
    finally:
        events.close()
    if done is None or done.stop_reason == "stopped":
        return None
    stop.clear()
    return done


def _streamed(out: _Out, key: str, gen: Iterator[str], prefix: str = "", transform=None):
    """Drive ``_generate``, putting the partial text into ``out[key]``; returns its ``GenerationDone``, raises
    ``Stopped`` when the user stopped it."""
    while True:
        try:
            partial = next(gen)
        except StopIteration as end:
            if end.value is None:
                raise Stopped() from None
            return end.value
        out[key] = transform(prefix + partial) if transform else prefix + partial
        yield out.tuple()


def run_scenario(ctx: UIContext, retriever: Retriever, v: Values) -> Iterator[tuple]:
    """Run one scenario: validate, build the prompt, generate / retrieve / score, and stream the views."""
    spec, cleaned, settings = validate_run(ctx, v)
    template = v.template or ""
    lm = load_or_error(ctx, v.model, v.lang)
    values = cleaned.values
    tip = packs.advice(values.values(), spec.id, lm.spec.ref)  # Chinese text: the pack that knows Chinese
    notes = list(cleaned.notes) + ([tip] if tip else [])
    if not lm.has_weights and spec.kind in ("classify", "rag"):  # how a remote engine scores (or cannot)
        notes.append(Msg("notice_remote_scoring" if lm.has_prompt_logprobs else
                         "notice_remote_no_scoring" if spec.kind == "classify" else "notice_remote_no_ranking"))
    missing = [i.label.get(v.lang, i.label["en"]) for i in spec.inputs
               if i.kind in ("textarea", "line") and i.required and i.name not in template_names(template)]
    if missing:
        gr.Warning(v.t("sc_template_unused", names=", ".join(missing)))
    hidden = gr.update(value=None, visible=False)  # the batch outputs appear only after a batch run
    out = _Out(notes=notes_md(notes, v.lang), text="", code="", json=None, label=None, details="",
               batch_df=hidden, batch_file=hidden, prompt="", stats=v.t("sc_running"))
    out.lang = v.lang
    yield out.tuple()
    stop = ctx.new_stop(v.request)
    try:
        run = {"rag": _run_rag, "classify": _run_classify, "extract": _run_extract}.get(spec.kind, _run_text)
        yield from run(ctx, retriever, lm, spec, template, v.system, values, settings, stop, out, notes, v.lang)
    except Stopped:
        out["stats"] = v.t("sc_stopped")
        yield out.tuple()
    except (ValueError, OSError) as exc:
        raise UIError("sc_bad_input", error=error_text(exc, v.lang)) from None
    finally:
        ctx.release_stop(v.request, stop)


def notes_md(notes: list, lang: str) -> str:
    """Notes (core ``Msg`` notices or UI texts) as a list, each in the reader's language."""
    return "\n".join(f"- {text_in(x, lang)}" for x in notes)


def _set_notes(out: _Out, notes: list) -> None:
    out["notes"] = notes_md(notes, out.lang)


def _prompt(ctx, lm, spec, template, system, values, computed=None, reserve=0, notes=None, out=None):
    prepared, cut = runner.build_prompt(lm, ctx.engine.limits, spec, template, system, values, computed, reserve)
    if notes is not None:
        notes.extend(cut)
        notes.extend(prepared.warnings)
        if out is not None:
            _set_notes(out, notes)
    if out is not None:
        out["prompt"] = prepared.text
    return prepared


def _run_text(ctx, retriever, lm, spec, template, system, values, settings, stop, out, notes, lang):
    """generate / summarize / essay / qa: one streamed generation plus a kind-specific summary."""
    prepared = _prompt(ctx, lm, spec, template, system, values, reserve=settings.max_new_tokens, notes=notes, out=out)
    yield out.tuple()
    frame = ""
    if spec.disclaimer:  # medical: the output is always framed as points for a clinician to consider
        frame = t("sc_medical_frame", lang) + "\n"
    key = "code" if spec.output == "code" else "text"
    transform = runner.strip_code_fence if spec.output == "code" else None
    done = yield from _streamed(out, key, _generate(ctx, lm, prepared, settings, stop), frame, transform)
    text = done.text
    out[key] = transform(text) if transform else frame + text.strip()
    if spec.output == "code":
        out["text"] = text  # the raw answer, fences and all
    if spec.kind == "summarize":
        in_tokens = len(lm.tokenizer(values["text"], add_special_tokens=False)["input_ids"])
        ratio = done.new_tokens / max(1, in_tokens)
        out["details"] = STYLE + "<div class='sc-big'>" + esc(t(
            "sc_compression", lang, out_tokens=done.new_tokens, in_tokens=in_tokens, ratio=ratio,
            out_words=runner.count_words(text), target=values["words"])) + "</div>"
    elif spec.kind == "essay":
        score = runner.essay_score(text, values["max_score"])
        out["details"] = STYLE + (f"<div class='sc-big' id='sc-score'>{esc(t('sc_score', lang, score=score, max_score=values['max_score']))}</div>"
                                  if score is not None else f"<div class='sc-muted'>{esc(t('sc_no_score', lang))}</div>")
    elif spec.kind == "qa":
        support = runner.supporting_sentence(values["passage"], values["question"], text, retriever)
        out["details"] = STYLE + support_html(support, lang)
    out["stats"] = stats_line(done, prepared, lang)
    yield out.tuple()


def _run_rag(ctx, retriever, lm, spec, template, system, values, settings, stop, out, notes, lang):
    """Retrieve passages, stream a grounded answer, then rank it against sampled and user-given candidates."""
    out["stats"] = t("sc_retrieving", lang)
    yield out.tuple()
    passages, kb_notes, source = runner.load_kb(values.get("kb"), values["question"])
    notes.extend(kb_notes)
    _set_notes(out, notes)
    hits = retriever.search(values["question"], passages, k=int(values.get("top_k") or 2))
    passages_part = STYLE + passages_html(hits, lang, source, len(passages), hits[0].method if hits else "-")
    out["details"] = passages_part
    prepared = _prompt(ctx, lm, spec, template, system, values, {"context": runner.context_block(hits)},
                       reserve=settings.max_new_tokens, notes=notes, out=out)
    yield out.tuple()
    done = yield from _streamed(out, "text", _generate(ctx, lm, prepared, settings, stop))
    answer = done.text.strip()
    out["text"] = answer
    stats = stats_line(done, prepared, lang)
    if not lm.has_weights and not lm.has_prompt_logprobs:  # the engine cannot score answers: no ranking (noted)
        out["stats"] = stats
        yield out.tuple()
        return
    out["stats"] = stats + " · " + t("sc_ranking", lang)
    yield out.tuple()
    samples = scoring.sample_answers(lm, ctx.engine.worker, prepared, n=2,
                                     max_new_tokens=min(settings.max_new_tokens, 80), seed=done.seed,
                                     stop=settings.stop)
    own = [c for c in (values.get("candidates") or "").splitlines() if c.strip()]
    faq = [h.passage.text for h in hits[:2]]  # retrieval-based service: the knowledge base's own answers compete too
    candidates, origins = [], []
    for text, origin in ([(answer, "main")] + [(s, "sample") for s in samples] + [(f, "faq") for f in faq]
                         + [(c, "user") for c in own]):
        if text.strip() and text.strip() not in candidates:
            candidates.append(text.strip())
            origins.append(origin)
    if stop.is_set():
        out["stats"] = stats
        yield out.tuple()
        return
    ranked = scoring.rank_answers(lm, ctx.engine.worker, prepared, candidates, origins)
    out["details"] = passages_part + ranking_html(ranked, lang)
    out["stats"] = stats
    yield out.tuple()


def _run_classify(ctx, retriever, lm, spec, template, system, values, settings, stop, out, notes, lang):
    labels = scoring.parse_labels(values["labels"])
    if values.get("csv"):
        yield from _run_batch(ctx, lm, spec, template, system, values, labels, stop, out, notes, lang)
        return
    prepared = _prompt(ctx, lm, spec, template, system, values, reserve=LABEL_RESERVE, notes=notes, out=out)
    out["stats"] = t("sc_scoring", lang)
    yield out.tuple()
    started = time.perf_counter()
    scores = scoring.classify(lm, ctx.engine.worker, prepared, labels)
    out["label"] = {s.label: s.prob for s in scores}
    out["text"] = scores[0].label
    out["details"] = STYLE + label_table_html(scores, lang)
    out["stats"] = t("sc_stats_score" if lm.has_weights else "sc_stats_score_remote", lang, labels=len(labels),
                     seconds=time.perf_counter() - started, prompt=len(prepared.input_ids))
    yield out.tuple()


def _run_batch(ctx, lm, spec, template, system, values, labels, stop, out, notes, lang):
    rows, header, index, csv_notes = runner.read_csv_column(values["csv"], values.get("column") or "")
    notes.extend(csv_notes)
    _set_notes(out, notes)
    limit = spec.input("text").limit
    results, preview = [], []
    counts = {label: 0 for label in labels}
    started = time.perf_counter()
    prepared = None
    for i, row in enumerate(rows):
        if stop.is_set():
            notes.append(t("sc_stopped", lang))
            _set_notes(out, notes)
            break
        text = (row[index] if index < len(row) else "").strip()[:limit]
        if not text:
            results.append(row + ["", ""] + ["" for _ in labels])
            continue
        prepared, _ = runner.build_prompt(lm, ctx.engine.limits, spec, template, system, {**values, "text": text},
                                          reserve=LABEL_RESERVE)
        scores = scoring.classify(lm, ctx.engine.worker, prepared, labels)
        probs = {s.label: s.prob for s in scores}
        counts[scores[0].label] += 1
        results.append(row + [scores[0].label, f"{scores[0].prob:.4f}"] + [f"{probs[l]:.4f}" for l in labels])
        if len(preview) < 50:
            preview.append([text[:120], scores[0].label, round(scores[0].prob, 3)])
        out["stats"] = t("sc_batch_progress", lang, done=i + 1, total=len(rows))
        out["batch_df"] = gr.update(value=batch_table(preview, lang), visible=True)
        yield out.tuple()
    if prepared is not None:
        out["prompt"] = prepared.text
    total = sum(counts.values())
    folder = Path(tempfile.mkdtemp(prefix="sc-batch-"))
    path = runner.write_csv(folder / "classified.csv",
                            header + ["predicted_label", "probability"] + [f"p_{l}" for l in labels], results)
    seconds = time.perf_counter() - started
    out["label"] = {label: c / total for label, c in counts.items()} if total else None
    out["text"] = t("sc_batch_done", lang, rows=len(results))
    out["batch_df"] = gr.update(value=batch_table(preview, lang), visible=True)
    out["batch_file"] = gr.update(value=str(path), visible=True)
    out["stats"] = t("sc_stats_batch", lang, rows=len(results), seconds=seconds, per=seconds / max(1, len(results)))
    yield out.tuple()


def _run_extract(ctx, retriever, lm, spec, template, system, values, settings, stop, out, notes, lang):
    """Generate JSON, validate it, repair what is mechanical, retry once with the JSON start written."""
    keys = extract.parse_fields(values["fields"])
    prepared = _prompt(ctx, lm, spec, template, system, values, reserve=settings.max_new_tokens, notes=notes, out=out)
    yield out.tuple()
    done = yield from _streamed(out, "text", _generate(ctx, lm, prepared, settings, stop))
    first = done.text
    check = extract.check_json(first, keys)
    stats = stats_line(done, prepared, lang)
    shown = first
    if not check.ok and not stop.is_set():
        first_error = check.error
        out["stats"] = t("sc_retrying", lang)
        yield out.tuple()
        start = extract.prefill(keys)
        retry = runner.with_prefill(lm, prepared, start)
        out["prompt"] = retry.text
        header = f"[1] {first.strip()}\n\n[2] "
        done2 = yield from _streamed(out, "text", _generate(ctx, lm, retry, settings, stop), header + start)
        second = start + done2.text
        check = extract.check_json(second, keys)
        shown = header + second
        stats = stats_line(done2, retry, lang)
        notes.append(t("sc_json_retry_note", lang, error=first_error))
        _set_notes(out, notes)
    out["text"] = shown
    if check.status == "valid":
        out["json"], message = check.data, t("sc_json_valid", lang)
    elif check.status == "repaired":
        out["json"], message = check.data, t("sc_json_repaired", lang, repairs="; ".join(check.repairs))
    else:
        out["json"], message = None, t("sc_json_invalid", lang, error=check.error)
    out["details"] = STYLE + f"<div class='sc-h' id='sc-json-status' data-status='{check.status}'>{esc(message)}</div>"
    out["stats"] = stats
    yield out.tuple()


def batch_table(rows: list, lang: str) -> dict:
    return {"headers": [t("sc_col_text", lang), t("sc_col_label", lang), "p"], "data": rows}


# ----------------------------------------------------------------------------------------------- panel updates

def example_values(spec: Scenario, index: int) -> dict[str, Any]:
    values = spec.defaults()
    if 0 <= index < len(spec.examples):
        values.update(spec.examples[index].values)
    return values


def slot_updates(ctx: UIContext, spec: Scenario, values: dict[str, Any] | None = None) -> list:
    """One update per slot in SLOT_ORDER: label, choices and value of the input it shows, or hidden."""
    values = values if values is not None else spec.defaults()
    by_slot = slots(spec)
    updates = []
    for key in SLOT_ORDER:
        item = by_slot.get(key)
        if item is None:
            updates.append(gr.update(visible=False, value=None if key[0] == "file" else "" if key[0] == "choice" else
                                     (0 if key[0] == "number" else "")))
            continue
        label = ctx.i18n(f"sc_s_{spec.id}_in_{item.name}")
        value = values.get(item.name, item.default)
        if item.kind == "choice":
            updates.append(gr.update(visible=True, label=label, value=value,
                                     choices=list(zip(item.choice_labels or item.choices, item.choices))))
        elif item.kind == "number":
            updates.append(gr.update(visible=True, label=label, value=value,
                                     info=f"{item.minimum:g} – {item.maximum:g}"))
        elif item.kind == "file":
            updates.append(gr.update(visible=True, label=label, value=None))
        else:
            updates.append(gr.update(visible=True, label=label, value=value or ""))
    return updates


def example_button_updates(spec: Scenario) -> list:
    updates = []
    for i in range(MAX_EXAMPLES):
        if i < len(spec.examples):
            e = spec.examples[i]
            updates.append(gr.update(value=("🇬🇧 " if e.lang == "en" else "🇨🇳 ") + e.title, visible=True))
        else:
            updates.append(gr.update(visible=False))
    return updates
