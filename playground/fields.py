"""Bounds declared once on a settings dataclass field: validation and UI widgets read the same numbers.

    temperature: float = setting(0.7, min=0.05, max=3.0, step=0.05, help="...")

``bounds(GenerationSettings, "temperature")`` gives them back (a slider's range is exactly ``min..max``), and
``check_fields(self)`` in ``__post_init__`` validates every declared field, raising a coded ``PlaygroundError``
(``out_of_range``, ``not_a_choice``, ``not_whole``, ``not_number``) that names the field in the user's language.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from dataclasses import dataclass
from typing import Any, Sequence

from .errors import PlaygroundError

KEY = "playground"  # the metadata key under which a field's bounds live


@dataclass(frozen=True)
class Bounds:
    """What a field accepts. ``min``/``max`` inclusive (None = open); ``choices`` for text fields; ``optional``:
    None is accepted too (e.g. a seed left empty)."""

    default: Any
    min: float | None = None
    max: float | None = None
    step: float | None = None
    choices: tuple = ()
    help: str = ""
    optional: bool = False
    kind: type | None = None  # int / float / str / bool; taken from the default when it is not None

    def check(self, name: str, value: Any) -> Any:
        """``value`` as the field's type (an integral float becomes an int, an int a float), or a coded error."""
        if value is None:
            if self.optional:
                return None
            raise PlaygroundError("missing", field=name)
        kind = self.kind
        if kind is bool:
            if not isinstance(value, bool):
                raise PlaygroundError("not_a_choice", field=name, choices="true, false")
            return value
        if kind in (int, float):
            if isinstance(value, bool) or not isinstance(value, numbers.Real):  # numpy scalars are fine
                raise PlaygroundError("not_number", field=name)
            if not math.isfinite(value):
                raise PlaygroundError("out_of_range", field=name, min=_show(self.min), max=_show(self.max))
            if kind is int:
                if isinstance(value, float) and not value.is_integer():
                    raise PlaygroundError("not_whole", field=name)
                value = int(value)
            else:
                value = float(value)
            if (self.min is not None and value < self.min) or (self.max is not None and value > self.max):
                raise PlaygroundError("out_of_range", field=name, min=_show(self.min), max=_show(self.max))
            return value
        if self.choices and value not in self.choices:
            raise PlaygroundError("not_a_choice", field=name, choices=", ".join(map(str, self.choices)))
        return value


def _show(x: float | None) -> str:
    if x is None:
        return "∞"
    return f"{x:g}" if isinstance(x, float) else f"{x:,}"


def setting(default: Any, *, min: float | None = None, max: float | None = None, step: float | None = None,
            choices: Sequence = (), help: str = "", kind: type | None = None) -> Any:
    """A dataclass field with its bounds in the metadata. ``default=None`` makes the field optional (then give
    ``kind``)."""
    bounds = Bounds(default, min, max, step, tuple(choices), help, default is None,
                    kind or (type(default) if default is not None else None))
    return dataclasses.field(default=default, metadata={KEY: bounds, "help": help})


def bounds(cls_or_obj: Any, name: str) -> Bounds:
    """The declared bounds of field ``name`` (``KeyError`` when the field has none)."""
    for f in dataclasses.fields(cls_or_obj):
        if f.name == name and KEY in f.metadata:
            return f.metadata[KEY]
    raise KeyError(f"{getattr(cls_or_obj, '__name__', type(cls_or_obj).__name__)}.{name} declares no bounds.")


def all_bounds(cls_or_obj: Any) -> dict[str, Bounds]:
    """Every declared field's bounds, in declaration order."""
    return {f.name: f.metadata[KEY] for f in dataclasses.fields(cls_or_obj) if KEY in f.metadata}


def check_fields(obj: Any) -> None:
    """Validate (and normalise the type of) every declared field of a frozen dataclass instance, in order."""
    for name, b in all_bounds(obj).items():
        value = b.check(name, getattr(obj, name))
        if value is not getattr(obj, name):
            object.__setattr__(obj, name, value)
