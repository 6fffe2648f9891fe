"""Coded errors: one table of texts in English and Chinese, rendered in the user's language."""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import pytest

from playground.errors import (DataError, ModelLoadError, Msg, PlaygroundError, field_name, norm_lang, placeholders,
                               render, text_of)
from playground.messages import MESSAGES

ROOT = Path(__file__).resolve().parents[1]
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_code_exists_in_both_languages_with_the_same_placeholders():
    assert set(MESSAGES) == {"en", "zh"}
    assert set(MESSAGES["en"]) == set(MESSAGES["zh"])
    for key, english in MESSAGES["en"].items():
        chinese = MESSAGES["zh"][key]
        assert placeholders(english) == placeholders(chinese), key
        if key != "message" and not key.startswith("field.") and key not in ("accepts_text", "accepts_folder"):
            assert CJK.search(chinese), f"{key} is not translated"


def test_every_code_raised_in_the_core_has_a_text():
    """Scan the core for ``SomeError("code", ...)`` and ``Msg("code", ...)``: each code (and variant) is a key."""
    pattern = re.compile(r'\b(?:[A-Z][A-Za-z]*Error|Busy|[A-Z][a-z]+Unavailable|Msg)\(\s*"([a-z_0-9]+)"'
                         r'(?:\s*,\s*"([a-z_0-9]+)")?')
    found = set()
    for path in (ROOT / "playground").rglob("*.py"):
        if "ui" in path.relative_to(ROOT / "playground").parts:
            continue
        for code, variant in pattern.findall(path.read_text(encoding="utf-8")):
            found.add(f"{code}:{variant}" if variant else code)
    assert len(found) > 60
    missing = {k for k in found if k not in MESSAGES["en"] and not any(m.startswith(k + ":") for m in MESSAGES["en"])}
    assert missing == set()


def test_an_error_renders_in_each_language():
    err = PlaygroundError("out_of_range", field="temperature", min="0.05", max="3")
    assert isinstance(err, ValueError) and err.code == "out_of_range" and err.params["field"] == "temperature"
    assert str(err) == err.text("en") == "Temperature must be between 0.05 and 3."
    assert err.text("zh") == "温度必须在 0.05 到 3 之间。"
    assert err.text("zh-CN") == err.text("zh") and err.text("fr") == str(err)
    assert (norm_lang("zh_TW"), norm_lang(None), norm_lang("EN-us")) == ("zh", "en", "en")


def test_parameters_render_in_the_same_language():
    label = {"en": "Customer question", "zh": "顾客的问题"}
    err = PlaygroundError("input_empty", label=label)
    assert "Customer question" in str(err) and "顾客的问题" in err.text("zh") and "Customer" not in err.text("zh")
    where = Msg("where_line", name="d.jsonl", line=3)
    assert isinstance(where, str) and where == "d.jsonl, line 3" and where.text("zh") == "d.jsonl 第 3 行"
    err = DataError("bad_jsonl", "role", where=where, role="robot")
    assert err.key == "bad_jsonl:role" and err.code == "bad_jsonl"
    assert err.text("zh").startswith("d.jsonl 第 3 行：") and "line" not in err.text("zh")
    assert field_name("batch_size", "zh") == "批大小" and field_name("no_such_field") == "no_such_field"


def test_errors_keep_their_old_base_classes_and_survive_pickling():
    err = ModelLoadError("hub_not_cached", ref="org/x")
    assert isinstance(err, RuntimeError) and isinstance(err, PlaygroundError)
    for e in (err, DataError("empty", "file", name="a.txt"), Msg("note_rows_cut", max=2, n=9)):
        copy = pickle.loads(pickle.dumps(e))
        assert type(copy) is type(e) and copy.text("zh") == e.text("zh") and str(copy) == str(e)


def test_old_style_sentences_still_work_and_typos_in_codes_do_not():
    err = ModelLoadError("the bundled model file is damaged")  # code that predates the codes
    assert err.code == "message" and str(err) == err.text("zh") == "the bundled model file is damaged"
    with pytest.raises(KeyError):
        PlaygroundError("no_such_code")
    assert text_of(ValueError("plain"), "zh") == "plain" and text_of(err, "en") == str(err)
    assert render("model_empty", "zh") == "模型名称为空。"
