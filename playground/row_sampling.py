"""Choosing each batched row's next token: its own penalties, warpers and random draw, then its TokenEvent.

Rows that share settings are processed together, with the arithmetic of transformers' own processors and warpers
(so a row's distribution is exactly the one ``model.generate`` would sample from): a classroom mostly keeps the
default settings, and top-p sorts the whole vocabulary, so sixteen rows one by one took ten times as long as
sixteen rows in one call. Runs on the compute worker thread, called by ``playground.batching.Batcher``.
"""

from __future__ import annotations

import logging
import time
from typing import Callable

import torch

from .distributions import warp

log = logging.getLogger(__name__)


def choose(rows: list, logits: torch.Tensor, fail: Callable, finish: Callable) -> None:
    """Every row's own penalties, warpers and draw, then one TokenEvent each; a row that raises fails alone.

    Rows with the same settings are reshaped in one call (a classroom mostly keeps the defaults): top-p sorts
    the whole vocabulary, and sixteen rows one by one took ten times as long as sixteen together."""
    raw = logits.float()
    raw_probs = torch.softmax(raw, dim=-1)
    failed: set[int] = set()
    pre = _penalized(rows, raw, failed, fail)
    probs: dict[int, torch.Tensor] = {}
    groups: dict[tuple, list[int]] = {}
    for i, row in enumerate(rows):
        s = row.settings
        if i not in failed and s.do_sample:
            groups.setdefault((s.temperature, s.top_k, s.top_p, s.min_p, s.typical_p), []).append(i)
    for (temperature, top_k, top_p, min_p, typical_p), members in groups.items():
        try:
            warped = warp(pre[members], temperature, top_k, top_p, min_p, typical_p)
        except Exception as exc:  # noqa: BLE001 - these rows' settings broke the sampler: they fail alone
            log.exception("sampling failed for %d row(s)", len(members))
            for i in members:
                failed.add(i)
                fail(rows[i], exc)
            continue
        probs.update(zip(members, warped))
    for i, row in enumerate(rows):
        if i in failed:
            continue
        try:
            _emit(row, pre[i], probs.get(i), raw_probs[i], finish)
        except Exception as exc:  # noqa: BLE001 - this row's failure is this row's only
            log.exception("a generation row failed")
            fail(row, exc)


def _penalized(rows: list, raw: torch.Tensor, failed: set[int], fail: Callable) -> torch.Tensor:
    """Scores after each row's repetition penalty (rows with the same penalty in one gather/scatter over their
    padded histories, the arithmetic of transformers' processor) and no-repeat n-gram rule, on its own
    history."""
    if not any(row.processors or row.settings.repetition_penalty != 1.0 for row in rows):
        return raw
    pre = raw.clone()
    vocab = raw.shape[-1]
    by_penalty: dict[float, list[int]] = {}
    for i, row in enumerate(rows):
        if row.settings.repetition_penalty != 1.0:
            by_penalty.setdefault(row.settings.repetition_penalty, []).append(i)
    for penalty, members in by_penalty.items():
        longest = max(len(rows[i].history) for i in members)
        ids = torch.full((len(members), longest), vocab, dtype=torch.long, device=raw.device)
        for k, i in enumerate(members):  # the padding index ``vocab`` lands in an extra column, dropped below
            ids[k, :len(rows[i].history)] = torch.tensor(rows[i].history, device=raw.device).clamp(max=vocab)
        scores = torch.nn.functional.pad(pre[members], (0, 1))
        picked = torch.gather(scores, 1, ids)
        picked = torch.where(picked < 0, picked * penalty, picked / penalty)
        pre[members] = scores.scatter(1, ids, picked)[:, :vocab]
    for i, row in enumerate(rows):
        for processor in row.processors:
            try:
                pre[i] = processor(torch.tensor([row.history], device=raw.device), pre[i:i + 1].clone())[0]
            except Exception as exc:  # noqa: BLE001
                failed.add(i)
                fail(row, exc)
    return pre


def _emit(row, pre: torch.Tensor, probs: torch.Tensor | None, raw_probs: torch.Tensor, finish: Callable) -> None:
    """Draw (or take the argmax), hand the TokenEvent over, and end the row when it is done."""
    s = row.settings
    if s.do_sample:
        token = int(torch.multinomial(probs, 1, generator=row.generator))
    else:
        plain = not row.processors and s.repetition_penalty == 1.0
        probs = raw_probs if plain else torch.softmax(pre, dim=-1)
        token = int(torch.argmax(pre))
    streamer = row.streamer
    if streamer.first_token_at is None:
        streamer.first_token_at = time.perf_counter()
    streamer.emit_token(token, pre, probs, raw_probs)
    row.next_token = token
    if (streamer.stopped_by_sequence or token in streamer.eos or len(streamer.events) >= s.max_new_tokens
            or row.stop.is_set()):
        finish(row)
