"""The Application scenarios tab through its public API (gradio_client) and in a real browser.

API calls use a tiny local model (fast); the browser test runs two scenarios end to end on the bundled model.
"""

import csv
import re
from pathlib import Path

import pytest

from api import BUNDLED, call
from playground.scenarios import registry
from playground.scenarios.spec import SLOT_ORDER, slots

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
# Tiny test models read at most 256 positions and their tokenizer is nearly one token per character, so the API
# tests on them use short templates (the template is an input like any other).
SHORT = {"sentiment": "Text: {text}\nLabels: {labels}\nSentiment:",
         "info_extract": "Fields {fields} as JSON: {text}"}
OUT = ("notes", "text", "code", "json", "label", "details", "batch_df", "batch_file", "prompt", "stats")


@pytest.fixture(scope="module")
def client(launched_app):
    from gradio_client import Client

    url, _ = launched_app
    return Client(url, verbose=False)


def run_args(scenario_id, model, example=0, **over) -> dict:
    """Named values of /scenario_run: the scenario, its template, the slots that show its inputs, settings, model."""
    from gradio_client import handle_file

    spec = registry.get(scenario_id)
    values = spec.defaults()
    if example is not None:
        values.update(spec.examples[example].values)
    values.update(over)
    named = {f"{kind}_{n}": {"number": 1, "textarea": "", "line": ""}.get(kind) for kind, n in SLOT_ORDER}
    for key, item in slots(spec).items():
        value = values.get(item.name)
        if item.kind == "file":
            value = handle_file(str(value)) if value else None
        named[f"{key[0]}_{key[1]}"] = value
    s = spec.settings
    return dict(scenario=scenario_id, template=over.get("template", spec.template), system=spec.system, model=model,
                max_new_tokens=over.get("max_new", min(s.max_new_tokens, 24)), do_sample=s.do_sample,
                temperature=s.temperature, **named)


def _value(x):
    """An output value; outputs sent as updates (value + visibility) arrive as {"__type__": "update", ...}."""
    return x.get("value") if isinstance(x, dict) and x.get("__type__") == "update" else x


def run(client, scenario_id, model, **kw):
    if scenario_id in SHORT and model != BUNDLED:
        kw.setdefault("template", SHORT[scenario_id])
    result = call(client, "scenario_run", **run_args(scenario_id, model, **kw))
    return {k: _value(v) for k, v in zip(OUT, result)}


def test_tab_is_registered_with_its_endpoint():
    from playground.engine import Engine
    from playground.ui import build_app

    demo, ctx = build_app(Engine.from_env())
    names = {d.get("api_name") for d in demo.config["dependencies"]}
    assert {"scenario_run", "scenario_stop"} <= names
    assert ctx.engine.registry.loaded_keys() == []


def test_classification_through_the_api(client, gpt2_folder):
    out = run(client, "sentiment", str(gpt2_folder))
    confidences = {c["label"]: c["confidence"] for c in out["label"]["confidences"]}
    assert set(confidences) == {"positive", "negative", "neutral"}
    assert abs(sum(confidences.values()) - 1) < 1e-6
    assert out["text"] == out["label"]["label"]
    assert out["prompt"] == "Text: I absolutely love this lamp, it is beautiful and works perfectly!\n" \
                            "Labels: positive, negative, neutral\nSentiment:"  # exactly what the model read
    assert "forward pass" in out["stats"] and "prompt" in out["stats"]


def test_generation_scenario_shows_prompt_tokens_and_speed(client, llama_folder):
    out = run(client, "translate", str(llama_folder))
    assert "Translate the following English text into Chinese" in out["prompt"]
    assert "<|im_start|>" in out["prompt"] or "User:" in out["prompt"]  # the chat layout is part of what is shown
    assert re.search(r"\d+ new tokens · [\d.]+ tokens/s", out["stats"])


def test_extraction_never_shows_invalid_json_as_valid(client, llama_folder):
    out = run(client, "info_extract", str(llama_folder), max_new=12, text="Tom, order 48213, torn cover.")
    status = re.search(r"data-status='(\w+)'", out["details"]).group(1)
    assert status in ("valid", "repaired", "invalid")
    assert (out["json"] is None) == (status == "invalid")
    if status == "invalid":
        assert "Invalid JSON" in out["details"] and out["text"]  # the raw output stays visible


def test_batch_classification_of_a_csv_column(client, gpt2_folder, tmp_path):
    path = tmp_path / "reviews.csv"
    path.write_text("id,review\n1,Great lamp!\n2,It broke.\n3,Arrived Tuesday.\n", encoding="utf-8")
    out = run(client, "sentiment", str(gpt2_folder), csv=str(path), column="review")
    with open(out["batch_file"], newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:4] == ["id", "review", "predicted_label", "probability"]
    assert [r[0] for r in rows[1:]] == ["1", "2", "3"]
    assert all(r[2] in ("positive", "negative", "neutral") for r in rows[1:])
    assert len(out["batch_df"]["data"]) == 3


def test_oversized_input_is_cut_with_a_notice(client, gpt2_folder):
    out = run(client, "sentiment", str(gpt2_folder), text="This is fine. " * 2000)
    assert "only the first" in out["notes"]
    assert out["label"] is not None


@pytest.mark.parametrize("over,message", [
    ({"text": "   "}, "is empty"),
    ({"labels": "positive"}, "at least two labels"),
    ({"template": "Classify {text} as {colour}"}, "unknown placeholder"),
    ({"template": "x" * 3000 + " {text} {labels}"}, "shorten the template"),
    ({"csv": "MISSING-COLUMN", "column": "nope"}, "no column"),
])
def test_bad_input_gets_a_clear_message(client, gpt2_folder, tmp_path, over, message):
    from gradio_client.exceptions import AppError

    if over.get("csv") == "MISSING-COLUMN":
        path = tmp_path / "r.csv"
        path.write_text("a,b\n1,2\n", encoding="utf-8")
        over = {**over, "csv": str(path)}
    with pytest.raises(AppError, match=message):
        run(client, "sentiment", str(gpt2_folder), **over)


@pytest.mark.parametrize("content,message", [(b"\x00\x01\x02\x03" * 64, "binary"), (b"   \n", "empty"),
                                             (b"Q: a?\nA: b\n\n" * 120_000, "limit")])
def test_bad_knowledge_base_files(client, gpt2_folder, tmp_path, content, message):
    from gradio_client.exceptions import AppError

    path = tmp_path / "kb.txt"
    path.write_bytes(content)
    with pytest.raises(AppError, match=message):
        run(client, "customer_service", str(gpt2_folder), kb=str(path))
    out = run(client, "sentiment", str(gpt2_folder))  # the tab keeps working
    assert out["label"] is not None


@pytest.mark.slow
def test_customer_service_on_the_bundled_model(client):
    out = run(client, "customer_service", BUNDLED, example=0, max_new=40)
    assert "What is your return policy?" in out["details"]  # retrieved passages, with scores
    assert "ranked by the model" in out["details"]
    assert out["text"].strip()
    assert "FAQ:" in out["prompt"] and "Customer: Can I send back a chair" in out["prompt"]


# ----------------------------------------------------------------------------------------------- browser

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update"]


@pytest.fixture(scope="module")
def browser():
    import shutil

    from playwright.sync_api import sync_playwright

    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.fail("Chromium is not installed: `make test` installs it (apt-get install chromium).")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


def _pick(page, title: str) -> None:
    page.click("#sc-picker input")
    page.click(f"ul[role='listbox'] li:has-text('{title}')")


@pytest.mark.slow
@pytest.mark.browser
def test_two_scenarios_end_to_end_in_the_browser(browser, launched_app):
    url, _ = launched_app
    page = browser.new_page(viewport={"width": 1400, "height": 1100}, locale="en-US")
    page.goto(url)
    page.click("button[role='tab']:has-text('Application scenarios')", timeout=60_000)
    page.wait_for_selector("#sc-run", timeout=30_000)
    ARTIFACTS.mkdir(exist_ok=True)

    # 1) sentiment: label likelihood with probability bars
    _pick(page, "Sentiment analysis")
    page.wait_for_function("document.querySelector('#sc-desc').innerText.includes('label likelihood')")
    page.click("#sc-example-0")
    page.wait_for_function("document.querySelector('#sc-textarea-0 textarea').value.includes('love this lamp')")
    page.click("#sc-run")
    page.wait_for_function("document.querySelector('#sc-stats').innerText.includes('forward pass')", timeout=180_000)
    assert "positive" in page.inner_text("#sc-label")
    assert "Sentiment:" in page.input_value("#sc-prompt textarea")
    page.screenshot(path=str(ARTIFACTS / "scenarios-sentiment.png"), full_page=True)

    # 2) customer service: retrieved passages, a grounded answer, ranked candidates
    _pick(page, "Customer service")
    page.wait_for_function("document.querySelector('#sc-desc').innerText.includes('FAQ')")
    assert page.is_visible("#sc-file-0")  # the knowledge-base upload
    page.click("#sc-example-1")
    page.wait_for_function("document.querySelector('#sc-textarea-0 textarea').value.includes('broken')")
    page.click("#sc-run")
    page.wait_for_selector("#sc-details table", timeout=180_000)
    page.wait_for_function("document.querySelector('#sc-details').innerText.includes('ranked by')", timeout=300_000)
    assert "arrived broken" in page.inner_text("#sc-details")
    assert re.search(r"\d+ new tokens", page.inner_text("#sc-stats"))
    page.screenshot(path=str(ARTIFACTS / "scenarios-customer-service.png"), full_page=True)

    # "Open in Generation": the exact prompt lands in the Generate tab's box, in Continue-text mode
    prompt = page.input_value("#sc-prompt textarea")
    page.click("#sc-open-gen")
    page.wait_for_function("document.querySelector('#gen-prompt textarea') && "
                           "document.querySelector('#gen-prompt textarea').offsetParent !== null", timeout=30_000)
    assert page.input_value("#gen-prompt textarea") == prompt
    page.close()


@pytest.mark.slow
@pytest.mark.browser
def test_medical_disclaimer_and_chinese_labels(browser, launched_app):
    url, _ = launched_app
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN",
                            extra_http_headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    page.goto(url)
    page.click("button[role='tab']:has-text('应用场景')", timeout=60_000)
    page.wait_for_selector("#sc-run", timeout=30_000)
    _pick(page, "病历")
    page.wait_for_function("(document.querySelector('#sc-disclaimer') || {innerText: ''}).innerText"
                           ".includes('不构成医疗建议')", timeout=30_000)
    assert page.is_visible("#sc-disclaimer")
    page.click("#sc-run")  # the example field is empty: a readable message, no traceback
    page.wait_for_selector("text=“病历记录（虚构）”为空", timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "scenarios-zh-medical.png"), full_page=True)
    page.close()
