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

Encodings: UTF-8 with or without a BOM, UTF-16 with a BOM, and GB18030 (a superset of GBK / GB2312, common for
Chinese text saved on Windows). Anything else is refused with advice instead of being read as garbage.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

TEXT_EXT = (".txt", ".md", ".markdown", ".text")
TABLE_EXT = (".csv", ".tsv")
JSONL_EXT = (".jsonl", ".ndjson")
EXTENSIONS = TEXT_EXT + TABLE_EXT + JSONL_EXT
PASTED = "pasted text"
# File signatures of common binary formats (a PDF or a picture renamed to .txt is still binary).
MAGIC = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"PK\x03\x04", b"\x1f\x8b", b"\x7fELF", b"MZ",
         b"BZh", b"7z\xbc\xaf", b"Rar!", b"\xd0\xcf\x11\xe0", b"RIFF", b"ID3", b"OggS", b"\x00\x00\x01\x00",
         b"SQLite format 3")


class DataError(ValueError):
    """Bad input; ``str(err)`` is the message for the user, ``err.code`` names the failed check."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class DataLimits:
    """Limits on what a participant may upload (``PLAYGROUND_MAX_UPLOAD_MB`` etc. override)."""

    max_upload_mb: float = 5.0  # all files + pasted text together
    max_files: int = 10
    min_chars: int = 200  # fewer non-space characters cannot teach the model anything visible

    def __post_init__(self) -> None:
        if not self.max_upload_mb > 0 or self.max_files < 1 or self.min_chars < 1:
            raise ValueError("Upload limits must be positive.")

    @property
    def max_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "DataLimits":
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for key, name, kind in (("PLAYGROUND_MAX_UPLOAD_MB", "max_upload_mb", float),
                                ("PLAYGROUND_MAX_UPLOAD_FILES", "max_files", int),
                                ("PLAYGROUND_MIN_TRAIN_CHARS", "min_chars", int)):
            if env.get(key):
                try:
                    values[name] = kind(env[key])
                except ValueError:
                    raise ValueError(f"{key}={env[key]!r} is not a valid number.") from None
        return cls(**values)


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


# ----------------------------------------------------------------------------------------------- decoding

def looks_binary(data: bytes) -> bool:
    """True for known binary signatures or NUL bytes (text files never contain them, UTF-16 aside)."""
    head = data[:8192]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with BOM: text, decoded below
        return False
    return head.startswith(MAGIC) or b"\x00" in head


def _control_ratio(text: str) -> float:
    sample = text[:20000]
    if not sample:
        return 0.0
    bad = sum(1 for ch in sample if unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") and ch not in "\t\n\r\f\v")
    return bad / len(sample)


def _plausible_chinese(text: str) -> bool:
    """GB18030 maps almost any byte pair to some character: accept it only when it reads as CJK + ASCII text."""
    sample = text[:20000]
    if not sample:
        return True
    good = 0
    for ch in sample:
        o = ord(ch)
        if (o < 0x80 or 0x4E00 <= o <= 0x9FFF or 0x3000 <= o <= 0x303F or 0xFF00 <= o <= 0xFFEF
                or 0x3400 <= o <= 0x4DBF or 0x2000 <= o <= 0x206F or 0x2E80 <= o <= 0x2FDF or ch in "·—…“”‘’"):
            good += 1
    return good / len(sample) >= 0.95


def decode_bytes(data: bytes, name: str = "the file") -> tuple[str, str]:
    """Text and the encoding used. Raises ``DataError`` (binary / undecodable / empty)."""
    if looks_binary(data):
        raise DataError("binary", f"{name} is not a text file (it contains binary data, e.g. a picture, PDF, "
                                  f"Word document or archive). Save your text as plain .txt and upload that.")
    if data.startswith(b"\xef\xbb\xbf"):
        candidates = ["utf-8-sig"]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8", "gb18030"]
    first_error: UnicodeDecodeError | None = None
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            first_error = first_error or exc
            continue
        if encoding == "gb18030" and not _plausible_chinese(text):
            continue
        if _control_ratio(text) > 0.01:
            raise DataError("binary", f"{name} contains many control characters, so it is not plain text. "
                                      f"Save your text as plain .txt and upload that.")
        text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
        return text, encoding
    where = f" (first bad byte at position {first_error.start:,})" if first_error is not None else ""
    raise DataError("undecodable", f"{name} could not be read as text{where}. Save it as UTF-8 (or GBK/GB18030 for "
                                   f"Chinese) and upload it again.")


# ----------------------------------------------------------------------------------------------- formats

def _check_messages(messages: Any, where: str) -> list[dict]:
    if not isinstance(messages, list) or not messages:
        raise DataError("bad_jsonl", f"{where}: \"messages\" must be a non-empty list.")
    out = []
    for m in messages:
        if not (isinstance(m, dict) and isinstance(m.get("role"), str) and isinstance(m.get("content"), str)):
            raise DataError("bad_jsonl", f"{where}: every message needs a \"role\" and a text \"content\".")
        if m["role"] not in ("system", "user", "assistant"):
            raise DataError("bad_jsonl", f"{where}: unknown role {m['role']!r} (use system, user or assistant).")
        out.append({"role": m["role"], "content": m["content"]})
    return out


def record_from_json(obj: Any, where: str) -> dict | None:
    """One jsonl object -> a record; None for a record with no text (skipped)."""
    if not isinstance(obj, dict):
        raise DataError("bad_jsonl", f"{where}: expected a JSON object like {{\"text\": \"...\"}}.")
    if "messages" in obj:
        messages = _check_messages(obj["messages"], where)
        return {"messages": messages} if any(m["content"].strip() for m in messages) else None
    if "text" in obj:
        if not isinstance(obj["text"], str):
            raise DataError("bad_jsonl", f"{where}: \"text\" must be a string.")
        return {"text": obj["text"]} if obj["text"].strip() else None
    if "prompt" in obj and "completion" in obj:
        if not (isinstance(obj["prompt"], str) and isinstance(obj["completion"], str)):
            raise DataError("bad_jsonl", f"{where}: \"prompt\" and \"completion\" must be strings.")
        text = obj["prompt"] + obj["completion"]
        return {"text": text} if text.strip() else None
    keys = ", ".join(sorted(map(str, obj))[:6]) or "none"
    raise DataError("bad_jsonl", f"{where}: expected {{\"text\"}}, {{\"prompt\", \"completion\"}} or {{\"messages\"}}; "
                                 f"found keys: {keys}.")


def parse_jsonl(text: str, name: str) -> list[dict]:
    records = []
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError("bad_jsonl", f"{name}, line {number}: not valid JSON ({exc.msg}). Each line must be one "
                                         f"JSON object.") from None
        record = record_from_json(obj, f"{name}, line {number}")
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
        raise DataError("bad_csv", f"{name} is not a valid CSV file ({exc}).") from None
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise DataError("empty", f"{name} is empty.")
    header = [h.strip() or f"column {i + 1}" for i, h in enumerate(rows[0])]
    return header, rows[1:]


def pick_column(header: Sequence[str], rows: Sequence[Sequence[str]], wanted: str | None, name: str) -> int:
    """Index of the column to train on: ``wanted``; else "text"; else the column holding the most text."""
    if wanted:
        for i, h in enumerate(header):
            if h == wanted:
                return i
        raise DataError("no_column", f"{name} has no column {wanted!r}. Its columns: {', '.join(header)}.")
    for i, h in enumerate(header):
        if h.lower() in ("text", "content", "body", "文本", "内容"):
            return i
    sizes = [sum(len(r[i]) for r in rows if i < len(r)) for i in range(len(header))]
    return max(range(len(header)), key=lambda i: sizes[i])


def parse_document(name: str, data: bytes, csv_column: str | None = None) -> Document:
    """Decode and parse one file by its extension (binary content is caught whatever the name)."""
    ext = Path(name).suffix.lower()
    if ext not in EXTENSIONS:
        raise DataError("unsupported", f"{name}: {ext or 'files without an extension'} cannot be used. Upload "
                                       f".txt, .md, .csv or .jsonl files.")
    text, encoding = decode_bytes(data, name)
    if not text.strip():
        raise DataError("empty", f"{name} is empty (or contains only spaces and blank lines).")
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
        raise DataError("empty", f"{name} has no text to train on.")
    return Document(name, kind, encoding, tuple(records), columns, column)


def read_inputs(files: Iterable[tuple[str, bytes]] = (), pasted: str = "", csv_column: str | None = None,
                limits: DataLimits | None = None) -> list[Document]:
    """All inputs as documents, checked together against the limits. ``files``: (name, bytes) pairs."""
    limits = limits or DataLimits()
    files = list(files)
    if len(files) > limits.max_files:
        raise DataError("too_many_files", f"{len(files)} files were given; upload at most {limits.max_files} at once.")
    total = sum(len(data) for _, data in files) + len((pasted or "").encode("utf-8"))
    if total > limits.max_bytes:
        raise DataError("too_big", f"The text is {total / 1024 / 1024:.1f} MB; this server accepts at most "
                                   f"{limits.max_upload_mb:g} MB. Use a smaller part of it.")
    docs = [parse_document(name, data, csv_column) for name, data in files]
    if pasted and pasted.strip():
        docs.append(Document(PASTED, "pasted", "utf-8", ({"text": pasted.replace("\r\n", "\n")},)))
    if not docs:
        raise DataError("empty", "There is no text yet: upload a file, paste some text or pick a demo dataset.")
    visible = sum(_visible_chars(r) for d in docs for r in d.records)
    if visible < limits.min_chars:
        raise DataError("too_little", f"Only {visible} characters of text: that is too little to train on. Add at "
                                      f"least {limits.min_chars} characters (a few paragraphs).")
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
        raise DataError("too_big", f"The files are {total / 1024 / 1024:.1f} MB together; this server accepts at "
                                   f"most {limits.max_upload_mb:g} MB. Use a smaller part of the text.")
    return read_inputs([(display_name(p), p.read_bytes()) for p in paths], pasted, csv_column, limits)


def display_name(path: Path) -> str:
    return path.name


# ----------------------------------------------------------------------------------------------- blocks

def render_record(record: dict, tokenizer) -> str:
    """The training text of one record (chat messages through the tokenizer's chat template when it has one)."""
    if "text" in record:
        return record["text"]
    messages = record["messages"]
    if getattr(tokenizer, "chat_template", None):
        return tokenizer.apply_chat_template(messages, tokenize=False)
    return "".join(f"{m['role'].capitalize()}: {m['content']}\n" for m in messages)


@dataclass(frozen=True)
class Dataset:
    """Token blocks ready for training. Every block has at most ``block_size`` ids; only the last may be shorter."""

    train: tuple[tuple[int, ...], ...]
    val: tuple[tuple[int, ...], ...]
    block_size: int
    chars: int
    tokens: int
    chat: bool  # any record was a conversation (samples are then prompted through the chat template)
    sources: tuple[tuple[str, str, str, int, int], ...] = ()  # (name, kind, encoding, records, chars)
    fingerprint: str = ""

    @property
    def blocks(self) -> int:
        return len(self.train) + len(self.val)

    @property
    def train_tokens(self) -> int:
        return sum(len(b) for b in self.train)


def build_dataset(docs: Sequence[Document], tokenizer, block_size: int = 128, val_fraction: float = 0.1,
                  seed: int = 0) -> Dataset:
    """Tokenize every record, join them with the end-of-text token, cut into blocks, split train/validation.

    Blocks are packed: a block may span the end of one record and the start of the next (the EOS token marks the
    border), so no compute is spent on padding. Validation blocks are a seeded random sample of all blocks.
    """
    import hashlib

    if not 8 <= block_size <= 4096:
        raise ValueError("Block size must be between 8 and 4096 tokens.")
    if not 0 < val_fraction < 0.5:
        raise ValueError("The validation share must be between 0 and 0.5.")
    eos = tokenizer.eos_token_id
    ids: list[int] = []
    chars = 0
    for doc in docs:
        for record in doc.records:
            text = render_record(record, tokenizer)
            chars += len(text)
            ids.extend(tokenizer(text, add_special_tokens=False)["input_ids"])
            if eos is not None and "messages" not in record:  # a chat template already ends each turn
                ids.append(eos)
    blocks = [tuple(ids[i:i + block_size]) for i in range(0, len(ids), block_size)]
    if blocks and len(blocks[-1]) < max(8, block_size // 4):
        blocks.pop()  # a tiny tail teaches nothing and would be mostly padding
    if len(blocks) < 2:
        raise DataError("too_little", f"The text is {len(ids):,} tokens, fewer than two blocks of {block_size}: too "
                                      f"little to train on and to check the result. Add more text or choose a "
                                      f"smaller block size.")
    order = list(range(len(blocks)))
    random.Random(seed).shuffle(order)
    n_val = min(max(1, round(len(blocks) * val_fraction)), len(blocks) - 1)
    val_idx = set(order[:n_val])
    train = tuple(b for i, b in enumerate(blocks) if i not in val_idx)
    val = tuple(b for i, b in enumerate(blocks) if i in val_idx)
    digest = hashlib.sha1(repr((block_size, val_fraction, seed, ids)).encode()).hexdigest()[:12]
    sources = tuple((d.name, d.kind, d.encoding, len(d.records), d.chars) for d in docs)
    return Dataset(train, val, block_size, chars, len(ids), any(d.is_chat for d in docs), sources, digest)


@dataclass(frozen=True)
class Preview:
    """What the user sees before training."""

    chars: int
    tokens: int
    blocks: int
    train_blocks: int
    val_blocks: int
    block_size: int
    chat: bool
    sources: tuple[tuple[str, str, str, int, int], ...]
    samples: tuple[str, ...]  # a few training blocks as text


def preview(dataset: Dataset, tokenizer, n: int = 3, max_chars: int = 600) -> Preview:
    samples = []
    for block in dataset.train[:n]:
        # A block may start or end inside a multi-byte character: drop the half character at the edges.
        text = tokenizer.decode(list(block), skip_special_tokens=False).strip("\ufffd")
        samples.append(text if len(text) <= max_chars else text[:max_chars] + " …")
    return Preview(dataset.chars, dataset.tokens, dataset.blocks, len(dataset.train), len(dataset.val),
                   dataset.block_size, dataset.chat, dataset.sources, tuple(samples))


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
