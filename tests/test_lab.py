"""The generation lab: branching at a token, sampling N times, comparing tokenizers — on tiny models, on the
bundled model and through the app's API."""

import pytest

from api import BUNDLED, call, generate_args
from playground.config import GenerationSettings, Limits
from playground.errors import PlaygroundError
from playground.generation import generate, prepare_prompt
from playground.lab import (BranchTree, branch_prompt, compare_tokenizers, reference_tokenizers, sample_many)

GREEDY = GenerationSettings(do_sample=False, max_new_tokens=8, repetition_penalty=1.0)


def test_a_branch_continues_exactly_from_the_chosen_alternative(tiny_lm, worker):
    prompt = prepare_prompt(tiny_lm, Limits(), "The cat sat on")
    done = generate(tiny_lm, worker, prompt, GREEDY)
    tree = BranchTree()
    root = tree.start(done)
    at = 2
    alt = next(a for a in root["alts"][at] if a[0] != root["ids"][at])
    forked = branch_prompt(tree.prompt_ids, root["ids"], at, alt[0], tiny_lm.tokenizer)
    assert forked.input_ids == prompt.input_ids + root["ids"][:at] + [alt[0]]
    cont = generate(tiny_lm, worker, forked, GREEDY)
    node = tree.fork(root["id"], at, alt[0], cont, tiny_lm.tokenizer)
    # the branch = the parent's tokens before the fork, the alternative, then the greedy continuation from there
    assert node["ids"][:at] == root["ids"][:at] and node["ids"][at] == alt[0]
    assert node["ids"][at + 1:] == [e.token_id for e in cont.tokens]
    assert node["p_fork"] == alt[2] and 0 < node["p_fork"] <= 1
    again = generate(tiny_lm, worker, prompt.__class__(forked.text, forked.input_ids), GREEDY)
    assert [e.token_id for e in again.tokens] == [e.token_id for e in cont.tokens]  # greedy: repeatable
    assert tree.children(root["id"]) == [node]
    restored = BranchTree.from_dict(tree.to_dict())
    assert restored.node(node["id"])["ids"] == node["ids"]
    with pytest.raises(PlaygroundError) as info:
        tree.fork(root["id"], at, root["ids"][at] + 10**6, cont, tiny_lm.tokenizer)
    assert info.value.code == "lab_not_alternative"
    with pytest.raises(PlaygroundError):
        branch_prompt(tree.prompt_ids, root["ids"], 99, alt[0], tiny_lm.tokenizer)


def test_sampling_n_times_counts_texts_and_first_tokens(tiny_lm, worker):
    prompt = prepare_prompt(tiny_lm, Limits(), "The cat")
    sampled = GenerationSettings(do_sample=True, temperature=1.5, top_k=0, top_p=1.0, max_new_tokens=6)
    varied = sample_many(tiny_lm, worker, prompt, sampled, 8)
    assert sum(c for _, c in varied.texts) == 8 and sum(c for _, c in varied.first_tokens) == 8
    assert len(set(varied.seeds)) == 8 and len(varied.texts) > 1  # own seeds: the texts differ
    same = sample_many(tiny_lm, worker, prompt, sampled.__class__(**{**sampled.__dict__, "seed": 5}), 5,
                       same_seed=True)
    assert same.seeds == (5,) * 5 and len(same.texts) == 1  # one seed: one text, five times
    greedy = sample_many(tiny_lm, worker, prompt, GREEDY, 4)
    assert len(greedy.texts) == 1
    with pytest.raises(PlaygroundError):
        sample_many(tiny_lm, worker, prompt, GREEDY, 21)


def test_tokenizer_comparison_counts_and_labels_split_characters(llama_lm):
    text = "分词把一句话切成词元。 Tokenization"
    results = compare_tokenizers(text, [("tiny", llama_lm.tokenizer)] + reference_tokenizers())
    by = {r.name: r for r in results}
    gpt4, gpt4o = by["GPT-4 (cl100k_base)"], by["GPT-4o (o200k_base)"]
    assert gpt4.count == len(gpt4.pieces) > 0 and all(r.chars == len(text) for r in results)
    assert gpt4o.count < gpt4.count  # the newer vocabulary spends fewer tokens on Chinese
    assert any(p.startswith("<") and p.endswith(">") for p in gpt4.pieces)  # bytes of a split character
    assert "".join(p for p in gpt4o.pieces if not p.startswith("<")).startswith("分")
    with pytest.raises(PlaygroundError):
        compare_tokenizers("   ", reference_tokenizers())


@pytest.fixture
def llama_lm(registry, llama_folder):
    from playground.models import ModelSpec

    return registry.get(ModelSpec("local", str(llama_folder)))


@pytest.fixture(scope="module")
def client(launched_app):
    from gradio_client import Client

    return Client(launched_app[0], verbose=False)


def test_lab_endpoints_through_the_api(client, gpt2_folder):
    note, table, figure = call(client, "sample", **generate_args("The cat", str(gpt2_folder), max_new_tokens=5,
                                                                  do_sample=True, temperature=1.5),
                               samples=6, same_seed=False)
    assert "6 samples" in note and table.count("<tr>") >= 2 and figure
    html = call(client, "tokenizers", text="Hello world, 你好世界", prompt="", model=str(gpt2_folder))
    assert "GPT-4o (o200k_base)" in html and "lab-chip" in html


@pytest.mark.slow
def test_branching_on_the_bundled_model_through_the_api(client):
    from gradio_client.exceptions import AppError

    history, output, tokens, stats, table, prompt = call(
        client, "generate", **generate_args("The capital of France is", BUNDLED, max_new_tokens=6))
    with pytest.raises(AppError, match="alternatives"):
        call(client, "branch", branch=0, position=2, alternative=None, model=BUNDLED, max_new_tokens=6,
             do_sample=False)


@pytest.mark.browser
@pytest.mark.slow
def test_branch_and_sample_in_the_browser(launched_app):
    """Generate, open the lab, continue from an alternative token (the tree grows to two branches), then sample
    the same prompt five times and see the ranked list and the first-token histogram."""
    from playwright.sync_api import sync_playwright

    from test_browser import ARTIFACTS, CHROMIUM_ARGS, chromium_path

    url, _ = launched_app
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1400}, locale="en-US")
        page.goto(url + "?tab=generate&mode=complete&prompt=The+sea+is&max_new_tokens=8&do_sample=false")
        page.wait_for_selector("#gen-run", timeout=60_000)
        page.click("#gen-run")
        page.wait_for_selector("#gen-tokens .pg-tok", timeout=120_000)
        page.click("#lab-branch-box button, #lab-branch-box .label-wrap >> nth=0")
        page.wait_for_selector("#lab-tree .lab-node", timeout=30_000)
        page.wait_for_function("document.querySelector('#lab-alternative input').value.trim().length > 0",
                               timeout=30_000)
        page.click("#lab-continue")
        page.wait_for_function("document.querySelectorAll('#lab-tree .lab-node').length == 2", timeout=120_000)
        assert "%" in page.inner_text("#lab-tree")  # each branch says how likely its fork token was
        page.get_by_text("Sample (off = greedy").click()  # sampling on: the samples can differ now
        page.click("#lab-sample-box button, #lab-sample-box .label-wrap >> nth=0")
        page.fill("#lab-samples input[type=number]", "5")
        page.press("#lab-samples input[type=number]", "Enter")
        page.press("#lab-samples input[type=number]", "Tab")
        page.wait_for_timeout(500)
        page.click("#lab-sample-run")
        page.wait_for_selector("#lab-sample-table tbody tr", timeout=180_000)
        page.wait_for_selector("#lab-first .js-plotly-plot", timeout=30_000)
        counts = page.eval_on_selector_all("#lab-sample-table tbody tr td:first-child",
                                           "cells => cells.map(c => +c.innerText)")
        # The note says how many samples ran (on a busy machine the typed 5 may land after the click, and the
        # slider's 10 runs): the table accounts for each of them once, most frequent first.
        n = int(page.inner_text("#lab-sample-note").split(" samples")[0].split()[-1])
        assert n in (5, 10) and sum(counts) == n and counts == sorted(counts, reverse=True)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "lab.png"), full_page=True)
        browser.close()


@pytest.mark.slow
def test_show_the_code_gives_a_runnable_script_for_the_settings_on_screen(client):
    args = generate_args("The sea is", BUNDLED, mode="chat", temperature=1.3, do_sample=True, typical_p=0.9, seed=7)
    args.pop("max_time", None)
    code = call(client, "generate_code", **{k: v for k, v in args.items() if k != "history"}, system="Be brief.")
    compile(code, "shown.py", "exec")  # valid Python
    assert "HuggingFaceTB/SmolLM2-135M-Instruct" in code and "apply_chat_template" in code
    assert "'temperature': 1.3" in code and "'typical_p': 0.9" in code and "torch.manual_seed(7)" in code
    assert "Be brief." in code
