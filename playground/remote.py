"""Models served elsewhere, through the OpenAI-compatible API (vLLM, SGLang, TGI's messages API, llama.cpp's
server, or a hosted endpoint).

The operator names one engine with environment variables (``PLAYGROUND_REMOTE_URL``, ``PLAYGROUND_REMOTE_MODELS``,
``PLAYGROUND_REMOTE_API_KEY``, ``PLAYGROUND_REMOTE_TIMEOUT``, ``PLAYGROUND_REMOTE_PROMPT_LOGPROBS``). The key is read
from the environment into the HTTP client's headers only: it is never put in a repr, a log line, an error message
or anything sent to a browser. A ``RemoteModel`` has no weights and no tokenizer (``has_weights`` is False): the
views that need them say so, and ``playground.remote_views`` drives generation, the next-token chart, perplexity and
scoring through the API. Every failure of the remote side becomes a coded ``RemoteError`` with a plain message
(unreachable, refused key, busy, timeout, malformed answer); nothing waits longer than the configured timeout.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping
from urllib.parse import urlsplit

from . import settings
from .errors import ModelLoadError, PlaygroundError

log = logging.getLogger(__name__)

SOURCE = "remote"
PROBE_TEXT = "1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16"
MODES = ("auto", "standard", "shifted", "off")


class RemoteError(ModelLoadError):
    """The remote engine failed or refused; ``code`` says how (remote_unreachable, remote_auth, remote_busy, ...)."""


@dataclass(frozen=True)
class RemoteConfig:
    """One OpenAI-compatible engine: where it is, which models it serves, and how to talk to it."""

    base_url: str
    models: tuple[str, ...] = ()
    api_key: str = field(default="", repr=False)  # never shown: not in repr, logs or messages
    timeout: float = 60.0
    prompt_logprobs: str = "auto"  # auto | standard | shifted | off

    def __post_init__(self) -> None:
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.username or parts.password:
            raise PlaygroundError("remote_url_invalid", name="PLAYGROUND_REMOTE_URL")
        if self.prompt_logprobs not in MODES:
            raise PlaygroundError("env_not_a_choice", name="PLAYGROUND_REMOTE_PROMPT_LOGPROBS",
                                  raw=self.prompt_logprobs, accepted=", ".join(MODES))

    @property
    def host(self) -> str:
        """Scheme and host only (for the server's log; the path and key are left out)."""
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "RemoteConfig | None":
        """The configured engine, or None when ``PLAYGROUND_REMOTE_URL`` is not set."""
        url = settings.read("PLAYGROUND_REMOTE_URL", environ)
        if not url:
            return None
        names = settings.read("PLAYGROUND_REMOTE_MODELS", environ) or ""
        return cls(url.rstrip("/"), tuple(n.strip() for n in names.split(",") if n.strip()),
                   settings.read("PLAYGROUND_REMOTE_API_KEY", environ) or "",
                   settings.read("PLAYGROUND_REMOTE_TIMEOUT", environ),
                   settings.read("PLAYGROUND_REMOTE_PROMPT_LOGPROBS", environ))


class RemoteClient:
    """JSON over HTTP to one engine, with every failure turned into a ``RemoteError``."""

    def __init__(self, config: RemoteConfig) -> None:
        import httpx

        self.config = config
        headers = {"Authorization": f"Bearer {config.api_key}"} if config.api_key else {}
        self._http = httpx.Client(base_url=config.base_url + "/", headers=headers, follow_redirects=False,
                                  timeout=httpx.Timeout(config.timeout, connect=min(10.0, config.timeout)))

    def __repr__(self) -> str:
        return f"RemoteClient({self.config.host})"

    @contextmanager
    def _errors(self, model: str) -> Iterator[None]:
        import httpx

        try:
            yield
        except RemoteError:
            raise
        except httpx.ConnectTimeout:
            self._log(model, "connect timeout")
            raise RemoteError("remote_unreachable", name=model) from None
        except httpx.TimeoutException:
            self._log(model, "timeout")
            raise RemoteError("remote_timeout", name=model, seconds=self.config.timeout) from None
        except (httpx.ConnectError, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            self._log(model, f"unreachable ({type(exc).__name__})")
            raise RemoteError("remote_unreachable", name=model) from None
        except (httpx.HTTPError, json.JSONDecodeError, KeyError, TypeError, ValueError, IndexError) as exc:
            if isinstance(exc, PlaygroundError):
                raise
            self._log(model, f"malformed answer ({type(exc).__name__})")
            raise RemoteError("remote_malformed", name=model) from None

    def _log(self, model: str, what: str) -> None:
        log.warning("Remote engine %s, model %s: %s", self.config.host, model, what)

    def _check(self, response, model: str) -> None:
        status = response.status_code
        if status < 400:
            return
        try:
            detail = response.read().decode("utf-8", "replace")
            payload = json.loads(detail)
            error = payload.get("error", payload) if isinstance(payload, dict) else payload
            detail = error.get("message") or error.get("detail") if isinstance(error, dict) else str(error)
        except (ValueError, AttributeError):
            pass
        detail = " ".join(str(detail or "").split())[:240]
        self._log(model, f"HTTP {status}: {detail}")
        if status in (401, 403):
            raise RemoteError("remote_auth", name=model)
        if status == 404:
            raise RemoteError("remote_not_found", name=model)
        if status == 429:
            raise RemoteError("remote_busy", name=model)
        if status >= 500:
            raise RemoteError("remote_server_error", name=model, status=status)
        raise RemoteError("remote_refused", name=model, status=status, detail=detail or "-")

    def get(self, path: str, model: str = "") -> Any:
        with self._errors(model):
            response = self._http.get(path)
            self._check(response, model)
            return response.json()

    def post(self, path: str, body: dict) -> dict:
        model = body.get("model", "")
        with self._errors(model):
            response = self._http.post(path, json=body)
            self._check(response, model)
            data = response.json()
            if not isinstance(data, dict) or not data.get("choices"):
                raise ValueError("no choices")
            return data

    def stream(self, path: str, body: dict, stop: threading.Event | None = None,
               deadline: float | None = None) -> Iterator[dict]:
        """The server-sent events of a streamed request, as dicts; ends at ``[DONE]``, at the end of the answer,
        or as soon as ``stop`` is set (closing the response tells the server to stop). Past ``deadline``
        (``time.monotonic()``) it gives up with ``remote_timeout``, even if the server keeps sending keep-alives."""
        model = body.get("model", "")
        with self._errors(model):
            with self._http.stream("POST", path, json={**body, "stream": True}) as response:
                self._check(response, model)
                for line in response.iter_lines():
                    if stop is not None and stop.is_set():
                        return
                    if deadline is not None and time.monotonic() > deadline:
                        self._log(model, "answer took too long")
                        raise RemoteError("remote_timeout", name=model, seconds=self.config.timeout)
                    line = line.strip()
                    if not line or line.startswith(":") or line.split(":", 1)[0] in ("event", "id", "retry"):
                        continue
                    if not line.startswith("data:"):
                        raise ValueError("not a server-sent event")
                    data = line[5:].strip()
                    if data == "[DONE]":
                        return
                    chunk = json.loads(data)
                    if isinstance(chunk, dict) and chunk.get("error"):
                        error = chunk["error"]
                        detail = error.get("message", "") if isinstance(error, dict) else str(error)
                        raise RemoteError("remote_refused", name=model, status=200, detail=str(detail)[:240])
                    if not isinstance(chunk, dict) or not isinstance(chunk.get("choices"), list):
                        raise ValueError("no choices")
                    yield chunk


class RemoteModel:
    """A model on the remote engine: the same questions as a ``LoadedModel`` (what can it do?), no weights."""

    has_weights = False
    has_logprobs = True
    has_chat_template = True  # the server applies its own
    is_encoder = False
    task = "causal-lm"
    tokenizer = None
    model = None
    device = None
    dtype = None
    folder = ""
    load_seconds = 0.0

    def __init__(self, spec: Any, client: RemoteClient, name: str, prompt_logprobs: str = "auto") -> None:
        self.spec, self.client, self.name = spec, client, name
        self._mode = None if prompt_logprobs == "auto" else prompt_logprobs
        self._lock = threading.Lock()
        self.extras_ok = True  # sampling settings beyond the OpenAI ones (top_k, min_p, ...) are accepted
        self.next_cache: dict = {}  # (mode, prompt) -> top tokens of the next position (small, capped)
        self.cache_lock = threading.Lock()

    @property
    def has_prompt_logprobs(self) -> bool:
        return self.prompt_logprobs_mode() != "off"

    def prompt_logprobs_mode(self) -> str:
        """How the server reports prompt log-probabilities (``echo`` + ``logprobs`` on /completions): ``standard``
        (entry i scores token i), ``shifted`` (entry i holds the distribution of token i + 1, as llama-cpp-python
        does), or ``off``. Probed once on a text whose every next token is obvious."""
        with self._lock:
            if self._mode is None:
                self._mode = self._probe()
                log.info("Remote model %s: prompt log-probabilities %s", self.name, self._mode)
            return self._mode

    def _probe(self) -> str:
        try:
            data = self.client.post("completions", {"model": self.name, "prompt": PROBE_TEXT, "max_tokens": 1,
                                                    "echo": True, "logprobs": 5, "temperature": 0})
            lp = data["choices"][0].get("logprobs") or {}
            tokens, values, tops = lp.get("tokens") or [], lp.get("token_logprobs") or [], lp.get("top_logprobs")
        except RemoteError as exc:
            if exc.code in ("remote_refused", "remote_malformed", "remote_not_found"):
                return "off"  # the server cannot echo prompt log-probabilities
            raise  # busy, down or slow right now: say so, and probe again next time
        except (KeyError, IndexError, TypeError, AttributeError):
            return "off"
        if len(tokens) < 8 or len(values) != len(tokens) or not tops:
            return "off"
        standard = [v for v in values[4:] if isinstance(v, (int, float))]
        shifted = [(tops[i - 1] or {}).get(tokens[i], -30.0) for i in range(4, len(tokens)) if tops[i - 1]]
        if not standard and not shifted:
            return "off"
        mean = lambda xs: sum(xs) / len(xs) if xs else -math.inf  # noqa: E731
        return "standard" if mean(standard) >= mean(shifted) else "shifted"

    def describe(self) -> str:
        return f"{self.spec.name}: served by a remote engine (OpenAI-compatible API)"

    def __repr__(self) -> str:
        return f"RemoteModel({self.name!r})"


_MODELS: dict[tuple, RemoteModel] = {}
_LOCK = threading.Lock()


def configured_names(config: RemoteConfig | None = None) -> tuple[str, ...]:
    """The remote model names the operator listed (empty when no engine is configured)."""
    config = config if config is not None else RemoteConfig.from_env()
    return config.models if config is not None else ()


def get_model(spec: Any, config: RemoteConfig | None = None) -> RemoteModel:
    """The remote model named by ``spec.ref`` (one object per engine and name); refuses names the operator did
    not list, so a visitor cannot point the server at another model or address."""
    config = config if config is not None else RemoteConfig.from_env()
    if config is None or spec.ref not in config.models:
        raise ModelLoadError("remote_not_configured", name=spec.ref[:80])
    key = (config.base_url, config.timeout, config.prompt_logprobs, hash(config.api_key), spec.ref)
    with _LOCK:
        if key not in _MODELS:
            _MODELS[key] = RemoteModel(spec, RemoteClient(config), spec.ref, config.prompt_logprobs)
        return _MODELS[key]
