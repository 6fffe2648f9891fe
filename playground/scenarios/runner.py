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
from ..generation import PreparedPrompt, prepare_prompt
from ..models import LoadedModel
from . import extract, retrieval, scoring
from .spec import Scenario, fill_template

MAX_CSV_ROWS = 200
MAX_CSV_BYTES = 2_000_000


class InputError(ValueError):
    """Bad user input; the message is shown as it is."""


class EmptyInput(InputError):
    """A required input is empty (``item`` says which, so the UI can name it in the user's language)."""

    def __init__(self, message: str, item) -> None:
        super().__init__(message)
        self.item = item


@dataclass(frozen=True)
class Cleaned:
    values: dict[str, Any]
    notes: tuple[str, ...]  # e.g. "The text was cut to 6,000 characters."


def clean_inputs(spec: Scenario, raw: Mapping[str, Any]) -> Cleaned:
    """Trim text, cut over-long text (with a note), clamp numbers, check choices and required inputs."""
    values: dict[str, Any] = {}
    notes: list[str] = []
    for item in spec.inputs:
        v = raw.get(item.name, item.default)
        label = item.label["en"]
        if item.kind in ("textarea", "line"):
            v = "" if v is None else str(v).strip()
            if len(v) > item.limit:
                notes.append(f"“{label}” had {len(v):,} characters; only the first {item.limit:,} are used.")
                v = v[: item.limit]
            if item.required and not v:
                raise EmptyInput(f"“{label}” is empty: type something or pick an example.", item)
        elif item.kind == "number":
            try:
                v = float(item.default if v in (None, "") else v)
            except (TypeError, ValueError):
                raise InputError(f"“{label}” must be a number.") from None
            if not math.isfinite(v):
                raise InputError(f"“{label}” must be a number.")
            v = int(round(min(max(v, item.minimum), item.maximum)))
        elif item.kind == "choice":
            if v not in item.choices:
                raise InputError(f"“{label}”: pick one of {', '.join(item.choices)}.")
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
    except ValueError as exc:
        raise InputError(str(exc)) from None


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
        raise InputError(f"This model reads at most {window} tokens; lower “max new tokens”.")
    for _ in range(4):
        filled = fill_template(template, template_values(spec, values, computed))
        if not filled.strip():
            raise InputError("The template is empty: reset it or write one.")
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
        notes.append(f"“{longest.label['en']}” was too long for the model's {limits.max_prompt_tokens:,}-token "
                     f"window; it was cut to its first {keep:,} tokens.")
    raise InputError(f"The prompt is longer than the {budget:,} tokens this model can take here, even after "
                     "cutting the inputs; shorten the template or the inputs (or lower “max new tokens”).")



def with_prefill(lm: LoadedModel, prepared: PreparedPrompt, text: str) -> PreparedPrompt:
    """The same prompt with the start of the answer already written (sent to the model as part of the prompt)."""
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
            raise InputError(f"The file {p.name} has {size:,} bytes; the limit is {retrieval.MAX_KB_BYTES:,}.")
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(f"The file could not be read: {exc.strerror or exc}.") from None
    try:
        passages, notes = retrieval.parse_kb(data, p.name)
    except retrieval.KBError as exc:
        raise InputError(str(exc)) from None
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
        raise InputError(f"The CSV file could not be read: {exc.strerror or exc}.") from None
    if len(data) > MAX_CSV_BYTES:
        raise InputError(f"The CSV file has {len(data):,} bytes; the limit is {MAX_CSV_BYTES:,}.")
    if b"\x00" in data[:8192]:
        raise InputError("The CSV file looks binary; upload a text .csv file.")
    if not data.strip():
        raise InputError("The CSV file is empty.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise InputError("The CSV file is not UTF-8 text.") from None
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise InputError(f"The CSV file could not be parsed: {exc}.") from None
    rows = [r for r in rows if any(c.strip() for c in r)]
    if len(rows) < 2:
        raise InputError("The CSV file needs a header row and at least one data row.")
    header = [h.strip() for h in rows[0]]
    wanted = (column or "").strip()
    if wanted in header:
        index = header.index(wanted)
    elif len(header) == 1:
        index = 0
    else:
        raise InputError(f"There is no column “{wanted}”. Columns: {', '.join(header)}.")
    body = rows[1:]
    notes = []
    if len(body) > MAX_CSV_ROWS:
        notes.append(f"Only the first {MAX_CSV_ROWS} of {len(body):,} rows are classified.")
        body = body[:MAX_CSV_ROWS]
    return body, header, index, notes


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path
