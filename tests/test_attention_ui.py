"""The Attention tab through its public API (gradio_client against the launched app) and in a real browser."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from api import call
from attention_fixtures import make_bert

BUNDLED = "SmolLM2-135M-Instruct (bundled, offline)"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
VIEWS = ["head", "grid", "focus", "agg", "patterns", "lens"]
# /attention returns: summary, layer, head, focus, ablation heads, then the view outputs in this order:
OUT = ["head", "grid", "focus", "agg", "gallery", "table", "lens", "lens_note", "ablation_plot", "ablation_md"]


@pytest.fixture(scope="module")
def client(launched_app):
    from gradio_client import Client

    return Client(launched_app[0], verbose=False)


@pytest.fixture(scope="module")
def bert_folder(tmp_path_factory):
    return make_bert(tmp_path_factory.mktemp("bert-ui") / "bert")


def plot_json(value) -> dict:
    assert value and value.get("type") == "plotly", value
    return json.loads(value["plot"])


def run(client, text, model, source="picker", encoder="", layer=0, head=0, view_name="head"):
    out = call(client, "attention", text=text, source=source, encoder=encoder, model=model, view=view_name,
               layer=layer, head=head, focus=None, window=10)
    return out[0], dict(zip(OUT, out[5:]))


def view(client, name, layer=0, head=0, focus=None):
    return dict(zip(OUT[:8], call(client, "attention_view", view=name, layer=layer, head=head, focus=focus,
                                  window=10)))


def test_run_then_every_view_redraws_from_the_cache(client, gpt2_folder, launched_app):
    ctx = launched_app[1]
    summary, outs = run(client, "The cat sat on the mat. The dog sat on the log.", str(gpt2_folder), layer=1, head=3)
    assert "tokens" in summary and "2 layers × 4 heads" in summary and "decoder" in summary
    head = plot_json(outs["head"])
    assert [d["type"] for d in head["data"]] == ["heatmap"]
    assert outs["grid"] is None  # only the view on screen is drawn and sent
    jobs = ctx.engine.worker.jobs_done
    shapes = {}
    for name in VIEWS:
        got = view(client, name, layer=1, head=3, focus=4)
        key = {"patterns": "gallery"}.get(name, name)
        shapes[name] = [d["type"] for d in plot_json(got[key])["data"]]
    assert shapes["grid"][:2] == ["image", "heatmap"]  # one image of all heads + a hover/click overlay
    assert shapes["agg"] == ["heatmap", "heatmap"] and shapes["focus"] == ["heatmap", "heatmap"]
    assert shapes["lens"] == ["heatmap"]
    # No forward pass for the redraws: only the logit lens (and the one-off induction scores) used the worker.
    assert ctx.engine.worker.jobs_done - jobs <= 2


def test_ablation_through_the_api(client, gpt2_folder):
    run(client, "The cat sat on the mat.", str(gpt2_folder))
    fig, md = call(client, "attention_ablate", heads=["L0·H1", "L1·H2"], focus=3)
    assert "KL" in md and [d["type"] for d in plot_json(fig)["data"]] == ["bar", "bar"]
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="Not a head"):
        call(client, "attention_ablate", heads=["L9·H9"], focus=None)


def test_bad_input_gets_clear_messages_and_the_tab_keeps_working(client, gpt2_folder):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="Type some text"):
        run(client, "   ", str(gpt2_folder))
    with pytest.raises(AppError, match="characters"):
        run(client, "x" * 1_000_000, str(gpt2_folder))
    run(client, "The cat sat on the mat.", str(gpt2_folder))
    with pytest.raises(AppError, match="no layer 7"):
        view(client, "head", layer=7)
    with pytest.raises(AppError, match="no head 12"):
        view(client, "head", head=12)
    with pytest.raises(AppError, match="no token 99"):
        view(client, "focus", focus=99)
    with pytest.raises(AppError, match="Unknown view"):
        view(client, "nonsense")
    with pytest.raises(AppError, match="encoder"):
        run(client, "Hello", str(gpt2_folder), source="encoder", encoder="")
    assert plot_json(view(client, "head", layer=1, head=1)["head"])  # still works after the errors


def test_text_over_the_cap_is_cut_with_a_notice(client, gpt2_folder):
    summary, outs = run(client, "the cat sat on the mat " * 120, str(gpt2_folder))
    assert "only the first 256" in summary
    assert len(plot_json(outs["head"])["data"][0]["x"]) == 256


def test_encoder_model_is_bidirectional(client, bert_folder):
    summary, outs = run(client, "The cat sat on the [MASK] today.", "", source="encoder", encoder=str(bert_folder))
    assert "encoder" in summary
    import numpy as np

    z = plot_json(outs["head"])["data"][0]["z"]
    if isinstance(z, dict):  # plotly's compact binary array
        import base64

        z = np.frombuffer(base64.b64decode(z["bdata"]), dtype=z["dtype"]).reshape(
            [int(s) for s in z["shape"].split(",")])
    z = np.asarray(z, dtype=float)
    assert np.isfinite(np.triu(z, 1)).all() and np.triu(z, 1).sum() > 0  # no causal mask
    fig, md = call(client, "attention_ablate", heads=["L0·H1"], focus=None)
    assert "KL" in md


def test_chinese_messages(launched_app, gpt2_folder):
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    zh = Client(launched_app[0], verbose=False, headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    with pytest.raises(AppError, match="请先输入"):
        run(zh, "", str(gpt2_folder))


# ----------------------------------------------------------------------------------------------- browser

@pytest.mark.browser
@pytest.mark.slow
def test_attention_tab_in_the_browser(launched_app):
    from playwright.sync_api import sync_playwright

    from test_browser import CHROMIUM_ARGS, chromium_path

    url, _ = launched_app
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="en-US")
        page.goto(url + "?tab=generate")  # the tour opens first; a link opens Generate
        page.wait_for_selector("#gen-run", timeout=60_000)
        page.get_by_role("tab", name="Attention").click()
        page.get_by_text("The capital of France is Paris. The capital of Germany is").click()  # an example
        page.click("#at-run")
        page.wait_for_selector("#at-head-plot .js-plotly-plot .heatmaplayer", timeout=180_000)
        page.wait_for_function("document.querySelector('#at-summary').innerText.includes('30 layers')")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "browser-attention-head.png"), full_page=True)
        page.get_by_role("tab", name="All heads").click()
        page.wait_for_selector("#at-grid .js-plotly-plot image", timeout=60_000)  # the one-image overview
        page.wait_for_timeout(800)
        plot = page.locator("#at-grid .js-plotly-plot .nsewdrag").first.bounding_box()
        x, y = plot["x"] + plot["width"] * 0.52, plot["y"] + plot["height"] * 0.5
        page.mouse.move(x, y)
        page.wait_for_timeout(300)
        page.screenshot(path=str(ARTIFACTS / "browser-attention-grid.png"), full_page=True)
        page.mouse.click(x, y)  # opens that head in the One head view
        page.wait_for_function("document.querySelector('#at-layer input').value !== '0'", timeout=60_000)
        layer = int(page.input_value("#at-layer input"))
        assert 10 <= layer <= 20
        page.wait_for_selector(f"#at-head-plot .gtitle:has-text('Layer {layer}')", timeout=60_000)
        browser.close()


def test_selector_check_reads_the_cache_and_never_loads(registry, gpt2_folder, worker):
    from playground.attention import max_attention_tokens
    from playground.models import ModelSpec
    from playground.ui.attention.handlers import AttentionService, check_selection

    class NoLoad:  # the check must not touch the model registry
        def __getattr__(self, name):
            raise AssertionError(f"check_selection used engine.{name}")

    svc = AttentionService(type("Ctx", (), {"engine": NoLoad()})())
    lm = registry.get(ModelSpec("local", str(gpt2_folder)), attn_implementation="eager")
    svc.cache.get(lm, "The cat sat", worker)
    state = {"text": "The cat sat", "source": "picker", "encoder": "", "choice": str(gpt2_folder),
             "cap": max_attention_tokens()}
    check_selection(svc, state, 1, 3, 0)
    with pytest.raises(ValueError, match="no layer 5"):
        check_selection(svc, state, 5, 0, 0)
    check_selection(svc, dict(state, text="not cached"), 5, 0, 0)  # nothing cached: the handler decides
