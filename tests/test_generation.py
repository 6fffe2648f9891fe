"""Streaming generation, per-token probabilities, stopping, prompts, sampling warpers, next-token view, scoring.

All on tiny random models (``tiny_lm`` runs each test on a GPT-2-like and a Llama-like model).
"""

from __future__ import annotations

import contextlib
import math
import threading

import pytest
import torch

from playground.config import GenerationSettings, Limits
from playground.generation import (GenerationDone, LogitsCache, TokenEvent, generate, next_token_view,
                                   prepare_prompt, score_text, stream, warp)

LIMITS = Limits()
PROMPT = "The cat sat on"


def greedy(max_new_tokens: int = 20, **kwargs) -> GenerationSettings:
    return GenerationSettings(do_sample=False, max_new_tokens=max_new_tokens, repetition_penalty=1.0, seed=0,
                              **kwargs)


def reference_text(lm, worker, prompt, settings: GenerationSettings) -> tuple[str, list[int]]:
    """Plain ``model.generate`` with the same arguments: the text and ids ``stream`` must reproduce."""
    ids = torch.tensor([prompt.input_ids])
    out = worker.call(lm.model.generate, ids, attention_mask=torch.ones_like(ids),
                      pad_token_id=lm.tokenizer.pad_token_id, **settings.to_generate_kwargs())
    new = out[0, ids.shape[1]:].tolist()
    return lm.tokenizer.decode(new, skip_special_tokens=True), new


def run(lm, worker, settings, prompt=None, limits=LIMITS, stop_event=None):
    prompt = prompt or prepare_prompt(lm, limits, PROMPT)
    events = list(stream(lm, worker, prompt, settings, limits, stop_event=stop_event))
    tokens, done = events[:-1], events[-1]
    assert isinstance(done, GenerationDone)
    assert all(isinstance(e, TokenEvent) for e in tokens)
    assert tuple(tokens) == done.tokens
    return tokens, done


def non_daemon_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if not t.daemon and t.is_alive()}


@contextlib.contextmanager
def forward_hook(model, fn):
    """Call ``fn(n)`` after the n-th forward pass of ``model`` (1-based) while the block runs."""
    count = [0]

    def hook(module, args, output):
        count[0] += 1
        fn(count[0])

    handle = model.register_forward_hook(hook)
    try:
        yield count
    finally:
        handle.remove()


# ----------------------------------------------------------------------------------------------- streaming

def test_streamed_text_equals_plain_greedy_generate(tiny_lm, worker):
    prompt = prepare_prompt(tiny_lm, LIMITS, PROMPT)
    settings = greedy(24)
    tokens, done = run(tiny_lm, worker, settings, prompt)
    text, ids = reference_text(tiny_lm, worker, prompt, settings)
    assert done.text == text
    assert [e.token_id for e in tokens] == ids
    assert "".join(e.text for e in tokens) == done.text
    assert done.stop_reason == "length" and done.new_tokens == 24
    assert done.prompt == prompt and done.seed == 0
    assert done.first_token_seconds is not None and 0 <= done.first_token_seconds <= done.seconds


def test_streamed_text_equals_generate_with_repetition_penalty(tiny_lm, worker):
    prompt = prepare_prompt(tiny_lm, LIMITS, PROMPT)
    settings = GenerationSettings(do_sample=False, max_new_tokens=16, repetition_penalty=1.5,
                                  no_repeat_ngram_size=2)
    _, done = run(tiny_lm, worker, settings, prompt)
    assert done.text == reference_text(tiny_lm, worker, prompt, settings)[0]


def check_events(tokens, top_alternatives):
    assert [e.index for e in tokens] == list(range(len(tokens)))
    for e in tokens:
        assert 0.0 <= e.prob <= 1.0 and 0.0 <= e.raw_prob <= 1.0
        assert 1 <= len(e.alternatives) <= top_alternatives
        probs = [a.prob for a in e.alternatives]
        assert probs == sorted(probs, reverse=True)
        assert all(0.0 <= a.prob <= 1.0 and 0.0 <= a.raw_prob <= 1.0 for a in e.alternatives)
        assert len({a.token_id for a in e.alternatives}) == len(e.alternatives)
        assert e.token


def test_greedy_events_carry_consistent_probabilities(tiny_lm, worker):
    limits = Limits(top_alternatives=4)
    tokens, done = run(tiny_lm, worker, greedy(16), limits=limits)
    check_events(tokens, 4)
    assert "".join(e.text for e in tokens) == done.text
    for e in tokens:
        # Greedy picks the argmax: the chosen token is the first alternative and beats all others.
        assert e.alternatives[0].token_id == e.token_id
        assert all(e.raw_prob >= a.raw_prob for a in e.alternatives)
        assert e.prob == pytest.approx(e.raw_prob, abs=1e-6)  # no penalty, no warping


def test_event_probabilities_match_an_independent_forward_pass(tiny_lm, worker):
    prompt = prepare_prompt(tiny_lm, LIMITS, PROMPT)
    tokens, _ = run(tiny_lm, worker, greedy(8), prompt)
    ids = prompt.input_ids + [e.token_id for e in tokens]

    def forward():
        with torch.inference_mode():
            return tiny_lm.model(input_ids=torch.tensor([ids])).logits[0].float()

    probs = torch.softmax(worker.call(forward), dim=-1)[len(prompt.input_ids) - 1: -1]  # (new, V)
    for e, row in zip(tokens, probs):
        assert e.raw_prob == pytest.approx(float(row[e.token_id]), abs=1e-4)
        for a in e.alternatives:
            assert a.raw_prob == pytest.approx(float(row[a.token_id]), abs=1e-4)


def test_sampling_events_respect_the_warpers(tiny_lm, worker):
    settings = GenerationSettings(do_sample=True, temperature=1.5, top_k=3, top_p=1.0, repetition_penalty=1.0,
                                  max_new_tokens=12, seed=7)
    tokens, done = run(tiny_lm, worker, settings)
    check_events(tokens, LIMITS.top_alternatives)
    assert "".join(e.text for e in tokens) == done.text
    for e in tokens:
        kept = [a for a in e.alternatives if a.prob > 0]
        assert len(kept) == 3  # top-k = 3: the sampler saw exactly three candidates
        assert sum(a.prob for a in kept) == pytest.approx(1.0, abs=1e-5)
        assert e.token_id in {a.token_id for a in kept}  # the sampled token was one of them
        assert e.prob > 0


def test_same_seed_same_text_and_different_seeds_differ(tiny_lm, worker):
    def sample(seed):
        settings = GenerationSettings(do_sample=True, temperature=3.0, top_k=0, top_p=1.0, max_new_tokens=12,
                                      seed=seed)
        _, done = run(tiny_lm, worker, settings)
        assert done.seed == seed
        return [e.token_id for e in done.tokens]

    first = sample(1)
    assert sample(1) == first
    assert any(sample(seed) != first for seed in (2, 3, 4))


def test_reported_seed_repeats_a_run(tiny_lm, worker):
    settings = GenerationSettings(do_sample=True, temperature=3.0, top_k=0, max_new_tokens=10)
    _, done = run(tiny_lm, worker, settings)
    assert 0 <= done.seed < 2**32
    from dataclasses import replace

    _, again = run(tiny_lm, worker, replace(settings, seed=done.seed))
    assert [e.token_id for e in again.tokens] == [e.token_id for e in done.tokens]


# ----------------------------------------------------------------------------------------------- stopping

def test_stop_event_ends_generation_within_a_token(tiny_lm, worker):
    before = non_daemon_threads()
    stop = threading.Event()
    settings = greedy(200)

    def hold(n):  # the 4th forward waits until the consumer pressed Stop, so timing cannot blur the result
        if n == 4:
            assert stop.wait(10)

    prompt = prepare_prompt(tiny_lm, LIMITS, PROMPT)
    seen = []
    with forward_hook(tiny_lm.model, hold) as forwards:
        for event in stream(tiny_lm, worker, prompt, settings, LIMITS, stop_event=stop):
            seen.append(event)
            if len(seen) == 3:
                stop.set()
    done = seen[-1]
    assert isinstance(done, GenerationDone)
    assert done.stop_reason == "stopped"
    assert 3 <= done.new_tokens <= 5
    assert forwards[0] <= 5
    # The worker is still usable afterwards and no thread was left behind.
    _, after = run(tiny_lm, worker, greedy(5))
    assert after.stop_reason == "length" and after.new_tokens == 5
    assert worker.pending == 0
    assert non_daemon_threads() <= before


def test_closing_the_generator_stops_the_worker_job(tiny_lm, worker):
    stop = threading.Event()

    def hold(n):
        if n == 3:
            assert stop.wait(10)  # set by the generator's close(), not by this test

    prompt = prepare_prompt(tiny_lm, LIMITS, PROMPT)
    with forward_hook(tiny_lm.model, hold) as forwards:
        gen = stream(tiny_lm, worker, prompt, greedy(200), LIMITS, stop_event=stop)
        assert isinstance(next(gen), TokenEvent)
        assert isinstance(next(gen), TokenEvent)
        assert not stop.is_set()
        gen.close()
        assert stop.is_set()
        assert worker.call(lambda: "drained") == "drained"  # FIFO: the generate job has finished
    assert forwards[0] <= 4
    assert worker.pending == 0
    with pytest.raises(StopIteration):
        next(gen)


def test_stop_set_before_the_job_starts_skips_the_model(tiny_lm, worker):
    stop = threading.Event()
    stop.set()
    with forward_hook(tiny_lm.model, lambda n: None) as forwards:
        tokens, done = run(tiny_lm, worker, greedy(20), stop_event=stop)
    assert tokens == [] and done.stop_reason == "stopped" and done.text == ""
    assert forwards[0] == 0


def _pick_stop(text: str) -> str:
    """A 3-character piece of ``text`` whose first occurrence is well inside it."""
    for k in range(len(text) // 3, len(text) - 3):
        piece = text[k:k + 3]
        if "\ufffd" not in piece and piece.strip() and text.find(piece) >= 3:
            return piece
    raise AssertionError(f"no usable stop string in {text!r}")


def test_stop_sequence_ends_output_without_the_stop_string(tiny_lm, worker):
    _, full = run(tiny_lm, worker, greedy(40))
    stop = _pick_stop(full.text)
    expected = full.text[: full.text.find(stop)]
    tokens, done = run(tiny_lm, worker, greedy(40, stop=(stop, "never-appears")))
    assert done.stop_reason == "stop_sequence"
    assert done.text == expected
    assert stop not in done.text
    assert "".join(e.text for e in tokens) == done.text
    assert done.new_tokens < full.new_tokens


@pytest.mark.parametrize("beams", [1, 3])
def test_no_token_events_after_the_stop_sequence(tiny_lm, worker, beams):
    _, full = run(tiny_lm, worker, greedy(30, num_beams=beams))
    stop = _pick_stop(full.text)
    tokens, done = run(tiny_lm, worker, greedy(30, num_beams=beams, stop=(stop,)))
    assert done.stop_reason == "stop_sequence"
    assert done.text == full.text[: full.text.find(stop)]
    ids = [e.token_id for e in tokens]
    decode = lambda x: tiny_lm.tokenizer.decode(x, skip_special_tokens=True)  # noqa: E731
    assert stop in decode(ids) and stop not in decode(ids[:-1])  # the last event is the one that completed it
    assert "".join(e.text for e in tokens) == done.text


def test_text_held_back_for_a_stop_prefix_is_flushed_at_the_end(tiny_lm, worker):
    _, full = run(tiny_lm, worker, greedy(30))
    tail = full.text.rstrip("\ufffd")[-1]
    # A stop string that starts with the output's last character: the stream holds that character back, since
    # the next token could complete the stop string; when no token follows, it must still be streamed.
    tokens, done = run(tiny_lm, worker, greedy(30, stop=(tail + "\x07\x07",)))
    assert done.stop_reason == "length" and done.text == full.text
    assert "".join(e.text for e in tokens) == done.text


def test_output_ending_mid_character_streams_all_of_its_text(tiny_lm, worker):
    def sample(seed, n):
        return run(tiny_lm, worker, GenerationSettings(do_sample=True, temperature=3.0, top_k=0, top_p=1.0,
                                                        repetition_penalty=1.0, max_new_tokens=n, seed=seed))

    for seed in range(10):  # find a run whose text, cut after some token, ends inside a multi-byte character
        _, done = sample(seed, 30)
        ids = [e.token_id for e in done.tokens]
        cuts = [n for n in range(1, len(ids))
                if tiny_lm.tokenizer.decode(ids[:n], skip_special_tokens=True).endswith("\ufffd")]
        if cuts:
            break
    else:
        raise AssertionError("no sampled output ended inside a character")
    tokens, cut = sample(seed, cuts[0])
    assert [e.token_id for e in tokens] == ids[: cuts[0]]
    assert cut.text.endswith("\ufffd")
    assert "".join(e.text for e in tokens) == cut.text


def test_max_new_tokens_gives_length(tiny_lm, worker):
    tokens, done = run(tiny_lm, worker, greedy(5))
    assert len(tokens) == 5 and done.stop_reason == "length"


def test_max_time_ends_generation(tiny_lm, worker):
    import time

    settings = GenerationSettings(do_sample=False, max_new_tokens=200, max_time=0.3)
    with forward_hook(tiny_lm.model, lambda n: time.sleep(0.05)):
        _, done = run(tiny_lm, worker, settings)
    assert done.stop_reason == "max_time"
    assert 1 <= done.new_tokens < 200


def test_requests_above_the_server_limit_are_refused(tiny_lm, worker):
    prompt = prepare_prompt(tiny_lm, LIMITS, PROMPT)
    with pytest.raises(ValueError, match="at most 8"):
        list(stream(tiny_lm, worker, prompt, greedy(9), Limits(max_new_tokens=8)))


def test_beam_search_yields_events_and_matches_generate(tiny_lm, worker):
    prompt = prepare_prompt(tiny_lm, LIMITS, PROMPT)
    settings = greedy(10, num_beams=3)
    tokens, done = run(tiny_lm, worker, settings, prompt)
    text, ids = reference_text(tiny_lm, worker, prompt, settings)
    assert tokens and done.stop_reason in ("length", "eos")
    assert [e.token_id for e in tokens] == ids[: len(tokens)]
    assert done.text == text
    check_events(tokens, LIMITS.top_alternatives)


def test_generate_returns_the_summary(tiny_lm, worker):
    prompt = prepare_prompt(tiny_lm, LIMITS, PROMPT)
    done = generate(tiny_lm, worker, prompt, greedy(6), LIMITS)
    assert isinstance(done, GenerationDone) and done.new_tokens == 6
    assert done.tokens_per_second > 0


# ----------------------------------------------------------------------------------------------- prompts

def test_chat_prompt_uses_the_template(registry, llama_folder):
    from playground.models import ModelSpec

    lm = registry.get(ModelSpec("local", str(llama_folder)))
    p = prepare_prompt(lm, LIMITS, "hi", chat=True, system="Be brief.",
                       messages=[{"role": "user", "content": "hello"}, {"role": "assistant", "content": "hey"}])
    assert p.used_template and not p.warnings
    assert p.text == ("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nhello<|im_end|>\n"
                      "<|im_start|>assistant\nhey<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n"
                      "<|im_start|>assistant\n")
    assert p.input_ids == lm.tokenizer(p.text, add_special_tokens=False)["input_ids"]
    im_start = lm.tokenizer.convert_tokens_to_ids("<|im_start|>")
    assert p.input_ids.count(im_start) == 5  # the special token, not its characters


def test_chat_without_template_falls_back_with_a_warning(registry, gpt2_folder):
    from playground.models import ModelSpec

    lm = registry.get(ModelSpec("local", str(gpt2_folder)))
    assert not lm.has_chat_template
    p = prepare_prompt(lm, LIMITS, "hi", chat=True)
    assert not p.used_template
    assert len(p.warnings) == 1 and "no chat template" in p.warnings[0]
    assert p.warnings[0].key == "notice_no_chat_template" and "对话模板" in p.warnings[0].text("zh")
    assert p.text == "User: hi\nAssistant:"
    assert "<|im_start|>" not in p.text


def test_plain_prompt_is_tokenized_as_is(tiny_lm):
    p = prepare_prompt(tiny_lm, LIMITS, PROMPT)
    assert p.text == PROMPT and not p.used_template and p.truncated == 0 and not p.warnings
    assert p.input_ids == tiny_lm.tokenizer(PROMPT)["input_ids"]


def test_long_prompt_keeps_the_last_tokens(tiny_lm):
    limits = Limits(max_prompt_tokens=8)
    text = "The cat sat on the mat. The dog sat on the log. " * 4
    full = tiny_lm.tokenizer(text)["input_ids"]
    assert len(full) > 8
    p = prepare_prompt(tiny_lm, limits, text)
    assert p.input_ids == full[-8:]
    assert p.truncated == len(full) - 8
    assert p.text == tiny_lm.tokenizer.decode(full[-8:])
    assert len(p.warnings) == 1 and f"last {8:,}" in p.warnings[0] and "cut" in p.warnings[0]
    assert p.warnings[0].params == {"total": len(full), "kept": 8, "cut": len(full) - 8}
    assert "最后 8 个" in p.warnings[0].text("zh")


def test_too_long_or_empty_input_is_refused(tiny_lm):
    limits = Limits(max_input_chars=50)
    with pytest.raises(ValueError, match="limit is 50") as info:
        prepare_prompt(tiny_lm, limits, "x" * 51)
    assert (info.value.code, info.value.params) == ("too_long", {"n": 51, "limit": 50})
    prepare_prompt(tiny_lm, limits, "x" * 50)  # at the limit is fine
    for empty in ("", "   \n"):
        with pytest.raises(ValueError, match="empty"):
            prepare_prompt(tiny_lm, LIMITS, empty)
    with pytest.raises(ValueError, match="message") as info:
        prepare_prompt(tiny_lm, LIMITS, "", chat=True)
    assert info.value.code == "chat_empty" and info.value.text("zh") == "请先输入一条消息。"


# ----------------------------------------------------------------------------------------------- warp

@pytest.fixture
def logits() -> torch.Tensor:
    return torch.randn(200, generator=torch.Generator().manual_seed(0)) * 3  # continuous: no ties


def test_warp_gives_a_distribution(logits):
    for kwargs in ({}, {"temperature": 0.5}, {"top_k": 10}, {"top_p": 0.8}, {"min_p": 0.1},
                   {"temperature": 2.0, "top_k": 50, "top_p": 0.9, "min_p": 0.05}):
        probs = warp(logits, **kwargs)
        assert probs.shape == logits.shape
        assert float(probs.sum()) == pytest.approx(1.0, abs=1e-5)
        assert bool((probs >= 0).all())
    assert torch.allclose(warp(logits), torch.softmax(logits, -1), atol=1e-6)
    batch = torch.stack([logits, -logits])
    assert torch.allclose(warp(batch, top_k=5)[1], warp(-logits, top_k=5), atol=1e-6)


@pytest.mark.parametrize("k", [1, 3, 17])
def test_top_k_keeps_exactly_k(logits, k):
    probs = warp(logits, top_k=k)
    assert int((probs > 0).sum()) == k
    assert set(torch.nonzero(probs).flatten().tolist()) == set(torch.topk(logits, k).indices.tolist())


@pytest.mark.parametrize("p", [0.3, 0.5, 0.9])
def test_top_p_keeps_the_smallest_set_covering_p(logits, p):
    raw = torch.softmax(logits, -1)
    order = torch.argsort(raw, descending=True)
    cumulative = torch.cumsum(raw[order], 0)
    m = int((cumulative < p).sum()) + 1  # smallest m with the top-m mass >= p
    probs = warp(logits, top_p=p)
    assert set(torch.nonzero(probs).flatten().tolist()) == set(order[:m].tolist())
    kept = order[:m]
    assert torch.allclose(probs[kept], raw[kept] / raw[kept].sum(), atol=1e-6)  # renormalised, same ratios


def test_min_p_drops_tokens_below_a_fraction_of_the_top(logits):
    raw = torch.softmax(logits, -1)
    probs = warp(logits, min_p=0.2)
    assert set(torch.nonzero(probs).flatten().tolist()) == set(torch.nonzero(raw >= 0.2 * raw.max()).flatten().tolist())


def test_low_temperature_concentrates_mass(logits):
    def entropy(q):
        q = q[q > 0]
        return float(-(q * q.log()).sum())

    temps = [3.0, 1.0, 0.5, 0.1, 0.02]
    entropies = [entropy(warp(logits, temperature=t)) for t in temps]
    assert entropies == sorted(entropies, reverse=True)
    cold = warp(logits, temperature=0.02)
    assert int(cold.argmax()) == int(logits.argmax()) and float(cold.max()) > 0.99


# ----------------------------------------------------------------------------------------------- next-token view

def test_logits_cache_and_next_token_view(tiny_lm, worker):
    cache = LogitsCache()
    ids = prepare_prompt(tiny_lm, LIMITS, PROMPT).input_ids
    first = cache.get(tiny_lm, worker, ids)
    assert cache.misses == 1
    assert first.shape == (tiny_lm.model.config.vocab_size,)
    second = cache.get(tiny_lm, worker, ids)
    assert cache.misses == 1 and torch.equal(first, second)

    def direct():
        with torch.inference_mode():
            return tiny_lm.model(input_ids=torch.tensor([ids])).logits[0, -1].float()

    assert torch.allclose(first, worker.call(direct), atol=1e-5)

    cool = next_token_view(first, tiny_lm.tokenizer, temperature=0.5, top_n=10)
    warm = next_token_view(first, tiny_lm.tokenizer, temperature=2.0, top_n=10)
    assert [a.token_id for a in cool.tokens] == [a.token_id for a in warm.tokens]
    assert [a.raw_prob for a in cool.tokens] == [a.raw_prob for a in warm.tokens]
    assert [a.prob for a in cool.tokens] != [a.prob for a in warm.tokens]
    for view in (cool, warm):
        probs = [a.prob for a in view.tokens]
        assert probs == sorted(probs, reverse=True)  # temperature never changes the ranking
        assert view.vocab_size == first.numel() and len(view.tokens) == 10
    assert cool.tokens[0].prob > warm.tokens[0].prob
    assert cool.entropy_bits < warm.entropy_bits
    raw = [a.raw_prob for a in cool.tokens]
    assert raw == sorted(raw, reverse=True)
    assert cache.misses == 1  # redrawing never ran the model again


def test_next_token_view_greedy_is_one_hot(tiny_lm, worker):
    logits = LogitsCache().get(tiny_lm, worker, prepare_prompt(tiny_lm, LIMITS, PROMPT).input_ids)
    view = next_token_view(logits, tiny_lm.tokenizer, temperature=0.3, top_k=5, greedy=True)
    assert view.kept == 1 and view.entropy_bits == 0.0
    assert view.tokens[0].token_id == int(logits.argmax()) and view.tokens[0].prob == 1.0
    assert all(a.prob == 0.0 for a in view.tokens[1:])
    topk = next_token_view(logits, tiny_lm.tokenizer, top_k=5, top_n=8)
    assert topk.kept == 5
    assert [a.prob > 0 for a in topk.tokens] == [True] * 5 + [False] * 3


def test_logits_cache_evicts_least_recently_used(tiny_lm, worker):
    cache = LogitsCache(size=2)
    a, b, c = ([5, 6, 7], [5, 6, 8], [5, 6, 9])
    cache.get(tiny_lm, worker, a)
    cache.get(tiny_lm, worker, b)
    cache.get(tiny_lm, worker, a)  # hit; b is now the oldest
    cache.get(tiny_lm, worker, c)
    assert cache.misses == 3
    cache.get(tiny_lm, worker, a)
    assert cache.misses == 3
    cache.get(tiny_lm, worker, b)
    assert cache.misses == 4


# ----------------------------------------------------------------------------------------------- scoring

def test_score_text_matches_a_manual_forward(tiny_lm, worker):
    text = "The dog sat on the log."
    score = score_text(tiny_lm, worker, text, LIMITS)
    ids = tiny_lm.tokenizer(text)["input_ids"]

    def manual():
        with torch.inference_mode():
            out = tiny_lm.model(input_ids=torch.tensor([ids])).logits[0].float()
        logp = torch.log_softmax(out, dim=-1)
        return [float(logp[t, ids[t + 1]]) for t in range(len(ids) - 1)]

    logps = worker.call(manual)
    assert len(score.tokens) == len(ids) - 1 == len(score.probs) == len(score.surprisal_bits)
    expected_ppl = math.exp(-sum(logps) / len(logps))
    assert score.perplexity == pytest.approx(expected_ppl, rel=1e-4)
    for lp, p, bits in zip(logps, score.probs, score.surprisal_bits):
        assert p == pytest.approx(math.exp(lp), rel=1e-4)
        assert bits == pytest.approx(-lp / math.log(2), rel=1e-4)
    assert score.perplexity == pytest.approx(2 ** (sum(score.surprisal_bits) / len(score.surprisal_bits)), rel=1e-5)


def test_sequence_logprobs_reads_the_next_token_of_each_position():
    from playground.distributions import sequence_logprobs

    torch.manual_seed(0)
    logits = torch.randn(2, 5, 11)  # (B, T, V)
    ids = torch.randint(0, 11, (2, 5))
    lp = sequence_logprobs(logits, ids)
    assert lp.shape == (2, 4)
    for b in range(2):
        for t in range(1, 5):
            expected = torch.log_softmax(logits[b, t - 1], -1)[ids[b, t]]
            assert float(lp[b, t - 1]) == pytest.approx(float(expected), abs=1e-6)
    single = sequence_logprobs(logits[1], ids[1])  # (T, V) with (T,) gives (T - 1,)
    assert single.shape == (4,) and torch.allclose(single, lp[1])


def test_score_text_refuses_bad_input(tiny_lm, worker):
    with pytest.raises(ValueError, match="empty"):
        score_text(tiny_lm, worker, "  ", LIMITS)
    with pytest.raises(ValueError, match="limit"):
        score_text(tiny_lm, worker, "x" * 30, Limits(max_input_chars=20))


def test_typical_p_is_one_declaration_that_reaches_sampler_form_and_generate(tiny_lm, worker):
    """The newest decoding control: its bounds come from the settings field, the form shows it, ``generate`` gets
    it, and the probabilities reported per token are the ones the typical-p sampler drew from."""
    from playground.config import GenerationSettings, Limits
    from playground.fields import bounds
    from playground.generation import generate, prepare_prompt
    from playground.ui.generate.form import GENERATION

    b = bounds(GenerationSettings, "typical_p")
    assert (b.min, b.max, b.default) == (0.05, 1.0, 1.0)
    assert "typical_p" in GENERATION.fields
    settings = GenerationSettings(do_sample=True, typical_p=0.3, top_k=0, top_p=1.0, max_new_tokens=6, seed=3,
                                  repetition_penalty=1.0)
    assert settings.to_generate_kwargs()["typical_p"] == 0.3
    assert "typical_p" not in GenerationSettings(do_sample=False).to_generate_kwargs()
    done = generate(tiny_lm, worker, prepare_prompt(tiny_lm, Limits(), "The cat"), settings)
    for event in done.tokens:
        chosen = next((a for a in event.alternatives if a.token_id == event.token_id), None)
        assert chosen is None or chosen.prob > 0  # the drawn token survived the filter
    # ... and tokens the model found likely were filtered out by typical-p (no other filter is on)
    assert any(a.prob == 0 and a.raw_prob > 0 for e in done.tokens for a in e.alternatives)
    with pytest.raises(ValueError):
        GenerationSettings(typical_p=0.0)
