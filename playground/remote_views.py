"""The model views for a ``remote.RemoteModel``: streamed generation with per-token log-probabilities, the top of
the next-token distribution, a text's surprisal and continuation log-probabilities (from echoed prompt
log-probabilities). They return the same types as the local views (``playground.results``), so the UI draws a
remote answer exactly like a local one.

What the OpenAI-compatible API gives and what it does not:
- each generated token with its log-probability and its top alternatives (``logprobs`` / ``top_logprobs``);
- the next-token distribution only as its top tokens (up to 20), so the chart shows the share of probability they
  hold and reshapes them for temperature / top-k / top-p within that share;
- prompt log-probabilities only where ``/completions`` accepts ``echo`` with ``logprobs`` (vLLM, llama.cpp's
  Python server; not OpenAI's hosted chat models). llama-cpp-python reports them shifted by one position (entry i
  holds the distribution of token i + 1; see ``RemoteModel.prompt_logprobs_mode``), so a token's log-probability is
  read from the previous entry's top list; a token outside that list is counted at the list's lowest value (an
  upper bound) and reported in ``TextScore.approximate``.
"""

from __future__ import annotations

import math
import threading
import time
from typing import Any, Iterator, Sequence

from .config import GenerationSettings, Limits
from .errors import PlaygroundError
from .remote import RemoteError, RemoteModel
from .results import Alternative, GenerationDone, TextScore, TokenEvent

NEXT_TOP = 20  # top tokens asked for the next-token chart (OpenAI's maximum)
SCORE_TOP = 100  # top tokens asked per prompt position from a shifted server
POSITION_TOP = 5000  # ... and for one position whose token was not among them
MAX_POSITION_REQUESTS = 24
MAX_CACHE = 64


def label_of(token: str, raw: Sequence[int] | None = None) -> str:
    """A readable label for a token the server names by text (bytes of a partial character as ``<e4 b8>``)."""
    if token and "\ufffd" not in token and not token.startswith("bytes:"):
        return token
    if raw:
        return "<" + " ".join(f"{b:02x}" for b in raw) + ">"
    return token.replace("bytes:", "") or "∅"


def sampling_body(rm: RemoteModel, s: GenerationSettings, seed: int) -> dict:
    """The request fields for ``s``: OpenAI's own (temperature, top_p, seed, stop) plus, where the server accepts
    them, the common extras of vLLM and llama.cpp (top_k, min_p, typical_p, repetition penalty)."""
    if s.num_beams > 1:
        raise PlaygroundError("remote_no_beams")
    body: dict[str, Any] = {"seed": int(seed) % (2**31)}
    if s.stop:
        body["stop"] = list(s.stop)[:4]
    if not s.do_sample:
        body.update(temperature=0.0, top_p=1.0)
    else:
        body.update(temperature=s.temperature, top_p=s.top_p)
    if rm.extras_ok:
        body.update(repeat_penalty=s.repetition_penalty, repetition_penalty=s.repetition_penalty,
                    top_k=s.top_k if s.do_sample else 1)
        if s.do_sample and s.min_p > 0:
            body["min_p"] = s.min_p
        if s.do_sample and s.typical_p < 1.0:
            body["typical_p"] = s.typical_p
    return body


def _request(rm: RemoteModel, prompt: Any, top_n: int) -> tuple[str, dict]:
    """The path and body of a chat (the prompt has messages) or completion request, with log-probabilities."""
    if getattr(prompt, "messages", ()):
        body = {"model": rm.name, "messages": [dict(m) for m in prompt.messages]}
        if rm.has_logprobs:
            body.update(logprobs=True, top_logprobs=top_n)
        return "chat/completions", body
    body = {"model": rm.name, "prompt": prompt.text}
    if rm.has_logprobs:
        body["logprobs"] = top_n
    return "completions", body


def _entries(logprobs: Any, chat: bool) -> list[tuple[str, float, list[tuple[str, float]]]]:
    """(token, log-probability, [(alternative, log-probability)]) for each token of one choice's logprobs."""
    if not logprobs:
        return []
    out = []
    if chat:
        for item in logprobs.get("content") or []:
            tops = [(label_of(t.get("token", ""), t.get("bytes")), float(t["logprob"]))
                    for t in item.get("top_logprobs") or []]
            out.append((label_of(item.get("token", ""), item.get("bytes")), float(item["logprob"]), tops))
        return out
    tops_all = logprobs.get("top_logprobs") or []
    for i, (token, value) in enumerate(zip(logprobs.get("tokens") or [], logprobs.get("token_logprobs") or [])):
        tops = tops_all[i] if i < len(tops_all) and tops_all[i] else {}
        out.append((label_of(token), float(value if value is not None else -math.inf),
                    [(label_of(k), float(v)) for k, v in tops.items()]))
    return out


def _stream_chunks(rm: RemoteModel, path: str, body: dict, stop: threading.Event,
                   deadline: float | None = None) -> Iterator[dict]:
    """Stream; when the server refuses the request before its first chunk and its message names fields it does not
    know (the extra sampling settings, log-probabilities), retry once without them and remember that."""
    extras = ("repeat_penalty", "repetition_penalty", "top_k", "min_p", "typical_p")
    first_error: RemoteError | None = None
    refused: list[str] = []
    while True:
        started = False
        try:
            for chunk in rm.client.stream(path, body, stop, deadline):
                if not started and first_error is not None:  # the retry worked: remember what the server refuses
                    rm.extras_ok = rm.extras_ok and not any(k in refused for k in extras)
                    rm.has_logprobs = rm.has_logprobs and "logprobs" not in refused
                started = True
                yield chunk
            return
        except RemoteError as exc:
            if started or exc.code != "remote_refused" or first_error is not None:
                raise first_error or exc
            # Retry once without the fields the server's message names (an unknown field, typically); any other
            # refusal (a prompt too long, say) is the user's to see, and changes nothing for later requests.
            detail = str(exc.params.get("detail", "")).lower()
            refused = [k for k in extras + ("logprobs", "top_logprobs") if k in body and k in detail]
            if "logprobs" in detail and "top_logprobs" in body:
                refused.append("logprobs")
            if not refused:
                raise
            first_error = exc
            body = {k: v for k, v in body.items() if k not in refused}


def generation_request(rm: RemoteModel, prompt: Any, settings: GenerationSettings, seed: int,
                       top_n: int) -> tuple[str, dict]:
    """The path and JSON body of one streamed generation (what ``stream`` sends, and what "Show the code" shows)."""
    path, body = _request(rm, prompt, top_n)
    body.update(max_tokens=settings.max_new_tokens, **sampling_body(rm, settings, seed))
    return path, {**body, "stream": True}


def stream(rm: RemoteModel, prompt: Any, settings: GenerationSettings, limits: Limits, stop: threading.Event,
           seed: int) -> Iterator[TokenEvent | GenerationDone]:
    """Generate on the remote engine with live token events; the last item is a ``GenerationDone``."""
    started = time.perf_counter()
    path, body = generation_request(rm, prompt, settings, seed, limits.top_alternatives)
    chat = path.startswith("chat")
    events: list[TokenEvent] = []
    text, first, finish, prompt_tokens = "", None, None, None
    limit = settings.max_time or limits.max_time
    for chunk in _stream_chunks(rm, path, body, stop, time.monotonic() + limit + rm.client.config.timeout):
        usage = chunk.get("usage") or {}
        prompt_tokens = usage.get("prompt_tokens", prompt_tokens)
        for choice in chunk["choices"][:1]:
            piece = ((choice.get("delta") or {}).get("content") if chat else choice.get("text")) or ""
            entries = _entries(choice.get("logprobs"), chat)
            if piece and not entries:  # a server without log-probabilities: one event per piece, no probability
                entries = [(piece, math.nan, [])]
            for j, (token, logprob, tops) in enumerate(entries):
                first = first or time.perf_counter()
                p = math.exp(logprob) if math.isfinite(logprob) else (0.0 if logprob == -math.inf else math.nan)
                alternatives = tuple(Alternative(-1, t, math.exp(v), math.exp(v))
                                     for t, v in sorted(tops, key=lambda x: -x[1])[:limits.top_alternatives])
                event = TokenEvent(len(events), -1, token, piece if j == 0 else "", p, p, alternatives)
                events.append(event)
                text += event.text
                yield event
            finish = choice.get("finish_reason") or finish
        if settings.max_time is not None and time.perf_counter() - started > settings.max_time:
            finish = "max_time"
            stop.set()
            break
    if finish == "max_time":
        reason = "max_time"
    elif stop.is_set() and finish is None:
        reason = "stopped"
    elif finish == "length" or len(events) >= settings.max_new_tokens:
        reason = "length"
    elif finish == "stop" and settings.stop:  # the API does not say whether a stop text or the end token came
        reason = "stop_sequence"
    else:
        reason = "eos"
    yield GenerationDone(text, tuple(events), prompt, reason, time.perf_counter() - started,
                         None if first is None else first - started, seed, prompt_tokens)


def next_top(rm: RemoteModel, prompt: Any, top_n: int = NEXT_TOP) -> list[tuple[str, float]]:
    """The top of the next-token distribution after ``prompt`` as [(token, log-probability)], best first: one
    request for one greedy token with its alternatives. Cached per prompt, so sliders only reshape it."""
    path, body = _request(rm, prompt, top_n)
    key = (path, repr(body))
    with rm.cache_lock:
        if key in rm.next_cache:
            return rm.next_cache[key]
    if not rm.has_logprobs:
        raise RemoteError("remote_no_logprobs", name=rm.name)
    body.update(max_tokens=1, temperature=0.0, seed=0)
    try:
        data = rm.client.post(path, body)
    except RemoteError as exc:  # e.g. OpenAI's legacy completions allow 5 alternatives only
        if exc.code != "remote_refused" or top_n <= 5:
            raise
        return next_top(rm, prompt, 5)
    entries = _entries(data["choices"][0].get("logprobs"), path.startswith("chat"))
    if not entries:
        raise RemoteError("remote_no_logprobs", name=rm.name)
    token, logprob, tops = entries[0]
    tops = dict(tops)
    tops.setdefault(token, logprob)
    top = sorted(tops.items(), key=lambda x: -x[1])
    with rm.cache_lock:
        if len(rm.next_cache) >= MAX_CACHE:
            rm.next_cache.pop(next(iter(rm.next_cache)))
        rm.next_cache[key] = top
    return top


def prompt_logprobs(rm: RemoteModel, text: str) -> tuple[list[str], list[int], list[float | None], int]:
    """(tokens, character offsets, log p(token | tokens before it), how many were only bounded) for ``text`` as
    the server tokenizes it; the first token has no value (None)."""
    mode = rm.prompt_logprobs_mode()
    if mode == "off":
        raise RemoteError("remote_no_prompt_logprobs", name=rm.name)
    data = rm.client.post("completions", {"model": rm.name, "prompt": text, "max_tokens": 1, "echo": True,
                                          "logprobs": SCORE_TOP if mode == "shifted" else 1, "temperature": 0})
    lp = data["choices"][0].get("logprobs") or {}
    tokens, offsets = list(lp.get("tokens") or []), list(lp.get("text_offset") or [])
    n = sum(1 for o in offsets if o < len(text)) if offsets else len(tokens)
    tokens, offsets = tokens[:n], offsets[:n]
    if n < 1 or len(offsets) != n:
        raise RemoteError("remote_malformed", name=rm.name)
    if mode == "standard":
        values = [None] + [float(v) if v is not None else None for v in (lp.get("token_logprobs") or [])[1:n]]
        return tokens, offsets, values, 0
    values, bounded = _shifted_values(rm, text, tokens, offsets, list(lp.get("top_logprobs") or []))
    return tokens, offsets, values, bounded


def _position_top(rm: RemoteModel, prefix: str, top_n: int) -> dict[str, float]:
    """The top of the distribution after ``prefix``: one greedy token's alternatives (standard everywhere)."""
    data = rm.client.post("completions", {"model": rm.name, "prompt": prefix, "max_tokens": 1, "logprobs": top_n,
                                          "temperature": 0})
    entries = _entries(data["choices"][0].get("logprobs"), False)
    if not entries:
        return {}
    dist = dict(entries[0][2])
    dist.setdefault(entries[0][0], entries[0][1])
    return dist


def _shifted_values(rm: RemoteModel, text: str, tokens: list[str], offsets: list[int],
                    tops: list) -> tuple[list[float | None], int]:
    """Values of a shifted report: token i's log-probability sits in entry i - 1's top list. The server blanks the
    first entry, and a token may lie outside the list: those positions are asked for alone, with a much longer
    list (at most ``MAX_POSITION_REQUESTS``); a token still outside is bounded by the list's lowest value."""
    values: list[float | None] = [None] * len(tokens)
    bounded = asked = 0
    for i in range(1, len(tokens)):
        dist = (tops[i - 1] or {}) if i >= 2 and i - 1 < len(tops) else {}
        value = dist.get(tokens[i])
        if value is None and asked < MAX_POSITION_REQUESTS:
            asked += 1
            dist = _position_top(rm, text[:offsets[i]], POSITION_TOP)
            value = dist.get(tokens[i])
        if value is None:
            bounded += 1
            value = min(dist.values()) if dist else -30.0
        values[i] = float(value)
    return values, bounded


def score(rm: RemoteModel, text: str, limits: Limits) -> TextScore:
    """How surprised the remote model is by each token of ``text`` (from its prompt log-probabilities)."""
    if not text.strip():
        raise PlaygroundError("text_empty")
    if len(text) > limits.max_input_chars:
        raise PlaygroundError("too_long", "text", n=len(text), limit=limits.max_input_chars)
    tokens, _, values, bounded = prompt_logprobs(rm, text)
    pairs = [(t, v) for t, v in zip(tokens[1:], values[1:]) if v is not None][: limits.max_prompt_tokens]
    if not pairs:
        raise PlaygroundError("text_too_short")
    lps = [v for _, v in pairs]
    return TextScore(tuple(label_of(t) for t, _ in pairs), tuple(-v / math.log(2) for v in lps),
                     tuple(math.exp(v) for v in lps), math.exp(-sum(lps) / len(lps)), bounded)


def continuation_logprobs(rm: RemoteModel, prompt_text: str, continuations: Sequence[str]) -> list[list[float]]:
    """Log-probabilities of each continuation's tokens after ``prompt_text`` (one echo request per continuation;
    a token that straddles the boundary counts as the continuation's)."""
    rows = []
    for cont in continuations:
        tokens, offsets, values, _ = prompt_logprobs(rm, prompt_text + cont)
        ends = [o + len(t) for o, t in zip(offsets, tokens)]
        row = [v for v, end in zip(values, ends) if end > len(prompt_text) and v is not None]
        if not row:
            raise PlaygroundError("continuation_no_tokens", text=cont[:80])
        rows.append(row)
    return rows


def sample(rm: RemoteModel, prompt: Any, n: int, max_new_tokens: int, temperature: float, seed: int,
           limits: Limits) -> list[str]:
    """``n`` sampled answers (one request each, seeds ``seed + 1 ...``)."""
    settings = GenerationSettings(max_new_tokens=max_new_tokens, do_sample=True, temperature=temperature, top_p=0.95,
                                  top_k=50, repetition_penalty=1.1)
    answers = []
    for i in range(n):
        done = None
        for event in stream(rm, prompt, settings, limits, threading.Event(), seed + 1 + i):
            done = event
        answers.append(done.text.strip() if isinstance(done, GenerationDone) else "")
    return answers
