"""What every tab's builder receives: the engine, translations and per-session stop switches."""

from __future__ import annotations

import logging
import threading
import weakref
from dataclasses import dataclass, field

import gradio as gr

from ..engine import Engine
from ..models import ModelLoadError, ModelSpec, default_spec, presets
from .strings import lang_from_header, make_i18n, t

log = logging.getLogger(__name__)


@dataclass
class UIContext:
    engine: Engine
    i18n: gr.I18n = field(default_factory=make_i18n)
    stops: dict[str, threading.Event] = field(default_factory=dict)  # session hash -> running job's stop switch
    startup_error: str | None = None
    components: dict[str, gr.components.Component] = field(default_factory=dict)  # shared ones (model picker)
    demo: gr.Blocks | None = None  # set by build_app while the layout is built

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


def lang_of(request: gr.Request | None) -> str:
    if request is None:
        return "en"
    try:
        return lang_from_header(request.headers.get("accept-language"))
    except Exception:  # noqa: BLE001
        return "en"


# The picker value meaning "the model fine-tuned in this browser session". It is resolved on the server from the
# request's session, never from anything the client sends; no typed path or id can reach another session's model.
SESSION_CHOICE = "⭐ my fine-tuned model"
_UNRESOLVED = ModelSpec("session", "this-session", "unresolved", label="My fine-tuned model")
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


def preset_choices() -> list[str]:
    return [p.label for p in presets()]


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
    return ModelSpec("session", session.id, session.model_run, label=session.model_label or "My fine-tuned model")


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
            raise ValueError("There is no fine-tuned model in this session yet: train one in the Fine-tuning tab "
                             "(it is kept for your session only).")
        return spec
    return ModelSpec.parse(choice or default_spec().label or default_spec().ref)


def load_or_error(ctx: UIContext, choice: str, lang: str, request: gr.Request | None = None):
    """The loaded model for a picker value; raises ``gr.Error`` with a readable message on failure."""
    try:
        return ctx.engine.model(spec_from_choice(choice, ctx, request))
    except (ModelLoadError, ValueError, OSError) as exc:
        raise gr.Error(t("model_error", lang, error=str(exc))) from None
