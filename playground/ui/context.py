"""What every tab's builder receives: the engine, translations and per-session stop switches."""

from __future__ import annotations

import logging
import threading
import time
import weakref
from dataclasses import dataclass, field

import gradio as gr

from .. import settings
from ..classroom import Broadcast, Presence
from ..engine import Engine
from ..models import ModelLoadError, ModelSpec, default_spec, local_model_choices, presets
from .forms import Form
from .links import Links
from .strings import UIError, error_text, make_i18n

log = logging.getLogger(__name__)


@dataclass
class UIContext:
    engine: Engine
    i18n: gr.I18n = field(default_factory=make_i18n)
    stops: dict[str, threading.Event] = field(default_factory=dict)  # session hash -> running job's stop switch
    startup_error: str | None = None
    components: dict[str, gr.components.Component] = field(default_factory=dict)  # shared ones (model picker)
    demo: gr.Blocks | None = None  # set by build_app while the layout is built
    links: "Links | None" = None  # what a shared link may set, declared by each tab (see links.py)
    presence: Presence = field(default_factory=Presence)  # pages connected (counted, never identified)
    broadcast: Broadcast = field(default_factory=Broadcast)  # the teacher's message to every page
    teacher_token: str | None = field(default_factory=lambda: settings.read("PLAYGROUND_TEACHER_TOKEN") or None)
    teachers: set[str] = field(default_factory=set)  # session hashes that opened the teacher link
    after_link: list = field(default_factory=list)  # page-load steps that run once a shared link is applied

    @property
    def generation_slots(self) -> int:
        """Generation events running at once (``concurrency_id="generate"``): twice the batch, so the next rows wait
        on the compute worker and join at its next step instead of waiting in gradio's queue for a whole answer."""
        return 2 * self.engine.limits.max_batch

    def update_every(self, seconds: float) -> float:
        """Seconds between two streamed updates of one page: ``seconds`` while few people generate, longer in a full
        room. Every update is rendered and sent by the same two cores that compute the tokens: sixteen streams
        updating every 80 ms halved the tokens/s the room got (``bench/load.py``)."""
        return seconds * max(1.0, len(self.stops) / 4)

    def inputs(self, **parts: "gr.components.Component | Form | dict") -> dict:
        """Named inputs for ``events.wire``: components by name, forms expanded into their fields."""
        named: dict = {}
        for name, part in parts.items():
            if isinstance(part, Form):
                named.update(part.inputs())
            elif isinstance(part, dict):
                named.update(part)
            else:
                named[name] = part
        return named

    @staticmethod
    def parse_spec(text: str) -> ModelSpec:
        return parse_spec(text)

    def extra_tokenizers(self) -> list:
        """Tokenizers worth comparing besides the picked model's (e.g. a Chinese-capable offline pack)."""
        return []

    def preload(self) -> None:
        """Load the default model in the background so the first visitor does not wait (errors become a banner)."""

        def run() -> None:
            try:
                self.engine.model(default_spec())
            except Exception as exc:  # noqa: BLE001 - shown in the UI, the app keeps running
                log.exception("Default model failed to load")
                self.startup_error = str(exc)

        threading.Thread(target=run, name="preload", daemon=True).start()

    def new_stop(self, request: gr.Request | None) -> threading.Event:
        event = threading.Event()
        if request is not None and request.session_hash:
            old = self.stops.get(request.session_hash)
            if old is not None:  # one running generation per session: a new one stops the old
                old.set()
            self.stops[request.session_hash] = event
        return event

    def release_stop(self, request: gr.Request | None, event: threading.Event) -> None:
        if request is not None and self.stops.get(request.session_hash) is event:
            del self.stops[request.session_hash]

    def request_stop(self, request: gr.Request | None) -> None:
        if request is not None and request.session_hash in self.stops:
            self.stops[request.session_hash].set()


# The picker value meaning "the model fine-tuned in this browser session". It is resolved on the server from the
# request's session, never from anything the client sends; no typed path or id can reach another session's model.
SESSION_CHOICE = "⭐ my fine-tuned model"
_UNRESOLVED = ModelSpec("session", "this-session", "unresolved", label="⭐")
# App (Blocks) -> its UIContext, so a handler that only has the picker value can still find its session's model.
# Holds one entry per built app (weakly), no per-user data.
_APPS: "weakref.WeakKeyDictionary[gr.Blocks, UIContext]" = weakref.WeakKeyDictionary()


def register_app(ctx: UIContext) -> None:
    if ctx.demo is not None:
        _APPS[ctx.demo] = ctx


def _current_ctx() -> UIContext | None:
    from gradio.context import LocalContext

    blocks = LocalContext.blocks.get(None)
    return _APPS.get(blocks) if blocks is not None else None


def parse_spec(text: str) -> ModelSpec:
    """A model typed by a visitor (Hub id, preset, or a folder inside the ones the operator allows)."""
    return ModelSpec.parse(text)


def preset_choices() -> list[str]:
    """The picker's fixed choices: presets, then the model folders the operator allows (by name, never a path)."""
    return [p.label for p in presets()] + [spec.label for spec in local_model_choices()]


def current_request(request: gr.Request | None = None) -> gr.Request | None:
    """The request being handled: the one passed in, else the one gradio set for this event handler."""
    if request is not None:
        return request
    from gradio.context import LocalContext

    return LocalContext.request.get(None)


def session_spec(ctx: UIContext, request: gr.Request | None = None) -> ModelSpec | None:
    """This session's fine-tuned model (None when it has none). Never creates a session."""
    request = current_request(request)
    session = ctx.engine.sessions.get(getattr(request, "session_hash", None))
    if session is None or not getattr(session, "model_run", None):
        return None
    return ModelSpec("session", session.id, session.model_run, label=session.model_label or "⭐")


def is_session_choice(choice: str | None) -> bool:
    return (choice or "").strip() == SESSION_CHOICE


def spec_from_choice(choice: str, ctx: UIContext | None = None, request: gr.Request | None = None) -> ModelSpec:
    """The spec for a picker value. The session choice is resolved from the request being handled (gradio sets it
    for every event); outside an event, without ``ctx``, a placeholder that cannot load is returned."""
    if is_session_choice(choice):
        ctx = ctx or _current_ctx()
        if ctx is None:
            return _UNRESOLVED
        spec = session_spec(ctx, request)
        if spec is None:
            raise UIError("no_session_model")
        return spec
    return parse_spec(choice or default_spec().label or default_spec().ref)


def load_or_error(ctx: UIContext, choice: str, lang: str, request: gr.Request | None = None, attention: bool = False,
                  weights: bool = False):
    """The loaded model for a picker value; raises ``gr.Error`` with a readable message on failure. ``weights``: the
    view needs the model's weights and tokenizer, so a remote engine's model gets a message saying so."""
    try:
        lm = ctx.engine.model(spec_from_choice(choice, ctx, request), attention=attention)
    except (ModelLoadError, ValueError, OSError) as exc:
        raise gr.Error(model_error(exc, lang)) from None
    if weights and not lm.has_weights:
        raise gr.Error(error_text(ModelLoadError("remote_no_weights", name=lm.spec.name), lang))
    return lm


LOAD_POLL = 1.0  # seconds between "still loading" lines


def load_visibly(ctx: UIContext, choice: str, lang: str, request: gr.Request | None = None,
                 attention: bool = False, show=lambda line: line):
    """Like ``load_or_error``, for streaming handlers: while the model loads (a first start converts the bundled
    model: tens of seconds), yields status lines saying what happens and for how long; returns the loaded model
    (``lm = yield from load_visibly(...)``); ``show`` turns a line into what the handler yields. A model already in memory returns at once without a line."""
    from concurrent.futures import ThreadPoolExecutor
    from concurrent.futures import TimeoutError as StillRunning

    from ..models import first_load_converts
    from .strings import t

    try:
        spec = spec_from_choice(choice, ctx, request)
    except (ModelLoadError, ValueError, OSError) as exc:
        raise gr.Error(model_error(exc, lang)) from None
    pool = ThreadPoolExecutor(1, thread_name_prefix="load")
    try:
        future = pool.submit(ctx.engine.model, spec, attention)
        started = time.monotonic()
        converting = first_load_converts(spec, ctx.engine.registry.cache_root)
        while True:
            try:
                return future.result(timeout=LOAD_POLL)
            except StillRunning:
                key = "model_converting" if converting else "model_loading_for"
                yield show(t(key, lang, name=spec.name, seconds=time.monotonic() - started))
            except (ModelLoadError, ValueError, OSError) as exc:
                raise gr.Error(model_error(exc, lang)) from None
    finally:
        pool.shutdown(wait=False)


def model_error(exc: BaseException, lang: str) -> str:
    from .strings import t

    if str(getattr(exc, "code", "")).startswith("remote_"):  # a remote engine's answer: says itself what happened
        return error_text(exc, lang)
    return t("model_error", lang, error=error_text(exc, lang))
