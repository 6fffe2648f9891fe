"""A remote model served by a real engine (llama.cpp's OpenAI-compatible server on the bundled GGUF) drives the same
views as a local model, and agrees with the local model converted from the same file."""

import math
import threading

import pytest

from api import GREEDY, call, generate_args, submit
from conftest import REMOTE_NAME

pytestmark = pytest.mark.slow

STORY = "Once upon a time, there was a little"
PARAGRAPH = ("The capital of France is Paris. It is a large city on the river Seine, and it is famous for its "
             "museums, its food and the Eiffel Tower.")
REMOTE_LABEL = f"{REMOTE_NAME} (remote)"


@pytest.fixture
def both(remote_env, bundled_registry):
    """(remote model, local bundled model, limits) over the same GGUF file."""
    from playground.config import Limits
    from playground.models import ModelSpec

    return bundled_registry.get(ModelSpec.remote(REMOTE_NAME)), bundled_registry.get(ModelSpec.bundled()), Limits()


def greedy(n: int = 8, **more):
    from playground.config import GenerationSettings

    return GenerationSettings(max_new_tokens=n, do_sample=False, repetition_penalty=1.0, **more)


def run(lm, worker, prompt, settings, limits):
    from playground.generation import GenerationDone, stream

    events = list(stream(lm, worker, prompt, settings, limits))
    assert isinstance(events[-1], GenerationDone)
    return events[:-1], events[-1]


def test_remote_model_says_what_it_can_do(both):
    rm, lm, _ = both
    assert (rm.has_weights, rm.has_logprobs, rm.has_prompt_logprobs) == (False, True, True)
    assert (lm.has_weights, lm.has_logprobs, lm.has_prompt_logprobs) == (True, True, True)
    assert rm.prompt_logprobs_mode() == "shifted"  # llama-cpp-python reports prompt log-probs one position late


def test_streamed_tokens_carry_probabilities_like_the_local_model(both, worker):
    from playground.prompts import prepare_prompt

    rm, lm, limits = both
    events, done = run(rm, worker, prepare_prompt(rm, limits, prompt=STORY), greedy(8), limits)
    local, local_done = run(lm, worker, prepare_prompt(lm, limits, prompt=STORY), greedy(8), limits)
    assert done.stop_reason == "length" and done.new_tokens == 8
    assert "".join(e.text for e in events) == done.text
    assert done.text.startswith(" girl") and local_done.text.startswith(" girl")
    for e in events:
        assert 0 < e.prob <= 1 and e.token_id == -1
        probs = [a.raw_prob for a in e.alternatives]
        assert probs == sorted(probs, reverse=True) and len(e.alternatives) == limits.top_alternatives
        assert e.alternatives[0].token == e.token  # greedy: the chosen token is the most likely one
    # Same file, two engines (llama.cpp's 4-bit kernels vs the dequantised fp32 weights): close probabilities.
    assert events[0].token == local[0].token
    assert abs(events[0].prob - local[0].raw_prob) < 0.05


def test_chat_mode_goes_through_the_servers_template(both, worker):
    from playground.prompts import prepare_prompt

    rm, _, limits = both
    prompt = prepare_prompt(rm, limits, prompt="What is the capital of France?", chat=True, system="Be brief.")
    assert [m["role"] for m in prompt.messages] == ["system", "user"] and prompt.input_ids == []
    events, done = run(rm, worker, prompt, greedy(12), limits)
    assert done.text.strip() and events and all(e.alternatives for e in events)
    assert done.text == "".join(e.text for e in events)


def test_seed_and_stop_are_passed_to_the_engine(both, worker):
    from playground.config import GenerationSettings
    from playground.prompts import prepare_prompt

    rm, _, limits = both
    prompt = prepare_prompt(rm, limits, prompt=STORY)
    hot = GenerationSettings(max_new_tokens=16, temperature=1.5, top_k=0, top_p=1.0, seed=7)
    first, second = run(rm, worker, prompt, hot, limits)[1], run(rm, worker, prompt, hot, limits)[1]
    other = run(rm, worker, prompt, GenerationSettings(max_new_tokens=16, temperature=1.5, top_k=0, seed=8),
                limits)[1]
    assert first.text == second.text and first.seed == 7
    assert other.text != first.text
    stopped = run(rm, worker, prompt, greedy(30, stop=(".",)), limits)[1]
    assert "." not in stopped.text and stopped.stop_reason == "stop_sequence"


def test_next_token_top_matches_the_local_distribution(both, worker):
    import torch

    from playground.distributions import view_of_top
    from playground.generation import LogitsCache
    from playground.prompts import prepare_prompt
    from playground import remote_views

    rm, lm, limits = both
    top = remote_views.next_top(rm, prepare_prompt(rm, limits, prompt=STORY))
    assert len(top) == remote_views.NEXT_TOP
    logits = LogitsCache().get(lm, worker, prepare_prompt(lm, limits, prompt=STORY).input_ids)
    local = torch.softmax(logits, -1)
    local_top = [lm.tokenizer.decode([i]) for i in torch.topk(local, 5).indices.tolist()]
    assert [t for t, _ in top[:2]] == local_top[:2]
    assert len(set(t for t, _ in top[:5]) & set(local_top)) >= 4
    view = view_of_top(top)
    assert 0.5 < view.known_mass <= 1.0 and view.tokens[0].token == " girl"
    assert abs(view.tokens[0].raw_prob - float(local.max())) < 0.05
    hotter = view_of_top(top, temperature=2.0)
    assert hotter.tokens[0].prob < view.tokens[0].prob and hotter.entropy_bits > view.entropy_bits
    assert view_of_top(top, top_k=1).kept == 1 and view_of_top(top, greedy=True).tokens[0].prob == 1.0


def test_perplexity_agrees_with_the_local_model_on_the_same_gguf(both, worker):
    from playground.distributions import score_text

    rm, lm, limits = both
    remote, local = score_text(rm, worker, PARAGRAPH, limits), score_text(lm, worker, PARAGRAPH, limits)
    assert remote.tokens == local.tokens  # same tokenizer: the shift by one is undone position by position
    assert remote.approximate == 0
    assert abs(math.log(remote.perplexity) - math.log(local.perplexity)) < 0.1, (remote.perplexity, local.perplexity)
    diffs = [abs(a - b) for a, b in zip(remote.probs, local.probs)]
    assert sum(diffs) / len(diffs) < 0.03 and max(diffs) < 0.15


def test_label_scores_agree_with_the_local_model(both, worker):
    from playground.prompts import prepare_prompt
    from playground.scenarios import scoring

    rm, lm, limits = both
    text = "Review: I loved this film, the acting was wonderful.\nSentiment (positive or negative):"
    remote = scoring.classify(rm, worker, prepare_prompt(rm, limits, prompt=text), ["positive", "negative"])
    local = scoring.classify(lm, worker, prepare_prompt(lm, limits, prompt=text), ["positive", "negative"])
    assert remote[0].label == local[0].label == "positive"
    assert abs(remote[0].prob - local[0].prob) < 0.1
    ranked = scoring.rank_answers(rm, worker, prepare_prompt(rm, limits, prompt="Q: What is the capital of France?\nA:"),
                                  ["Paris.", "Banana."])
    assert ranked[0].text == "Paris."


def test_stop_ends_a_remote_generation(both, worker):
    from playground.generation import GenerationDone, stream
    from playground.prompts import prepare_prompt

    rm, _, limits = both
    stop = threading.Event()
    seen = []
    for event in stream(rm, worker, prepare_prompt(rm, limits, prompt=STORY), greedy(200), limits, stop_event=stop):
        seen.append(event)
        if len(seen) == 3:
            stop.set()
    assert isinstance(seen[-1], GenerationDone) and seen[-1].stop_reason == "stopped"
    assert seen[-1].new_tokens < 20


def test_the_app_drives_generate_and_scenarios_with_the_remote_model(remote_env, client_for_remote):
    client = client_for_remote
    job = submit(client, "generate", **generate_args(STORY, REMOTE_LABEL, max_new_tokens=10))
    history, output, tokens_html, stats, table, prompt = job.result(timeout=120)
    assert output.startswith(" girl") and "pg-tok" in tokens_html and "data-tip" in tokens_html
    assert len(table["data"]) == 10 and "10 tokens" in stats
    plot, chips, shown = call(client, "next_token", mode="complete", prompt=STORY, model=REMOTE_LABEL)
    assert plot and "tokenizer" in chips and shown == STORY


def test_views_that_need_weights_say_so_in_both_languages(remote_env, client_for_remote):
    from gradio_client.exceptions import AppError

    from playground.errors import ModelLoadError

    with pytest.raises(AppError, match="remote engine"):
        call(client_for_remote, "attention", text="The cat sat on the mat.", model=REMOTE_LABEL)
    zh = ModelLoadError("remote_no_weights", name=REMOTE_LABEL).text("zh")
    assert "远程" in zh and REMOTE_LABEL in zh


@pytest.fixture
def client_for_remote(launched_app):
    from gradio_client import Client

    return Client(launched_app[0], verbose=False)


def test_scenarios_run_on_the_remote_model(remote_env, client_for_remote):
    from test_scenarios_ui import run as run_scenario

    out = run_scenario(client_for_remote, "sentiment", REMOTE_LABEL)
    confidences = {c["label"]: c["confidence"] for c in out["label"]["confidences"]}
    assert set(confidences) == {"positive", "negative", "neutral"} and abs(sum(confidences.values()) - 1) < 1e-6
    assert out["text"] == "positive"  # "I absolutely love this lamp ..."
    assert "completions API" in out["notes"]  # how a remote engine's labels were scored
    out = run_scenario(client_for_remote, "translate", REMOTE_LABEL, max_new=12)
    assert out["text"].strip() and "Translate" in out["prompt"] and "User:" in out["prompt"]
    assert "tokens/s" in out["stats"]


def test_an_engine_without_prompt_logprobs_falls_back_and_explains(remote_env, worker):
    from playground.config import Limits
    from playground.errors import PlaygroundError
    from playground.models import ModelSpec
    from playground.prompts import prepare_prompt
    from playground.remote import RemoteConfig, get_model
    from playground.scenarios import scoring
    from playground.distributions import score_text

    rm = get_model(ModelSpec.remote(REMOTE_NAME), RemoteConfig(remote_env, (REMOTE_NAME,), prompt_logprobs="off"))
    assert not rm.has_prompt_logprobs
    with pytest.raises(PlaygroundError) as info:
        score_text(rm, worker, PARAGRAPH, Limits())
    assert info.value.code == "remote_no_prompt_logprobs" and "困惑度" in info.value.text("zh")
    prompt = prepare_prompt(rm, Limits(), prompt="Is the sky blue? Answer yes or no.", chat=True)
    scores = scoring.classify(rm, worker, prompt, ["yes", "no"])
    assert sorted(s.prob for s in scores) in ([0.0, 1.0], [0.5, 0.5])  # read from the answer, not the model's odds


def test_show_the_code_for_a_remote_model_runs_against_the_engine(remote_env, client_for_remote, tmp_path):
    import os
    import subprocess
    import sys

    short = {**GREEDY, "max_new_tokens": 10}
    code = call(client_for_remote, "generate_code", mode="complete", prompt=STORY, model=REMOTE_LABEL, **short)
    assert "httpx" in code and "localhost:8000" in code and remote_env not in code  # the server's address stays
    script = tmp_path / "remote.py"
    script.write_text(code, encoding="utf-8")
    shown = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120,
                           env={**os.environ, "BASE_URL": remote_env})
    assert shown.returncode == 0, shown.stderr[-2000:]
    app = call(client_for_remote, "generate", **generate_args(STORY, REMOTE_LABEL, max_new_tokens=10))[1]
    lines = shown.stdout.rstrip("\n").splitlines()
    # The script's text is the app's greedy text (llama.cpp reusing a cached prompt may break a near tie later on).
    assert lines[-1][:30] == app[:30] and len(lines) == 11 and " p=" in lines[0]


def test_perplexity_and_comparison_panels_with_the_remote_model(remote_env, client_for_remote):
    summary, html = call(client_for_remote, "perplexity", text=PARAGRAPH, model=REMOTE_LABEL)
    assert "Perplexity" in summary and "33 tokens scored" in summary and "Paris" in html
    compared = call(client_for_remote, "compare", prompt=STORY, mode="complete", a_model=REMOTE_LABEL,
                    b_model="SmolLM2-135M-Instruct (bundled, offline)", max_new_tokens=6)
    assert REMOTE_LABEL in " ".join(str(x) for x in compared) and "pg-tok" in str(compared[0])


def test_sampling_many_times_on_the_remote_model(remote_env, client_for_remote):
    note, table, figure = call(client_for_remote, "sample", mode="complete", prompt=STORY, model=REMOTE_LABEL,
                               samples=4, same_seed=False, max_new_tokens=6, do_sample=True, temperature=1.2)
    assert "4 samples" in note and table.count("<tr>") >= 2


def test_customer_service_without_prompt_logprobs_answers_and_says_why_unranked(remote_env, client_for_remote,
                                                                                  monkeypatch):
    from test_scenarios_ui import run as run_scenario

    monkeypatch.setenv("PLAYGROUND_REMOTE_PROMPT_LOGPROBS", "off")  # an engine that cannot echo the prompt
    out = run_scenario(client_for_remote, "customer_service", REMOTE_LABEL, max_new=16)
    assert out["text"].strip() and "cannot be ranked" in out["notes"]
    assert "tokens/s" in out["stats"]
