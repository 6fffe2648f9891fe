"""Server folders are the operator's: what a visitor may type into the model picker (PLAYGROUND_MODEL_DIRS)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from playground import model_dirs
from playground.errors import ModelLoadError
from playground.models import LOCAL_SUFFIX, ModelSpec, local_model_choices


@pytest.fixture
def served(tmp_path, gpt2_folder, monkeypatch):
    """An allowed folder holding one model, a folder outside it with another, and a cache of our own."""
    allowed = tmp_path / "models"
    outside = tmp_path / "elsewhere"
    shutil.copytree(gpt2_folder, allowed / "tiny-gpt2")
    shutil.copytree(gpt2_folder, outside / "secret-model")
    (allowed / "notes").mkdir()  # no config.json: not a model
    monkeypatch.setenv("PLAYGROUND_MODEL_DIRS", str(allowed))
    monkeypatch.setenv("PLAYGROUND_CACHE", str(tmp_path / "cache"))
    return allowed, outside


def refusal(text: str) -> ModelLoadError:
    with pytest.raises(ModelLoadError) as info:
        ModelSpec.parse(text)
    return info.value


def test_typed_server_folders_are_refused_by_default(gpt2_folder, monkeypatch):
    monkeypatch.delenv("PLAYGROUND_MODEL_DIRS", raising=False)
    err = refusal(str(gpt2_folder))
    assert err.code == "local_not_allowed"
    assert local_model_choices() == []
    # The operator's own Python code may still load any folder directly.
    assert ModelSpec("local", str(gpt2_folder)).source == "local"


def test_a_folder_inside_an_allowed_folder_loads(served, registry):
    allowed, _ = served
    spec = ModelSpec.parse(str(allowed / "tiny-gpt2"))
    assert spec.source == "local" and spec.ref == os.path.realpath(allowed / "tiny-gpt2")
    assert registry.get(spec).model is not None


@pytest.mark.parametrize("typed", [
    "{outside}/secret-model",  # outside every allowed folder
    "{allowed}/../elsewhere/secret-model",  # .. out of it
    "{allowed}/tiny-gpt2/../tiny-gpt2",  # .. even when it would end up inside
    "{allowed}/escape",  # a symlink inside that points outside
    "/etc",
    "~",
])
def test_escapes_are_refused(served, typed):
    allowed, outside = served
    (allowed / "escape").symlink_to(outside / "secret-model")
    err = refusal(typed.format(allowed=allowed, outside=outside))
    assert err.code == "local_not_allowed"


def test_a_symlink_to_another_allowed_place_is_fine(served):
    allowed, _ = served
    (allowed / "alias").symlink_to(allowed / "tiny-gpt2")
    assert ModelSpec.parse(str(allowed / "alias")).ref == os.path.realpath(allowed / "tiny-gpt2")


def test_existing_and_missing_paths_get_the_same_message(served, tmp_path):
    allowed, outside = served
    pairs = [(str(outside / "secret-model"), str(outside / "no-such-model")),
             ("/etc", "/no/such/folder/at/all"),
             (str(allowed / ".." / "elsewhere"), str(allowed / ".." / "nothing"))]
    for existing, missing in pairs:
        a, b = refusal(existing), refusal(missing)
        assert (a.code, a.params) == (b.code, b.params) and str(a) == str(b) and a.text("zh") == b.text("zh")


def test_messages_never_show_server_paths(served, tmp_path, registry):
    allowed, outside = served
    errors = [refusal(str(outside / "secret-model")), refusal(str(outside / "missing-model"))]
    with pytest.raises(ModelLoadError) as info:  # inside an allowed folder, but not a model
        registry.get(ModelSpec.parse(str(allowed / "notes")))
    errors.append(info.value)
    with pytest.raises(ModelLoadError) as info:
        registry.get(ModelSpec.parse(str(allowed / "not-there")))
    errors.append(info.value)
    for err in errors:
        for lang in ("en", "zh"):
            text = err.text(lang)
            assert str(tmp_path) not in text and "elsewhere" not in text and "models/" not in text, text


def test_session_folders_stay_private_inside_an_allowed_folder(tmp_path, gpt2_folder, monkeypatch):
    cache = tmp_path / "cache"
    run = cache / "sessions" / "abcdefgh1234" / "runs" / "run1"
    shutil.copytree(gpt2_folder, run / "model")
    monkeypatch.setenv("PLAYGROUND_CACHE", str(cache))
    monkeypatch.setenv("PLAYGROUND_MODEL_DIRS", str(cache) + os.pathsep + str(cache / "sessions"))
    for typed in (run / "model", run, cache / "sessions"):
        assert refusal(str(typed)).code == "private_folder"
    assert [s for s in local_model_choices() if "sessions" in s.ref] == []


def test_local_model_choices_list_models_by_name(served):
    allowed, _ = served
    (allowed / "escape").symlink_to(served[1] / "secret-model")  # points outside: not listed
    choices = local_model_choices()
    assert [c.label for c in choices] == ["tiny-gpt2" + LOCAL_SUFFIX]
    assert str(allowed) not in choices[0].label
    assert ModelSpec.parse(choices[0].label) == choices[0]  # the picker's value parses back


def test_path_or_hub_is_decided_without_the_filesystem(monkeypatch):
    def no_disk(*args, **kwargs):
        raise AssertionError("the filesystem was consulted")

    monkeypatch.setattr(os.path, "isdir", no_disk)
    monkeypatch.setattr(os.path, "exists", no_disk)
    assert ModelSpec.parse("openai-community/gpt2").source == "hub"
    for text in ("/srv/models/x", "./x", "../x", "~/x", "C:\\models\\x", "models\\x"):
        assert model_dirs.looks_local(text)
    for text in ("gpt2", "owner/name", "owner/name@main"):
        assert not model_dirs.looks_local(text)


def test_allowed_roots_read_the_variable(tmp_path):
    env = {"PLAYGROUND_MODEL_DIRS": f"{tmp_path / 'a'}{os.pathsep}{tmp_path / 'b'}{os.pathsep}"}
    assert model_dirs.allowed_roots(env) == (Path(os.path.realpath(tmp_path / "a")),
                                            Path(os.path.realpath(tmp_path / "b")))
    assert model_dirs.allowed_roots({}) == ()
