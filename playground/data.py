"""Uploaded files and pasted text -> validated, tokenized, block-chunked training data, with stats.

Reading is done in memory and writes nothing. Every refusal is a ``DataError`` whose message a workshop participant
understands and whose ``code`` tells tests (and the UI) which check failed:

    too_big, too_many_files, binary, undecodable, empty, too_little, unsupported, bad_jsonl, bad_csv, no_column

Formats: ``.txt`` / ``.md`` (the text as it is), ``.csv`` / ``.tsv`` (one column, picked by name; default "text" or
the column with the most text), ``.jsonl`` with one object per line in one of three shapes:

    {"text": "..."}                        -> the text
    {"prompt": "...", "completion": "..."} -> prompt + completion, concatenated exactly (put a space or a newline
                                              at the start of the completion if you want one)
    {"messages": [{"role", "content"}...]} -> the tokenizer's chat template when it has one, else
                                              "User: ...\\nAssistant: ...\\n" lines

Encodings: found by ``playground.charsets`` (byte-order marks, UTF-8, UTF-16, then ``charset-normalizer``): UTF-8,
UTF-16, GB18030/GBK, Big5, Shift-JIS, Windows-1252/Latin-1 and other common code pages are read; a codec that
cannot be read reliably is refused with a message naming it. Messages are coded (``DataError.text(lang)``).

Token blocks and previews live in ``playground.datasets`` (their old names still work from here).
"""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

from . import settings as env_settings
from .charsets import MAGIC, control_ratio as _control_ratio, decode_bytes, looks_binary  # noqa: F401
from .errors import DataError, Msg

TEXT_EXT = (".txt", ".md", ".markdown", ".text")
TABLE_EXT = (".csv", ".tsv")
JSONL_EXT = (".jsonl", ".ndjson")
EXTENSIONS = TEXT_EXT + TABLE_EXT + JSONL_EXT
PASTED = "pasted text"
_LIMIT_VARS = {"max_upload_mb": "PLAYGROUND_MAX_UPLOAD_MB", "max_files": "PLAYGROUND_MAX_UPLOAD_FILES",
               "min_chars": "PLAYGROUND_MIN_TRAIN_CHARS"}


@dataclass(frozen=True)
class DataLimits:
    """Limits on what a participant may upload (``PLAYGROUND_MAX_UPLOAD_MB`` etc. override; see ``_LIMIT_VARS``)."""

    max_upload_mb: float = env_settings.default("PLAYGROUND_MAX_UPLOAD_MB")  # all files + pasted text together
    max_files: int = env_settings.default("PLAYGROUND_MAX_UPLOAD_FILES")
    min_chars: int = env_settings.default("PLAYGROUND_MIN_TRAIN_CHARS")  # fewer visible characters teach nothing

    def __post_init__(self) -> None:
        for name, var in _LIMIT_VARS.items():
            env_settings.variable(var).check(getattr(self, name), name)

    @property
    def max_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "DataLimits":
        return cls(**env_settings.read_many(_LIMIT_VARS, environ))


@dataclass(frozen=True)
class Document:
    """One input (a file or the pasted text) as records: ``{"text": str}`` or ``{"messages": [...]}``."""

    name: str
    kind: str  # text | csv | jsonl | pasted
    encoding: str
    records: tuple[dict, ...]
    columns: tuple[str, ...] = ()  # csv only: all column names (the UI offers them)
    column: str = ""  # csv only: the column used

    @property
    def chars(self) -> int:
        return sum(len(r["text"]) if "text" in r else sum(len(m["content"]) for m in r["messages"])
                   for r in self.records)

    @property
    def is_chat(self) -> bool:
        return any("messages" in r for r in self.records)


# ----------------------------------------------------------------------------------------------- formats

def _check_messages(messages: Any, where: str) -> list[dict]:
    if not isinstance(messages, list) or not messages:
        raise DataError("bad_jsonl", "messages_list", where=where)
    out = []
    for m in messages:
        if not (isinstance(m, dict) and isinstance(m.get("role"), str) and isinstance(m.get("content"), str)):
            raise DataError("bad_jsonl", "message_fields", where=where)
        if m["role"] not in ("system", "user", "assistant"):
            raise DataError("bad_jsonl", "role", where=where, role=m["role"][:40])
        out.append({"role": m["role"], "content": m["content"]})
    return out


def record_from_json(obj: Any, where: str) -> dict | None:
    """One jsonl object -> a record; None for a record with no text (skipped)."""
    if not isinstance(obj, dict):
        raise DataError("bad_jsonl", "not_object", where=where)
    if "messages" in obj:
        messages = _check_messages(obj["messages"], where)
        return {"messages": messages} if any(m["content"].strip() for m in messages) else None
    if "text" in obj:
        if not isinstance(obj["text"], str):
            raise DataError("bad_jsonl", "text_type", where=where)
        return {"text": obj["text"]} if obj["text"].strip() else None
    if "prompt" in obj and "completion" in obj:
        if not (isinstance(obj["prompt"], str) and isinstance(obj["completion"], str)):
            raise DataError("bad_jsonl", "prompt_types", where=where)
        text = obj["prompt"] + obj["completion"]
        return {"text": text} if text.strip() else None
    keys = ", ".join(sorted(map(str, obj))[:6]) or "none"
    raise DataError("bad_jsonl", "keys", where=where, keys=keys)


def _line(name: str, number: int) -> Msg:
    return Msg("where_line", name=name, line=number)


def parse_jsonl(text: str, name: str) -> list[dict]:
    records = []
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError("bad_jsonl", "not_json", where=_line(name, number), detail=exc.msg) from None
        record = record_from_json(obj, _line(name, number))
        if record is not None:
            records.append(record)
    return records


def csv_table(text: str, name: str, tsv: bool = False) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of a CSV/TSV text; the delimiter is sniffed for .csv (comma, semicolon, tab)."""
    delimiter = "\t" if tsv else ","
    if not tsv:
        try:
            delimiter = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|").delimiter
        except csv.Error:
            pass
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as exc:
        raise DataError("bad_csv", name=name, detail=str(exc)) from None
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise DataError("empty", "file", name=name)
    header = [h.strip() or f"column {i + 1}" for i, h in enumerate(rows[0])]
    return header, rows[1:]


def pick_column(header: Sequence[str], rows: Sequence[Sequence[str]], wanted: str | None, name: str) -> int:
    """Index of the column to train on: ``wanted``; else "text"; else the column holding the most text."""
    if wanted:
        for i, h in enumerate(header):
            if h == wanted:
                return i
        raise DataError("no_column", name=name, column=wanted, columns=", ".join(header))
    for i, h in enumerate(header):
        if h.lower() in ("text", "content", "body", "文本", "内容"):
            return i
    sizes = [sum(len(r[i]) for r in rows if i < len(r)) for i in range(len(header))]
    return max(range(len(header)), key=lambda i: sizes[i])


def parse_document(name: str, data: bytes, csv_column: str | None = None) -> Document:
    """Decode and parse one file by its extension (binary content is caught whatever the name)."""
    ext = Path(name).suffix.lower()
    if ext not in EXTENSIONS:
        raise DataError("unsupported", name=name, ext=ext) if ext else DataError("unsupported", "no_ext", name=name)
    text, encoding = decode_bytes(data, name)
    if not text.strip():
        raise DataError("empty", "file", name=name)
    if ext in JSONL_EXT:
        records = parse_jsonl(text, name)
        kind, columns, column = "jsonl", (), ""
    elif ext in TABLE_EXT:
        header, rows = csv_table(text, name, tsv=ext == ".tsv")
        index = pick_column(header, rows, csv_column, name)
        records = [{"text": r[index]} for r in rows if index < len(r) and r[index].strip()]
        kind, columns, column = "csv", tuple(header), header[index]
    else:
        records, kind, columns, column = [{"text": text}], "text", (), ""
    if not records:
        raise DataError("empty", "no_records", name=name)
    return Document(name, kind, encoding, tuple(records), columns, column)


def read_inputs(files: Iterable[tuple[str, bytes]] = (), pasted: str = "", csv_column: str | None = None,
                limits: DataLimits | None = None) -> list[Document]:
    """All inputs as documents, checked together against the limits. ``files``: (name, bytes) pairs."""
    limits = limits or DataLimits()
    files = list(files)
    if len(files) > limits.max_files:
        raise DataError("too_many_files", n=len(files), limit=limits.max_files)
    total = sum(len(data) for _, data in files) + len((pasted or "").encode("utf-8"))
    if total > limits.max_bytes:
        raise DataError("too_big", mb=round(total / 1024 / 1024, 1), limit=limits.max_upload_mb)
    docs = [parse_document(name, data, csv_column) for name, data in files]
    if pasted and pasted.strip():
        docs.append(Document(PASTED, "pasted", "utf-8", ({"text": pasted.replace("\r\n", "\n")},)))
    if not docs:
        raise DataError("empty", "no_input")
    visible = sum(_visible_chars(r) for d in docs for r in d.records)
    if visible < limits.min_chars:
        raise DataError("too_little", "chars", n=visible, limit=limits.min_chars)
    return docs


def _visible_chars(record: dict) -> int:
    texts = [record["text"]] if "text" in record else [m["content"] for m in record["messages"]]
    return sum(len(t) - sum(c.isspace() for c in t) for t in texts)


def read_paths(paths: Iterable[str | os.PathLike], pasted: str = "", csv_column: str | None = None,
               limits: DataLimits | None = None) -> list[Document]:
    """``read_inputs`` for files on disk; sizes are checked before anything is read."""
    limits = limits or DataLimits()
    paths = [Path(p) for p in paths if p]
    total = sum(p.stat().st_size for p in paths) + len((pasted or "").encode("utf-8"))
    if total > limits.max_bytes:
        raise DataError("too_big", mb=round(total / 1024 / 1024, 1), limit=limits.max_upload_mb)
    return read_inputs([(display_name(p), p.read_bytes()) for p in paths], pasted, csv_column, limits)


def display_name(path: Path) -> str:
    return path.name


@dataclass(frozen=True)
class DemoSet:
    key: str
    path: Path
    language: str
    prompts: tuple[str, ...] = field(default=())


def assets_dir() -> Path:
    return Path(__file__).resolve().parents[1] / "assets" / "finetune"


def demo_sets() -> list[DemoSet]:
    """The bundled demo datasets (written for this project) with matching sample prompts."""
    folder = assets_dir()
    items = []
    for meta in sorted(folder.glob("*.prompts.txt")):
        key = meta.name.removesuffix(".prompts.txt")
        data = next((p for p in sorted(folder.glob(key + ".*")) if p.suffix in EXTENSIONS and p != meta), None)
        if data is None:
            continue
        prompts = tuple(line.strip() for line in meta.read_text(encoding="utf-8").splitlines() if line.strip())
        items.append(DemoSet(key, data, "zh" if key.endswith("_zh") else "en", prompts))
    return items


# Blocks and previews moved to playground.datasets; the old names still work from here (looked up on first use).
_MOVED = ("Dataset", "Preview", "build_dataset", "preview", "render_record")


def __getattr__(name: str):
    if name in _MOVED:
        from . import datasets

        return getattr(datasets, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
