"""How likely the model finds given continuations of a prompt: label-likelihood classification and answer ranking.

Both rest on ``continuation_logprobs``: one batched forward pass over ``prompt + continuation`` for every
continuation (right-padded, with an attention mask), reading the log-probability of each continuation token.
Runs on the compute worker (``worker.call``); the caller's thread never touches torch.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Sequence

import torch

from ..config import GenerationSettings, Limits
from ..distributions import sequence_logprobs
from ..errors import PlaygroundError
from ..prompts import PreparedPrompt
from ..models import LoadedModel
from ..worker import ComputeWorker
from .. import remote_views

MAX_LABELS = 12
MAX_CANDIDATES = 8
MAX_LABEL_CHARS = 60


def model_window(lm: LoadedModel) -> int | None:
    """How many positions the model can attend to (None when its config does not say)."""
    config = getattr(lm.model, "config", None)
    for name in ("max_position_embeddings", "n_positions", "n_ctx"):
        value = getattr(config, name, None)
        if isinstance(value, int) and value > 0:
            return value
    return None


def _batched_logprobs(lm: LoadedModel, prompt_ids: list[int], conts: list[list[int]]) -> list[list[float]]:
    """Worker-side body: log p(token) for each continuation token, given the prompt and the tokens before it."""
    pad = lm.tokenizer.pad_token_id
    if pad is None:
        pad = lm.tokenizer.eos_token_id or 0
    seqs = [prompt_ids + c for c in conts]
    width = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), width), pad, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, :len(s)] = torch.tensor(s)
        mask[i, :len(s)] = 1
    with torch.inference_mode():
        logits = lm.model(input_ids=ids.to(lm.device), attention_mask=mask.to(lm.device)).logits  # (B, T, V)
        logp = sequence_logprobs(logits, ids).cpu()  # (B, T - 1): entry t - 1 is log p(token t)
    start = len(prompt_ids)
    return [logp[i, start - 1: start - 1 + len(c)].tolist() for i, c in enumerate(conts)]


def continuation_logprobs(lm: LoadedModel, worker: ComputeWorker, prompt_ids: Sequence[int],
                          continuations: Sequence[str], add_eos: bool = False) -> list[list[float]]:
    """Per-token log-probabilities (natural log) of each continuation after ``prompt_ids``, in one forward pass.

    ``add_eos`` appends the end-of-turn token, so a label must be the *whole* answer (not just its start).
    """
    if not prompt_ids:
        raise PlaygroundError("prompt_empty")
    tok = lm.tokenizer
    conts = []
    for text in continuations:
        ids = tok(text, add_special_tokens=False)["input_ids"]
        if add_eos and tok.eos_token_id is not None:
            ids = ids + [tok.eos_token_id]
        if not ids:
            raise PlaygroundError("continuation_no_tokens", text=text[:80])
        conts.append(ids)
    window = model_window(lm)
    if window:  # a continuation that would run past the model's positions is scored up to the window
        room = window - len(prompt_ids)
        if room < 1:
            raise PlaygroundError("prompt_fills_window")
        conts = [c[:room] for c in conts]
    return worker.call(_batched_logprobs, lm, list(prompt_ids), conts)


def _continuations(lm, worker: ComputeWorker, prompt: PreparedPrompt, continuations: Sequence[str],
                   add_eos: bool = False) -> list[list[float]]:
    """``continuation_logprobs`` for a local model; for a remote engine, from its echoed prompt log-probabilities
    on the prompt's text (no end-of-turn token: the engine's is not known here)."""
    if not getattr(lm, "has_weights", True):
        return remote_views.continuation_logprobs(lm, prompt.text, continuations)
    return continuation_logprobs(lm, worker, prompt.input_ids, continuations, add_eos=add_eos)


@dataclass(frozen=True)
class LabelScore:
    label: str
    prob: float  # normalised over the label set: the probabilities sum to 1
    logprob: float  # total log-probability the model gives the label's tokens (nats)
    tokens: int


def parse_labels(text: str) -> list[str]:
    """Labels from a comma-, semicolon- or line-separated list (Chinese commas too); duplicates removed."""
    import re

    seen: list[str] = []
    for part in re.split(r"[,;\n，；、]", text or ""):
        label = part.strip()
        if label and label not in seen:
            seen.append(label)
    return seen


def check_labels(labels: Sequence[str]) -> None:
    if len(labels) < 2:
        raise PlaygroundError("labels_too_few")
    if len(labels) > MAX_LABELS:
        raise PlaygroundError("labels_too_many", max=MAX_LABELS, n=len(labels))
    if any(len(label) > MAX_LABEL_CHARS for label in labels):
        raise PlaygroundError("label_too_long", max=MAX_LABEL_CHARS)


def classify(lm: LoadedModel, worker: ComputeWorker, prompt: PreparedPrompt, labels: Sequence[str]) -> list[LabelScore]:
    """Label-likelihood classification: P(label | prompt) for every label, renormalised over the label set.

    A label's score is the total log-probability of its tokens (in a chat prompt followed by end-of-turn, so
    'pos' is not favoured merely for being the start of 'positive'; in a completion prompt preceded by a space).
    Sorted best first; probabilities sum to 1.
    """
    labels = list(labels)
    check_labels(labels)
    if not getattr(lm, "has_weights", True) and not lm.has_prompt_logprobs:
        return _classify_by_answer(lm, prompt, labels)
    if prompt.used_template:  # chat: the answer is the label and then the end of the turn
        rows = _continuations(lm, worker, prompt, labels, add_eos=True)
    else:  # completion ("Sentiment:"): the label follows after a space
        sep = "" if prompt.text[-1:].isspace() else " "
        rows = _continuations(lm, worker, prompt, [sep + label for label in labels])
    totals = [sum(r) for r in rows]
    top = max(totals)
    weights = [math.exp(t - top) for t in totals]
    z = sum(weights)
    scores = [LabelScore(label, w / z, t, len(r)) for label, w, t, r in zip(labels, weights, totals, rows)]
    return sorted(scores, key=lambda s: -s.prob)


def _classify_by_answer(lm, prompt: PreparedPrompt, labels: list[str]) -> list[LabelScore]:
    """The fallback for an engine that cannot score a given text: a short greedy answer, and the label it names
    first (probability 1; all labels equal when it names none). The UI says these are not the model's
    probabilities."""
    settings = GenerationSettings(max_new_tokens=12, do_sample=False, repetition_penalty=1.0)
    done = list(remote_views.stream(lm, prompt, settings, Limits(), threading.Event(), 0))[-1]
    answer = done.text.lower()
    found = sorted((answer.find(label.lower()), label) for label in labels if label.lower() in answer)
    if not found:
        return [LabelScore(label, 1 / len(labels), math.nan, 0) for label in labels]
    best = found[0][1]
    return sorted((LabelScore(label, float(label == best), math.nan, 0) for label in labels), key=lambda s: -s.prob)


@dataclass(frozen=True)
class RankedAnswer:
    text: str
    mean_logprob: float  # mean log-probability per token (nats): the model's confidence in this answer
    tokens: int
    origin: str = ""  # where the candidate came from (model sample, yours, ...)

    @property
    def confidence(self) -> float:
        """Geometric-mean token probability, exp(mean log-prob): 0..1, easier to read than nats."""
        return math.exp(self.mean_logprob)


def rank_answers(lm: LoadedModel, worker: ComputeWorker, prompt: PreparedPrompt, candidates: Sequence[str],
                 origins: Sequence[str] | None = None) -> list[RankedAnswer]:
    """Order candidate answers by the model's mean token log-probability given the prompt, best first."""
    items = [(c.strip(), (origins or [""] * len(candidates))[i]) for i, c in enumerate(candidates) if c.strip()]
    if not items:
        raise PlaygroundError("no_candidates")
    items = items[:MAX_CANDIDATES]
    sep = "" if prompt.used_template or prompt.text[-1:].isspace() else " "  # completion: "Assistant: <answer>"
    rows = _continuations(lm, worker, prompt, [sep + c for c, _ in items])
    ranked = [RankedAnswer(c, sum(r) / len(r), len(r), o) for (c, o), r in zip(items, rows)]
    return sorted(ranked, key=lambda a: -a.mean_logprob)


def _sample(lm: LoadedModel, prompt_ids: list[int], n: int, max_new_tokens: int, temperature: float,
            seed: int) -> list[str]:
    torch.manual_seed(seed)
    tok = lm.tokenizer
    x = torch.tensor([prompt_ids], device=lm.device)
    with torch.inference_mode():
        out = lm.model.generate(x, attention_mask=torch.ones_like(x), do_sample=True, temperature=temperature,
                                top_p=0.95, top_k=50, max_new_tokens=max_new_tokens, num_return_sequences=n,
                                repetition_penalty=1.1,
                                pad_token_id=tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id)
    return [tok.decode(row[len(prompt_ids):], skip_special_tokens=True).strip() for row in out]


def sample_answers(lm: LoadedModel, worker: ComputeWorker, prompt: PreparedPrompt, n: int = 2,
                   max_new_tokens: int = 80, temperature: float = 0.9, seed: int = 0,
                   stop: Sequence[str] = ()) -> list[str]:
    """``n`` sampled answers to the same prompt in one batched ``generate`` call (alternatives to rank); each is
    cut at the first stop sequence."""
    if not getattr(lm, "has_weights", True):
        answers = remote_views.sample(lm, prompt, n, max_new_tokens, temperature, seed, Limits())
    else:
        answers = worker.call(_sample, lm, list(prompt.input_ids), n, max_new_tokens, temperature, seed)
    for s in stop:
        answers = [a.split(s)[0].strip() if s.strip() else a.strip().split(s)[0].strip() for a in answers]
    return answers
