"""A real browser (Playwright driving Debian's Chromium, headless) clicks through the app."""

import shutil
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update"]


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.fail("Chromium is not installed: `make test` installs it (apt-get install chromium).")
    return path


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


def test_generate_in_the_browser(browser, launched_app):
    url, _ = launched_app
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="en-US")
    page.goto(url + "?tab=generate")  # the tour opens first; a link opens Generate
    page.wait_for_selector("#gen-run", timeout=60_000)
    page.fill("#gen-prompt textarea", "Write one sentence about the sea.")
    page.click("#gen-run")
    # Streamed text appears in the conversation while the model is still writing.
    page.wait_for_function("document.querySelector('#gen-chat').innerText.includes('sea') &&"
                           "document.querySelectorAll('#gen-chat .message').length >= 2", timeout=120_000)
    page.wait_for_function("document.querySelector('#gen-stats').innerText.includes('seed')", timeout=180_000)
    spans = page.locator("#gen-tokens .pg-tok")
    assert spans.count() >= 3
    assert "hsl(" in (spans.first.get_attribute("style") or "")  # coloured by probability
    assert "model=" in (spans.first.get_attribute("data-tip") or "")  # alternatives on hover
    page.click("#gen-analyze")
    page.wait_for_selector("#gen-chart .js-plotly-plot, #gen-chart .plotly", timeout=60_000)
    page.wait_for_selector("#gen-chips .pg-chip", timeout=60_000)
    spans.nth(1).hover()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "browser-generate.png"), full_page=True)
    page.close()


def test_chinese_browser_gets_chinese_labels(browser, launched_app):
    url, _ = launched_app
    page = browser.new_page(locale="zh-CN", extra_http_headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    page.goto(url + "?tab=generate")
    page.wait_for_selector("#gen-run", timeout=60_000)
    page.wait_for_function("document.querySelector('#gen-run').innerText.includes('生成')", timeout=30_000)
    page.fill("#gen-prompt textarea", "")
    page.click("#gen-run")  # empty prompt: a readable message in Chinese, not a traceback
    page.wait_for_selector("text=请先输入文字", timeout=30_000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "browser-zh.png"), full_page=True)
    page.close()


def test_one_language_switch_moves_labels_and_messages_together(browser, launched_app):
    """An English browser switches to Chinese with the header button: labels and run-time messages follow it
    (messages no longer follow the browser's Accept-Language), and switching back restores both."""
    url, _ = launched_app
    page = browser.new_page(locale="en-US", extra_http_headers={"Accept-Language": "en-US,en;q=0.9"})
    page.goto(url + "?tab=generate")
    page.wait_for_selector("#gen-run", timeout=60_000)
    page.wait_for_function("document.querySelector('#lang-switch').innerText.includes('中文')", timeout=30_000)
    page.click("#lang-switch")
    page.wait_for_function("document.querySelector('#gen-run').innerText.includes('生成')", timeout=30_000)
    page.wait_for_function("document.cookie.includes('playground_lang=zh')", timeout=10_000)
    page.click("#gen-run")  # empty prompt
    page.wait_for_selector("text=请先输入文字", timeout=30_000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "browser-switched-zh.png"))
    page.click("#lang-switch")
    page.wait_for_function("document.querySelector('#gen-run').innerText.includes('Generate')", timeout=30_000)
    page.wait_for_function("document.cookie.includes('playground_lang=en')", timeout=10_000)
    page.click("#gen-run")
    page.wait_for_selector("text=Type some text first", timeout=30_000)
    page.close()
