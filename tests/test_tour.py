"""The guided tour and shared links: a first-time participant follows every step in a real browser, in English
and in Chinese, on the bundled model; a shared link reproduces the sender's experiment."""

from pathlib import Path
from urllib.parse import urlencode

import pytest

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
PROMPT_HAS = "(t) => (document.querySelector('#gen-prompt textarea') || {value: ''}).value.includes(t)"


def test_every_tour_step_is_a_valid_link_in_both_languages():
    from playground.engine import Engine
    from playground.ui import build_app
    from playground.ui.tour.steps import STEPS

    _, ctx = build_app(Engine.from_env())
    assert len(STEPS) >= 6
    for step in STEPS:
        for lang in ("en", "zh"):
            updates, notices = ctx.links.apply(step.link[lang])
            assert not notices, (step.key, lang, notices)
            assert len(updates) == len(ctx.links.outputs())


def test_links_refuse_bad_values_with_a_notice_and_apply_the_rest():
    from playground.engine import Engine
    from playground.ui import build_app

    _, ctx = build_app(Engine.from_env())
    updates, notices = ctx.links.apply({"tab": "generate", "prompt": "Hello", "temperature": "9", "top_k": "abc",
                                        "seed": "1" * 40, "max_new_tokens": "100000", "nonsense": "1",
                                        "system": "x" * 10_000})
    named = {key: values for key, values in notices}
    assert {"link_bad_value", "link_unknown", "link_too_long"} <= set(named)
    bad = sorted(v["name"] for k, v in notices if k == "link_bad_value")
    assert bad == ["max_new_tokens", "seed", "temperature", "top_k"]
    assert "Hello" in updates  # the good part still applies
    _, notices = ctx.links.apply({"tab": "nowhere"})
    assert notices == [("link_bad_tab", {"value": "nowhere"})]
    _, notices = ctx.links.apply({"tab": "generate", "model": "/etc"})  # no server folders through a link
    assert notices and notices[0][0] == "link_bad_value"


def test_share_builds_a_link_that_sets_the_same_values():
    from playground.engine import Engine
    from playground.ui import build_app

    _, ctx = build_app(Engine.from_env())
    query = ctx.links.query("generate", {"generate__prompt": "Once upon a time", "generate__mode": "complete",
                                         "generate__temperature": 1.3, "generate__do_sample": True})
    assert query.startswith("?tab=generate&") and "temperature=1.3" in query and "do_sample" not in query
    from urllib.parse import parse_qsl

    updates, notices = ctx.links.apply(dict(parse_qsl(query[1:])))
    assert not notices and "Once upon a time" in updates and 1.3 in updates


# ----------------------------------------------------------------------------------------------- browser

STEPS_DONE = [  # what the participant does after "Try it", and what shows that it worked
    ("#tab-generate-button", "#gen-analyze", "#gen-chips .pg-chip"),
    ("#tab-generate-button", "#gen-analyze", "#gen-chart .js-plotly-plot"),
    ("#tab-generate-button", "#gen-analyze", "#gen-chart .js-plotly-plot"),
    ("#tab-generate-button", "#gen-run", "#gen-tokens .pg-tok"),
    ("#tab-generate-button", "#ppl-run", "#ppl-html .pg-tok"),
    ("#tab-attention-button", "#at-run", "#at-head-plot .js-plotly-plot"),
    ("#tab-finetune-button", "#fi-start", "#fi-plot .js-plotly-plot"),
    ("#tab-scenarios-button", "#sc-run", "#sc-stats"),
]


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_a_participant_follows_the_whole_tour(launched_app, locale):
    from playwright.sync_api import sync_playwright

    from test_browser import CHROMIUM_ARGS, chromium_path

    url, ctx = launched_app
    lang = locale[:2]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale=locale,
                                extra_http_headers={"Accept-Language": locale})
        page.goto(url)
        page.wait_for_selector("#tour-try-1", timeout=60_000)
        from playground.ui.tour.steps import STEPS

        for i, (step, (tab, action, result)) in enumerate(zip(STEPS, STEPS_DONE), start=1):
            page.click("#tab-tour-button")
            page.click(f"#tour-try-{i}")
            page.wait_for_selector(f"{tab}[aria-selected=true]", timeout=30_000)
            link = step.link[lang]
            filled = link.get("prompt") or link.get("ppl") or link.get("text")
            if filled:  # the example is in its box, in the participant's language
                page.wait_for_function(
                    "(t) => [...document.querySelectorAll('textarea')].some(a => a.value === t)", arg=filled,
                    timeout=30_000)
            page.click(action)
            page.wait_for_selector(result, timeout=240_000)
            if action == "#fi-start":
                page.click("#fi-stop")  # a minute is enough to see the curve start; stop the run
            if action == "#sc-run":
                page.wait_for_function("document.querySelector('#sc-stats').innerText.trim().length > 0",
                                       timeout=240_000)
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"tour-{lang}-{i}.png"))
        browser.close()


@pytest.mark.browser
@pytest.mark.slow
def test_a_shared_link_reproduces_the_experiment(launched_app):
    from playwright.sync_api import sync_playwright

    from test_browser import CHROMIUM_ARGS, chromium_path

    url, _ = launched_app
    params = {"tab": "generate", "mode": "complete", "prompt": "The three primary colors are",
              "temperature": "1.3", "top_k": "7", "nonsense": "1"}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="en-US")
        page.goto(url + "?" + urlencode(params))
        page.wait_for_selector("#tab-generate-button[aria-selected=true]", timeout=60_000)
        page.wait_for_function(PROMPT_HAS, arg="primary", timeout=30_000)
        page.wait_for_selector("text=does not know", timeout=30_000)  # the unknown parameter's notice
        assert page.is_visible("#gen-output")  # continue-text mode
        page.click("#share-btn")
        page.wait_for_function("document.querySelector('#share-link textarea, #share-link input') && "
                               "(document.querySelector('#share-link textarea, #share-link input').value || '')"
                               ".includes('temperature=1.3')", timeout=30_000)
        shared = page.eval_on_selector("#share-link textarea, #share-link input", "e => e.value")
        assert shared.startswith(url.rstrip("/")) and "top_k=7" in shared and "tab=generate" in shared
        other = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="en-US")
        other.goto(shared)
        other.wait_for_function(PROMPT_HAS, arg="primary", timeout=60_000)
        browser.close()
