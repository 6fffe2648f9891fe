"""One forward pass that records every attention matrix and hidden state of a text.

``extract(lm, text)`` tokenizes ``text`` (at most ``max_attention_tokens()`` tokens; the rest is cut with a notice),
runs the model once under ``torch.inference_mode`` with eager attention, and returns an ``AttentionResult`` of
plain arrays. Call it on the compute worker thread (``engine.worker.call(extract, lm, text)``).
"""

from __future__ import annotations

import inspect
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import torch

from .. import settings as env_settings
from ..errors import PlaygroundError
from ..tokens import token_label

DEFAULT_MAX_TOKENS = env_settings.default("PLAYGROUND_MAX_ATTENTION_TOKENS")
DECODER, ENCODER = "decoder", "encoder"


class AttentionUnavailable(PlaygroundError, RuntimeError):
    """The model returns no attention weights (or cannot be analysed); coded, the message says why."""


def max_attention_tokens(environ: dict[str, str] | None = None) -> int:
    """Token cap for the attention views: ``PLAYGROUND_MAX_ATTENTION_TOKENS`` (default 256, range 2-4096).

    Weights grow with layers x heads x T^2 (30 x 9 x 256^2 float32 = 71 MB for the bundled model), so the cap keeps
    one extraction small enough to cache and draw.
    """
    return env_settings.read("PLAYGROUND_MAX_ATTENTION_TOKENS", environ)


@dataclass
class AttentionResult:
    """Everything the attention views need, as arrays (no model references).

    ``weights``: float32 [L, H, T, T], row i = how token i spreads its attention over the tokens (rows sum to 1).
    ``hidden``: float32 tensor [L + 1, T, D]: the embeddings, then each layer's output (the last one as the
    model hands it over, usually after the final norm). ``logits``: float32 [V] at ``target`` (the next-token
    logits of the last token for a decoder; the masked-LM logits at the first [MASK] or last real token for an
    encoder).
    """

    model_key: str
    token_ids: list[int]
    tokens: list[str]  # readable labels (byte tokens of split characters as <e4 bd>)
    special: list[bool]
    weights: np.ndarray
    hidden: torch.Tensor
    logits: torch.Tensor
    target: int
    kind: str  # DECODER (causal) or ENCODER (bidirectional)
    total_tokens: int  # before the cap
    n_kv_heads: int | None = None
    extras: dict[str, Any] = field(default_factory=dict)  # memoised derived data (scores, rollout, lens)

    @property
    def n_layers(self) -> int:
        return int(self.weights.shape[0])

    @property
    def n_heads(self) -> int:
        return int(self.weights.shape[1])

    @property
    def n_tokens(self) -> int:
        return int(self.weights.shape[2])

    @property
    def truncated(self) -> int:
        return self.total_tokens - self.n_tokens

    @property
    def causal(self) -> bool:
        return self.kind == DECODER

    @property
    def nbytes(self) -> int:
        return int(self.weights.nbytes + self.hidden.numel() * 4 + self.logits.numel() * 4)

    def __post_init__(self) -> None:
        self._memo_lock = threading.RLock()

    def memo(self, key: Any, make: Callable[[], Any]) -> Any:
        """Compute derived data once per result (results are shared read-only between users)."""
        with self._memo_lock:
            if key not in self.extras:
                self.extras[key] = make()
            return self.extras[key]


def model_kind(lm) -> str:
    return ENCODER if getattr(lm, "is_encoder", False) else DECODER


def _accepts(fn, name: str) -> bool:
    try:
        return name in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


def encode(lm, text: str, max_tokens: int | None = None) -> tuple[list[int], int]:
    """Token ids of ``text`` (special tokens as the tokenizer adds them) cut to the cap; returns (ids, total)."""
    cap = max_tokens or max_attention_tokens()
    tok = lm.tokenizer
    full = tok(text)["input_ids"]
    if len(full) <= cap:
        return list(full), len(full)
    # Let the tokenizer cut, so an encoder keeps its closing [SEP]; keep the start of the text.
    ids = tok(text, truncation=True, max_length=cap)["input_ids"]
    return list(ids[:cap]), len(full)


def _target_position(lm, ids: list[int], kind: str) -> int:
    if kind == DECODER:
        return len(ids) - 1
    mask = getattr(lm.tokenizer, "mask_token_id", None)
    if mask is not None and mask in ids:
        return ids.index(mask)
    special = set(getattr(lm.tokenizer, "all_special_ids", []) or [])
    real = [i for i, t in enumerate(ids) if t not in special]
    return real[-1] if real else len(ids) - 1


def forward(lm, ids: list[int], attentions: bool = True, last_only: bool = False):
    """One forward pass with hidden states (and attentions); ``last_only`` computes logits for the last token."""
    model = lm.model
    x = torch.tensor([ids], device=lm.device)
    kwargs: dict[str, Any] = dict(input_ids=x, attention_mask=torch.ones_like(x), output_hidden_states=True,
                                  output_attentions=attentions)
    if last_only and _accepts(model.forward, "logits_to_keep"):
        kwargs["logits_to_keep"] = 1
    with torch.inference_mode():
        return model(**kwargs)


def extract(lm, text: str, max_tokens: int | None = None) -> AttentionResult:
    """Tokenize ``text`` and record attention weights and hidden states in one forward pass.

    Raises ``ValueError`` for empty text and ``AttentionUnavailable`` when the model returns no weights (it was
    loaded with sdpa/flash attention, or its architecture has no attention matrices).
    """
    if not (text or "").strip():
        raise PlaygroundError("attention_text_empty")
    if getattr(lm, "attn_implementation", "eager") != "eager":
        raise AttentionUnavailable("attention_not_eager", name=lm.spec.name, impl=lm.attn_implementation)
    kind = model_kind(lm)
    ids, total = encode(lm, text, max_tokens)
    if not ids:
        raise PlaygroundError("no_tokens")
    target = _target_position(lm, ids, kind)
    out = forward(lm, ids, attentions=True, last_only=kind == DECODER)
    attn = getattr(out, "attentions", None)
    if not attn or any(a is None for a in attn):
        raise AttentionUnavailable("attention_no_weights", name=lm.spec.name)
    weights = torch.stack([a[0] for a in attn]).float().cpu().numpy()  # [L, H, T, T]
    hidden = torch.stack([h[0] for h in out.hidden_states]).float().cpu()  # [L + 1, T, D]
    logits = out.logits[0].float().cpu()
    logits = logits[-1] if kind == DECODER else logits[target]
    tok = lm.tokenizer
    special_ids = set(getattr(tok, "all_special_ids", []) or [])
    labels = [token_label(tok, i) for i in ids]
    config = lm.model.config
    return AttentionResult(
        model_key=f"{lm.spec.key}|{lm.dtype}|{lm.task}", token_ids=ids, tokens=labels,
        special=[i in special_ids for i in ids], weights=np.ascontiguousarray(weights), hidden=hidden,
        logits=logits, target=target, kind=kind, total_tokens=total,
        n_kv_heads=getattr(config, "num_key_value_heads", None))


class ResultCache:
    """LRU of recent extractions keyed by (model, text, cap), bounded by count and bytes.

    Switching layer, head or view redraws from here without a forward pass. Results are shared by all users and
    never modified after creation (derived data is memoised inside them under a lock).
    """

    def __init__(self, size: int = 6, max_bytes: int = 400 * 2**20) -> None:
        self.size, self.max_bytes = size, max_bytes
        self._items: "OrderedDict[tuple, AttentionResult]" = OrderedDict()
        self._lock = threading.Lock()
        self.misses = 0

    @staticmethod
    def key(lm, text: str, cap: int) -> tuple:
        return (lm.spec.key, str(lm.dtype), lm.task, text, cap)

    def peek(self, key: tuple) -> AttentionResult | None:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return None

    def find(self, spec_key: str, task: str, text: str, cap: int) -> AttentionResult | None:
        """A cached result for this model source, task and text, without loading the model (any dtype)."""
        with self._lock:
            for key, result in reversed(self._items.items()):
                if key[0] == spec_key and key[2:] == (task, text, cap):
                    return result
        return None

    def get(self, lm, text: str, worker, max_tokens: int | None = None) -> AttentionResult:
        """The cached result, or one forward pass on ``worker`` (a ComputeWorker)."""
        cap = max_tokens or max_attention_tokens()
        key = self.key(lm, text, cap)
        hit = self.peek(key)
        if hit is not None:
            return hit
        result = worker.call(extract, lm, text, cap)
        with self._lock:
            self.misses += 1
            self._items[key] = result
            while len(self._items) > 1 and (len(self._items) > self.size or
                                            sum(r.nbytes for r in self._items.values()) > self.max_bytes):
                self._items.popitem(last=False)
        return result
