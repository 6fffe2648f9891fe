"""What every tab's builder receives: the engine, translations and per-session stop switches."""

from __future__ import annotations

import logging
import threading
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


def preset_choices() -> list[str]:
    return [p.label for p in presets()]


def spec_from_choice(choice: str) -> ModelSpec:
    return ModelSpec.parse(choice or default_spec().label or default_spec().ref)


def load_or_error(ctx: UIContext, choice: str, lang: str):
    """The loaded model for a picker value; raises ``gr.Error`` with a readable message on failure."""
    try:
        return ctx.engine.model(spec_from_choice(choice))
    except (ModelLoadError, ValueError, OSError) as exc:
        raise gr.Error(t("model_error", lang, error=str(exc))) from None
