"""Errors the core raises because of user input: a stable code, parameters, and texts in English and Chinese.

``PlaygroundError(code, **params)`` is a ``ValueError`` whose ``str()`` is the English sentence; ``err.text("zh")``
renders the same message in Chinese. The UI shows ``err.text(lang)`` and never needs to know the sentence; tests and
callers branch on ``err.code``. Every text lives in one table, ``MESSAGES`` (``playground/messages.py``), keyed by
code (``code:variant`` where one check has several sentences). A test checks that every key exists in both
languages with the same placeholders.

Parameters are rendered in the message's language:
- a ``Msg`` (a key of the table plus its own parameters; also a plain ``str`` in English) is rendered as a sentence
  of its own in the same language;
- a mapping with an ``"en"`` key (a bilingual label, e.g. a scenario input's label) gives its ``lang`` entry;
- the parameter ``field`` names a settings field: it is shown by its display name (``field.<name>`` in the table).
"""

from __future__ import annotations

import string
from typing import Any, Mapping

from .messages import MESSAGES

LANGS = ("en", "zh")


def norm_lang(lang: str | None) -> str:
    """"zh", "zh-CN", "zh_TW" -> "zh"; anything else -> "en"."""
    return "zh" if (lang or "").lower().startswith("zh") else "en"


class Msg(str):
    """A translatable notice: a ``str`` (its English text, so it works wherever text did) that also keeps its
    table key and parameters, so ``msg.text(lang)`` renders it in the reader's language."""

    key: str
    params: dict

    def __new__(cls, key: str, params: Mapping[str, Any] | None = None, **more: Any) -> "Msg":
        values = {**(params or {}), **more}
        obj = super().__new__(cls, render(key, "en", values))
        obj.key, obj.params = key, values
        return obj

    def text(self, lang: str = "en") -> str:
        return render(self.key, lang, self.params)

    def __reduce__(self):
        return (Msg, (self.key, self.params))


def text_in(value: Any, lang: str = "en") -> str:
    """A ``Msg`` or a ``PlaygroundError`` in ``lang``; any other value as ``str``."""
    return value.text(lang) if hasattr(value, "text") and callable(value.text) else str(value)


def render(key: str, lang: str = "en", params: Mapping[str, Any] | None = None) -> str:
    """The message ``key`` in ``lang`` with ``params`` filled in (see the module docstring for the rules)."""
    lang = norm_lang(lang)
    table = MESSAGES[lang]
    template = table.get(key) or MESSAGES["en"][key]
    values = {name: _value(name, value, lang) for name, value in (params or {}).items()}
    return template.format(**values) if values or "{" in template else template


def _value(name: str, value: Any, lang: str) -> Any:
    if isinstance(value, Msg):
        return value.text(lang)
    if isinstance(value, Mapping) and "en" in value:
        return value.get(lang) or value["en"]
    if name == "field" and isinstance(value, str):
        return field_name(value, lang)
    return value


def field_name(name: str, lang: str = "en") -> str:
    """How a settings field is called in ``lang`` (its ``field.<name>`` entry; the raw name when it has none)."""
    key = f"field.{name}"
    return MESSAGES[norm_lang(lang)].get(key) or MESSAGES["en"].get(key) or name


def placeholders(template: str) -> set[str]:
    """The ``{name}`` placeholders of a message (format specs ignored)."""
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(template) if name}


class PlaygroundError(ValueError):
    """A refusal caused by user input: ``code`` is stable, ``params`` fill the message, ``str()`` is English.

    ``variant`` picks one of several sentences for the same check (the table key is then ``code:variant``).
    """

    def __init__(self, code: str, variant: str = "", /, **params: Any) -> None:
        if code not in MESSAGES["en"] and not variant and not params and not code.isidentifier():
            # An old-style call with a ready sentence (``ModelLoadError("...")``): kept working, shown as it is in
            # every language under the code "message". New code raises with a code of the table.
            code, params = "message", {"text": code}
        self.code = code
        self.variant = variant
        self.params = dict(params)
        if self.key not in MESSAGES["en"]:
            raise KeyError(f"No message for error code {self.key!r}.")
        super().__init__(self.text("en"))

    @property
    def key(self) -> str:
        return f"{self.code}:{self.variant}" if self.variant else self.code

    def text(self, lang: str = "en") -> str:
        """The message in ``lang`` ("en" or "zh")."""
        return render(self.key, lang, self.params)

    @classmethod
    def from_error(cls, exc: "PlaygroundError") -> "PlaygroundError":
        """The same coded message as this class (to re-raise a check made elsewhere as this module's error)."""
        return cls(exc.code, exc.variant, **exc.params)

    def __reduce__(self):  # picklable (errors cross thread and process boundaries)
        return (_rebuild, (type(self), self.code, self.variant, self.params))


def _rebuild(cls, code, variant, params):
    err = PlaygroundError.__new__(cls)
    PlaygroundError.__init__(err, code, variant, **params)
    return err


def text_of(exc: BaseException, lang: str = "en") -> str:
    """What to show for any exception: the translated text of a ``PlaygroundError``, else ``str(exc)``."""
    return text_in(exc, lang)


class ModelLoadError(PlaygroundError, RuntimeError):
    """A model could not be loaded; the message says what to do instead. Also a ``RuntimeError`` (as it always
    was), so ``except RuntimeError`` keeps catching it. Re-exported by ``playground.models``."""


class DataError(PlaygroundError):
    """An upload that cannot be used; ``code`` names the failed check (binary, undecodable, encoding, empty,
    too_little, too_big, too_many_files, unsupported, bad_jsonl, bad_csv, no_column). Re-exported by
    ``playground.data``."""
