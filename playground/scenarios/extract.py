"""JSON extraction: parse the model's output, validate it against the requested keys, repair what is mechanical.

``check_json`` never calls invalid output valid: the result says ``valid`` (parsed as written), ``repaired``
(parsed after listed mechanical fixes) or ``invalid`` (with the reason). The UI retries an invalid answer once
with the JSON start already written for the model (``prefill``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Sequence

from ..errors import PlaygroundError

MAX_FIELDS = 12


def parse_fields(text: str) -> list[str]:
    """Keys from a comma/semicolon/newline list: trimmed, spaces to underscores, duplicates dropped."""
    keys: list[str] = []
    for part in re.split(r"[,;\n，；、]", text or ""):
        key = re.sub(r"\s+", "_", part.strip())
        if key and key not in keys:
            keys.append(key)
    return keys


def check_fields(keys: Sequence[str]) -> None:
    if not keys:
        raise PlaygroundError("keys_none")
    if len(keys) > MAX_FIELDS:
        raise PlaygroundError("keys_too_many", max=MAX_FIELDS, n=len(keys))
    if any(len(k) > 40 or '"' in k or "{" in k or "}" in k for k in keys):
        raise PlaygroundError("keys_bad")


def skeleton(keys: Sequence[str], list_values: bool = False) -> str:
    """A one-line JSON example of the expected shape, e.g. {"name": "...", "date": "..."}."""
    value = '["..."]' if list_values else '"..."'
    return "{" + ", ".join(f'"{k}": {value}' for k in keys) + "}"


def prefill(keys: Sequence[str]) -> str:
    """The start of the answer written for the model on a retry: forces the JSON shape and the first key."""
    return '{"' + keys[0] + '": '


@dataclass(frozen=True)
class JsonCheck:
    status: str  # "valid" | "repaired" | "invalid"
    data: dict | None
    error: str = ""
    repairs: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status in ("valid", "repaired")


def _structure(text: str) -> tuple[list[tuple[int, str]], bool]:
    """The characters outside JSON string literals, as (index, char), and whether the text ends inside a string."""
    out: list[tuple[int, str]] = []
    in_str = esc = False
    for i, ch in enumerate(text):
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        else:
            out.append((i, ch))
    return out, in_str


def _balance(text: str) -> tuple[str, bool]:
    """Close an unterminated string and unclosed brackets at the end (output cut by the token limit)."""
    stack: list[str] = []
    outside, in_str = _structure(text)
    for _, ch in outside:
        if ch in "{[":
            stack.append("}" if ch == "{" else "]")
        elif ch in "}]" and stack:
            stack.pop()
    if not in_str and not stack:
        return text, False
    out = text + ('"' if in_str else "")
    out = re.sub(r",\s*$", "", out.rstrip())
    if out.rstrip().endswith(":"):
        out = out.rstrip() + " null"
    return out + "".join(reversed(stack)), True


def _first_object(text: str) -> str | None:
    start = text.find("{")
    if start == -1:
        return None
    depth = 0
    for i, ch in _structure(text[start:])[0]:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return text[start:start + i + 1]
    return text[start:]  # never closed: _balance may finish it


def _parse(text: str) -> tuple[Any, str]:
    try:
        return json.loads(text), ""
    except json.JSONDecodeError as exc:
        return None, f"{exc.msg} at line {exc.lineno}, column {exc.colno}"


def check_json(output: str, keys: Sequence[str]) -> JsonCheck:
    """Validate ``output`` as one JSON object with exactly ``keys`` (missing keys -> null, with a note)."""
    text = (output or "").strip()
    if not text:
        return JsonCheck("invalid", None, "The model returned nothing.")
    data, error = _parse(text)
    repairs: list[str] = []
    if data is None:
        candidate = text
        fenced = re.search(r"```(?:json)?\s*(.*?)(?:```|$)", candidate, re.S)
        if fenced and "{" in fenced.group(1):
            candidate = fenced.group(1).strip()
            repairs.append("removed a Markdown code fence")
        obj = _first_object(candidate)
        if obj is None:
            return JsonCheck("invalid", None, "There is no JSON object in the output (no '{').")
        if obj.strip() != candidate.strip():
            repairs.append("kept only the JSON object (dropped text around it)")
        candidate = obj
        fixes = [
            (r"[\u201c\u201d]", '"', "replaced curly quotes"),
            (r",\s*([}\]])", r"\1", "removed trailing commas"),
            (r"\bNone\b", "null", "replaced Python None with null"),
            (r"\bTrue\b", "true", "replaced Python True with true"),
            (r"\bFalse\b", "false", "replaced Python False with false"),
        ]
        for pattern, repl, note in fixes:
            new = re.sub(pattern, repl, candidate)
            if new != candidate:
                candidate = new
                repairs.append(note)
        if '"' not in candidate and "'" in candidate:
            candidate = candidate.replace("'", '"')
            repairs.append("replaced single quotes with double quotes")
        candidate, closed = _balance(candidate)
        if closed:
            repairs.append("closed a cut-off end (the output hit the token limit)")
        data, error = _parse(candidate)
        if data is None:
            return JsonCheck("invalid", None, f"Not valid JSON even after repairs: {error}.", tuple(repairs))
    if not isinstance(data, dict):
        return JsonCheck("invalid", None, f"Expected a JSON object with keys, got a {type(data).__name__}.",
                         tuple(repairs))
    lower = {str(k).lower().replace(" ", "_"): k for k in data}
    renamed = [(lower[k.lower()], k) for k in keys if k not in data and k.lower() in lower]
    if renamed:  # "Subjective" for "subjective": same key, other spelling
        data = {**{k: v for k, v in data.items() if k not in {old for old, _ in renamed}},
                **{new: data[old] for old, new in renamed}}
        repairs.append("matched key(s) ignoring case: " + ", ".join(f"{old} → {new}" for old, new in renamed))
    missing = tuple(k for k in keys if k not in data)
    extra = tuple(k for k in data if k not in keys)
    if missing and len(missing) == len(keys):
        return JsonCheck("invalid", None, "None of the requested keys is in the output.", tuple(repairs),
                         missing, extra)
    result = {k: data.get(k) for k in keys}
    if missing:
        repairs.append("set missing key(s) to null: " + ", ".join(missing))
    if extra:
        repairs.append("dropped key(s) that were not asked for: " + ", ".join(extra))
    return JsonCheck("repaired" if repairs else "valid", result, "", tuple(repairs), missing, extra)
