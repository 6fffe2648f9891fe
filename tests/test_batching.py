"""Continuous batching: rows decoded together give each request exactly what it would get alone."""

import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from playground import batching, prefixes, row_sampling
from playground.config import GenerationSettings, Limits
from playground.generation import GenerationDone, _run_generate, generate, prepare_prompt, stream

LIMITS = Limits()
PROMPTS = ["The cat", "A dog ran over the hill and", "Hello", "the mat the cat the dog sat on", "Once upon"]
GREEDY = GenerationSettings(max_new_tokens=12, do_sample=False)  # repetition penalty 1.1: a per-row processor


def reference(lm, worker, prompt, settings, seed=0):
    """The one-request path: transformers' own ``model.generate``."""
    info = worker.call(_run_generate, lm, prompt, settings, queue.Queue(), threading.Event(), seed, 5)
    return [e.token_id for e in info["events"]]


@pytest.fixture
def sizes(monkeypatch):
    """Records the number of rows in every batched decode step."""
    seen = []
    decode = batching.Batcher._decode

    def spy(self):
        seen.append(len(self.rows))
        return decode(self)

    monkeypatch.setattr(batching.Batcher, "_decode", spy)
    return seen


def together(worker, calls):
    """Run ``calls`` concurrently, all joining the batch in the same step: the worker is held until every request
    has queued its row."""
    gate = threading.Event()
    worker.submit(gate.wait)
    with ThreadPoolExecutor(len(calls)) as pool:
        futures = [pool.submit(c) for c in calls]
        deadline = time.time() + 10
        while worker.pending < len(calls) and time.time() < deadline:
            time.sleep(0.01)
        gate.set()
        return [f.result(timeout=120) for f in futures]


def ids(done: GenerationDone) -> list[int]:
    return [e.token_id for e in done.tokens]


def test_batched_greedy_rows_equal_their_solo_output(tiny_lm, worker, sizes):
    prepared = [prepare_prompt(tiny_lm, LIMITS, p) for p in PROMPTS]
    expected = [reference(tiny_lm, worker, p, GREEDY) for p in prepared]
    alone = [ids(generate(tiny_lm, worker, p, GREEDY, LIMITS)) for p in prepared]
    assert alone == expected
    sizes.clear()
    batched = together(worker, [lambda p=p: generate(tiny_lm, worker, p, GREEDY, LIMITS) for p in prepared])
    assert [ids(d) for d in batched] == expected
    assert max(sizes) == len(PROMPTS)  # they really were decoded in one forward pass
    for done in batched:  # events are complete: the streamed pieces add up to the text, probabilities are real
        assert "".join(e.text for e in done.tokens) == done.text
        assert all(0 < e.raw_prob <= 1 and len(e.alternatives) == 5 for e in done.tokens)


def test_a_seed_gives_the_same_text_alone_and_inside_a_batch(tiny_lm, worker):
    prompt = prepare_prompt(tiny_lm, LIMITS, "The cat")
    sampled = GenerationSettings(max_new_tokens=16, do_sample=True, temperature=1.3, top_k=0, seed=1234)
    alone = generate(tiny_lm, worker, prompt, sampled, LIMITS)
    others = [prepare_prompt(tiny_lm, LIMITS, p) for p in PROMPTS[1:]]
    crowd = together(worker, [lambda: generate(tiny_lm, worker, prompt, sampled, LIMITS)]
                     + [lambda p=p: generate(tiny_lm, worker, p, GenerationSettings(do_sample=True, max_new_tokens=20),
                                             LIMITS) for p in others])
    assert ids(crowd[0]) == ids(alone) and crowd[0].seed == 1234
    other_seed = generate(tiny_lm, worker, prompt, GenerationSettings(**{**sampled.__dict__, "seed": 99}), LIMITS)
    assert ids(other_seed) != ids(alone)  # the seed matters, so the equality above says something


def test_per_row_settings_top_k_1_row_is_greedy_next_to_a_hot_sampled_row(tiny_lm, worker):
    prompt = prepare_prompt(tiny_lm, LIMITS, "Hello")
    top1 = GenerationSettings(max_new_tokens=12, do_sample=True, top_k=1, temperature=2.0, seed=5)
    hot = GenerationSettings(max_new_tokens=12, do_sample=True, top_k=0, top_p=1.0, temperature=3.0, seed=5,
                             repetition_penalty=1.0)
    a, b = together(worker, [lambda: generate(tiny_lm, worker, prompt, top1, LIMITS),
                             lambda: generate(tiny_lm, worker, prompt, hot, LIMITS)])
    assert ids(a) == reference(tiny_lm, worker, prompt, GenerationSettings(max_new_tokens=12, do_sample=False))
    assert all(e.prob == pytest.approx(1.0) for e in a.tokens)  # top-k 1: the sampler saw one token
    assert ids(b) != ids(a) and any(e.prob < 0.5 for e in b.tokens)


def test_stopping_one_row_leaves_the_others_running_and_frees_its_slot(tiny_lm, worker, sizes):
    prompt = prepare_prompt(tiny_lm, LIMITS, "The cat")
    long = GenerationSettings(max_new_tokens=60, do_sample=True, seed=3, repetition_penalty=1.0)
    stop = threading.Event()

    def stopped_after_three():
        events = []
        for event in stream(tiny_lm, worker, prompt, long, LIMITS, stop_event=stop):
            events.append(event)
            if len(events) == 3:
                stop.set()
        return events[-1]

    def until_end():
        return generate(tiny_lm, worker, prompt, long, LIMITS)

    first, second, third = together(worker, [stopped_after_three, until_end, until_end])
    assert first.stop_reason == "stopped" and first.new_tokens <= 4
    assert second.stop_reason in ("length", "eos") and second.new_tokens > first.new_tokens + 2
    assert ids(second) == ids(third)  # same seed, same settings
    assert sizes.index(2) > sizes.index(3)  # the stopped row left the batch while the others went on


def test_a_closed_stream_leaves_the_batch(tiny_lm, worker, sizes):
    """A web client that disconnects closes its generator: its row goes at the next step."""
    prompt = prepare_prompt(tiny_lm, LIMITS, "Hello")
    settings = GenerationSettings(max_new_tokens=80, do_sample=True, seed=1, repetition_penalty=1.0)
    gen = stream(tiny_lm, worker, prompt, settings, LIMITS)
    next(gen)
    other = threading.Thread(target=lambda: generate(tiny_lm, worker, prompt, settings, LIMITS))
    other.start()
    time.sleep(0.2)
    gen.close()
    other.join(60)
    assert not other.is_alive()
    assert sizes[-1] == 1  # the other row finished alone


def test_a_row_that_raises_does_not_take_the_batch_down(tiny_lm, worker, monkeypatch):
    prompt = prepare_prompt(tiny_lm, LIMITS, "The cat")
    real_warp = row_sampling.warp

    def fragile(scores, temperature=1.0, *args):
        if temperature == 1.23:
            raise RuntimeError("this row's sampler broke")
        return real_warp(scores, temperature, *args)

    monkeypatch.setattr(row_sampling, "warp", fragile)
    bad = GenerationSettings(max_new_tokens=10, do_sample=True, temperature=1.23)

    def broken():
        with pytest.raises(RuntimeError, match="sampler broke"):
            generate(tiny_lm, worker, prompt, bad, LIMITS)
        return "raised"

    results = together(worker, [broken] + [lambda: generate(tiny_lm, worker, prompt, GREEDY, LIMITS)] * 2)
    assert results[0] == "raised"
    expected = reference(tiny_lm, worker, prompt, GREEDY)
    assert ids(results[1]) == ids(results[2]) == expected


def test_a_request_arriving_mid_batch_joins_within_one_step(tiny_lm, worker):
    prompt = prepare_prompt(tiny_lm, LIMITS, "Hello")
    long = GenerationSettings(max_new_tokens=200, do_sample=True, seed=2, repetition_penalty=1.0)
    running = stream(tiny_lm, worker, prompt, long, LIMITS)
    for _ in range(5):
        next(running)
    steps_before = worker.steps_done
    newcomer = stream(tiny_lm, worker, prompt, GreedyShort, LIMITS)
    first = next(newcomer)
    assert first.index == 0
    assert worker.steps_done - steps_before <= 2  # the step in progress, then the one that admits it
    rest = list(newcomer)
    assert isinstance(rest[-1], GenerationDone)
    remaining = list(running)
    assert remaining[-1].stop_reason in ("length", "eos")


GreedyShort = GenerationSettings(max_new_tokens=4, do_sample=False)


def test_a_long_prompt_is_prefilled_in_chunks_and_still_matches(tiny_lm, worker, monkeypatch, sizes):
    monkeypatch.setattr(batching, "PREFILL_BUDGET", 8)
    chunks = []
    chunk = batching.Batcher._prefill_chunk
    monkeypatch.setattr(batching.Batcher, "_prefill_chunk", lambda self, row: (chunks.append(len(self.rows)),
                                                                                chunk(self, row)))
    long_prompt = prepare_prompt(tiny_lm, LIMITS, " ".join(["the cat sat on the mat"] * 6))
    short = prepare_prompt(tiny_lm, LIMITS, "Hello")
    assert len(long_prompt.input_ids) > 3 * 8
    expected_long = reference(tiny_lm, worker, long_prompt, GREEDY)
    expected_short = reference(tiny_lm, worker, short, GREEDY)
    got_short, got_long = together(worker, [lambda: generate(tiny_lm, worker, short, GREEDY, LIMITS),
                                            lambda: generate(tiny_lm, worker, long_prompt, GREEDY, LIMITS)])
    assert ids(got_long) == expected_long and ids(got_short) == expected_short
    assert len(chunks) >= 4  # one budget's worth per step, the short row decoding in between
    assert chunks[0] == 1  # (the short prompt was admitted first and kept running during the chunks)


def test_max_batch_caps_the_rows_decoded_together(tiny_lm, worker, sizes):
    prompt = prepare_prompt(tiny_lm, LIMITS, "The cat")
    small = Limits(max_batch=2)
    done = together(worker, [lambda: generate(tiny_lm, worker, prompt, GREEDY, small) for _ in range(5)])
    assert max(sizes) == 2
    assert len({tuple(ids(d)) for d in done}) == 1


def test_stop_sequences_max_time_and_eos_end_a_row_as_alone(tiny_lm, worker):
    prompt = prepare_prompt(tiny_lm, LIMITS, "The cat")
    free = generate(tiny_lm, worker, prompt, GenerationSettings(max_new_tokens=20, do_sample=False), LIMITS)
    cut = free.text[3:6]
    assert cut.strip()
    stopped = together(worker, [lambda: generate(tiny_lm, worker, prompt, GenerationSettings(
        max_new_tokens=20, do_sample=False, stop=(cut,)), LIMITS)] * 2)
    for done in stopped:
        assert done.stop_reason == "stop_sequence" and cut not in done.text and free.text.startswith(done.text)
    timed = generate(tiny_lm, worker, prompt, GenerationSettings(max_new_tokens=4000, do_sample=True,
                                                                 max_time=0.3), Limits(max_new_tokens=4096))
    assert timed.stop_reason in ("max_time", "eos") and timed.seconds < 5


def test_eight_people_at_once_each_get_their_own_answer(launched_app, gpt2_folder, worker, sizes):
    """Eight browsers (gradio_client) generate at the same moment: every answer is the one that person would have
    got alone, and the rows were served in shared forward passes."""
    from gradio_client import Client

    from api import generate_args, submit
    from playground.models import ModelSpec

    url, ctx = launched_app
    lm = ctx.engine.model(ModelSpec("local", str(gpt2_folder)))
    prompts = [f"{p} {i}" for i, p in enumerate(PROMPTS + ["cat dog", "sat mat", "on the"])]
    settings = GenerationSettings(max_new_tokens=16, do_sample=False, repetition_penalty=1.0)
    expected = [generate(lm, worker, prepare_prompt(lm, LIMITS, p), settings, LIMITS).text for p in prompts]
    clients = [Client(url, verbose=False) for _ in prompts]
    sizes.clear()
    jobs = [submit(c, "generate", **generate_args(p, str(gpt2_folder), max_new_tokens=16))
            for c, p in zip(clients, prompts)]
    answers = [job.result(timeout=120)[1] for job in jobs]
    assert answers == expected
    assert max(sizes) >= 2  # some of them shared a forward pass


def test_short_jobs_run_between_decode_steps_not_after_the_generation(tiny_lm, worker):
    """A next-token view or scoring pass asked for while others generate waits for one step, not a whole answer."""
    from playground.distributions import forward_logits

    prompt = prepare_prompt(tiny_lm, LIMITS, "Hello")
    long = GenerationSettings(max_new_tokens=400, do_sample=True, seed=2, repetition_penalty=1.0, top_k=0)
    running = stream(tiny_lm, worker, prompt, long, LIMITS)
    seen = [next(running) for _ in range(3)]
    before = worker.steps_done
    logits = worker.call(forward_logits, tiny_lm, prompt.input_ids)
    assert worker.steps_done - before <= 2 and logits.shape[0] == len(prompt.input_ids)
    rest = list(running)
    assert len(seen) + len(rest) - 1 > 10  # the generation was still going when the short job ran


def test_a_shared_prompt_beginning_is_computed_once_and_changes_nothing(tiny_lm, worker, monkeypatch):
    """A classroom's prompts start alike (a chat template's system turn): once two requests shared a beginning, its
    key/values are kept and later requests compute only the rest, with the same tokens as before."""
    start = "the cat sat on the mat and the dog sat on the log " * 2
    endings = ["Hello", "A dog ran", "Once upon a time", "the mat", "on the hill"]
    prepared = [prepare_prompt(tiny_lm, LIMITS, start + e) for e in endings]
    expected = [reference(tiny_lm, worker, p, GREEDY) for p in prepared]
    store = prefixes.PrefixStore.of(tiny_lm)
    store.entries.clear()
    store.recent.clear()
    first = together(worker, [lambda p=p: generate(tiny_lm, worker, p, GREEDY, LIMITS) for p in prepared[:2]])
    assert store.entries and all(len(k) >= prefixes.MIN_PREFIX for k in store.entries)
    hits = store.hits
    again = together(worker, [lambda p=p: generate(tiny_lm, worker, p, GREEDY, LIMITS) for p in prepared])
    assert store.hits > hits  # the later prompts started from the kept beginning
    assert [ids(d) for d in first] == expected[:2] and [ids(d) for d in again] == expected
    monkeypatch.setattr(batching, "PREFILL_BUDGET", 8)  # a long rest after the kept beginning goes in chunks
    long = prepare_prompt(tiny_lm, LIMITS, start + " ".join(endings * 2))
    assert ids(generate(tiny_lm, worker, long, GREEDY, LIMITS)) == reference(tiny_lm, worker, long, GREEDY)
