"""Readable token labels and the tokenizer view.

Byte-level BPE tokenizers (GPT-2, SmolLM2, Qwen) split one Chinese character into several tokens; decoding one
such token alone gives the replacement character. Those tokens are labelled with their bytes instead (``<e4 bd>``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass


@functools.lru_cache(maxsize=1)
def _byte_decoder() -> dict[str, int]:
    """Inverse of GPT-2's bytes->printable-unicode table used by byte-level BPE vocabularies."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    codes = printable[:]
    n = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            codes.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(printable, codes)}


def token_label(tokenizer, token_id: int) -> str:
    """Human-readable text of one token: its decoded text, or its bytes when it is part of a character."""
    text = tokenizer.decode([token_id], skip_special_tokens=False, clean_up_tokenization_spaces=False)
    if "\ufffd" not in text:
        return text
    raw = tokenizer.convert_ids_to_tokens(token_id) or ""
    table = _byte_decoder()
    if raw and all(ch in table for ch in raw):
        return "<" + " ".join(f"{table[ch]:02x}" for ch in raw) + ">"
    if raw.startswith("<0x") and raw.endswith(">"):  # sentencepiece byte fallback, e.g. <0xE4>
        return "<" + raw[3:-1].lower() + ">"
    return text


SPACE, NEWLINE, TAB, EMPTY = "␣", "⏎", "⇥", "∅"


def visible(text: str, inline: bool = True) -> str:
    """A token's text with its whitespace made visible: the one place these marks are chosen.

    ``inline`` (axis labels, table cells): ' the' -> '␣the', newline -> '⏎', tab -> '⇥', empty -> '∅'.
    Flowing text (``inline=False``, tokens laid out one after another in HTML): spaces stay spaces so the text reads
    normally, a newline shows '⏎' and still breaks the line, a tab shows '⇥'.
    """
    if inline:
        return text.replace(" ", SPACE).replace("\n", NEWLINE).replace("\t", TAB) or EMPTY
    return text.replace("\n", NEWLINE + "\n").replace("\t", TAB)


@dataclass(frozen=True)
class TokenInfo:
    token_id: int
    label: str
    special: bool


def tokenize(tokenizer, text: str, add_special_tokens: bool = True) -> list[TokenInfo]:
    """The tokenizer view of ``text``: every token id with its readable label."""
    ids = tokenizer(text, add_special_tokens=add_special_tokens)["input_ids"]
    special = set(getattr(tokenizer, "all_special_ids", []) or [])
    return [TokenInfo(i, token_label(tokenizer, i), i in special) for i in ids]


def describe_ids(tokenizer, ids: list[int]) -> list[TokenInfo]:
    """Readable labels for token ids the model actually reads."""
    special = set(getattr(tokenizer, "all_special_ids", []) or [])
    return [TokenInfo(i, token_label(tokenizer, i), i in special) for i in ids]
