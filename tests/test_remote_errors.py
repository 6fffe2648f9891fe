"""Failures of a remote OpenAI-compatible engine, against a small fake server started here: each one must reach the
visitor as a coded ``RemoteError`` with a plain message (English and Chinese), quickly, without leaking the API key."""

from __future__ import annotations

import json
import logging
import math
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from playground import remote, remote_views
from playground.config import GenerationSettings, Limits
from playground.errors import ModelLoadError, PlaygroundError
from playground.models import ModelSpec
from playground.prompts import remote_prompt
from playground.remote import RemoteConfig, RemoteError
from playground.results import GenerationDone, TokenEvent

SECRET = "sk-test-SECRET-123"
CHAT_CHUNK = ('data: {"choices":[{"delta":{"content":"a"},"logprobs":{"content":[{"token":"a","logprob":-0.1,'
              '"top_logprobs":[{"token":"a","logprob":-0.1},{"token":"b","logprob":-2.5}]}]},"finish_reason":null}]}')
TEXT_CHUNK = 'data: {"choices":[{"text":"x","logprobs":null,"finish_reason":null}]}'
ERRORS = {"auth": (401, {"error": {"message": "bad key"}}), "busy": (429, {"error": {"message": "slow down"}}),
          "missing": (404, {"error": {"message": "no such model"}}), "boom": (500, {"error": {"message": "oops"}}),
          "toolong": (400, {"error": {"message": "context too long"}})}
MODELS = (*ERRORS, "slow", "stall", "badjson", "notsse", "nochoices", "forever", "picky")


class Handler(BaseHTTPRequestHandler):
    """Answers by the model named in the request: an HTTP error, a slow or stalled answer, junk, or a stream."""

    def log_message(self, *args) -> None:  # keep pytest's output clean
        pass

    def send(self, status: int, body: bytes, kind: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def start_stream(self) -> None:  # HTTP/1.0: the body ends when the connection closes
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()

    def line(self, text: str) -> None:
        self.wfile.write(f"{text}\n\n".encode())
        self.wfile.flush()

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        self.server.seen.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
        model, done = body.get("model", ""), self.server.done
        try:
            if model in ERRORS:
                status, payload = ERRORS[model]
                self.send(status, json.dumps(payload).encode())
            elif model == "slow":
                done.wait(3.0)  # longer than the client's 1 s timeout
                self.send(200, b'{"choices": []}')
            elif model == "stall":
                self.start_stream()
                self.line(TEXT_CHUNK)
                done.wait(30.0)  # then nothing, until the tests end
            elif model == "badjson":
                self.start_stream()
                self.line("data: {not json")
            elif model == "notsse":
                self.start_stream()
                self.wfile.write(b"hello there\nthis is not an event stream\n")
            elif model == "nochoices":
                self.send(200, b'{"object": "text_completion", "model": "nochoices"}')
            elif model == "forever":
                self.start_stream()
                while not done.is_set():
                    self.line(CHAT_CHUNK)
                    time.sleep(0.05)
            elif model == "picky" and "top_k" in body:
                self.send(400, b'{"error": {"message": "unknown field top_k"}}')
            else:
                self.start_stream()
                for _ in range(3):
                    self.line(TEXT_CHUNK)
                self.line('data: {"choices":[{"text":"","finish_reason":"stop"}]}')
                self.line("data: [DONE]")
        except (BrokenPipeError, ConnectionResetError):  # the client hung up (stopped or timed out)
            pass


@pytest.fixture(scope="module")
def server():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads, srv.seen, srv.done = True, [], threading.Event()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.done.set()
    srv.shutdown()
    srv.server_close()


def config_for(srv, **kw) -> RemoteConfig:
    return RemoteConfig(f"http://127.0.0.1:{srv.server_address[1]}/v1", MODELS, **{"timeout": 5.0, **kw})


def model(srv, name: str, **kw) -> remote.RemoteModel:
    return remote.get_model(ModelSpec.remote(name), config_for(srv, **kw))


def run(rm, chat: bool = False, stop: threading.Event | None = None) -> list:
    prompt = remote_prompt("hi", chat=True) if chat else remote_prompt("text")
    return list(remote_views.stream(rm, prompt, GenerationSettings(max_new_tokens=8, do_sample=False), Limits(),
                                    stop or threading.Event(), 0))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_engine_says_so_quickly_in_both_languages():
    """A visitor picking a model whose engine is down gets "cannot be reached" within seconds, in their language."""
    config = RemoteConfig(f"http://127.0.0.1:{free_port()}/v1", ("llama-down",), timeout=30.0)
    rm = remote.get_model(ModelSpec.remote("llama-down"), config)
    started = time.perf_counter()
    with pytest.raises(RemoteError) as info:
        run(rm)
    assert time.perf_counter() - started < 15
    err = info.value
    assert err.code == "remote_unreachable"
    assert err.text("zh") != err.text("en")
    assert "llama-down" in err.text("en") and "llama-down" in err.text("zh")


def test_refused_key_is_sent_but_never_shown(server, caplog):
    """A wrong API key gives "key refused"; the key reaches the engine but no message, repr or log line shows it."""
    caplog.set_level(logging.DEBUG, logger="playground")
    caplog.set_level(logging.DEBUG, logger="httpx")
    caplog.set_level(logging.DEBUG, logger="httpcore")
    config = config_for(server, api_key=SECRET)
    rm = remote.get_model(ModelSpec.remote("auth"), config)
    server.seen.clear()
    with pytest.raises(RemoteError) as info:
        run(rm)
    err = info.value
    assert err.code == "remote_auth"
    assert "auth" in err.text("en") and "auth" in err.text("zh")
    assert caplog.records, "the failure should be logged for the operator"
    shown = [err.text("en"), err.text("zh"), str(err), repr(err), repr(config), repr(rm.client), repr(rm),
             *(r.getMessage() for r in caplog.records), caplog.text]
    assert not [s for s in shown if SECRET in s]
    assert [h for _, h, _ in server.seen if h.get("authorization") == f"Bearer {SECRET}"]


@pytest.mark.parametrize("name, code", [("busy", "remote_busy"), ("missing", "remote_not_found"),
                                        ("boom", "remote_server_error"), ("toolong", "remote_refused")])
def test_http_errors_become_plain_messages(server, name, code):
    """Busy, unknown model, engine crash or a refused request each get their own message naming the model."""
    with pytest.raises(RemoteError) as info:
        run(model(server, name))
    assert info.value.code == code
    assert name in info.value.text("en") and name in info.value.text("zh")
    if name == "boom":
        assert "500" in info.value.text("en")
    if name == "toolong":
        assert "context too long" in info.value.text("en") and "context too long" in info.value.text("zh")


def test_refusal_shows_the_engine_reason(server):
    """When the engine refuses a request (HTTP 400), the visitor reads the engine's own reason."""
    with pytest.raises(RemoteError) as info:
        remote_views.next_top(model(server, "toolong", timeout=4.0), remote_prompt("text"), 5)  # a fresh model
    assert info.value.code == "remote_refused"
    assert "context too long" in info.value.text("en") and "context too long" in info.value.text("zh")
    assert "400" in info.value.text("en")


def test_slow_engine_times_out(server):
    """An engine that does not answer within the configured timeout gives "did not answer" instead of a hang."""
    rm = model(server, "slow", timeout=1.0)
    started = time.perf_counter()
    with pytest.raises(RemoteError) as info:
        run(rm)
    assert info.value.code == "remote_timeout"
    assert time.perf_counter() - started < 10
    assert "1" in info.value.text("en")


def test_stream_that_stalls_times_out_after_its_first_token(server):
    """An answer that stops arriving mid-way ends with the timeout message after the tokens already shown."""
    events, stream = [], remote_views.stream(model(server, "stall", timeout=1.0), remote_prompt("text"),
                                             GenerationSettings(max_new_tokens=8, do_sample=False), Limits(),
                                             threading.Event(), 0)
    started = time.perf_counter()
    with pytest.raises(RemoteError) as info:
        for event in stream:
            events.append(event)
    assert info.value.code == "remote_timeout"
    assert time.perf_counter() - started < 10
    assert [e.text for e in events] == ["x"] and isinstance(events[0], TokenEvent)


@pytest.mark.parametrize("name", ["badjson", "notsse"])
def test_unreadable_stream_is_malformed(server, name):
    """An engine that streams something other than OpenAI's server-sent events gives "cannot read the answer"."""
    with pytest.raises(RemoteError) as info:
        run(model(server, name))
    assert info.value.code == "remote_malformed"
    assert name in info.value.text("en")


def test_refused_generation_keeps_the_model_usable(server):
    """A prompt the engine refuses (too long) must not switch off the next-token chart for everyone afterwards."""
    rm = model(server, "toolong", timeout=3.0)  # a fresh model object
    with pytest.raises(RemoteError):
        run(rm)
    assert rm.has_logprobs


def test_busy_engine_while_scoring_says_busy(server):
    """Scoring a text while the engine is busy says "busy, try again", not "this engine cannot score texts"."""
    with pytest.raises(RemoteError) as info:
        remote_views.score(model(server, "busy", timeout=3.0), "hello world", Limits())
    assert info.value.code == "remote_busy"


def test_answer_without_choices_is_malformed(server):
    """The next-token chart reports an unreadable answer when the engine's JSON has no choices."""
    with pytest.raises(RemoteError) as info:
        remote_views.next_top(model(server, "nochoices"), remote_prompt("text"))
    assert info.value.code == "remote_malformed"


def test_stop_ends_an_endless_stream_promptly(server):
    """Pressing Stop on an answer that would never end stops it within a moment, keeping the tokens so far."""
    stop, events = threading.Event(), []
    stream = remote_views.stream(model(server, "forever"), remote_prompt("hi", chat=True),
                                 GenerationSettings(max_new_tokens=4096, do_sample=False), Limits(), stop, 0)
    for event in stream:
        events.append(event)
        if len(events) == 3:
            stop.set()
            stopped_at = time.perf_counter()
        if isinstance(event, GenerationDone):
            break
        assert len(events) < 100, "the stream did not stop"
    assert time.perf_counter() - stopped_at < 2
    done, tokens = events[-1], events[:-1]
    assert isinstance(done, GenerationDone) and done.stop_reason == "stopped"
    assert tokens and all(isinstance(e, TokenEvent) for e in tokens)
    assert done.text == "a" * len(tokens)
    for e in tokens:
        assert e.token == "a" and e.prob == pytest.approx(math.exp(-0.1))
        assert [a.token for a in e.alternatives] == ["a", "b"]
        assert e.alternatives[1].prob == pytest.approx(math.exp(-2.5))


def test_engine_without_extra_sampling_fields_still_generates(server):
    """An engine that rejects top_k and the like still answers: the request is retried without them, once."""
    rm = model(server, "picky")
    assert rm.extras_ok
    server.seen.clear()
    events = run(rm)
    assert rm.extras_ok is False
    assert isinstance(events[-1], GenerationDone) and events[-1].text == "xxx"
    assert ["top_k" in b for _, _, b in server.seen] == [True, False]
    server.seen.clear()
    run(rm)  # remembered: the next request goes without them at once
    assert ["top_k" in b for _, _, b in server.seen] == [False]


@pytest.mark.parametrize("url", ["ftp://x", "http://user:pw@host/v1", "not a url"])
def test_bad_engine_address_is_refused(url):
    """An operator's engine address with a wrong scheme or a password in it is refused at startup."""
    with pytest.raises(PlaygroundError) as info:
        RemoteConfig(url, ("m",))
    assert info.value.code == "remote_url_invalid"
    assert "pw" not in info.value.text("en")


def test_unlisted_model_is_refused(server):
    """A visitor cannot reach a model the operator did not list on the engine."""
    with pytest.raises(ModelLoadError) as info:
        remote.get_model(ModelSpec.remote("other"), config_for(server))
    assert info.value.code == "remote_not_configured"
    assert not [b for _, _, b in server.seen if b.get("model") == "other"]


def test_core_stream_passes_the_error_to_the_ui(server):
    """Through the app's generation entry point, a busy engine raises the coded error the UI shows."""
    from playground import generation
    from playground.worker import ComputeWorker

    worker = ComputeWorker(name="test-remote-errors")
    try:
        with pytest.raises(RemoteError) as info:
            for _ in generation.stream(model(server, "busy"), worker, remote_prompt("text"),
                                       GenerationSettings(max_new_tokens=8, do_sample=False), Limits()):
                pass
        assert info.value.code == "remote_busy"
    finally:
        worker.shutdown()
