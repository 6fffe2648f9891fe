""""Show the code": every script is executed here with a tiny model, and its result compared with the app's."""

import contextlib
import io
import threading

import pytest
import torch

from playground import showcode


def run_script(code: str, name: str = "shown") -> dict:
    """Execute a shown script as a module that is not ``__main__`` (its ``if __name__`` part stays off)."""
    namespace = {"__name__": name}
    with contextlib.redirect_stdout(io.StringIO()) as out:
        exec(compile(code, f"{name}.py", "exec"), namespace)
    namespace["_stdout"] = out.getvalue()
    return namespace


def test_scratch_script_builds_the_same_models_and_trains_the_same_losses():
    from playground.scratch import loop, texts
    from playground.scratch.models import build_pair, count_params
    from playground.scratch.settings import ScratchSettings

    settings = ScratchSettings(layers=2, width=32, context=32, batch=4, steps=10, sample_every=10, seed=5)
    code = showcode.scratch_code(settings)
    assert "class LSTMLM" in code and "class TransformerLM" in code and "AdamW" in code and "gradio" not in code
    ns = run_script(code)
    text = texts.read_text("fables_en")
    vocab = len(set(text))
    for shown, app in zip(ns["build_pair"](vocab, 32, 2, 32, 5), build_pair(vocab, 32, 2, 32, 5)):
        assert count_params(shown) == count_params(app)
    lines = []
    history = ns["train"](text, steps=10, report=lines.append)
    app = [e.losses for e in loop.run(text, settings, threading.Event()) if isinstance(e, loop.StepEvent)]
    assert history == [(a["lstm"], a["transformer"]) for a in app]  # same seed, same batches, same numbers
    assert lines[0].startswith("parameters:") and any("validation perplexity" in x for x in lines)


def test_generation_script_gives_the_apps_greedy_tokens(tiny_lm, worker, tiny_dir):
    from playground.config import GenerationSettings
    from playground.generation import generate
    from playground.prompts import prepare_prompt
    from playground.config import Limits

    settings = GenerationSettings(max_new_tokens=12, do_sample=False, repetition_penalty=1.0, seed=1)
    prompt = "The cat sat"
    done = generate(tiny_lm, worker, prepare_prompt(tiny_lm, Limits(), prompt), settings)
    code = showcode.generation_code(tiny_lm.folder, settings, prompt)
    ns = run_script(code.replace("print(", "shown_text = ("))
    assert ns["new_tokens"].tolist() == [t.token_id for t in done.tokens]


def test_generation_script_for_chat_and_sampling_settings(llama_folder):
    from playground.config import GenerationSettings

    settings = GenerationSettings(max_new_tokens=5, temperature=0.9, top_k=20, seed=7, stop=("\n",))
    code = showcode.generation_code(str(llama_folder), settings, "hi", chat=True, system="Be brief.")
    assert "apply_chat_template" in code and "'temperature': 0.9" in code and "stop_strings" in code
    ns = run_script(code)
    assert ns["new_tokens"].numel() <= 5


@pytest.mark.parametrize("targets", ["attention-qv", "all-linear"])
def test_lora_script_trains_the_same_parameters_as_the_app(llama_folder, targets):
    from playground.finetune import PrivateModel, TrainSettings

    settings = TrainSettings(lora_r=4, lora_alpha=8, lora_targets=targets)
    ns = run_script(showcode.lora_code(str(llama_folder), settings))
    shown = sum(p.numel() for p in ns["model"].parameters() if p.requires_grad)
    private = PrivateModel(llama_folder, settings, 10, torch.device("cpu"))
    assert shown == private.counts()[0] > 0
    assert ns["config"].r == 4 and ns["config"].lora_alpha == 8


def test_classify_script_ranks_labels_as_the_scenarios_tab_does(gpt2_folder, registry, worker):
    from playground.config import Limits
    from playground.models import ModelSpec
    from playground.prompts import prepare_prompt
    from playground.scenarios.scoring import classify

    lm = registry.get(ModelSpec("local", str(gpt2_folder)))
    template, labels, text = "Text: {text}\nSentiment ({labels}):", ["positive", "negative"], "I love it"
    prompt = prepare_prompt(lm, Limits(), template.replace("{labels}", ", ".join(labels)).replace("{text}", text))
    app = {s.label: s.logprob for s in classify(lm, worker, prompt, labels)}
    ns = run_script(showcode.classify_code(str(gpt2_folder), template, labels, text))
    assert ns["scores"] == pytest.approx(app, abs=1e-4)
