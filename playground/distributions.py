"""Next-token distributions and token log-probabilities: the sampler's warpers, the next-token view, a small
cache of next-token logits, and surprisal scoring of a text. Model work runs on the compute worker."""

from __future__ import annotations

import math
import threading

import torch

from .config import Limits
from .errors import PlaygroundError
from .models import LoadedModel
from .prompts import check_length
from .results import Alternative, NextTokenView, TextScore  # noqa: F401 (re-exported)
from .tokens import token_label
from . import remote_views
from .worker import ComputeWorker


def warp(scores: torch.Tensor, temperature: float = 1.0, top_k: int = 0, top_p: float = 1.0,
         min_p: float = 0.0, typical_p: float = 1.0) -> torch.Tensor:
    """Apply the sampling warpers in the order ``generate`` does; returns probabilities, same shape.

    ``scores``: logits of shape (V,) or (B, V). Uses transformers' own warper classes so the result is exactly
    the distribution the sampler draws from.
    """
    from transformers.generation.logits_process import (MinPLogitsWarper, TemperatureLogitsWarper,
                                                        TopKLogitsWarper, TopPLogitsWarper, TypicalLogitsWarper)

    x = scores.float().reshape(-1, scores.shape[-1])
    if temperature != 1.0:
        x = TemperatureLogitsWarper(temperature)(None, x)
    if top_k:
        x = TopKLogitsWarper(top_k=top_k)(None, x)
    if top_p < 1.0:
        x = TopPLogitsWarper(top_p=top_p)(None, x)
    if min_p > 0:
        x = MinPLogitsWarper(min_p=min_p)(None, x)
    if typical_p < 1.0:
        x = TypicalLogitsWarper(mass=typical_p)(None, x)
    return torch.softmax(x, dim=-1).reshape(scores.shape)


def next_token_view(logits: torch.Tensor, tokenizer, temperature: float = 1.0, top_k: int = 0,
                    top_p: float = 1.0, min_p: float = 0.0, greedy: bool = False, top_n: int = 20) -> NextTokenView:
    """Reshape cached next-token ``logits`` (shape (V,)) for new settings without running the model again."""
    logits = logits.float()
    raw = torch.softmax(logits, dim=-1)
    if greedy:
        probs = torch.zeros_like(raw)
        probs[int(torch.argmax(logits))] = 1.0
    else:
        probs = warp(logits, temperature, top_k, top_p, min_p)
    top = torch.topk(raw, min(top_n, raw.numel()))
    items = tuple(Alternative(int(i), token_label(tokenizer, int(i)), float(probs[i]), float(p))
                  for p, i in zip(top.values.tolist(), top.indices.tolist()))
    nz = probs[probs > 0]
    entropy = float(-(nz * torch.log2(nz)).sum())
    return NextTokenView(items, int((probs > 0).sum()), entropy, raw.numel())


def view_of_top(top: list[tuple[str, float]], temperature: float = 1.0, top_k: int = 0, top_p: float = 1.0,
                min_p: float = 0.0, greedy: bool = False, top_n: int = 20) -> NextTokenView:
    """The next-token view from the top of a distribution only ([(token, log-probability)], as a remote engine
    returns it): raw probabilities as given, reshaped by the settings within the known tokens (renormalised over
    them). ``known_mass`` says how much of the distribution they hold."""
    logp = torch.tensor([v for _, v in top], dtype=torch.float32)
    raw = logp.exp()
    if greedy:
        probs = torch.zeros_like(raw)
        probs[int(torch.argmax(logp))] = 1.0
    else:
        probs = warp(logp, temperature, top_k, top_p, min_p)
    order = torch.argsort(raw, descending=True)[:top_n].tolist()
    items = tuple(Alternative(-1, top[i][0], float(probs[i]), float(raw[i])) for i in order)
    nz = probs[probs > 0]
    entropy = float(-(nz * torch.log2(nz)).sum())
    return NextTokenView(items, int((probs > 0).sum()), entropy, len(top), min(1.0, float(raw.sum())))


def forward_logits(lm: LoadedModel, ids: list[int]) -> torch.Tensor:
    """Logits of one sequence, shape (T, V), float32 on the CPU. Worker thread only."""
    with torch.inference_mode():
        x = torch.tensor([ids], device=lm.device)
        return lm.model(input_ids=x).logits[0].float().cpu()  # (T, V)


_forward_logits = forward_logits  # the old private name


def sequence_logprobs(logits: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
    """log p(ids[b, t] | ids[b, :t]) for t >= 1, in nats: the one place token log-probabilities are read.

    ``logits``: (B, T, V) or (T, V), the model's output for ``ids`` ((B, T) or (T,), same leading shape): position
    t - 1 predicts token t. Returns (B, T - 1) or (T - 1,), float32, on ``logits``' device. Padded positions are
    computed too; the caller ignores them.
    """
    single = logits.dim() == 2
    if single:
        logits, ids = logits[None], ids[None]
    logp = torch.log_softmax(logits[:, :-1].float(), dim=-1)  # (B, T - 1, V)
    out = logp.gather(2, ids[:, 1:, None].to(logp.device).long())[..., 0]  # (B, T - 1)
    return out[0] if single else out


class LogitsCache:
    """Small LRU of next-token logits keyed by model and prompt, so sliders redraw without a forward pass."""

    def __init__(self, size: int = 32) -> None:
        from collections import OrderedDict

        self.size = size
        self._items: "OrderedDict[tuple, torch.Tensor]" = OrderedDict()
        self._lock = threading.Lock()
        self.misses = 0

    def get(self, lm: LoadedModel, worker: ComputeWorker, ids: list[int]) -> torch.Tensor:
        key = (lm.spec.key, lm.dtype, tuple(ids))
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        logits = worker.call(forward_logits, lm, ids)[-1]  # (V,)
        with self._lock:
            self.misses += 1
            self._items[key] = logits
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return logits


def score_text(lm: LoadedModel, worker: ComputeWorker, text: str, limits: Limits) -> TextScore:
    """How surprised the model is by each token of ``text`` (teacher forcing, one forward pass)."""
    if not getattr(lm, "has_weights", True):
        return remote_views.score(lm, text, limits)
    if not text.strip():
        raise PlaygroundError("text_empty")
    check_length(text, limits, "text")
    ids = lm.tokenizer(text)["input_ids"][: limits.max_prompt_tokens]
    bos = lm.tokenizer.bos_token_id
    if bos is not None and (not ids or ids[0] != bos) and len(ids) < 2:
        ids = [bos] + ids
    if len(ids) < 2:
        raise PlaygroundError("text_too_short")
    logits = worker.call(forward_logits, lm, ids)  # (T, V)
    lp = sequence_logprobs(logits, torch.tensor(ids))  # (T - 1,)
    return TextScore(tuple(token_label(lm.tokenizer, i) for i in ids[1:]),
                     tuple((-lp / math.log(2)).tolist()), tuple(lp.exp().tolist()), float(torch.exp(-lp.mean())))


