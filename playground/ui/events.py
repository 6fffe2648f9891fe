"""Event handlers that receive named values, speak the user's language and never show a traceback.

Every handler in the tabs is written as ``def handler(v: Values)``: ``v.prompt``, ``v.temperature`` … are the
values of the components the event was wired with (by name, through gradio's ``inputs_kwargs``), ``v.lang`` is the
language the page shows and ``v.request`` the gradio request. ``wire(...)`` connects such a handler to a trigger:

    wire(run.click, check, inputs, None, api_name=False).success(wire.fn(generate), ...)

Language: the page holds one hidden element showing the translation of the key ``lang_code``. Gradio's own i18n
translates it in the browser, so it always says which table the labels on screen come from (browser language,
the language button, or gradio's settings panel). A small script keeps a cookie in step with it, and every event
request carries that cookie, so run-time messages use the language the labels use. API callers without the cookie
get the language of their Accept-Language header.

Errors: a core error with a code (``playground.errors.PlaygroundError``) is shown in the user's language; a plain
``ValueError`` from the core is shown as it is; anything else becomes "something failed" with the reason, logged
with its traceback on the server only.
"""

from __future__ import annotations

import functools
import inspect
import logging
from typing import Any, Callable, Mapping

import gradio as gr

from .strings import error_text, lang_from_header, t

log = logging.getLogger(__name__)

LANGS = ("en", "zh")


LANG_COOKIE = "playground_lang"
# Runs once on page load: copy the page's language (as gradio translated it) into a cookie, and keep it in step.
LANG_SYNC_JS = """
() => {
  const sync = () => {
    const el = document.querySelector('#page-lang');
    const lang = el ? el.innerText.trim() : '';
    if (lang && !document.cookie.split('; ').includes('%s=' + lang)) {
      document.cookie = '%s=' + lang + '; path=/; SameSite=Lax';
    }
  };
  sync();
  setInterval(sync, 400);
}
""" % (LANG_COOKIE, LANG_COOKIE)


def resolve_lang(request: gr.Request | None) -> str:
    """The page's language (its cookie); the Accept-Language header for API callers; else English."""
    if request is None:
        return "en"
    try:
        cookie = (getattr(request, "cookies", None) or {}).get(LANG_COOKIE, "")
        if cookie in LANGS:
            return cookie
        return lang_from_header(request.headers.get("accept-language"))
    except Exception:  # noqa: BLE001 - a malformed header must not break the event
        return "en"


class Values(Mapping[str, Any]):
    """The named input values of one event, plus its language and request."""

    def __init__(self, values: Mapping[str, Any], request: gr.Request | None = None, event: Any = None) -> None:
        self._values = dict(values)
        self.request = request
        self.event = event  # gradio's SelectData for selection events (``wire(..., selection=True)``)
        self.lang = resolve_lang(request)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def __iter__(self):
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    @property
    def session_hash(self) -> str | None:
        return getattr(self.request, "session_hash", None)

    def t(self, key: str, **fmt) -> str:
        return t(key, self.lang, **fmt)


def as_gr_error(exc: BaseException, lang: str) -> gr.Error:
    """The message a participant sees for ``exc`` (never a traceback)."""
    if isinstance(exc, gr.Error):
        return exc
    if isinstance(exc, (ValueError, OSError)) or hasattr(exc, "code"):
        return gr.Error(error_text(exc, lang))
    log.exception("Handler failed", exc_info=exc)
    return gr.Error(t("failed", lang, error=f"{type(exc).__name__}: {exc}"))


def handler(fn: Callable[[Values], Any], gpu: bool = False, selection: bool = False) -> Callable:
    """A gradio function for ``fn(v: Values)``: named inputs arrive as keyword arguments (``inputs_kwargs``).

    Keeps ``fn``'s kind (plain, generator, async, async generator) so gradio streams what streams.
    ``gpu=True`` attaches the GPU for the call on a ZeroGPU Space (a no-op elsewhere). ``selection=True``: the
    event is a ``.select`` and ``v.event`` receives gradio's ``SelectData`` (which row or item was picked).
    """
    if inspect.isasyncgenfunction(fn):
        async def wrapper(request: gr.Request, event=None, **values):
            v = Values(values, request, event)
            try:
                async for item in fn(v):
                    yield item
            except Exception as exc:  # noqa: BLE001 - turned into a message
                raise as_gr_error(exc, v.lang) from None
    elif inspect.isgeneratorfunction(fn):
        def wrapper(request: gr.Request, event=None, **values):
            v = Values(values, request, event)
            try:
                yield from fn(v)
            except Exception as exc:  # noqa: BLE001 - turned into a message
                raise as_gr_error(exc, v.lang) from None
    elif inspect.iscoroutinefunction(fn):
        async def wrapper(request: gr.Request, event=None, **values):
            v = Values(values, request, event)
            try:
                return await fn(v)
            except Exception as exc:  # noqa: BLE001 - turned into a message
                raise as_gr_error(exc, v.lang) from None
    else:
        def wrapper(request: gr.Request, event=None, **values):
            v = Values(values, request, event)
            try:
                return fn(v)
            except Exception as exc:  # noqa: BLE001 - turned into a message
                raise as_gr_error(exc, v.lang) from None
    functools.update_wrapper(wrapper, fn, assigned=("__module__", "__name__", "__qualname__", "__doc__"))
    del wrapper.__wrapped__  # gradio must see the wrapper's own (request, **values) signature
    # gradio injects what these annotations name; ``event`` stays None unless the event carries a selection
    wrapper.__annotations__ = {"request": gr.Request, **({"event": gr.SelectData} if selection else {})}
    if gpu:
        from ..devices import gpu_task

        wrapper = gpu_task()(wrapper)
    return wrapper


def wire(trigger: Callable, fn: Callable[[Values], Any] | None, inputs: Mapping[str, Any] | None, outputs,
         gpu: bool = False, selection: bool = False, **kwargs):
    """``trigger(handler(fn), inputs_kwargs=inputs, outputs=outputs, **kwargs)``; ``inputs`` maps names to
    components (see ``UIContext.inputs``). Returns gradio's dependency, so ``.success(...)``/``.then(...)`` chain."""
    return trigger(handler(fn, gpu, selection) if fn is not None else None, None, outputs,
                   inputs_kwargs=dict(inputs or {}),
                   **kwargs)
