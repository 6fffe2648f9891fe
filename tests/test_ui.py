"""The app through its public API (gradio_client against a launched server) and its layout."""

import threading
import time

import pytest

from api import BUNDLED, call, generate_args, submit


@pytest.fixture(scope="module")
def client(launched_app):
    from gradio_client import Client

    url, _ = launched_app
    return Client(url, verbose=False)


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
    job = submit(client, "generate", **generate_args("The cat sat", str(gpt2_folder), max_new_tokens=20))
    history, output, tokens_html, stats, table, prompt = job.result(timeout=120)
    assert output  # the continuation
    assert "pg-tok" in tokens_html and "data-tip" in tokens_html
    assert "20 tokens" in stats and "seed" in stats
    assert len(table["data"]) == 20


@pytest.mark.slow
def test_streamed_chat_generation_on_bundled_model(client):
    job = submit(client, "generate", **generate_args("What is the capital of France? Answer in one sentence.",
                                                     BUNDLED, mode="chat"))
    history, output, tokens_html, stats, table, prompt = job.result(timeout=300)
    updates = job.outputs()
    assert len(updates) >= 3, "the answer should arrive in several streamed updates"
    assert history[-2]["role"] == "user" and history[-1]["role"] == "assistant"
    assert "Paris" in last_message_text(history)
    assert "tokens/s" in stats
    shown = [u for u in updates if u[5] != {"__type__": "update"}]  # a loading line may come first (it skips the box)
    assert shown[0][5] == ""  # chat mode clears the input box for the next message right away


@pytest.mark.slow
def test_next_token_view_on_bundled_model(client):
    plot, chips, template = call(client, "next_token", mode="chat", prompt="Hello!", model=BUNDLED)
    assert "<|im_start|>user\nHello!<|im_end|>" in template
    assert "pg-chip" in chips and "im_start" in chips
    assert plot  # a plotly figure payload


def test_huge_prompt_gets_a_clear_error(client, gpt2_folder):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="characters"):
        call(client, "generate", **generate_args("x" * 1_000_000, str(gpt2_folder)))


def test_max_new_tokens_above_cap_is_refused(client, gpt2_folder, launched_app):
    from gradio_client.exceptions import AppError

    cap = launched_app[1].engine.limits.max_new_tokens
    with pytest.raises(AppError):
        call(client, "generate", **generate_args("The cat", str(gpt2_folder), max_new_tokens=cap + 1))


def test_unknown_model_ids_get_readable_messages(client, monkeypatch):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="not a valid Hugging Face model id"):
        call(client, "generate", **generate_args("Hi", "not a valid id!!"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(AppError, match="offline"):
        call(client, "generate", **generate_args("Hi", "no-such-org/no-such-model"))


def test_empty_prompt_is_refused(client, gpt2_folder):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="Type some text"):
        call(client, "generate", **generate_args("   ", str(gpt2_folder)))


@pytest.mark.slow
def test_cancelling_a_generation_frees_the_model(client, launched_app):
    """A client that goes away (cancel) stops the model within moments, and the app keeps serving."""
    ctx = launched_app[1]
    job = submit(client, "generate", **generate_args("Here is a very long story about a dragon who", BUNDLED,
                                                     max_new_tokens=400, repetition_penalty=1.3))
    deadline = time.time() + 120
    while len(job.outputs()) < 3 and time.time() < deadline:
        time.sleep(0.1)
    assert len(job.outputs()) >= 3
    job.cancel()
    # The worker must become idle well before 400 tokens would have been generated.
    probe = ctx.engine.worker.submit(lambda: threading.current_thread().name)
    assert probe.result(timeout=20) == ctx.engine.worker.name
    history, *_ = call(client, "generate", **generate_args("Say hi.", BUNDLED, mode="chat", max_new_tokens=8))
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
        summary, html = call(client, "perplexity", text=text, model=BUNDLED)
        assert "pg-tok" in html
        return float(re.search(r"([0-9]+(?:\.[0-9]+)?)\*\*", summary).group(1))

    natural = ppl("The cat sat on the mat and looked out of the window.")
    shuffled = ppl("Window the of out looked and mat the on sat cat the.")
    assert natural < shuffled


def test_compare_runs_both_setups_and_greedy_repeats(client, gpt2_folder, llama_folder):
    args = dict(mode="complete", prompt="The cat sat", max_new_tokens=10,
                a_model=str(gpt2_folder), a_do_sample=False,
                b_model=str(llama_folder), b_do_sample=True, b_temperature=1.3, b_seed="7")
    a_html, a_stats, b_html, b_stats = call(client, "compare", **args)
    assert "10 tokens" in a_stats and "10 tokens" in b_stats and "seed 7" in b_stats
    assert a_html.count("pg-tok") > 10 and b_html.count("pg-tok") > 10
    again = call(client, "compare", **args)
    assert again[0] == a_html and again[2] == b_html  # greedy repeats; sampling with a fixed seed repeats too


def test_seed_box_empty_means_random_and_a_number_repeats(client, gpt2_folder):
    from gradio_client.exceptions import AppError

    def sample(seed):
        *_, stats, table, _prompt = call(client, "generate", **generate_args(
            "The cat", str(gpt2_folder), max_new_tokens=12, do_sample=True, temperature=1.5, seed=seed))
        return stats.rsplit("seed ", 1)[1], [row[1] for row in table["data"]]

    seeds = {sample("")[0] for _ in range(3)}
    assert len(seeds) == 3  # a fresh random seed each time, reported so the run can be repeated
    assert sample("42") == sample("42") and sample("42")[0] == "42"
    with pytest.raises(AppError, match="forty-two"):
        sample("forty-two")


def test_readme_documents_every_endpoint_and_parameter():
    from pathlib import Path

    from playground.engine import Engine
    from playground.ui import build_app
    from playground.ui.api_docs import MARKERS, api_markdown

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    documented = readme.split(MARKERS[0], 1)[1].split(MARKERS[1], 1)[0].strip()
    assert documented == api_markdown(build_app(Engine.from_env())[0]), \
        "README API table is out of date: run `python -m playground.ui.api_docs --write README.md`"
