"""The Fine-tuning tab through its API (gradio_client, two sessions) and in a real browser."""

import os

import pytest

from api import call, generate_args, submit
from playground.ui.context import SESSION_CHOICE

TEXT = ("Ahoy, dear traveller! The lighthouse shop sells tea to every sailor on the pier. "
        "Fair winds and warm teapots! ") * 30


def train_args(model, files=None, pasted=TEXT, demo="none", steps=6) -> dict:
    """Named values for /finetune: a short, fast LoRA run (everything not named keeps the UI's default)."""
    return dict(model=model, files=files or [], pasted=pasted, demo=demo, column="", prompts="The sea",
                method="lora", max_steps=steps, learning_rate=0.005, batch_size=4, block_size=32, warmup_steps=0,
                lora_dropout=0.0, eval_every=2, sample_every=2, seed=0)


def sea(model: str) -> dict:
    return generate_args("The sea", model, max_new_tokens=8)


@pytest.fixture(scope="module")
def clients(launched_app):
    from gradio_client import Client

    url, _ = launched_app
    return Client(url, verbose=False), Client(url, verbose=False), Client(url, verbose=False)


def test_tab_is_built_with_its_endpoints():
    from playground.engine import Engine
    from playground.ui import build_app

    demo, ctx = build_app(Engine.from_env())
    names = {d.get("api_name") for d in demo.config["dependencies"]}
    assert {"finetune", "finetune_stop", "finetune_watch", "finetune_preview", "finetune_compare",
            "finetune_download", "finetune_download_merged"} <= names
    assert ctx.engine.registry.loaded_keys() == [] and ctx.engine._training is None  # nothing started at build


def test_two_sessions_train_and_never_see_each_others_model(clients, launched_app, llama_folder):
    from gradio_client.exceptions import AppError

    a, b, _ = clients
    url, ctx = launched_app
    job = submit(a, "finetune", **train_args(str(llama_folder)))
    status, bar, plot, samples, results, table, diff, picker = job.result(timeout=180)
    assert "Done" in status and "perplexity" in results.lower()
    assert len(job.outputs()) >= 2  # a loading notice streamed before the result (tiny runs may end between updates)
    assert "The sea" in table and "fi-cmp" in table and "pg-tok" in diff
    assert plot is not None  # the loss figure
    assert any(c[1] == SESSION_CHOICE for c in picker["choices"])  # A's picker now offers its model

    # A can use its model in the Generate tab; B cannot, whatever it sends.
    history, output, *_ = call(a, "generate", **sea(SESSION_CHOICE))
    assert output
    with pytest.raises(AppError, match="no fine-tuned model"):
        call(b, "generate", **sea(SESSION_CHOICE))
    with pytest.raises(AppError, match="no fine-tuned model"):
        b.predict(api_name="/finetune_download")
    session_a = ctx.engine.sessions.get(a.session_hash)
    run_dir = session_a.folder / "runs" / session_a.model_run
    with pytest.raises(AppError, match="private files"):  # typing A's folder as a local model path
        call(b, "generate", **sea(str(run_dir)))
    status_b = call(b, "load_model", model=str(run_dir / "adapter"))
    assert "private files" in status_b

    assert "Ready" in call(a, "load_model", model=SESSION_CHOICE)
    assert "no fine-tuned model" in call(b, "load_model", model=SESSION_CHOICE)

    # Listing: only A's picker offers the model. Tabs that resolve the picker value without ctx (as the
    # Attention tab does) get the model of the session handling the event, and nothing for B.
    from gradio.context import LocalContext

    from playground.ui.context import spec_from_choice
    from playground.ui.model_picker import picker_choices

    class Req:
        def __init__(self, session_hash):
            self.session_hash, self.headers = session_hash, {}

    def session_items(choices):  # (shown, value) pairs are also used for offline packs' badges
        return [c for c in choices if isinstance(c, tuple) and c[1] == SESSION_CHOICE]

    assert len(session_items(picker_choices(ctx, Req(a.session_hash)))) == 1
    assert not session_items(picker_choices(ctx, Req(b.session_hash)))
    blocks_token = LocalContext.blocks.set(ctx.demo)
    request_token = LocalContext.request.set(Req(a.session_hash))
    try:
        spec = spec_from_choice(SESSION_CHOICE)
        assert spec.source == "session" and spec.ref == session_a.id and spec.revision == session_a.model_run
        LocalContext.request.set(Req(b.session_hash))
        with pytest.raises(ValueError, match="no fine-tuned model"):
            spec_from_choice(SESSION_CHOICE)
    finally:
        LocalContext.request.reset(request_token)
        LocalContext.blocks.reset(blocks_token)

    # Downloads: A gets a zip of its own adapter; nobody can fetch session files by path.
    path = a.predict(api_name="/finetune_download")
    import zipfile

    with zipfile.ZipFile(path) as zf:
        assert "adapter/adapter_model.safetensors" in zf.namelist()
    import httpx

    for secret in (run_dir / "adapter" / "adapter_model.safetensors", run_dir / "meta.json"):
        response = httpx.get(f"{url}gradio_api/file={secret}")
        assert response.status_code in (403, 404)
    # The watcher re-attaches: a second look at A's run shows the same finished result.
    again = a.predict(api_name="/finetune_watch")
    assert again[4] == results


def test_bad_files_get_their_message_and_nothing_is_written(clients, launched_app, tmp_path, llama_folder):
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    _, _, c = clients
    ctx = launched_app[1]
    png = tmp_path / "notes.txt"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(500))
    ebcdic = tmp_path / "menu.txt"  # text in an encoding the playground names but does not guess (IBM EBCDIC)
    ebcdic.write_bytes(("Fresh bread and tea every morning at the harbour. " * 20).encode("cp037"))
    blank = tmp_path / "blank.md"
    blank.write_text("  \n\n  ")
    cases = [(png, "not a text file"), (ebcdic, "cp037"), (blank, "empty")]
    for path, message in cases:
        with pytest.raises(AppError, match=message):
            call(c, "finetune", **train_args(str(llama_folder), files=[handle_file(str(path))], pasted=""))
    with pytest.raises(AppError, match="too little"):
        call(c, "finetune", **train_args(str(llama_folder), pasted="Too short."))
    session = ctx.engine.sessions.get(c.session_hash)
    assert session is None or not session.folder.exists() or not any(session.folder.rglob("*"))
    assert ctx.engine.training.job(session.id if session else "") is None


def test_preview_of_a_gbk_csv(clients, launched_app, tmp_path, llama_folder):
    from gradio_client import handle_file

    _, _, c = clients
    table = tmp_path / "shop.csv"
    rows = "\n".join(f"{i},喵～亲爱的客官，本店第{i}号面包今天刚出炉，又香又软，欢迎品尝！" for i in range(40))
    table.write_bytes(("id,回复\n" + rows + "\n").encode("gbk"))
    md, blocks, column = call(c, "finetune_preview", model=str(llama_folder), files=[handle_file(str(table))],
                              pasted="", demo="none", column="", block_size=32)
    assert "tokens" in md and "shop.csv (csv, gb18030" in md
    assert "面包" in blocks
    assert column["value"] == "回复"


@pytest.mark.browser
@pytest.mark.slow
def test_finetune_in_the_browser(launched_app):
    """Upload the demo text, start a short run on the bundled model, watch the loss plot update, stop it."""
    from test_browser import ARTIFACTS, CHROMIUM_ARGS, chromium_path
    from playwright.sync_api import sync_playwright

    from playground import data

    url, ctx = launched_app
    demo_txt = next(d.path for d in data.demo_sets() if d.language == "en").with_suffix(".txt")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1100}, locale="en-US")
        page.goto(url)
        page.get_by_role("tab", name="Fine-tune").click()
        page.wait_for_selector("#fi-start", timeout=60_000)
        page.locator("#fi-demo input").click()
        page.get_by_role("option", name="(none — use my files / pasted text)").click()
        page.set_input_files("#fi-files input[type=file]", str(demo_txt))
        page.wait_for_function("document.querySelector('#fi-files').innerText.includes('lighthouse_tea_en.txt')",
                               timeout=30_000)
        page.fill("#fi-prompts textarea", "Do you sell coffee?")
        page.click("#fi-preview-btn")
        page.wait_for_function("document.querySelector('#fi-preview').innerText.includes('tokens')", timeout=60_000)
        page.click("#fi-start")
        # The plot appears, then gets new points while training goes on.
        page.wait_for_selector("#fi-plot .js-plotly-plot", timeout=180_000)
        page.wait_for_function("document.querySelector('#fi-bar').innerText.includes('step 2/')", timeout=180_000)
        # A reload mid-training loses nothing: the new page re-attaches to the running job (resume key).
        page.reload()
        page.get_by_role("tab", name="Fine-tune").click()
        page.wait_for_selector("#fi-plot .js-plotly-plot", timeout=60_000)
        page.wait_for_function("document.querySelector('#fi-bar').innerText.includes('step')", timeout=60_000)
        count = "document.querySelectorAll('#fi-plot .js-plotly-plot .scatterlayer .trace path.js-line').length"
        step_now = ("(() => { const m = document.querySelector('#fi-bar').innerText.match(/step (\\d+)\\//);"
                    " return m ? Number(m[1]) : -1; })()")
        seen = page.evaluate(step_now)
        first = page.locator("#fi-plot .js-plotly-plot").inner_html()
        # Wait for any later step (the run may already be past step 3 by the time the page re-attaches).
        page.wait_for_function(f"{step_now} > {seen}", timeout=120_000)
        page.wait_for_function("prev => document.querySelector('#fi-plot .js-plotly-plot').innerHTML !== prev",
                               arg=first, timeout=60_000)  # the loss plot updated
        assert page.evaluate(count) >= 1
        page.click("#fi-stop")
        page.wait_for_function("document.querySelector('#fi-status').innerText.includes('Stopped')",
                               timeout=120_000)
        page.wait_for_function("document.querySelector('#fi-results').innerText.includes('perplexity')",
                               timeout=120_000)
        session_model = page.locator("#model-choice")
        assert session_model.count() == 1
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "browser-finetune.png"), full_page=True)
        browser.close()


@pytest.mark.slow
def test_the_ready_made_run_shows_at_once_and_becomes_the_sessions_model(launched_app):
    """In a full room nobody has to wait for a demo run: the ready-made one gives the before/after at once, and the
    tuned model answers in the Generate tab for this session only."""
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    from api import BUNDLED

    url, _ = launched_app
    mine, other = Client(url, verbose=False), Client(url, verbose=False)
    with pytest.raises(AppError, match="demo"):  # no demo chosen: a clear message
        call(mine, "finetune_ready", model=BUNDLED, demo="none")
    status, bar, plot, samples, results, table, diff, picker = call(mine, "finetune_ready", model=BUNDLED,
                                                                    demo="lighthouse_tea_en")
    assert "Ready-made" in status and "perplexity" in results.lower() and "fi-cmp" in table and "pg-tok" in diff
    assert plot is not None  # the loss curve of the run that was trained beforehand
    *_, stats, _table, _prompt = call(mine, "generate", **generate_args("Ahoy", SESSION_CHOICE, max_new_tokens=6))
    assert "6 tokens" in stats
    with pytest.raises(AppError):
        call(other, "generate", **generate_args("Ahoy", SESSION_CHOICE, max_new_tokens=6))
