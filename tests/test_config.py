"""Settings validation, server limits and the mapping to ``model.generate`` arguments."""

from __future__ import annotations

import dataclasses

import pytest

from playground.config import GenerationSettings, Limits, default_cache_dir
from playground.errors import PlaygroundError, field_name
from playground.fields import all_bounds, bounds


# ----------------------------------------------------------------------------------------------- GenerationSettings

@pytest.mark.parametrize("kwargs, code, field", [
    ({"temperature": 0}, "out_of_range", "temperature"),
    ({"temperature": -1.0}, "out_of_range", "temperature"),
    ({"temperature": 3.05}, "out_of_range", "temperature"),
    ({"temperature": float("nan")}, "out_of_range", "temperature"),
    ({"top_p": 0}, "out_of_range", "top_p"),
    ({"top_p": 1.01}, "out_of_range", "top_p"),
    ({"top_k": -1}, "out_of_range", "top_k"),
    ({"top_k": 501}, "out_of_range", "top_k"),
    ({"top_k": 2.5}, "not_whole", "top_k"),
    ({"top_k": "5"}, "not_number", "top_k"),
    ({"min_p": 0.51}, "out_of_range", "min_p"),
    ({"min_p": -0.1}, "out_of_range", "min_p"),
    ({"repetition_penalty": 0.9}, "out_of_range", "repetition_penalty"),
    ({"repetition_penalty": 2.05}, "out_of_range", "repetition_penalty"),
    ({"no_repeat_ngram_size": -1}, "out_of_range", "no_repeat_ngram_size"),
    ({"num_beams": 0}, "out_of_range", "num_beams"),
    ({"num_beams": 9}, "out_of_range", "num_beams"),
    ({"max_new_tokens": 0}, "out_of_range", "max_new_tokens"),
    ({"seed": -1}, "out_of_range", "seed"),
    ({"seed": 2**32}, "out_of_range", "seed"),
    ({"max_time": 0}, "out_of_range", "max_time"),
    ({"do_sample": "yes"}, "not_a_choice", "do_sample"),
])
def test_bad_generation_settings_are_refused_with_a_coded_message(kwargs, code, field):
    with pytest.raises(PlaygroundError) as info:
        GenerationSettings(**kwargs)
    err = info.value
    assert isinstance(err, ValueError)  # callers that catch ValueError keep working
    assert (err.code, err.params["field"]) == (code, field)
    b = bounds(GenerationSettings, field)
    english, chinese = str(err), err.text("zh")
    assert english.startswith(field_name(field, "en")) and chinese.startswith(field_name(field, "zh"))
    if code == "out_of_range":  # the message gives the same range a slider shows
        assert float(err.params["min"].replace(",", "")) == b.min
        assert float(err.params["max"].replace(",", "")) == b.max
        assert err.params["max"] in english and err.params["max"] in chinese


@pytest.mark.parametrize("kwargs, code", [
    ({"stop": tuple(f"s{i}" for i in range(9))}, "too_many_stops"),
    ({"stop": ("x" * 101,)}, "stop_too_long"),
])
def test_stop_sequences_are_limited(kwargs, code):
    with pytest.raises(PlaygroundError) as info:
        GenerationSettings(**kwargs)
    assert info.value.code == code and "8" in str(info.value) or "100" in str(info.value)


@pytest.mark.parametrize("kwargs", [
    {"temperature": 3.0}, {"temperature": 0.05}, {"top_p": 1.0}, {"top_p": 0.05}, {"top_k": 0}, {"top_k": 500},
    {"min_p": 0.5}, {"repetition_penalty": 1.0}, {"repetition_penalty": 2.0}, {"num_beams": 8},
    {"seed": 0}, {"seed": 2**32 - 1}, {"stop": tuple(f"s{i}" for i in range(8))}, {"stop": ("x" * 100,)},
    {"max_time": 0.1}, {"max_new_tokens": 4096},
])
def test_boundary_values_are_accepted(kwargs):
    settings = GenerationSettings(**kwargs)
    for name, value in kwargs.items():
        assert getattr(settings, name) == value


def test_every_decoding_control_declares_its_bounds_once():
    """The slider of each control takes exactly these numbers; the defaults lie inside them."""
    declared = all_bounds(GenerationSettings)
    assert set(declared) == {f.name for f in dataclasses.fields(GenerationSettings)} - {"stop"}
    for name, b in declared.items():
        if b.kind in (int, float):
            assert b.min is not None and b.max is not None and b.step, name
            assert b.default is None or b.min <= b.default <= b.max, name
        assert b.help, name
    assert (bounds(GenerationSettings, "temperature").min, bounds(GenerationSettings, "temperature").max) == (0.05, 3.0)
    assert bounds(GenerationSettings, "seed").optional and bounds(GenerationSettings, "max_time").optional


def test_widget_values_are_normalised_to_the_field_type():
    # Sliders send floats for whole numbers; the settings keep the declared type.
    s = GenerationSettings(max_new_tokens=20.0, top_k=7.0, num_beams=2.0, temperature=1, seed=3.0)
    assert (s.max_new_tokens, s.top_k, s.num_beams, s.seed) == (20, 7, 2, 3)
    assert all(type(v) is int for v in (s.max_new_tokens, s.top_k, s.num_beams, s.seed))
    assert type(s.temperature) is float


def test_stop_accepts_a_single_string_and_drops_empty_entries():
    assert GenerationSettings(stop="END").stop == ("END",)
    assert GenerationSettings(stop="").stop == ()
    assert GenerationSettings(stop=("a", "", "b")).stop == ("a", "b")
    # Empty entries do not count toward the limit of 8.
    assert len(GenerationSettings(stop=tuple(f"s{i}" for i in range(8)) + ("", "")).stop) == 8


def test_settings_are_frozen():
    settings = GenerationSettings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.temperature = 1.0  # type: ignore[misc]


def test_capped_refuses_more_tokens_than_the_server_allows():
    limits = Limits(max_new_tokens=64)
    with pytest.raises(PlaygroundError) as info:
        GenerationSettings(max_new_tokens=65).capped(limits)
    assert info.value.code == "max_new_tokens_cap" and info.value.params == {"n": 65, "limit": 64}
    for lang in ("en", "zh"):
        assert "65" in info.value.text(lang) and "64" in info.value.text(lang)
    assert GenerationSettings(max_new_tokens=64).capped(limits).max_new_tokens == 64


def test_capped_applies_the_server_max_time():
    limits = Limits(max_time=30.0)
    assert GenerationSettings().capped(limits).max_time == 30.0  # None -> the server limit
    assert GenerationSettings(max_time=5.0).capped(limits).max_time == 5.0  # a shorter request is kept
    assert GenerationSettings(max_time=100.0).capped(limits).max_time == 30.0  # a longer one is cut
    # Everything else is unchanged.
    original = GenerationSettings(temperature=1.3, top_k=7, stop=("x",), seed=3)
    capped = original.capped(limits)
    assert dataclasses.replace(capped, max_time=None) == original


def test_greedy_kwargs_neutralise_sampling_knobs():
    kwargs = GenerationSettings(do_sample=False, temperature=0.3, top_k=5, top_p=0.5, min_p=0.2,
                                max_new_tokens=17, repetition_penalty=1.2, num_beams=2).to_generate_kwargs()
    assert kwargs["do_sample"] is False
    assert kwargs["max_new_tokens"] == 17
    assert kwargs["num_beams"] == 2
    assert kwargs["repetition_penalty"] == 1.2
    # The user's sampling values must not leak into greedy decoding; neutral values override model defaults.
    assert (kwargs["temperature"], kwargs["top_p"]) == (1.0, 1.0)
    assert "top_k" not in kwargs
    assert "min_p" not in kwargs
    assert "max_time" not in kwargs


def test_sampling_kwargs_carry_the_users_values():
    kwargs = GenerationSettings(do_sample=True, temperature=0.3, top_k=5, top_p=0.5, min_p=0.2,
                                no_repeat_ngram_size=3, max_time=4.0).to_generate_kwargs()
    assert kwargs["do_sample"] is True
    assert (kwargs["temperature"], kwargs["top_k"], kwargs["top_p"], kwargs["min_p"]) == (0.3, 5, 0.5, 0.2)
    assert kwargs["no_repeat_ngram_size"] == 3
    assert kwargs["max_time"] == 4.0
    assert "min_p" not in GenerationSettings(do_sample=True, min_p=0.0).to_generate_kwargs()


def test_generate_kwargs_are_accepted_by_transformers_generation_config():
    from transformers import GenerationConfig

    for settings in (GenerationSettings(do_sample=False), GenerationSettings(do_sample=True, min_p=0.1)):
        kwargs = settings.to_generate_kwargs()
        config = GenerationConfig(**kwargs)  # raises on contradictory or out-of-range values
        config.validate()
        assert config.do_sample is settings.do_sample
        assert config.max_new_tokens == settings.max_new_tokens


# ----------------------------------------------------------------------------------------------- Limits

def test_limits_from_env_reads_playground_variables():
    limits = Limits.from_env({
        "PLAYGROUND_MAX_NEW_TOKENS": "256",
        "PLAYGROUND_MAX_TIME": "12.5",
        "PLAYGROUND_MAX_MODELS": "3",
        "PLAYGROUND_MAX_FILE_SIZE": "5mb",
        "PLAYGROUND_TOP_ALTERNATIVES": "",  # empty means "not set"
        "MAX_NEW_TOKENS": "1",  # without the prefix: ignored
    })
    assert limits.max_new_tokens == 256 and isinstance(limits.max_new_tokens, int)
    assert limits.max_time == 12.5 and isinstance(limits.max_time, float)
    assert limits.max_models == 3
    assert limits.max_file_size == "5mb"
    assert limits.top_alternatives == Limits().top_alternatives
    assert limits.max_prompt_tokens == Limits().max_prompt_tokens


def test_limits_from_env_without_overrides_is_the_default():
    assert Limits.from_env({}) == Limits()


def test_limits_from_env_defaults_to_os_environ(monkeypatch):
    monkeypatch.setenv("PLAYGROUND_MAX_PROMPT_TOKENS", "77")
    assert Limits.from_env().max_prompt_tokens == 77


@pytest.mark.parametrize("name, raw", [
    ("PLAYGROUND_MAX_NEW_TOKENS", "lots"),
    ("PLAYGROUND_MAX_NEW_TOKENS", "12.5"),
    ("PLAYGROUND_MAX_TIME", "soon"),
    ("PLAYGROUND_MAX_TIME", "nan"),
    ("PLAYGROUND_MAX_TIME", "inf"),
])
def test_limits_from_env_rejects_non_numbers(name, raw):
    with pytest.raises(ValueError) as info:
        Limits.from_env({name: raw})
    message = str(info.value)
    assert name in message and repr(raw) in message and "accepts" in message


@pytest.mark.parametrize("name, raw", [
    ("PLAYGROUND_MAX_NEW_TOKENS", "-5"),
    ("PLAYGROUND_MAX_MODELS", "0"),
    ("PLAYGROUND_MAX_TIME", "-1.0"),
])
def test_limits_from_env_rejects_values_out_of_range(name, raw):
    with pytest.raises(PlaygroundError) as info:
        Limits.from_env({name: raw})
    assert info.value.code == "env_out_of_range"
    assert name in str(info.value) and "from" in str(info.value)  # it says what the variable accepts


def test_default_cache_dir_honours_playground_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("PLAYGROUND_CACHE", str(tmp_path / "c"))
    assert default_cache_dir() == tmp_path / "c"
    monkeypatch.delenv("PLAYGROUND_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "llm-playground"


@pytest.mark.parametrize("kwargs", [{"max_new_tokens": 0}, {"max_time": -2.0}, {"max_time": float("nan")},
                                    {"top_alternatives": -1}, {"max_models": 17}])
def test_limits_refuse_values_their_variable_would_refuse(kwargs):
    with pytest.raises(PlaygroundError) as info:
        Limits(**kwargs)
    assert info.value.code == "limit_out_of_range" and next(iter(kwargs)) in str(info.value)
