"""A remote model (llama.cpp's server on the bundled GGUF) in a real browser: picked from the list, it streams
coloured tokens with alternatives and draws the next-token chart; the status line says what it cannot show."""

import pytest

from conftest import REMOTE_NAME
from test_browser import ARTIFACTS, browser  # noqa: F401 (the module's Chromium fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REMOTE_LABEL = f"{REMOTE_NAME} (remote)"


def wait(page, js: str, timeout: int = 60_000) -> None:
    """``page.wait_for_function``; on a timeout the screenshot and the model's status say what the page showed."""
    try:
        page.wait_for_function(js, timeout=timeout)
    except Exception:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "browser-remote-failed.png"), full_page=True)
        status = page.evaluate("(document.querySelector('#model-status') || {}).innerText")
        choice = page.evaluate("(document.querySelector('#model-choice input') || {}).value")
        raise AssertionError(f"waited for {js!r}; model {choice!r}, status {status!r}") from None


def test_remote_model_in_the_browser(browser, launched_app, remote_env):  # noqa: F811
    url, _ = launched_app
    page = browser.new_page(viewport={"width": 1400, "height": 1100}, locale="en-US")
    page.goto(url + "?tab=generate")
    page.wait_for_selector("#gen-run", timeout=60_000)
    wait(page, "document.querySelector('#model-status').innerText.includes('Ready')", 120_000)
    page.click("#model-choice input")  # picked from the list, as a visitor does
    page.locator("ul[role='listbox'] li", has_text="remote engine").first.click()
    # The picker shows the badge, and the status line says what works and what needs local weights.
    wait(page, "document.querySelector('#model-choice input').value.includes('remote engine')", 60_000)
    wait(page, "document.querySelector('#model-status').innerText.includes('needs the model')", 60_000)
    # The tabs that need the weights say so at their top, before anyone clicks Run.
    for tab in ("Attention", "Fine-tune"):
        page.click(f"button[role='tab']:has-text('{tab}')")
        wait(page, "[...document.querySelectorAll('.pg-remote-note')].some(e => e.offsetParent !== null && "
                   "e.innerText.includes('needs the model'))", 30_000)
    page.click("button[role='tab']:has-text('Generate')")
    page.fill("#gen-prompt textarea", "Write one sentence about the sea.")
    page.click("#gen-run")
    wait(page, "document.querySelector('#gen-stats').innerText.includes('seed')", 120_000)
    spans = page.locator("#gen-tokens .pg-tok")
    assert spans.count() >= 3
    assert "hsl(" in (spans.first.get_attribute("style") or "")  # coloured by the engine's probabilities
    assert "model=" in (spans.first.get_attribute("data-tip") or "")  # its alternatives on hover
    page.click("#gen-analyze")
    page.wait_for_selector("#gen-chart .js-plotly-plot, #gen-chart .plotly", timeout=60_000)
    wait(page, "document.querySelector('#gen-chart').innerText.includes('remote engine')", 30_000)
    wait(page, "document.querySelector('#gen-chips').innerText.includes('tokenizer')", 30_000)
    spans.nth(1).hover()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "browser-remote.png"), full_page=True)

    # The same picked model runs the scenarios: label scores from its prompt log-probabilities, and a translation.
    page.click("button[role='tab']:has-text('Application scenarios')", timeout=60_000)
    page.wait_for_selector("#sc-run", timeout=30_000)
    for title, example, done in (("Sentiment analysis", 0, "scored by the remote engine"), ("Translation", 0,
                                                                                           "new tokens")):
        page.click("#sc-picker input")
        page.click(f"ul[role='listbox'] li:has-text('{title}')")
        page.click(f"#sc-example-{example}")
        page.wait_for_function("document.querySelector('#sc-textarea-0 textarea').value.length > 0")
        page.click("#sc-run")
        wait(page, f"document.querySelector('#sc-stats').innerText.includes({done!r})", 180_000)
        if title.startswith("Sentiment"):
            assert "positive" in page.inner_text("#sc-label")
            assert "completions API" in page.inner_text("#sc-notes")
    assert page.input_value("#sc-output textarea").strip()
    page.screenshot(path=str(ARTIFACTS / "browser-remote-scenarios.png"), full_page=True)
    page.close()


def test_a_shared_link_to_the_remote_model_shows_its_status(browser, launched_app, remote_env):  # noqa: F811
    """A teacher's link that picks the remote model: the status line speaks of that model, in Chinese too."""
    from urllib.parse import quote

    url, _ = launched_app
    page = browser.new_page(locale="zh-CN", extra_http_headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    page.goto(url + "?tab=generate&model=" + quote(REMOTE_LABEL))
    page.wait_for_selector("#gen-run", timeout=60_000)
    wait(page, "document.querySelector('#model-choice input').value.includes('远程推理引擎')", 60_000)
    wait(page, "document.querySelector('#model-status').innerText.includes('需要模型权重')", 60_000)
    page.close()
