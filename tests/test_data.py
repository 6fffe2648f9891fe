"""Reading uploads: encodings, formats, every refusal with its own message, blocks and the split."""

import json
import os

import pytest

from playground import data
from playground.data import DataError, DataLimits

EN = "The lighthouse keeper wrote in his log every evening, and the sea answered with a calm, silver song. " * 4
ZH = "喵～亲爱的客官，本喵的云朵面包铺周六周日照常开门，刚出炉的奶油小云朵最抢手。祝您天天软乎乎！" * 6


def code_of(fn, *args, **kwargs) -> str:
    with pytest.raises(DataError) as info:
        fn(*args, **kwargs)
    assert str(info.value) and "Traceback" not in str(info.value)
    return info.value.code


@pytest.fixture(scope="module")
def tok(llama_folder):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(llama_folder)


@pytest.fixture(scope="module")
def plain_tok(gpt2_folder):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(gpt2_folder)


@pytest.mark.parametrize("encoding", ["gb18030", "gbk", "utf-8", "utf-8-sig", "utf-16"])
def test_encodings_decode_to_the_same_text(encoding):
    raw = ZH.encode(encoding)
    doc = data.parse_document("面包.txt", raw)
    assert doc.records[0]["text"] == ZH
    assert "\ufeff" not in doc.records[0]["text"]


def test_windows_line_endings_become_newlines():
    doc = data.parse_document("a.txt", "one\r\ntwo\r\n".encode() + EN.encode())
    assert "\r" not in doc.records[0]["text"] and doc.records[0]["text"].startswith("one\ntwo\n")


@pytest.mark.parametrize("raw", [
    b"\x89PNG\r\n\x1a\n" + os.urandom(200),  # a picture renamed to .txt
    b"%PDF-1.7\n" + b"x" * 300,
    b"PK\x03\x04" + os.urandom(200),  # a .docx / zip
    b"hello\x00world" * 50,  # NUL bytes
    bytes(range(1, 9)) * 60,  # control characters only
])
def test_binary_content_is_refused_even_when_named_txt(raw):
    assert code_of(data.parse_document, "notes.txt", raw) == "binary"


def test_western_legacy_text_is_read_not_refused():
    menu = "Caf\u00e9 cr\u00e8me br\u00fbl\u00e9e, " * 30
    doc = data.parse_document("menu.txt", menu.encode("latin-1"))
    assert doc.records[0]["text"] == menu and doc.encoding == "cp1252"


def test_refusals_are_coded_and_translated_without_mixing_languages():
    with pytest.raises(DataError) as info:
        data.parse_document("notes.txt", b"\x89PNG\r\n\x1a\n" + os.urandom(200))
    err = info.value
    assert err.code == "binary" and str(err) == err.text("en") and "notes.txt" in err.text("zh")
    assert "not a text file" in err.text("en") and "不是文本文件" in err.text("zh")
    assert "text" not in err.text("zh").replace(".txt", "")  # a Chinese user sees one Chinese message


@pytest.mark.parametrize("raw", [b"", b"   \n\n\t  \r\n", "\ufeff  ".encode("utf-8")])
def test_empty_and_whitespace_files(raw):
    assert code_of(data.parse_document, "empty.txt", raw) == "empty"


def test_too_little_text_and_too_big_and_too_many():
    assert code_of(data.read_inputs, [("a.txt", b"Just one short line.")]) == "too_little"
    assert code_of(data.read_inputs, pasted="   ") == "empty"
    assert code_of(data.read_inputs, []) == "empty"
    small = DataLimits(max_upload_mb=0.001)
    assert code_of(data.read_inputs, [("a.txt", EN.encode() * 5)], limits=small) == "too_big"
    assert code_of(data.read_inputs, pasted=EN * 5, limits=small) == "too_big"
    assert code_of(data.read_inputs, [(f"{i}.txt", EN.encode()) for i in range(11)]) == "too_many_files"
    assert code_of(data.parse_document, "a.pdf", EN.encode()) == "unsupported"
    assert DataLimits.from_env({"PLAYGROUND_MAX_UPLOAD_MB": "2.5"}).max_bytes == int(2.5 * 1024 * 1024)


def test_read_paths_checks_the_size_before_reading(tmp_path):
    big = tmp_path / "big.txt"
    big.write_bytes(b"a" * 3000)
    assert code_of(data.read_paths, [big], limits=DataLimits(max_upload_mb=0.001)) == "too_big"


def test_jsonl_formats_map_to_the_right_training_text(tok, plain_tok):
    lines = [
        {"text": "Plain text record."},
        {"prompt": "Q: two plus two?", "completion": " A: four."},
        {"messages": [{"role": "user", "content": "Hi!"}, {"role": "assistant", "content": "Ahoy!"}]},
        {"text": "   "},  # no text: skipped
    ]
    raw = "\n".join(json.dumps(x, ensure_ascii=False) for x in lines).encode() + b"\n\n"
    doc = data.parse_document("d.jsonl", raw)
    assert [data.render_record(r, tok) for r in doc.records[:2]] == ["Plain text record.", "Q: two plus two? A: four."]
    chat = data.render_record(doc.records[2], tok)  # the tokenizer's chat template
    assert chat == tok.apply_chat_template(lines[2]["messages"], tokenize=False)
    assert "<|im_start|>assistant\nAhoy!<|im_end|>" in chat
    assert data.render_record(doc.records[2], plain_tok) == "User: Hi!\nAssistant: Ahoy!\n"  # no template
    assert len(doc.records) == 3 and doc.is_chat


@pytest.mark.parametrize("line, match", [
    ("{not json", "line 1: not valid JSON"),
    ('["a list"]', "expected a JSON object"),
    ('{"title": "x"}', "found keys: title"),
    ('{"messages": [{"role": "robot", "content": "x"}]}', "unknown role"),
    ('{"text": 5}', "must be a string"),
])
def test_bad_jsonl_lines_name_the_problem(line, match):
    with pytest.raises(DataError, match=match) as info:
        data.parse_document("d.jsonl", line.encode())
    assert info.value.code == "bad_jsonl"
    assert "d.jsonl 第 1 行" in info.value.text("zh")  # the place is rendered in the user's language too


def test_csv_column_choice():
    raw = "id,title,body\n1,Tea,The tea was hot and strong\n2,Bread,Fresh bread every morning\n".encode()
    doc = data.parse_document("t.csv", raw)
    assert doc.column == "body" and doc.columns == ("id", "title", "body")  # the column with the most text
    assert [r["text"] for r in data.parse_document("t.csv", raw, "title").records] == ["Tea", "Bread"]
    with pytest.raises(DataError, match="no column 'nope'") as info:
        data.parse_document("t.csv", raw, "nope")
    assert info.value.code == "no_column" and info.value.params["columns"] == "id, title, body"
    assert "'nope'" in info.value.text("zh") and "id, title, body" in info.value.text("zh")
    semicolon = "text;label\nHello there;1\nGood morning;0\n".encode("gb18030")
    assert [r["text"] for r in data.parse_document("s.csv", semicolon).records] == ["Hello there", "Good morning"]


def test_several_files_and_pasted_text_together(tok):
    docs = data.read_inputs([("a.txt", EN.encode()), ("b.md", ZH.encode("gbk"))], pasted="And some pasted words. " * 3)
    assert [d.name for d in docs] == ["a.txt", "b.md", data.PASTED]
    assert docs[1].encoding == "gb18030"
    ds = data.build_dataset(docs, tok, block_size=32)
    assert ds.chars == len(EN) + len(ZH) + len("And some pasted words. " * 3)


def test_blocks_and_split(tok):
    docs = data.read_inputs(pasted=EN * 3)
    ds = data.build_dataset(docs, tok, block_size=32, val_fraction=0.2, seed=1)
    blocks = ds.train + ds.val
    assert all(len(b) <= 32 for b in blocks) and sum(len(b) < 32 for b in blocks) <= 1  # only the tail is short
    assert len(ds.val) == round(ds.blocks * 0.2) and ds.train and not set(ds.train) & set(ds.val)
    assert sum(len(b) for b in blocks) <= ds.tokens
    again = data.build_dataset(docs, tok, block_size=32, val_fraction=0.2, seed=1)
    assert again.val == ds.val and again.fingerprint == ds.fingerprint  # deterministic
    p = data.preview(ds, tok, n=2)
    assert p.train_blocks + p.val_blocks == p.blocks and len(p.samples) == 2 and p.samples[0].strip()
    assert code_of(data.build_dataset, data.read_inputs(pasted=EN), tok, 2048) == "too_little"


def test_demo_datasets_exist_in_both_languages(tok):
    demos = {d.language: d for d in data.demo_sets()}
    assert set(demos) == {"en", "zh"}
    for demo in demos.values():
        docs = data.read_paths([demo.path])
        assert docs[0].is_chat and len(docs[0].records) >= 30 and demo.prompts
        ds = data.build_dataset(docs, tok, 128)
        assert len(ds.train) >= 8
    zh_text = data.read_paths([demos["zh"].path])[0].records[0]["messages"][1]["content"]
    assert zh_text.startswith("喵～亲爱的客官") and zh_text.endswith("喵掌柜 🐾")
