"""The teacher's view: absent without the operator's token, unreachable without the teacher link, and useful with
it (the room, a message to everyone, stopping a participant's runaway generation)."""

import os
import time

import pytest

from playground.classroom import Broadcast, Presence, tag

TOKEN = "teach-7f3a9c"


def test_presence_counts_recent_pages_only():
    p = Presence(window=0.2)
    p.seen("a")
    p.seen("b")
    p.seen(None)
    assert p.count() == 2
    p.gone("a")
    assert p.count() == 1
    time.sleep(0.25)
    assert p.count() == 0


def test_broadcast_is_capped_and_clears():
    b = Broadcast(max_chars=10)
    assert b.set("  hello everyone  ") == "hello ever"
    assert b.current() == "hello ever"
    b.clear()
    assert b.current() == ""
    assert tag("x") == tag("x") and tag("x") != tag("y") and "x" not in tag("x")


def test_without_a_token_the_view_does_not_exist(monkeypatch):
    from playground.engine import Engine
    from playground.ui import build_app

    monkeypatch.delenv("PLAYGROUND_TEACHER_TOKEN", raising=False)
    demo, _ = build_app(Engine.from_env())
    ids = {c.get("props", {}).get("elem_id") for c in demo.config["components"]}
    assert not {"tab-teacher", "te-room", "te-send", "te-stop"} & ids


@pytest.fixture(scope="module")
def teacher_app(worker):
    """The app with a teacher token, on its own port (the shared app has none)."""
    from conftest import _free_port
    from playground.engine import Engine
    from playground.ui import build_app, launch_kwargs

    old = os.environ.get("PLAYGROUND_TEACHER_TOKEN")
    os.environ["PLAYGROUND_TEACHER_TOKEN"] = TOKEN
    try:
        engine = Engine.from_env()
        engine.registry.worker.shutdown()
        engine.registry.worker = worker
        demo, ctx = build_app(engine)
    finally:
        if old is None:
            os.environ.pop("PLAYGROUND_TEACHER_TOKEN", None)
        else:
            os.environ["PLAYGROUND_TEACHER_TOKEN"] = old
    kwargs = launch_kwargs(ctx)
    kwargs.update(server_port=_free_port(), quiet=True, prevent_thread_lock=True)
    demo.launch(**kwargs)
    yield f"http://127.0.0.1:{kwargs['server_port']}/", ctx
    demo.close()


def test_teacher_handlers_are_not_in_the_public_api(teacher_app):
    from gradio_client import Client

    url, _ = teacher_app
    endpoints = Client(url, verbose=False).view_api(return_format="dict")["named_endpoints"]
    assert not [name for name in endpoints if "teacher" in name or name.startswith("/te_")]


@pytest.mark.browser
@pytest.mark.slow
def test_teacher_sees_the_room_broadcasts_and_stops_a_runaway_job(teacher_app):
    from playwright.sync_api import sync_playwright

    from test_browser import ARTIFACTS, CHROMIUM_ARGS, chromium_path

    url, ctx = teacher_app
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        participant = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="en-US")
        participant.goto(url + "?tab=generate&mode=complete&max_new_tokens=400&prompt=Once+upon+a+time")
        participant.wait_for_selector("#gen-run", timeout=60_000)
        assert not participant.is_visible("#tab-teacher-button")  # no teacher link: no tab
        intruder = browser.new_page(locale="en-US")
        intruder.goto(url + "?teacher=wrong-token")
        intruder.wait_for_selector("#tour-try-1", timeout=60_000)
        time.sleep(2)
        assert not intruder.is_visible("#tab-teacher-button")

        teacher = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="en-US")
        teacher.goto(url + f"?teacher={TOKEN}")
        teacher.wait_for_selector("#tab-teacher-button", state="visible", timeout=60_000)
        teacher.click("#tab-teacher-button")
        teacher.wait_for_function("document.querySelector('#te-room').innerText.includes('Pages connected')",
                                  timeout=30_000)
        teacher.fill("#te-message textarea", "Please open the Attention tab now.")
        teacher.click("#te-send")
        participant.wait_for_selector("#broadcast >> text=Please open the Attention tab now.", timeout=30_000)

        participant.click("#gen-run")
        participant.wait_for_function("document.querySelector('#gen-output textarea').value.length > 10",
                                      timeout=120_000)
        teacher.click("#te-refresh")
        teacher.wait_for_function("document.querySelector('#te-room').innerText.includes('generations running: 1')",
                                  timeout=30_000)
        teacher.click("#te-jobs input")
        teacher.click("ul[role=listbox] li >> nth=0")
        teacher.click("#te-stop")
        teacher.wait_for_selector("#te-done >> text=Stopped", timeout=30_000)
        participant.wait_for_function("document.querySelector('#gen-stats').innerText.includes('stopped')",
                                      timeout=60_000)
        ARTIFACTS.mkdir(exist_ok=True)
        teacher.screenshot(path=str(ARTIFACTS / "teacher-view.png"))
        participant.screenshot(path=str(ARTIFACTS / "teacher-broadcast.png"))
        browser.close()
