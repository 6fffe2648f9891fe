"""Steps shared by every scenario run: clean and check inputs, fill the template, fit the prompt into the model's
budget, and the small post-processing steps (essay score, compression ratio, code fences, supporting sentence)."""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..config import Limits
from ..charsets import decode_bytes
from ..errors import DataError, Msg, PlaygroundError
from ..models import LoadedModel
from ..prompts import PreparedPrompt, prepare_prompt
from . import extract, retrieval, scoring
from .spec import Scenario, fill_template

MAX_CSV_ROWS = 200
MAX_CSV_BYTES = 2_000_000


class InputError(PlaygroundError):
    """Bad user input to a scenario (coded: ``text(lang)`` names the input in the user's language)."""


class EmptyInput(InputError):
    """A required input is empty (``item`` says which; the message names its label in the user's language)."""

    def __init__(self, item) -> None:
        super().__init__("input_empty", label=dict(item.label))
        self.item = item

    def __reduce__(self):
        return (EmptyInput, (self.item,))


@dataclass(frozen=True)
class Cleaned:
    values: dict[str, Any]
    notes: tuple[str, ...]  # ``Msg`` notices, e.g. the text was cut to 6,000 characters (``note.text(lang)``)


def clean_inputs(spec: Scenario, raw: Mapping[str, Any]) -> Cleaned:
    """Trim text, cut over-long text (with a note), clamp numbers, check choices and required inputs."""
    values: dict[str, Any] = {}
    notes: list[str] = []
    for item in spec.inputs:
        v = raw.get(item.name, item.default)
        label = dict(item.label)
        if item.kind in ("textarea", "line"):
            v = "" if v is None else str(v).strip()
            if len(v) > item.limit:
                notes.append(Msg("note_input_cut", label=label, n=len(v), limit=item.limit))
                v = v[: item.limit]
            if item.required and not v:
                raise EmptyInput(item)
        elif item.kind == "number":
            try:
                v = float(item.default if v in (None, "") else v)
            except (TypeError, ValueError):
                raise InputError("input_not_number", label=label) from None
            if not math.isfinite(v):
                raise InputError("input_not_number", label=label)
            v = int(round(min(max(v, item.minimum), item.maximum)))
        elif item.kind == "choice":
            if v not in item.choices:
                raise InputError("input_not_a_choice", label=label, choices=", ".join(item.choices))
        elif item.kind == "file":
            v = v or None
        values[item.name] = v
    return Cleaned(values, tuple(notes))


def check_kind_inputs(spec: Scenario, values: Mapping[str, Any]) -> None:
    """Checks that depend on the scenario's code path (labels, keys)."""
    try:
        if spec.kind == "classify":
            scoring.check_labels(scoring.parse_labels(values.get("labels", "")))
        elif spec.kind == "extract":
            extract.check_fields(extract.parse_fields(values.get("fields", "")))
    except PlaygroundError as exc:
        raise InputError.from_error(exc) from None


def template_values(spec: Scenario, values: Mapping[str, Any], computed: Mapping[str, str] | None = None) -> dict:
    out = {i.name: values.get(i.name, "") for i in spec.inputs if i.kind != "file"}
    if spec.kind == "classify":
        out["labels"] = ", ".join(scoring.parse_labels(values.get("labels", "")))
    if spec.kind == "extract":
        keys = extract.parse_fields(values.get("fields", ""))
        out["fields"] = ", ".join(keys)
        out["json_skeleton"] = extract.skeleton(keys, list_values=spec.id == "entities")
    out.update(computed or {})
    return out


def build_prompt(lm: LoadedModel, limits: Limits, spec: Scenario, template: str, system: str,
                 values: Mapping[str, Any], computed: Mapping[str, str] | None = None,
                 reserve: int = 0) -> tuple[PreparedPrompt, list[str]]:
    """Fill the template and apply the chat template (or not, for completion scenarios).

    The budget is ``limits.max_prompt_tokens``, and at most the model's window minus ``reserve`` (tokens to be
    generated or scored after the prompt). Over budget, the longest text input is cut (never the instructions,
    which ``prepare_prompt`` would cut from the left).
    """
    values = dict(values)
    notes: list[str] = []
    budget = limits.max_prompt_tokens
    window = scoring.model_window(lm)
    if window:  # the prompt plus what is generated (or scored) after it must fit the model's positions
        budget = min(budget, window - reserve)
    if budget < 16:
        raise InputError("window_too_small", window=window)
    for _ in range(4):
        filled = fill_template(template, template_values(spec, values, computed))
        if not filled.strip():
            raise InputError("template_empty")
        prepared = prepare_prompt(lm, limits, prompt=filled, chat=spec.chat, system=system if spec.chat else None)
        n = len(prepared.input_ids) + prepared.truncated
        if n <= budget:
            return prepared, notes
        texts = [i for i in spec.inputs if i.kind in ("textarea", "line") and values.get(i.name)]
        if not texts:
            break
        longest = max(texts, key=lambda i: len(values[i.name]))
        text = values[longest.name]
        ids = lm.tokenizer(text, add_special_tokens=False)["input_ids"]
        keep = max(16, len(ids) - (n - budget) - 8)
        if keep >= len(ids):
            break
        values[longest.name] = lm.tokenizer.decode(ids[:keep], skip_special_tokens=True)
        notes.append(Msg("note_input_tokens_cut", label=dict(longest.label), window=limits.max_prompt_tokens,
                         keep=keep))
    raise InputError("prompt_over_budget", budget=budget)



def with_prefill(lm: LoadedModel, prepared: PreparedPrompt, text: str) -> PreparedPrompt:
    """The same prompt with the start of the answer already written (sent to the model as part of the prompt).
    A remote engine's chat API cannot continue an answer: its prompt stays as it is."""
    if not getattr(lm, "has_weights", True):
        return prepared
    ids = lm.tokenizer(prepared.text + text, add_special_tokens=False)["input_ids"]
    return PreparedPrompt(prepared.text + text, list(ids), prepared.truncated, prepared.used_template,
                          prepared.warnings)


# ----------------------------------------------------------------------------------------------- post-processing

_SCORE_RE = re.compile(r"(?:score|分数|得分)\s*[:：]?\s*\**\s*(\d+(?:\.\d+)?)\s*(?:/|out of|分之)?\s*(\d+)?", re.I)


def essay_score(text: str, max_score: float) -> float | None:
    """The last "Score: N/M" in the feedback, rescaled to ``max_score``; None when there is none or it is out
    of range."""
    matches = list(_SCORE_RE.finditer(text or ""))
    if not matches:
        return None
    m = matches[-1]
    value = float(m.group(1))
    if m.group(2):
        total = float(m.group(2))
        if total <= 0:
            return None
        value = value / total * max_score
    return value if 0 <= value <= max_score else None


def strip_code_fence(text: str) -> str:
    """The code inside the first Markdown fence (or the whole text when there is none)."""
    m = re.search(r"```[\w+-]*\n?(.*?)(?:```|$)", text or "", re.S)
    return m.group(1).rstrip() if m else (text or "").strip()


def count_words(text: str) -> int:
    """Words for Latin text; each Chinese character counts as half a word (about two characters per word)."""
    cjk = len(re.findall(r"[\u3400-\u9fff]", text or ""))
    latin = len(re.findall(r"[A-Za-z0-9]+(?:'[A-Za-z]+)?", text or ""))
    return latin + math.ceil(cjk / 2)


@dataclass(frozen=True)
class Support:
    sentences: tuple[str, ...]
    best: int  # index of the supporting sentence, -1 when nothing matches
    scores: tuple[float, ...]


def supporting_sentence(passage: str, question: str, answer: str,
                        retriever: "retrieval.Retriever | None" = None) -> Support:
    """The passage sentence that best supports ``answer`` to ``question`` (BM25 over the sentences, query =
    question + answer; embeddings when the retriever has them)."""
    sentences = retrieval.split_sentences(passage)
    if not sentences:
        return Support((), -1, ())
    passages = [retrieval.Passage(s) for s in sentences]
    query = f"{question} {answer}".strip()
    if retriever is not None and retriever.embedder is not None and not retrieval.has_cjk(query):
        hits = retriever.search(query, passages, k=len(passages), method="embeddings")
    else:
        hits = retriever.search(query, passages, k=len(passages), method="bm25") if retriever else [
            retrieval.Hit(p, s, 0, "bm25") for p, s in zip(passages, retrieval.bm25_scores(query, passages))]
    by_text = {id(h.passage): h.score for h in hits}
    scores = tuple(by_text.get(id(p), 0.0) for p in passages)
    best = max(range(len(scores)), key=lambda i: scores[i])
    return Support(tuple(sentences), best if scores[best] > 0 else -1, scores)


# ----------------------------------------------------------------------------------------------- knowledge base

def load_kb(path: str | None, question: str) -> tuple[list[retrieval.Passage], list[str], str]:
    """Passages of an uploaded file (or the bundled shop in the question's language), notes, and a source name."""
    if not path:
        lang = "zh" if retrieval.has_cjk(question) else "en"
        name = "shop_kb_zh.md" if lang == "zh" else "shop_kb_en.md"
        return retrieval.demo_kb(lang), [], name
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > retrieval.MAX_KB_BYTES:
            raise InputError("file_too_big", name=p.name, size=size, limit=retrieval.MAX_KB_BYTES)
        data = p.read_bytes()
    except OSError as exc:
        raise InputError("file_unreadable", reason=exc.strerror or str(exc)) from None
    try:
        passages, notes = retrieval.parse_kb(data, p.name)
    except retrieval.KBError as exc:
        raise InputError.from_error(exc) from None
    return passages, notes, p.name


def context_block(hits: Sequence[retrieval.Hit]) -> str:
    return "\n".join(f"[{h.rank}] " + (f"{h.passage.title} " if h.passage.title else "") + h.passage.text
                     for h in hits)


# ----------------------------------------------------------------------------------------------- CSV batch

def read_csv_column(path: str, column: str) -> tuple[list[list[str]], list[str], int, list[str]]:
    """(rows, header, column index, notes) of an uploaded CSV; at most MAX_CSV_ROWS rows are kept."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputError("file_unreadable", reason=exc.strerror or str(exc)) from None
    if len(data) > MAX_CSV_BYTES:
        raise InputError("file_too_big", name=p.name, size=len(data), limit=MAX_CSV_BYTES)
    if not data.strip():
        raise InputError("kb_empty", name=p.name)
    try:
        text = decode_bytes(data, p.name)[0]  # the same charset detection as every upload
    except DataError as exc:
        raise InputError.from_error(exc) from None
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise InputError("bad_csv", name=p.name, detail=str(exc)) from None
    rows = [r for r in rows if any(c.strip() for c in r)]
    if len(rows) < 2:
        raise InputError("csv_no_rows", name=p.name)
    header = [h.strip() for h in rows[0]]
    wanted = (column or "").strip()
    if wanted in header:
        index = header.index(wanted)
    elif len(header) == 1:
        index = 0
    else:
        raise InputError("no_column", name=p.name, column=wanted, columns=", ".join(header))
    body = rows[1:]
    notes = []
    if len(body) > MAX_CSV_ROWS:
        notes.append(Msg("note_rows_cut", max=MAX_CSV_ROWS, n=len(body)))
        body = body[:MAX_CSV_ROWS]
    return body, header, index, notes


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path
