"""Every UI string exists in English and Chinese, goes through the translation tables, and is used.

The scan reads the UI modules as source (``ast``): a literal with English words passed as a label, info,
placeholder or header of a component, or to ``gr.Warning`` / ``gr.Info`` / ``gr.Error``, is a string that one
language switch cannot change, so it fails the test. Keys used with ``t`` / ``i18n`` / ``UIError`` must exist.
"""

import ast
import re
import string
from pathlib import Path

from playground.ui.strings import EN, ZH, lang_from_header, t

UI = Path(__file__).resolve().parents[1] / "playground" / "ui"
TEXT_KWARGS = {"label", "info", "placeholder", "headers", "title", "example_labels"}
MESSAGE_CALLS = {"Warning", "Info", "Error"}
KEY_CALLS = {"t", "i18n", "UIError"}  # first argument is a key of the tables
KEY_KWARGS = {"Field": {"label", "info"}}  # form declarations name their texts by key
NOT_SHOWN = {"Blocks"}  # the browser tab's title: the product's name
COMPONENTS = {"Markdown", "Button", "HTML", "Textbox", "Dropdown", "Radio", "Checkbox", "Slider", "Number", "Tab",
              "Accordion", "Plot", "Dataframe", "File", "Label", "JSON", "Code", "Chatbot", "Examples"}
# Keys built at run time from a prefix (reasons, pattern names, per-scenario texts, form fields, core codes).
DYNAMIC = ("reason_", "at_pat_", "at_fig_", "sc_s_", "sc_origin_", "field_", "help_", "fi_phase_",
           "fi_demo_", "lang_code", "at_view_", "at_help_", "sc_col_", "col_", "fi_col_", "tour_", "fs_phase_",
           "fs_src_")


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def ui_sources():
    for path in sorted(UI.rglob("*.py")):
        if path.name != "strings.py":
            yield path, ast.parse(path.read_text(encoding="utf-8"))


def has_words(node) -> bool:
    """A literal (or f-string) containing an English word of 3+ letters."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(re.search(r"[A-Za-z]{3,}", node.value)) and not node.value.lstrip().startswith("<style")
    if isinstance(node, ast.JoinedStr):
        parts = [v for v in node.values if isinstance(v, ast.Constant)]
        if parts and str(parts[0].value).lstrip().startswith("<style"):
            return False
        return any(has_words(v) for v in parts)
    if isinstance(node, (ast.List, ast.Tuple)):  # choices: (label, value) pairs show only the label
        return any(has_words(e.elts[0] if isinstance(e, ast.Tuple) and e.elts else e) for e in node.elts)
    if isinstance(node, ast.BinOp):
        return has_words(node.left) or has_words(node.right)
    return False


def call_name(node: ast.Call) -> str:
    f = node.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""


def test_every_key_has_both_languages_with_the_same_placeholders():
    assert set(EN) == set(ZH), sorted(set(EN) ^ set(ZH))
    for key in EN:
        assert EN[key].strip() and ZH[key].strip(), key
        assert fields(EN[key]) == fields(ZH[key]), key


def test_language_from_browser_header():
    assert lang_from_header("zh-CN,zh;q=0.9,en;q=0.8") == "zh"
    assert lang_from_header("en-US,en;q=0.9") == "en"
    assert lang_from_header(None) == "en"
    assert t("empty_prompt", "zh") != t("empty_prompt", "en")
    assert t("lang_code", "zh") == "zh" and t("lang_code", "en") == "en"


def test_no_english_literal_reaches_the_screen():
    found = []
    for path, tree in ui_sources():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = call_name(node)
            hidden = any(kw.arg == "visible" and isinstance(kw.value, ast.Constant) and kw.value.value is False
                         for kw in node.keywords)
            if name in KEY_KWARGS or name in NOT_SHOWN or hidden:
                continue
            if name in MESSAGE_CALLS and node.args and has_words(node.args[0]):
                found.append(f"{path.relative_to(UI)}:{node.lineno} gr.{name}(literal)")
            if name in COMPONENTS and node.args and has_words(node.args[0]):
                found.append(f"{path.relative_to(UI)}:{node.lineno} gr.{name}(literal value)")
            for kw in node.keywords:
                if kw.arg in TEXT_KWARGS and has_words(kw.value):
                    found.append(f"{path.relative_to(UI)}:{node.lineno} {kw.arg}=literal")
    assert not found, "English literals shown to users (use the translation tables):\n" + "\n".join(found)


def test_every_key_used_exists_and_every_key_is_used():
    used: set[str] = set()
    sources = ""
    for path, tree in ui_sources():
        sources += path.read_text(encoding="utf-8")
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = call_name(node)
            keys = [node.args[0]] if name in KEY_CALLS and node.args else []
            keys += [kw.value for kw in node.keywords if kw.arg in KEY_KWARGS.get(name, ())]
            used.update(k.value for k in keys if isinstance(k, ast.Constant) and isinstance(k.value, str) and k.value)
    missing = sorted(k for k in used if k not in EN)
    assert not missing, f"keys used but not in the tables: {missing}"
    unused = sorted(k for k in EN if not k.startswith(DYNAMIC) and f'"{k}"' not in sources
                    and f"'{k}'" not in sources and not _core_key(k))
    assert not unused, f"keys in the tables that no UI module uses: {unused}"


def _core_key(key: str) -> bool:
    """Keys that come from the core's own message table (error codes) are used by the core."""
    try:
        from playground.errors import MESSAGES
    except ImportError:
        return False
    return key in MESSAGES["en"]
