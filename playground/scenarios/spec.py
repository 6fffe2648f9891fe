"""A scenario is data: ``Scenario`` says what inputs it needs, the prompt template, default settings, worked
examples, better models to try and its honest limits. The UI builds its panel from it; ``validate`` checks it.

Templates use ``{name}`` placeholders for inputs (and for the few values a scenario's code path computes, e.g.
``{context}`` for retrieved passages). Other braces (JSON examples) are left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from ..config import GenerationSettings
from ..errors import PlaygroundError

LANGS = ("en", "zh")
INPUT_KINDS = ("textarea", "line", "choice", "number", "file")
SCENARIO_KINDS = ("generate", "rag", "classify", "extract", "summarize", "qa", "essay")
OUTPUT_KINDS = ("text", "code")
# How many inputs of each kind the UI panel can show at once (the panel reuses a fixed set of components).
SLOTS = {"textarea": 2, "line": 3, "choice": 2, "number": 1, "file": 1}
# Placeholders each code path fills in itself.
COMPUTED = {"rag": ("context",), "extract": ("json_skeleton",), "classify": (), "summarize": (), "qa": (),
            "essay": (), "generate": ()}
MAX_EXAMPLES = 5  # example buttons in the panel
PLACEHOLDER_RE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")

Bilingual = Mapping[str, str]  # {"en": ..., "zh": ...}


@dataclass(frozen=True)
class Input:
    name: str
    kind: str
    label: Bilingual
    default: Any = ""
    choices: tuple[str, ...] = ()  # for "choice": values used in the prompt (English) ...
    choice_labels: tuple[str, ...] = ()  # ... and what the picker shows (may add Chinese)
    minimum: float = 1
    maximum: float = 100
    required: bool = True
    max_chars: int = 0  # 0 = the kind's default (longer text is cut, with a notice)
    info: Bilingual | None = None

    @property
    def limit(self) -> int:
        return self.max_chars or {"textarea": 6000, "line": 400}.get(self.kind, 400)


@dataclass(frozen=True)
class Example:
    lang: str
    title: str  # short button label, in the example's own language
    values: Mapping[str, Any]


@dataclass(frozen=True)
class Scenario:
    id: str
    group: str  # a key of GROUPS
    kind: str  # which code path runs it (SCENARIO_KINDS)
    title: Bilingual
    description: Bilingual
    inputs: tuple[Input, ...]
    template: str
    examples: tuple[Example, ...]
    limits: Bilingual  # an honest note of what it cannot do (on the bundled model especially)
    models: tuple[str, ...] = ("HuggingFaceTB/SmolLM2-360M-Instruct", "Qwen/Qwen2.5-0.5B-Instruct")
    system: str = ""
    chat: bool = True  # False: the filled template is continued as plain text (few-shot completion)
    settings: GenerationSettings = field(default_factory=lambda: GenerationSettings(
        max_new_tokens=160, do_sample=False, repetition_penalty=1.15))
    output: str = "text"
    code_language: str | None = None
    disclaimer: Bilingual | None = None  # shown permanently while the scenario is open
    icon: str = "✨"

    def input(self, name: str) -> Input:
        for item in self.inputs:
            if item.name == name:
                return item
        raise KeyError(name)

    @property
    def placeholders(self) -> tuple[str, ...]:
        return tuple(i.name for i in self.inputs if i.kind != "file") + COMPUTED.get(self.kind, ())

    def defaults(self) -> dict[str, Any]:
        return {i.name: i.default for i in self.inputs}


GROUPS: dict[str, Bilingual] = {
    "service": {"en": "Customer service", "zh": "智能客服"},
    "analysis": {"en": "Text analysis", "zh": "文本分析"},
    "language": {"en": "Summaries, translation, Q&A", "zh": "摘要、翻译与问答"},
    "education": {"en": "Education", "zh": "教育"},
    "medical": {"en": "Medicine (demo only)", "zh": "医疗（仅演示）"},
    "content": {"en": "Content and code", "zh": "内容与代码生成"},
}


def template_names(template: str) -> list[str]:
    return PLACEHOLDER_RE.findall(template or "")


def fill_template(template: str, values: Mapping[str, Any]) -> str:
    """Replace ``{name}`` for every name in ``values``; raises ``ValueError`` for an unknown placeholder."""
    unknown = sorted({n for n in template_names(template) if n not in values})
    if unknown:
        raise PlaygroundError("template_unknown", names=", ".join("{" + n + "}" for n in unknown),
                              available=", ".join("{" + n + "}" for n in values))
    return PLACEHOLDER_RE.sub(lambda m: str(values[m.group(1)]), template)


def validate(spec: Scenario) -> list[str]:
    """Problems with a spec (empty list = valid). A test runs this over every registered scenario."""
    p: list[str] = []
    if not re.match(r"^[a-z][a-z0-9_]{1,40}$", spec.id):
        p.append(f"id {spec.id!r} must be lower_snake_case")
    if spec.kind not in SCENARIO_KINDS:
        p.append(f"kind {spec.kind!r} is not one of {SCENARIO_KINDS}")
    if spec.group not in GROUPS:
        p.append(f"group {spec.group!r} is not one of {tuple(GROUPS)}")
    if spec.output not in OUTPUT_KINDS:
        p.append(f"output {spec.output!r} is not one of {OUTPUT_KINDS}")
    for name in ("title", "description", "limits") + (("disclaimer",) if spec.disclaimer else ()):
        text = getattr(spec, name)
        if set(text) != set(LANGS) or not all(str(v).strip() for v in text.values()):
            p.append(f"{name} needs non-empty 'en' and 'zh' texts")
    names = [i.name for i in spec.inputs]
    if len(set(names)) != len(names):
        p.append("input names repeat")
    counts: dict[str, int] = {}
    for i in spec.inputs:
        counts[i.kind] = counts.get(i.kind, 0) + 1
        if i.kind not in INPUT_KINDS:
            p.append(f"input {i.name}: kind {i.kind!r} is not one of {INPUT_KINDS}")
        if set(i.label) != set(LANGS):
            p.append(f"input {i.name}: label needs 'en' and 'zh'")
        if i.kind == "choice" and (not i.choices or i.default not in i.choices
                                   or (i.choice_labels and len(i.choice_labels) != len(i.choices))):
            p.append(f"input {i.name}: a choice needs choices containing its default")
        if i.kind == "number" and not (i.minimum <= i.default <= i.maximum):
            p.append(f"input {i.name}: default outside {i.minimum}..{i.maximum}")
        if i.name in COMPUTED.get(spec.kind, ()):
            p.append(f"input {i.name}: the name is reserved for a computed value")
    for kind, n in counts.items():
        if n > SLOTS.get(kind, 0):
            p.append(f"{n} inputs of kind {kind!r}; the panel shows at most {SLOTS.get(kind, 0)}")
    used = set(template_names(spec.template))
    allowed = set(spec.placeholders)
    if used - allowed:
        p.append(f"template placeholders {sorted(used - allowed)} match no input")
    for i in spec.inputs:
        if i.kind != "file" and i.required and i.name not in used:
            p.append(f"required input {i.name} is not used by the template")
    for c in COMPUTED.get(spec.kind, ()):
        if c not in used:
            p.append(f"template must use the computed placeholder {{{c}}}")
    langs = {e.lang for e in spec.examples}
    if not set(LANGS) <= langs:
        p.append("examples need at least one English and one Chinese example")
    if len(spec.examples) > MAX_EXAMPLES:
        p.append(f"at most {MAX_EXAMPLES} examples (the panel has {MAX_EXAMPLES} example buttons)")
    for e in spec.examples:
        extra = set(e.values) - set(names)
        if extra:
            p.append(f"example {e.title!r}: values for unknown inputs {sorted(extra)}")
        filled = {**spec.defaults(), **e.values}
        for i in spec.inputs:
            v = filled.get(i.name)
            if i.required and i.kind in ("textarea", "line") and not str(v or "").strip():
                p.append(f"example {e.title!r}: required input {i.name} is empty")
            if i.kind == "choice" and v not in i.choices:
                p.append(f"example {e.title!r}: {i.name}={v!r} is not a choice")
        try:
            fill_template(spec.template, {**{n: filled.get(n, "") for n in spec.placeholders}})
        except ValueError as exc:
            p.append(f"example {e.title!r}: {exc}")
    if not spec.models:
        p.append("recommend at least one larger model")
    if spec.output == "code" and not spec.code_language:
        p.append("a code scenario needs code_language")
    return p


SLOT_ORDER: tuple[tuple[str, int], ...] = tuple((kind, i) for kind in INPUT_KINDS for i in range(SLOTS[kind]))


def slots(spec: Scenario) -> dict[tuple[str, int], Input]:
    """Which panel slot shows which input: the n-th input of a kind goes to that kind's n-th slot."""
    seen: dict[str, int] = {}
    out: dict[tuple[str, int], Input] = {}
    for item in spec.inputs:
        n = seen.get(item.kind, 0)
        seen[item.kind] = n + 1
        out[(item.kind, n)] = item
    return out
