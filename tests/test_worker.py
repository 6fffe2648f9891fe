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


def test_training_steps_take_only_their_share_while_a_batch_decodes():
    """Background jobs (training steps) wait while generations decode, up to PLAYGROUND_TRAINING_SHARE of the
    time, and run back to back once nobody is generating."""
    import threading
    import time

    from playground.worker import ComputeWorker

    w = ComputeWorker(name="share-test")
    w.background_share = 0.25

    class Decoding:  # stands in for a batch: 200 steps of 10 ms
        steps, ended = 0, None

        def step(self):
            time.sleep(0.01)
            self.steps += 1
            if self.steps == 200:
                self.ended = time.perf_counter()
            return self.steps < 200

    batch = Decoding()
    w.call(w.add_stepper, "batch", batch)
    finished = []
    threads = [threading.Thread(target=lambda: finished.append((w.call_background(time.sleep, 0.05),
                                                                time.perf_counter())[1])) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(finished) == 20  # none starved
    during = sum(1 for at in finished if at <= batch.ended)
    # unthrottled, all 20 (1 s) would run in the first 20 steps; at a 25 % share about 2 s / 3 / 50 ms = 13 fit
    assert 3 <= during <= 16, during
    w.shutdown()
