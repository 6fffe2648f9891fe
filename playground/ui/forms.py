"""Forms declared once: widgets bound to the core dataclass they fill.

A ``FormSpec`` lists the fields of a settings dataclass (``GenerationSettings``, ``TrainSettings`` …) that the UI
shows, each with its widget kind and group. From that one declaration come

- the widgets, with the range, step and default the dataclass itself declares (``playground.fields``), so the UI
  cannot offer what validation refuses, nor hide what it accepts;
- the named inputs of an event (``form.inputs()``: API parameter name -> component);
- ``spec.parse(values) -> dataclass``: widget values converted by the field's type, then the dataclass validates.

Adding a control = a field (with bounds and help) in the core dataclass, its use in the core, its name and help in
both languages, and one ``Field(...)`` line here-by in the tab's declaration.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import gradio as gr

from ..fields import bounds as field_bounds
from .strings import TABLES

WIDGETS = ("slider", "checkbox", "number", "radio", "dropdown", "text", "lines", "seed")


class FormError(ValueError):
    """A widget value that cannot be converted to its field's type (e.g. letters in a number box)."""

    def __init__(self, name: str, value: Any) -> None:
        super().__init__(f"{name}: {value!r} is not a valid value.")
        self.code = "form_bad_value"
        self.params = {"field": name, "value": str(value)[:40]}


@dataclass(frozen=True)
class Field:
    """One control of a form. ``label``/``info`` are translation keys (default ``field_<name>`` / ``help_<name>``,
    shared with the core's messages, so the name a widget shows is the name an error message uses)."""

    name: str
    widget: str = "slider"
    group: str = "main"
    label: str | None = None
    info: str | None = None
    choices: tuple[tuple[str, Any], ...] = ()  # (translation key, value) for radio / dropdown
    kwargs: Mapping[str, Any] = field(default_factory=dict)  # layout extras: elem_id, lines, scale …

    def __post_init__(self) -> None:
        if self.widget not in WIDGETS:
            raise ValueError(f"Unknown widget {self.widget!r} for {self.name}.")

    @property
    def label_key(self) -> str:
        return self.label or f"field_{self.name}"

    @property
    def info_key(self) -> str | None:
        if self.info is not None:
            return self.info or None
        key = f"help_{self.name}"
        return key if key in TABLES["en"] else None


def bounds(target: type, name: str) -> dict[str, Any]:
    """min / max / step / choices the dataclass declares for a field (``playground.fields``); empty when none."""
    try:
        b = field_bounds(target, name)
    except KeyError:
        return {}
    found = {"min": b.min, "max": b.max, "step": b.step, "choices": tuple(b.choices)}
    return {k: v for k, v in found.items() if v not in (None, ())}


def _convert(kind: Any, value: Any, name: str) -> Any:
    """A widget value as the field's type: ``int``, ``float``, ``bool``, ``str``, ``X | None``, ``tuple[str, ...]``."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)) and type(None) in args:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        kind = next(a for a in args if a is not type(None))
        origin, args = typing.get_origin(kind), typing.get_args(kind)
    try:
        if kind is bool:
            return bool(value)
        if kind is int:
            number = float(value)
            if not number.is_integer():
                raise ValueError
            return int(number)
        if kind is float:
            return float(value)
        if kind is str:
            return "" if value is None else str(value)
        if origin is tuple:
            if isinstance(value, str):  # one item per line; "\n" and "\t" may be typed as escapes
                return tuple(line.replace("\\n", "\n").replace("\\t", "\t") for line in value.splitlines() if line)
            return tuple(value or ())
    except (TypeError, ValueError, OverflowError):
        raise FormError(name, value) from None
    return value


class FormSpec:
    """The declaration: which fields of ``target`` the UI shows, and how."""

    def __init__(self, target: type, fields: Sequence[Field]) -> None:
        self.target = target
        self.fields = {f.name: f for f in fields}
        self._types = typing.get_type_hints(target)
        missing = [n for n in self.fields if n not in self._types]
        if missing:
            raise KeyError(f"{target.__name__} has no fields {missing}")

    def bind(self, ctx, prefix: str = "", defaults: Any = None, caps: Mapping[str, float] | None = None) -> "Form":
        """A form for one layout. ``defaults``: a ``target`` instance for the initial values; ``caps``: server
        limits lower than a field's own maximum (e.g. max new tokens)."""
        return Form(self, ctx, prefix, defaults if defaults is not None else self.target(), dict(caps or {}))

    def parse(self, values: Mapping[str, Any], prefix: str = "", base: Any = None) -> Any:
        """The validated dataclass from named widget values (``base`` supplies the fields the form does not show).
        Raises ``FormError`` or the dataclass's own validation error."""
        changes = {}
        for name in self.fields:
            key = prefix + name
            if key in values:
                changes[name] = _convert(self._types[name], values[key], name)
        base = base if base is not None else self.target()
        return dataclasses.replace(base, **changes)


class Form:
    """A bound form: ``render(group)`` creates its widgets where the layout wants them."""

    def __init__(self, spec: FormSpec, ctx, prefix: str, defaults: Any, caps: dict) -> None:
        self.spec, self.ctx, self.prefix, self.defaults, self.caps = spec, ctx, prefix, defaults, caps
        self.components: dict[str, gr.components.Component] = {}

    def render(self, group: str = "main") -> list[gr.components.Component]:
        """Create the widgets of ``group`` in declaration order (inside the current layout block)."""
        return [self._widget(f) for f in self.spec.fields.values() if f.group == group]

    def render_fields(self, *names: str) -> list[gr.components.Component]:
        return [self._widget(self.spec.fields[n]) for n in names]

    def inputs(self) -> dict[str, gr.components.Component]:
        """API parameter name -> component, in declaration order (all fields must be rendered)."""
        missing = [n for n in self.spec.fields if n not in self.components]
        if missing:
            raise RuntimeError(f"Form fields never rendered: {missing}")
        return {self.prefix + n: self.components[n] for n in self.spec.fields}

    def parse(self, values: Mapping[str, Any], base: Any = None) -> Any:
        return self.spec.parse(values, self.prefix, base)

    def values(self, settings: Any) -> list:
        """Widget values showing ``settings`` (e.g. a scenario's defaults), in declaration order."""
        return [self._show(f, getattr(settings, f.name)) for f in self.spec.fields.values()]

    # ------------------------------------------------------------------ widgets
    def _show(self, f: Field, value: Any) -> Any:
        if f.widget == "lines":
            return "\n".join(s.replace("\n", "\\n").replace("\t", "\\t") for s in (value or ()))
        if f.widget == "seed":
            return "" if value is None else str(value)
        if f.widget == "slider":
            b = bounds(self.spec.target, f.name)
            top = min(b["max"], self.caps.get(f.name, b["max"]))
            return top if value is None else min(max(value, b["min"]), top)
        return value

    def _widget(self, f: Field) -> gr.components.Component:
        if f.name in self.components:
            raise RuntimeError(f"Field {f.name} rendered twice")
        i18n = self.ctx.i18n
        b = bounds(self.spec.target, f.name)
        value = self._show(f, getattr(self.defaults, f.name))
        common: dict[str, Any] = dict(label=i18n(f.label_key), **dict(f.kwargs))
        if f.info_key:
            common["info"] = i18n(f.info_key)
        if f.widget == "slider":
            top = min(b["max"], self.caps.get(f.name, b["max"]))
            comp = gr.Slider(b["min"], top, value=value, step=b.get("step", 1), **common)
        elif f.widget == "checkbox":
            comp = gr.Checkbox(value=bool(value), **common)
        elif f.widget == "number":
            comp = gr.Number(value=value, minimum=b.get("min"), maximum=b.get("max"), **common)
        elif f.widget in ("radio", "dropdown"):
            pairs = [(i18n(key), v) for key, v in f.choices] or [(str(c), c) for c in b.get("choices", ())]
            kind = gr.Radio if f.widget == "radio" else gr.Dropdown
            comp = kind(pairs, value=value, **common)
        elif f.widget == "seed":
            comp = gr.Textbox(value=value, max_lines=1, placeholder=i18n("seed_placeholder"), **common)
        else:
            comp = gr.Textbox(value=value, lines=2 if f.widget == "lines" else 1, **common)
        self.components[f.name] = comp
        return comp


def keyed(mapping: Mapping[str, Any], *names: str) -> dict[str, Any]:
    """A sub-mapping (e.g. the fields one handler needs from a larger set of inputs)."""
    return {n: mapping[n] for n in names}
