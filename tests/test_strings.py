"""Every UI string exists in English and Chinese, and format placeholders agree."""

import string

from playground.ui.strings import EN, ZH, lang_from_header, t


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


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
