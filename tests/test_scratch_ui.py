"""The From-scratch tab through its API (gradio_client) and in a real browser."""

import pytest

from api import call, submit

FAST = dict(source="fables_en", pasted="", files=[], layers=1, width=32, context=32, steps=20, lr=0.005, batch=8,
            sample_every=10, temperature=0.8, max_seconds=300, seed=0)


@pytest.fixture(scope="module")
def client(launched_app):
    from gradio_client import Client

    return Client(launched_app[0], verbose=False)


def test_tab_is_registered_with_its_endpoints_and_link():
    from playground.engine import Engine
    from playground.ui import build_app
    from playground.ui.app import TABS
    from playground.ui.links import TABS as LINK_TABS

    demo, ctx = build_app(Engine.from_env())
    names = {d.get("api_name") for d in demo.config["dependencies"]}
    assert {"scratch", "scratch_stop", "scratch_watch", "scratch_code", "scratch_sentiment"} <= names
    ids = [tab_id for tab_id, _, _ in TABS]
    assert ids.index("scratch") == ids.index("finetune") + 1 and "scratch" in LINK_TABS
    assert ctx.engine._scratch is None  # nothing started at build
    assert {"source", "layers", "width", "context", "steps"} <= set(ctx.links.fields["scratch"])


def test_a_run_streams_both_models_and_its_analysis(client):
    job = submit(client, "scratch", **FAST)
    status, bar, plot, speed, samples, analysis, position, attention = job.result(timeout=300)
    assert "Done" in status and "parameters" in status
    assert "step 20 / 20" in bar
    assert "LSTM" in speed and "Transformer" in speed and "perplexity" in speed
    assert samples.count("fs-sample") >= 4  # two checks, two models each
    assert "copy test" in analysis and "**32**" in analysis and "**1**" in analysis
    assert plot is not None and position is not None and attention is not None
    again = client.predict(api_name="/scratch_watch")  # re-attaching shows the same finished run
    assert again[0] == status
    code = call(client, "scratch_code", **{k: v for k, v in FAST.items() if k not in ("source", "pasted", "files")})
    assert "class TransformerLM" in code and "LAYERS, WIDTH, CONTEXT, HEADS = 1, 32, 32, 4" in code


def test_stop_ends_a_long_run(launched_app):
    from gradio_client import Client

    client = Client(launched_app[0], verbose=False)
    job = submit(client, "scratch", **{**FAST, "steps": 3000, "max_seconds": 900})
    ctx = launched_app[1]
    session = None
    while session is None or ctx.engine.scratch.job(session.id) is None \
            or ctx.engine.scratch.job(session.id).snapshot().step < 2:
        session = ctx.engine.sessions.get(client.session_hash)
        if job.done():
            break
        import time

        time.sleep(0.2)  # polling for a state, not asserting a duration
    client.predict(api_name="/scratch_stop")
    status = job.result(timeout=300)[0]
    assert "Stopped" in status


def test_bad_text_and_settings_get_coded_messages(client):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="at least"):
        call(client, "scratch", **{**FAST, "source": "own", "pasted": "Too short to learn anything from."})
    with pytest.raises(AppError, match="not in the list"):  # gradio itself checks a dropdown's choices
        call(client, "scratch", **{**FAST, "source": "missing"})


def test_sentiment_three_ways_and_csv_errors(client, llama_folder, tmp_path):
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    note, table = call(client, "scratch_sentiment", model=str(llama_folder), sent_data="bundled_en", sent_file=None,
                       sent_lstm_steps=10, sent_tune_steps=2, sent_lora=True, sent_seed=0)
    assert "held out" in note
    for method in ("LSTM from scratch", "zero-shot", "LoRA + head"):
        assert method in table
    bad = tmp_path / "bad.csv"
    bad.write_text("sentence;label\nfine;pos\n", encoding="utf-8")
    with pytest.raises(AppError, match="text,label"):
        call(client, "scratch_sentiment", model=str(llama_folder), sent_data="own", sent_file=handle_file(str(bad)),
             sent_lstm_steps=10, sent_tune_steps=0, sent_lora=False, sent_seed=0)


@pytest.mark.browser
@pytest.mark.slow
def test_scratch_in_the_browser(launched_app):
    """Open the tab through a link, start a run, watch both curves move, stop it."""
    from playwright.sync_api import sync_playwright
    from test_browser import ARTIFACTS, CHROMIUM_ARGS, chromium_path

    url, _ = launched_app
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1100}, locale="en-US")
        page.goto(url + "?tab=scratch&steps=3000&layers=1")
        page.wait_for_selector("#fs-start", state="visible", timeout=60_000)
        page.click("#fs-start")
        page.wait_for_selector("#fs-plot .js-plotly-plot", timeout=180_000)
        lines = "document.querySelectorAll('#fs-plot .js-plotly-plot .scatterlayer .trace path.js-line').length"
        page.wait_for_function(f"{lines} >= 2", timeout=120_000)  # both loss curves
        step_now = ("(() => { const m = document.querySelector('#fs-bar').innerText.match(/step (\\d+) \\//);"
                    " return m ? Number(m[1]) : -1; })()")
        seen = page.evaluate(step_now)
        first = page.locator("#fs-plot .js-plotly-plot").inner_html()
        page.wait_for_function(f"{step_now} > {seen}", timeout=120_000)
        page.wait_for_function("prev => document.querySelector('#fs-plot .js-plotly-plot').innerHTML !== prev",
                               arg=first, timeout=60_000)  # the curves moved
        page.click("#fs-stop")
        page.wait_for_function("document.querySelector('#fs-status').innerText.includes('Stopped')",
                               timeout=120_000)
        page.wait_for_function("document.querySelector('#fs-analysis').innerText.includes('copy test')",
                               timeout=120_000)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "browser-scratch.png"), full_page=True)
        browser.close()
