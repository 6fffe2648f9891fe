"""A remote engine through the app, against the engine asked directly: what does the playground's client cost?

Starts llama.cpp's OpenAI-compatible server (llama-cpp-python, installed by ``make test``) on the bundled GGUF and
measures, side by side on the same chat prompt (greedy, same number of new tokens, with ``logprobs`` and 5
alternatives per token as the Generate tab asks):
- the plain reference: one streamed request with httpx, reading the server-sent events and nothing else;
- the app's path: ``generation.stream`` on a ``RemoteModel`` (token events with probabilities and alternatives);
- the local model (transformers, the same GGUF converted to safetensors) through the same ``generation.stream``;
then the next-token view and the perplexity of a paragraph, remote against local. Prints tokens/s, time to first
token (median of --repeats) and ratios.

    .venv/bin/python bench/remote.py --tokens 64 --repeats 3
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TQDM_DISABLE", "1")

from playground import bundled, remote_views  # noqa: E402
from playground.config import GenerationSettings, Limits  # noqa: E402
from playground.distributions import score_text  # noqa: E402
from playground.generation import GenerationDone, LogitsCache, prepare_prompt, stream  # noqa: E402
from playground.models import ModelRegistry, ModelSpec  # noqa: E402
from playground.remote import RemoteConfig, get_model  # noqa: E402

NAME = "bundled-remote"
QUESTION = "Explain in a few sentences why the sky is blue."
PARAGRAPH = ("The capital of France is Paris. It is a large city on the river Seine, and it is famous for its "
             "museums, its food and the Eiffel Tower.")


def start_server(port: int) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(bundled.find_gguf()),
                             "--model_alias", NAME, "--host", "127.0.0.1", "--port", str(port), "--n_threads", "2",
                             "--n_ctx", "2048"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(240):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=2).read()
            return proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("llama.cpp's server did not start (pip install 'llama-cpp-python[server]')")


def plain(url: str, tokens: int, logprobs: bool = True) -> tuple[float, float, int]:
    """(seconds, first-token seconds, tokens) for one streamed chat request read with httpx only."""
    import httpx

    body = {"model": NAME, "messages": [{"role": "user", "content": QUESTION}], "max_tokens": tokens,
            "temperature": 0, "repeat_penalty": 1.0, "stream": True}
    if logprobs:
        body.update(logprobs=True, top_logprobs=5)
    started, first, n = time.perf_counter(), None, 0
    with httpx.stream("POST", url + "/chat/completions", json=body, timeout=120) as response:
        for line in response.iter_lines():
            if line.startswith("data:") and line[5:].strip() != "[DONE]":
                choice = json.loads(line[5:])["choices"][0]
                k = len((choice.get("logprobs") or {}).get("content") or []) if logprobs else int(
                    bool((choice.get("delta") or {}).get("content")))
                if k and first is None:
                    first = time.perf_counter() - started
                n += k
    return time.perf_counter() - started, first or 0.0, n


def through_app(lm, worker, tokens: int) -> tuple[float, float, int]:
    limits = Limits()
    prompt = prepare_prompt(lm, limits, prompt=QUESTION, chat=True)
    settings = GenerationSettings(max_new_tokens=tokens, do_sample=False, repetition_penalty=1.0)
    done = [e for e in stream(lm, worker, prompt, settings, limits) if isinstance(e, GenerationDone)][0]
    return done.seconds, done.first_token_seconds or 0.0, done.new_tokens


def measure(label: str, run, repeats: int, reference: float | None = None) -> float:
    runs = [run() for _ in range(repeats)]
    tps = statistics.median(n / s for s, _, n in runs)
    ttft = statistics.median(f for _, f, _ in runs)
    ratio = f"{tps / reference:.2f}x" if reference else "1.00x"
    print(f"{label:<44} {tps:7.1f} tok/s  TTFT {ttft * 1000:6.0f} ms  {ratio:>6}  ({runs[0][2]} tokens)")
    return tps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = start_server(port)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        registry = ModelRegistry(max_models=1, device="cpu")
        worker = registry.worker
        rm = get_model(ModelSpec.remote(NAME), RemoteConfig(url, (NAME,)))
        lm = registry.get(ModelSpec.bundled())
        plain(url, 8)  # warm the server
        print(f"chat, greedy, {args.tokens} new tokens, logprobs with 5 alternatives; median of {args.repeats}")
        ref = measure("llama.cpp server, plain httpx stream", lambda: plain(url, args.tokens), args.repeats)
        measure("  the same without logprobs (engine's cost)", lambda: plain(url, args.tokens, False),
                args.repeats, ref)
        measure("llama.cpp server through the app (remote)", lambda: through_app(rm, worker, args.tokens),
                args.repeats, ref)
        measure("local transformers fp32 through the app", lambda: through_app(lm, worker, args.tokens),
                args.repeats, ref)
        limits = Limits()
        for label, model in (("remote", rm), ("local", lm)):
            started = time.perf_counter()
            result = score_text(model, worker, PARAGRAPH, limits)
            print(f"perplexity ({label}): {result.perplexity:.2f} over {len(result.tokens)} tokens in "
                  f"{time.perf_counter() - started:.2f} s" + (f", {result.approximate} bounded"
                                                               if result.approximate else ""))
        prompt = prepare_prompt(rm, limits, prompt="Once upon a time, there was a little")
        started = time.perf_counter()
        top = remote_views.next_top(rm, prompt)
        print(f"next-token top {len(top)} (remote): {time.perf_counter() - started:.2f} s; first: {top[0][0]!r}")
        started = time.perf_counter()
        LogitsCache().get(lm, worker, prepare_prompt(lm, limits, prompt="Once upon a time, there was a little")
                          .input_ids)
        print(f"next-token logits (local): {time.perf_counter() - started:.2f} s")
        worker.shutdown()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
