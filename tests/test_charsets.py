"""Charset detection of uploads (playground.charsets): every fixture's outcome, and what the messages say."""

import pytest

from charset_fixtures import fixtures
from playground import data
from playground.charsets import decode_bytes, looks_binary
from playground.errors import DataError

FIXTURES = fixtures()


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.name for f in FIXTURES])
def test_each_fixture_is_read_correctly_or_refused(fixture):
    if fixture.expect == "text":
        text, encoding = decode_bytes(fixture.data, "upload.txt")
        assert text == fixture.text, encoding
        assert not looks_binary(fixture.data)
    else:
        with pytest.raises(DataError) as info:
            decode_bytes(fixture.data, "upload.txt")
        assert info.value.code == fixture.expect
        assert looks_binary(fixture.data) is (fixture.expect == "binary")


@pytest.mark.parametrize("name, encoding", [("Shift-JIS Japanese", "cp932"), ("Big5 Traditional Chinese", "big5"),
                                            ("Windows-1252 Western", "cp1252"), ("GBK Chinese", "gb18030"),
                                            ("utf-16 LE no BOM, Chinese", "utf-16-le")])
def test_the_encoding_found_is_reported(name, encoding):
    fixture = next(f for f in FIXTURES if f.name == name)
    assert decode_bytes(fixture.data)[1] == encoding
    doc = data.parse_document("notes.txt", fixture.data)
    assert doc.encoding == encoding and doc.records[0]["text"] == fixture.text


def test_a_refused_encoding_is_named_in_both_languages():
    fixture = next(f for f in FIXTURES if f.expect == "encoding")
    with pytest.raises(DataError) as info:
        data.parse_document("mainframe.txt", fixture.data)
    err = info.value
    assert err.code == "encoding" and err.params["encoding"] == "cp037"
    for lang in ("en", "zh"):
        assert "cp037" in err.text(lang) and "UTF-8" in err.text(lang) and "mainframe.txt" in err.text(lang)
    # One message per language: the Chinese text carries no English sentence.
    assert "encoding" not in err.text("zh") and "编码" in err.text("zh")


def test_a_renamed_picture_is_binary_whatever_its_name():
    png = next(f for f in FIXTURES if f.name == "PNG picture")
    for name in ("notes.txt", "data.csv", "chat.jsonl"):
        with pytest.raises(DataError) as info:
            data.parse_document(name, png.data)
        assert info.value.code == "binary"


def test_a_large_legacy_file_is_read_whole():
    """A character split at the end of the sample charset-normalizer reads must not hide the right codec."""
    from charset_fixtures import ZH

    raw = (ZH * 4000).encode("gbk")  # ~1 MB, far beyond the sample
    text, encoding = decode_bytes(raw)
    assert encoding == "gb18030" and text == ZH * 4000
