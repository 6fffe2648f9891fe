"""Shareable links: the URL carries the tab, the example or prompt and the settings.

``?tab=generate&mode=complete&prompt=Once%20upon%20a%20time&temperature=1.2`` opens the Generate tab with that
text and temperature, so a teacher can put one link on the projector and everyone lands on the same experiment.
Each tab declares what a link may set (``Links.field`` / ``Links.form`` / ``Links.custom``); the same
declaration turns the current screen back into a link (the "Share" button) and drives the guided tour's
"Try it" buttons. A bad, unknown or oversized parameter is ignored with a notice; the rest still applies.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping
from urllib.parse import urlencode

import gradio as gr

from .forms import Form, bounds

TABS = ("tour", "generate", "attention", "finetune", "scratch", "scenarios")
MAX_PARAM_CHARS = 4000  # a longer value in a link is ignored (the tabs have their own, larger input limits)


class LinkValueError(ValueError):
    pass


@dataclass
class LinkField:
    component: gr.components.Component
    convert: Callable[[str], Any]  # URL text -> widget value; raises ValueError when the value is not acceptable
    default: Any = None  # values equal to this are left out of shared links


@dataclass
class Custom:
    """A group of parameters that needs code to apply (e.g. a scenario and one of its examples)."""

    names: tuple[str, ...]
    outputs: list
    apply: Callable[[Mapping[str, str]], list]  # params -> one update per output (raises ValueError on bad input)


@dataclass
class Links:
    fields: dict[str, dict[str, LinkField]] = field(default_factory=dict)  # tab -> name -> field
    customs: dict[str, list[Custom]] = field(default_factory=dict)
    shared: dict[str, LinkField] = field(default_factory=dict)  # valid with every tab (the model picker)
    tabs: gr.Tabs | None = None

    # ------------------------------------------------------------------ declaring
    def field(self, tab: str, name: str, component, convert: Callable[[str], Any] = str, default: Any = None):
        self.fields.setdefault(tab, {})[name] = LinkField(component, convert, default)

    def form(self, tab: str, form: Form, names: tuple[str, ...] | None = None) -> None:
        """Every field of a bound form (or ``names``), checked against the dataclass's own bounds."""
        for name in names or tuple(form.spec.fields):
            self.field(tab, name, form.components[name], _form_converter(form, name),
                       getattr(form.defaults, name))

    def custom(self, tab: str, names: tuple[str, ...], outputs: list, apply) -> None:
        self.customs.setdefault(tab, []).append(Custom(names, outputs, apply))

    def shared_field(self, name: str, component, convert: Callable[[str], Any] = str, default: Any = None):
        self.shared[name] = LinkField(component, convert, default)

    # ------------------------------------------------------------------ applying
    def outputs(self) -> list:
        comps = [self.tabs] if self.tabs is not None else []
        comps += [f.component for f in self.shared.values()]
        for tab in TABS:
            comps += [f.component for f in self.fields.get(tab, {}).values()]
            for c in self.customs.get(tab, []):
                comps += c.outputs
        return comps

    def apply(self, params: Mapping[str, str]) -> tuple[list, list[tuple[str, dict]]]:
        """(one update per ``outputs()`` entry, notices as (message key, params)). Unknown tab: nothing changes."""
        notices: list[tuple[str, dict]] = []
        tab = (params.get("tab") or "").strip()
        if tab and tab not in TABS:
            notices.append(("link_bad_tab", {"value": tab[:40]}))
            tab = ""
        known = ({"tab"} | set(self.shared) | set(self.fields.get(tab, {}))
                 | {n for c in self.customs.get(tab, []) for n in c.names})
        for name in params:
            if name not in known:
                notices.append(("link_unknown", {"name": name[:40]}))
        updates: list = [gr.Tabs(selected=tab) if tab else gr.skip()] if self.tabs is not None else []
        updates += [self._one(name, f, params, notices) for name, f in self.shared.items()]
        for t in TABS:
            for name, f in self.fields.get(t, {}).items():
                updates.append(self._one(name, f, params, notices) if t == tab else gr.skip())
            for c in self.customs.get(t, []):
                chosen = {n: params[n] for n in c.names if n in params}
                if t == tab and chosen:
                    try:
                        updates += list(c.apply(chosen))
                        continue
                    except (ValueError, KeyError):
                        notices.append(("link_bad_value", {"name": "/".join(chosen), "value": ""}))
                updates += [gr.skip()] * len(c.outputs)
        return updates, notices

    @staticmethod
    def _one(name: str, f: LinkField, params: Mapping[str, str], notices: list):
        if name not in params:
            return gr.skip()
        raw = params[name]
        if len(raw) > MAX_PARAM_CHARS:
            notices.append(("link_too_long", {"name": name, "limit": MAX_PARAM_CHARS}))
            return gr.skip()
        try:
            return f.convert(raw)
        except (ValueError, TypeError, OverflowError):
            notices.append(("link_bad_value", {"name": name, "value": raw[:40]}))
            return gr.skip()

    # ------------------------------------------------------------------ sharing
    def share_inputs(self) -> dict:
        """Every linkable component, named ``<tab>__<name>`` (shared ones ``shared__<name>``)."""
        named = {f"shared__{n}": f.component for n, f in self.shared.items()}
        for tab, fields in self.fields.items():
            named.update({f"{tab}__{n}": f.component for n, f in fields.items()})
        return named

    def query(self, tab: str, values: Mapping[str, Any]) -> str:
        """``?tab=…&…`` for the values of ``tab`` (named as in ``share_inputs``) that differ from their defaults."""
        if tab not in TABS:
            tab = "generate"
        params: dict[str, Any] = {"tab": tab}
        items = [(f"shared__{n}", n, f) for n, f in self.shared.items()]
        items += [(f"{tab}__{n}", n, f) for n, f in self.fields.get(tab, {}).items()]
        for key, name, f in items:
            value = values.get(key)
            if value is None or value == "" or value == f.default or value == [] or isinstance(value, (dict, list)):
                continue
            params[name] = ("true" if value else "false") if isinstance(value, bool) else value
        return "?" + urlencode({k: v for k, v in params.items() if v not in (None, "")})


def _form_converter(form: Form, name: str) -> Callable[[str], Any]:
    """URL text -> widget value for one form field, checked by the dataclass (so a link cannot set what the
    settings refuse)."""
    spec = form.spec
    kind = spec._types[name]

    def convert(raw: str):
        raw = raw.strip()
        if kind is bool or kind == "bool":
            if raw.lower() not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
                raise LinkValueError(raw)
            value: Any = raw.lower() in ("true", "1", "yes", "on")
        else:
            value = raw
        parsed = spec.parse({name: value}, base=form.defaults)  # raises ValueError out of range
        shown = getattr(parsed, name)
        b = bounds(spec.target, name)
        if isinstance(shown, (int, float)) and not isinstance(shown, bool):
            top = min(b.get("max", shown), form.caps.get(name, shown))
            if shown < b.get("min", shown) or shown > top:
                raise LinkValueError(raw)
        return form.values(dataclasses.replace(form.defaults, **{name: shown}))[list(spec.fields).index(name)]

    return convert


def choice_of(options) -> Callable[[str], str]:
    """A converter accepting only one of ``options``."""
    allowed = tuple(options)

    def convert(raw: str) -> str:
        if raw not in allowed:
            raise LinkValueError(raw)
        return raw

    return convert


def text_up_to(limit: int) -> Callable[[str], str]:
    def convert(raw: str) -> str:
        if len(raw) > limit:
            raise LinkValueError(raw)
        return raw

    return convert


def int_in(lo: int, hi: int) -> Callable[[str], int]:
    def convert(raw: str) -> int:
        value = int(raw)
        if not lo <= value <= hi:
            raise LinkValueError(raw)
        return value

    return convert
