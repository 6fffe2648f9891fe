"""The app through its public API (gradio_client against a launched server) and its layout."""

import threading
import time

import pytest

BUNDLED = "SmolLM2-135M-Instruct (bundled, offline)"
# mode, prompt, system, history, model, then the 12 decoding settings in widget order
GREEDY = [48, False, 0.7, 50, 0.95, 0.0, 1.0, 0, 1, "", "", 60]


@pytest.fixture(scope="module")
def client(launched_app):
    from gradio_client import Client

    url, _ = launched_app
    return Client(url, verbose=False)


def settings(**over):
    names = ["max_new", "do_sample", "temperature", "top_k", "top_p", "min_p", "rep", "ngram", "beams", "stops",
             "seed", "max_time"]
    values = dict(zip(names, GREEDY))
    values.update(over)
    return [values[n] for n in names]


def last_message_text(history) -> str:
    content = history[-1]["content"]
    return content if isinstance(content, str) else "".join(p.get("text", "") for p in content)


def test_build_app_has_api_endpoints():
    from playground.engine import Engine
    from playground.ui import build_app

    demo, ctx = build_app(Engine.from_env())
    names = {d.get("api_name") for d in demo.config["dependencies"]}
    assert {"generate", "next_token", "stop", "load_model"} <= names
    assert ctx.engine.registry.loaded_keys() == []  # building the app loads nothing


def test_generate_with_local_tiny_model(client, gpt2_folder):
    job = client.submit("complete", "The cat sat", "", [], str(gpt2_folder), *settings(max_new=20),
                        api_name="/generate")
    history, output, tokens_html, stats, table, prompt = job.result(timeout=120)
    assert output  # the continuation
    assert "pg-tok" in tokens_html and "data-tip" in tokens_html
    assert "20 tokens" in stats and "seed" in stats
    assert len(table["data"]) == 20


@pytest.mark.slow
def test_streamed_chat_generation_on_bundled_model(client):
    job = client.submit("chat", "What is the capital of France? Answer in one sentence.", "", [], BUNDLED,
                        *settings(), api_name="/generate")
    history, output, tokens_html, stats, table, prompt = job.result(timeout=300)
    updates = job.outputs()
    assert len(updates) >= 3, "the answer should arrive in several streamed updates"
    assert history[-2]["role"] == "user" and history[-1]["role"] == "assistant"
    assert "Paris" in last_message_text(history)
    assert "tokens/s" in stats
    assert updates[0][5] == ""  # chat mode clears the input box for the next message right away


@pytest.mark.slow
def test_next_token_view_on_bundled_model(client):
    plot, chips, template = client.predict("chat", "Hello!", "", [], BUNDLED, True, 0.7, 50, 0.95, 0.0,
                                           api_name="/next_token")
    assert "<|im_start|>user\nHello!<|im_end|>" in template
    assert "pg-chip" in chips and "im_start" in chips
    assert plot  # a plotly figure payload


def test_huge_prompt_gets_a_clear_error(client, gpt2_folder):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="characters"):
        client.predict("complete", "x" * 1_000_000, "", [], str(gpt2_folder), *settings(), api_name="/generate")


def test_max_new_tokens_above_cap_is_refused(client, gpt2_folder, launched_app):
    from gradio_client.exceptions import AppError

    cap = launched_app[1].engine.limits.max_new_tokens
    with pytest.raises(AppError):
        client.predict("complete", "The cat", "", [], str(gpt2_folder), *settings(max_new=cap + 1),
                       api_name="/generate")


def test_unknown_model_ids_get_readable_messages(client, monkeypatch):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="not a valid Hugging Face model id"):
        client.predict("complete", "Hi", "", [], "not a valid id!!", *settings(), api_name="/generate")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(AppError, match="offline"):
        client.predict("complete", "Hi", "", [], "no-such-org/no-such-model", *settings(), api_name="/generate")


def test_empty_prompt_is_refused(client, gpt2_folder):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="Type some text"):
        client.predict("complete", "   ", "", [], str(gpt2_folder), *settings(), api_name="/generate")


@pytest.mark.slow
def test_cancelling_a_generation_frees_the_model(client, launched_app):
    """A client that goes away (cancel) stops the model within moments, and the app keeps serving."""
    ctx = launched_app[1]
    job = client.submit("complete", "Here is a very long story about a dragon who", "", [], BUNDLED,
                        *settings(max_new=400, rep=1.3), api_name="/generate")
    deadline = time.time() + 120
    while len(job.outputs()) < 3 and time.time() < deadline:
        time.sleep(0.1)
    assert len(job.outputs()) >= 3
    job.cancel()
    # The worker must become idle well before 400 tokens would have been generated.
    probe = ctx.engine.worker.submit(lambda: threading.current_thread().name)
    assert probe.result(timeout=20) == ctx.engine.worker.name
    history, *_ = client.predict("chat", "Say hi.", "", [], BUNDLED, *settings(max_new=8), api_name="/generate")
    assert last_message_text(history)



def test_startup_failure_shows_a_banner_and_the_app_still_works(tmp_path, gpt2_folder, worker):
    """A default model that cannot load: the app builds, says so in words, and other models still work."""
    from playground.config import Limits
    from playground.engine import Engine
    from playground.models import ModelLoadError, ModelRegistry, ModelSpec, load_model
    from playground.ui import build_app
    from playground.ui.strings import t

    def loader(spec, *args, **kwargs):
        if spec.source != "local":
            raise ModelLoadError("the bundled model file is damaged")
        return load_model(spec, *args, **kwargs)

    registry = ModelRegistry(max_models=2, device="cpu", dtype="float32", worker=worker, loader=loader,
                             cache_root=tmp_path)
    demo, ctx = build_app(Engine(Limits(), registry))
    ctx.preload()
    deadline = time.time() + 30
    while ctx.startup_error is None and time.time() < deadline:
        time.sleep(0.05)
    assert ctx.startup_error and "damaged" in ctx.startup_error
    assert "damaged" in t("startup_failed", "en", error=ctx.startup_error)
    assert ctx.engine.model(ModelSpec("local", str(gpt2_folder))).model is not None


@pytest.mark.slow
def test_perplexity_prefers_natural_text_on_bundled_model(client):
    import re

    def ppl(text):
        summary, html = client.predict(text, BUNDLED, api_name="/perplexity")
        assert "pg-tok" in html
        return float(re.search(r"([0-9]+(?:\.[0-9]+)?)\*\*", summary).group(1))

    natural = ppl("The cat sat on the mat and looked out of the window.")
    shuffled = ppl("Window the of out looked and mat the on sat cat the.")
    assert natural < shuffled


def test_compare_runs_both_setups_and_greedy_repeats(client, gpt2_folder, llama_folder):
    args = ["complete", "The cat sat", "", [], 10,
            str(gpt2_folder), False, 0.7, 0.95, "",
            str(llama_folder), True, 1.3, 0.95, "7"]
    a_html, a_stats, b_html, b_stats = client.predict(*args, api_name="/compare")
    assert "10 tokens" in a_stats and "10 tokens" in b_stats and "seed 7" in b_stats
    assert a_html.count("pg-tok") > 10 and b_html.count("pg-tok") > 10
    again = client.predict(*args, api_name="/compare")
    assert again[0] == a_html and again[2] == b_html  # greedy repeats; sampling with a fixed seed repeats too


def test_seed_box_empty_means_random_and_a_number_repeats(client, gpt2_folder):
    from gradio_client.exceptions import AppError

    def sample(seed):
        *_, stats, table, _prompt = client.predict("complete", "The cat", "", [], str(gpt2_folder),
                                                   *settings(max_new=12, do_sample=True, temperature=1.5, seed=seed),
                                                   api_name="/generate")
        return stats.rsplit("seed ", 1)[1], [row[1] for row in table["data"]]

    seeds = {sample("")[0] for _ in range(3)}
    assert len(seeds) == 3  # a fresh random seed each time, reported so the run can be repeated
    assert sample("42") == sample("42") and sample("42")[0] == "42"
    with pytest.raises(AppError, match="whole number"):
        sample("forty-two")
