"""The compute worker: one long-lived thread, or a thread per job (ZeroGPU mode)."""

import threading

from playground.config import GenerationSettings, Limits
from playground.generation import generate, prepare_prompt
from playground.worker import ComputeWorker


def test_jobs_run_on_one_long_lived_thread_in_order():
    w = ComputeWorker(name="order-test")
    order = []
    futures = [w.submit(lambda i=i: (order.append(i), threading.current_thread().name)[1]) for i in range(20)]
    names = {f.result(timeout=10) for f in futures}
    assert names == {"order-test"} and order == list(range(20))
    assert w.call(lambda: w.in_worker()) is True and not w.in_worker()
    w.shutdown()


def test_worker_errors_reach_the_caller_and_the_worker_survives():
    w = ComputeWorker(name="error-test")

    def boom():
        raise ValueError("bad input")

    try:
        w.call(boom)
        raise AssertionError("the error was swallowed")
    except ValueError as exc:
        assert "bad input" in str(exc)
    assert w.call(lambda: 41 + 1) == 42
    w.shutdown()


def test_nested_submit_from_a_job_does_not_deadlock():
    w = ComputeWorker(name="nested-test")
    assert w.call(lambda: w.call(lambda: "inner")) == "inner"
    w.shutdown()


def test_per_call_mode_gives_the_same_greedy_text(tiny_lm, worker):
    """The ZeroGPU mode (a thread per job) streams the same text as the dedicated worker."""
    per_call = ComputeWorker(name="per-call", dedicated=False)
    prompt = prepare_prompt(tiny_lm, Limits(), "The cat sat")
    settings = GenerationSettings(max_new_tokens=12, do_sample=False)
    assert generate(tiny_lm, per_call, prompt, settings).text == generate(tiny_lm, worker, prompt, settings).text
    assert per_call.call(lambda: threading.current_thread().name) == "per-call-job"
