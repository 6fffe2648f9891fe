"""Load on the real app: N simulated users at once through its public API (gradio_client), bundled model.

The app is built and served in this process on a free local port, exactly as ``python app.py`` would serve it
(``Engine.from_env()``, ``build_app``, ``launch_kwargs``; the app's own limits, so queue size, generation slots
and batching are what a workshop room gets). Every simulated user has its own ``Client`` (its own session),
made before the clock starts.

1. Generation rounds: for each N (default 1, 4, 8, 16, 30) N users each send one streaming chat request to
   ``/generate`` at the same moment (a different short question each, greedy, --tokens new tokens). Reported:
   aggregate tokens/s (all tokens generated / wall time of the round), p50/p95 time to first token (TTFT: the
   first streamed update whose assistant reply holds text, seen by the client), p50/p95 time to last token (the
   request's end), errors (queue-full refusals counted apart), peak RSS of the process during the round and its
   RSS before and after.
2. Mixed round (--mixed, also at the end of the default run): 16 users generating, 4 users in the Attention tab
   (``/attention`` on a short text, then --think seconds' pause, over and over while the generations run) and
   1 user fine-tuning (``/finetune`` on the demo dataset, --train-steps steps of LoRA, started with the others).
   Reported: the same generation figures, the attention requests' latency p50/p95, and the training's steps/s
   and tokens/s as the Fine-tuning tab shows them (the round waits for the training to end).

Each table row also says why the requests stopped ("max new tokens", "end of text", "time limit", ...).

Streamed outputs are watched by one polling loop (every 10 ms) over all jobs, not a thread per user, so the
client side costs little of the 2 CPU cores the server runs on; TTFT is thus measured to ~10 ms. A warm-up
request loads the model before the first round. Run from the repository root:

    .venv/bin/python bench/load.py --quick            # smoke check: 1 and 4 users, 16 tokens, no mixed round
    .venv/bin/python bench/load.py                    # full run (several minutes)
    .venv/bin/python bench/load.py --n 8 --n 16 --tokens 128
    .venv/bin/python bench/load.py --mixed-only

The machine may be shared: /proc/loadavg is printed at start and end so noisy runs can be spotted.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import socket
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TQDM_DISABLE", "1")  # the GGUF loader's progress bar would garble the tables
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

BUNDLED = "SmolLM2-135M-Instruct (bundled, offline)"
POLL = 0.01  # seconds between looks at the streamed outputs of all jobs
QUESTIONS = [
    "What is the capital of France?",
    "Why is the sky blue?",
    "How do bees make honey?",
    "What is a prime number?",
    "Name three colours of the rainbow.",
    "What does a compass do?",
    "How many legs does a spider have?",
    "What is photosynthesis?",
    "Why do leaves change colour in autumn?",
    "What is the boiling point of water?",
    "Who wrote Romeo and Juliet?",
    "What is gravity?",
    "How does a rainbow form?",
    "What is the largest ocean on Earth?",
    "Give me a tip for learning a new language.",
    "What is a computer program?",
    "Why do cats purr?",
    "What is the difference between weather and climate?",
    "How do airplanes stay in the air?",
    "What is a noun?",
    "Suggest a name for a pet goldfish.",
    "What is the moon made of?",
    "How does a refrigerator keep food cold?",
    "What is an atom?",
    "Why do we need sleep?",
    "What is the tallest mountain in the world?",
    "How do plants drink water?",
    "What is a volcano?",
    "Write one sentence about the sea.",
    "What is machine learning?",
]
ATTENTION_TEXT = "The cat sat on the mat because it was tired."
TOKENS_RE = re.compile(r"(\d+)\s+tokens\b")
TPS_RE = re.compile(r"([\d.,]+)\s+tokens/s")
STEPS_RE = re.compile(r"(\d+)\s+steps in\s+([\d.]+)\s*s")
STEP_RE = re.compile(r"step\s+(\d+)/(\d+)")
REASON_RE = re.compile(r"stopped:\s*([^·]+?)\s*(?:·|$)")


# ------------------------------------------------------------------------------------------------ process state
from playground.config import Limits  # noqa: E402


def loadavg() -> str:
    try:
        with open("/proc/loadavg") as fh:
            return fh.read().strip()
    except OSError:
        return "?"


SERVER_PID = "self"  # the app's process: this one, or the `python app.py` child (--server process)


def proc_status_kb(field: str) -> int:
    """VmRSS / VmHWM of the app's process in kB (0 where /proc is missing)."""
    try:
        with open(f"/proc/{SERVER_PID}/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class RssPeak:
    """Samples VmRSS in a thread (VmHWM is the peak of the whole process life, not of one round)."""

    def __init__(self, every: float = 0.05) -> None:
        self.every, self.peak = every, proc_status_kb("VmRSS")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.peak = max(self.peak, proc_status_kb("VmRSS"))

    def __enter__(self) -> "RssPeak":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, proc_status_kb("VmRSS"))


def mib(kb: int) -> str:
    return f"{kb / 1024:.0f}"


# ------------------------------------------------------------------------------------------------ the app

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app():
    """The real app with its default limits, served here on a free local port; returns (close, url)."""
    from playground.engine import Engine
    from playground.ui import build_app, launch_kwargs

    demo, ctx = build_app(Engine.from_env())
    kwargs = launch_kwargs(ctx)
    kwargs.update(server_name="127.0.0.1", server_port=free_port(), quiet=True, prevent_thread_lock=True)
    demo.launch(**kwargs)

    def close() -> None:
        demo.close()
        ctx.engine.worker.shutdown()

    return close, f"http://127.0.0.1:{kwargs['server_port']}/"


def start_server_process():
    """``python app.py`` in its own process, as an operator runs it: the simulated users' own work (gradio_client
    parsing every streamed update) then never holds the server's interpreter lock. Returns (close, url)."""
    import subprocess
    import urllib.request

    global SERVER_PID
    port = free_port()
    env = dict(os.environ, GRADIO_SERVER_NAME="127.0.0.1", GRADIO_SERVER_PORT=str(port))
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.Popen([sys.executable, str(root / "app.py")], cwd=root, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    SERVER_PID = str(proc.pid)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 300
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            if proc.poll() is not None:
                raise SystemExit("the app did not start (python app.py exited)")
            time.sleep(0.5)

    def close() -> None:
        proc.terminate()
        proc.wait(30)

    return close, url


class Clients:
    """One gradio_client ``Client`` (one session) per simulated user, made before any clock starts and reused."""

    def __init__(self, url: str) -> None:
        self.url, self.made = url, []

    def take(self, n: int) -> list:
        from gradio_client import Client

        while len(self.made) < n:
            self.made.append(Client(self.url, verbose=False, headers={"Accept-Language": "en"}))
        return self.made[:n]

    def close(self) -> None:
        for client in self.made:
            try:
                client.close()
            except Exception:  # noqa: BLE001 - closing is best effort
                pass


# ------------------------------------------------------------------------------------------------ /generate

def message_text(content) -> str:
    """Plain text of a Chatbot message as the client hands it over (a string, or a list of parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(message_text(p) for p in content)
    if isinstance(content, dict):
        return message_text(content.get("text", content.get("content", "")))
    return ""


def reply_text(out) -> str:
    """The assistant's text in a streamed /generate update (chat mode: the last message of the history; the
    first update shows a "…" placeholder, which is not a token)."""
    if not isinstance(out, (tuple, list)) or not out:
        return ""
    history = out[0]
    if isinstance(history, list) and history:
        last = history[-1]
        if isinstance(last, dict) and last.get("role") == "assistant":
            text = message_text(last.get("content")).strip()
            return "" if text in ("…", "...") else text
    text = out[1] if len(out) > 1 else ""
    return text.strip() if isinstance(text, str) else ""


def tokens_of(final) -> int:
    """New tokens of a finished /generate call: "N tokens · …" in the stats, else the token table's rows."""
    if not isinstance(final, (tuple, list)) or len(final) < 5:
        return 0
    stats, table = final[3], final[4]
    m = TOKENS_RE.search(stats) if isinstance(stats, str) else None
    if m:
        return int(m.group(1))
    rows = table.get("data") if isinstance(table, dict) else table
    return len(rows) if isinstance(rows, list) else 0


def stop_reason(final) -> str:
    """Why a finished /generate call stopped ("max new tokens", "end of text", "time limit", ...)."""
    stats = final[3] if isinstance(final, (tuple, list)) and len(final) > 3 else ""
    m = REASON_RE.search(stats) if isinstance(stats, str) else None
    return m.group(1) if m else "?"


def is_queue_full(exc: BaseException) -> bool:
    text = f"{type(exc).__name__} {exc}".lower()
    return "queue" in text and "full" in text


class GenCall:
    """One user's streaming /generate request; ``poll`` notes when its first text and its end arrive."""

    def __init__(self, client, question: str, tokens: int) -> None:
        self.client, self.question, self.tokens = client, question, tokens
        self.job = None
        self.start = self.first = self.last = None
        self.seen = 0
        self.new_tokens = 0
        self.reason = ""
        self.error: BaseException | None = None

    def submit(self) -> None:
        self.start = time.perf_counter()
        try:
            self.job = self.client.submit(api_name="/generate", mode="chat", prompt=self.question, model=BUNDLED,
                                          max_new_tokens=self.tokens, do_sample=False)
        except Exception as exc:  # noqa: BLE001 - counted as an error
            self.error, self.last = exc, time.perf_counter()

    def poll(self) -> bool:
        """Look at the outputs streamed so far; True once the request has ended."""
        if self.last is not None:
            return True
        now = time.perf_counter()
        if self.first is None:
            outs = self.job.outputs()
            while self.seen < len(outs):
                if reply_text(outs[self.seen]):
                    self.first = now
                    break
                self.seen += 1
        if not self.job.done():
            return False
        self.last = now
        try:
            final = self.job.result()
            self.new_tokens, self.reason = tokens_of(final), stop_reason(final)
            if self.first is None and reply_text(final):
                self.first = now  # the whole answer came in one update
        except Exception as exc:  # noqa: BLE001 - counted as an error
            self.error = exc
        return True


def run_generations(calls: list[GenCall]) -> float:
    """Submit every call at once, watch them all until they end; returns the round's wall time."""
    t0 = time.perf_counter()
    for call in calls:
        call.submit()
    pending = list(calls)
    while pending:
        pending = [c for c in pending if not c.poll()]
        if pending:
            time.sleep(POLL)
    return time.perf_counter() - t0


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def ms(value: float | None) -> str:
    return "—" if value is None else f"{1000 * value:.0f}"


def gen_figures(calls: list[GenCall], wall: float) -> dict:
    ok = [c for c in calls if c.error is None]
    ttft = [c.first - c.start for c in ok if c.first is not None]
    ttlt = [c.last - c.start for c in ok]
    tokens = sum(c.new_tokens for c in ok)
    errors = [c.error for c in calls if c.error is not None]
    reasons: dict[str, int] = {}
    for c in ok:
        reasons[c.reason] = reasons.get(c.reason, 0) + 1
    return dict(tokens=tokens, wall=wall, tps=tokens / wall if wall > 0 else 0.0,
                stops=", ".join(f"{k} {v}" for k, v in sorted(reasons.items())) or "—",
                ttft50=pct(ttft, 50), ttft95=pct(ttft, 95), ttlt50=pct(ttlt, 50), ttlt95=pct(ttlt, 95),
                errors=len(errors), queue_full=sum(is_queue_full(e) for e in errors),
                first_error=f"{type(errors[0]).__name__}: {errors[0]}"[:200] if errors else "")


GEN_HEAD = ("| round | users | tokens | wall s | agg tok/s | TTFT p50 ms | TTFT p95 ms | last p50 ms | last p95 ms "
            "| errors (queue full) | RSS start MiB | RSS peak MiB | RSS after MiB | stopped |\n"
            "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|")


def gen_row(name: str, users: int, f: dict, rss: tuple[int, int, int]) -> str:
    return (f"| {name} | {users} | {f['tokens']} | {f['wall']:.1f} | {f['tps']:.1f} | {ms(f['ttft50'])} "
            f"| {ms(f['ttft95'])} | {ms(f['ttlt50'])} | {ms(f['ttlt95'])} | {f['errors']} ({f['queue_full']}) "
            f"| {mib(rss[0])} | {mib(rss[1])} | {mib(rss[2])} | {f['stops']} |")


def generation_round(clients: Clients, users: int, tokens: int) -> tuple[dict, tuple[int, int, int]]:
    pool = clients.take(users)
    calls = [GenCall(c, QUESTIONS[i % len(QUESTIONS)], tokens) for i, c in enumerate(pool)]
    before = proc_status_kb("VmRSS")
    with RssPeak() as rss:
        wall = run_generations(calls)
    return gen_figures(calls, wall), (before, rss.peak, proc_status_kb("VmRSS"))


# ------------------------------------------------------------------------------------------------ mixed round

def attention_user(client, until: threading.Event, think: float, latencies: list, errors: list) -> None:
    """Run /attention on a short text, pause ``think`` seconds, again, until the generations end (at least once)."""
    while True:
        t = time.perf_counter()
        try:
            client.predict(api_name="/attention", text=ATTENTION_TEXT, model=BUNDLED)
            latencies.append(time.perf_counter() - t)
        except Exception as exc:  # noqa: BLE001 - counted as an error
            errors.append(exc)
        if until.wait(think):
            return


def finetune_user(client, steps: int, box: dict) -> None:
    """One short LoRA run on the demo dataset; keeps the last view (status, progress line, results)."""
    t = time.perf_counter()
    try:
        job = client.submit(api_name="/finetune", model=BUNDLED, files=[], pasted="", demo="lighthouse_tea_en",
                            column="", method="lora", max_steps=steps)
        final = job.result()
        box["updates"] = len(job.outputs())
        box["final"] = final
    except Exception as exc:  # noqa: BLE001 - reported
        box["error"] = exc
    box["seconds"] = time.perf_counter() - t


def training_figures(box: dict) -> str:
    if "error" in box:
        e = box["error"]
        return f"training failed after {box['seconds']:.1f} s: {type(e).__name__}: {e}"[:300]
    status, bar, _plot, _samples, results, *_ = box["final"]
    status = re.sub(r"\s+", " ", str(status or "")).strip()
    parts = [f"status {status[:80]!r}", f"{box['seconds']:.1f} s from request to end"]
    m = STEPS_RE.search(str(results or ""))
    if m:
        steps, secs = int(m.group(1)), float(m.group(2))
        parts.append(f"{steps} steps in {secs:.0f} s = {steps / secs:.2f} steps/s" if secs else f"{steps} steps")
    m = STEP_RE.search(str(bar or ""))
    if m:
        parts.append(f"progress step {m.group(1)}/{m.group(2)}")
    m = TPS_RE.search(str(bar or ""))
    if m:
        parts.append(f"{m.group(1)} tokens/s (the tab's progress line)")
    return "; ".join(parts)


def mixed_round(clients: Clients, tokens: int, train_steps: int, think: float = 1.0, gen_users: int = 16,
                att_users: int = 4) -> None:
    pool = clients.take(gen_users + att_users + 1)
    gen_pool, att_pool, tuner = pool[:gen_users], pool[gen_users:gen_users + att_users], pool[-1]
    att_pool[0].predict(api_name="/attention", text=ATTENTION_TEXT, model=BUNDLED)  # warm-up, not timed
    calls = [GenCall(c, QUESTIONS[i % len(QUESTIONS)], tokens) for i, c in enumerate(gen_pool)]
    done, latencies, att_errors, box = threading.Event(), [], [], {}
    threads = [threading.Thread(target=attention_user, args=(c, done, think, latencies, att_errors), daemon=True)
               for c in att_pool]
    threads.append(threading.Thread(target=finetune_user, args=(tuner, train_steps, box), daemon=True))
    before = proc_status_kb("VmRSS")
    with RssPeak() as rss:
        for t in threads:
            t.start()
        wall = run_generations(calls)
        done.set()
        for t in threads:
            t.join()
    f = gen_figures(calls, wall)
    print(f"\n## Mixed round: {gen_users} users generating ({tokens} tokens), {att_users} in Attention, "
          f"1 fine-tuning ({train_steps} steps); attention users pause {think:g} s between requests\n")
    print(GEN_HEAD)
    print(gen_row("mixed", gen_users, f, (before, rss.peak, proc_status_kb("VmRSS"))))
    if f["first_error"]:
        print(f"\nfirst generation error: {f['first_error']}")
    print("\n| attention | requests | p50 ms | p95 ms | errors (queue full) |\n|---|--:|--:|--:|--:|")
    print(f"| {att_users} users | {len(latencies)} | {ms(pct(latencies, 50))} | {ms(pct(latencies, 95))} "
          f"| {len(att_errors)} ({sum(is_queue_full(e) for e in att_errors)}) |")
    if att_errors:
        print(f"\nfirst attention error: {type(att_errors[0]).__name__}: {att_errors[0]}"[:300])
    print(f"\ntraining: {training_figures(box)}", flush=True)


# ------------------------------------------------------------------------------------------------ main

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, action="append", help="users at once (repeatable; default 1 4 8 16 30)")
    ap.add_argument("--tokens", type=int, default=64, help="max_new_tokens of every request")
    ap.add_argument("--train-steps", type=int, default=12, help="steps of the fine-tuning run in the mixed round")
    ap.add_argument("--think", type=float, default=1.0, help="seconds an Attention user waits between requests")
    ap.add_argument("--mixed", action="store_true", help="also the mixed round (default when no --n is given)")
    ap.add_argument("--mixed-only", action="store_true", help="only the mixed round")
    ap.add_argument("--quick", action="store_true", help="1 and 4 users, 16 tokens, no mixed round: a smoke check")
    ap.add_argument("--in-process", action="store_true",
                    help="serve the app inside this process (its users then share the interpreter lock with it)")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.quick:
        args.n, args.tokens = args.n or [1, 4], 16
    mixed = args.mixed or args.mixed_only or (args.n is None and not args.quick)
    counts = [] if args.mixed_only else (args.n or [1, 4, 8, 16, 30])

    load_start = loadavg()
    print(f"# Load benchmark\n\nloadavg at start: {load_start}", flush=True)
    t = time.perf_counter()
    close, url = start_app() if args.in_process else start_server_process()
    limits = Limits.from_env()
    print(f"app at {url} ({'in this process' if args.in_process else 'python app.py in its own process'}, "
          f"started in {time.perf_counter() - t:.1f} s); queue size {limits.queue_size}, "
          f"generation slots {2 * limits.max_batch}, max batch {limits.max_batch}, concurrency {limits.concurrency}",
          flush=True)
    clients = Clients(url)
    try:
        warm = GenCall(clients.take(1)[0], "Hello!", 4)
        t = time.perf_counter()
        run_generations([warm])
        if warm.error is not None:
            raise SystemExit(f"warm-up request failed: {type(warm.error).__name__}: {warm.error}")
        print(f"warm-up request (loads the model): {time.perf_counter() - t:.1f} s; "
              f"RSS {mib(proc_status_kb('VmRSS'))} MiB", flush=True)
        if counts:
            print(f"\n## Generation rounds: each user one streaming chat request, greedy, {args.tokens} new tokens\n")
            print(GEN_HEAD, flush=True)
            errors = []
            for users in counts:
                f, rss = generation_round(clients, users, args.tokens)
                print(gen_row("generate", users, f, rss), flush=True)
                if f["first_error"]:
                    errors.append(f"{users} users: {f['first_error']}")
            for line in errors:
                print(f"\nfirst error, {line}")
        if mixed:
            mixed_round(clients, args.tokens, args.train_steps, args.think)
    finally:
        clients.close()
        close()
    print(f"\npeak RSS of the process (VmHWM): {mib(proc_status_kb('VmHWM'))} MiB")
    print(f"loadavg at start: {load_start}\nloadavg at end:   {loadavg()}", flush=True)


if __name__ == "__main__":
    main()
