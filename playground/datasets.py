"""Documents -> token blocks for training: packing, the train/validation split, a preview."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from .chat import render_chat
from .errors import DataError, PlaygroundError

if TYPE_CHECKING:  # only for annotations: data imports this module lazily, never the other way round
    from .data import Document


def render_record(record: dict, tokenizer) -> str:
    """The training text of one record (chat messages through the tokenizer's chat template when it has one)."""
    if "text" in record:
        return record["text"]
    return render_chat(tokenizer, record["messages"])[0]


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
        raise PlaygroundError("out_of_range", field="block_size", min=8, max=4096)
    if not 0 < val_fraction < 0.5:
        raise PlaygroundError("out_of_range", field="val_fraction", min=0, max=0.5)
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
        raise DataError("too_little", "tokens", n=len(ids), block=block_size)
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
