"""Settings validation, server limits and the mapping to ``model.generate`` arguments."""

from __future__ import annotations

import dataclasses

import pytest

from playground.config import GenerationSettings, Limits, default_cache_dir


# ----------------------------------------------------------------------------------------------- GenerationSettings

@pytest.mark.parametrize("kwargs, words", [
    ({"temperature": 0}, "temperature must be above 0"),
    ({"temperature": -1.0}, "temperature must be above 0"),
    ({"temperature": 5.5}, "temperature above 5"),
    ({"top_p": 0}, "top-p must be between 0"),
    ({"top_p": 1.01}, "top-p must be between 0"),
    ({"top_k": -1}, "top-k must be 0"),
    ({"min_p": 1.0}, "min-p must be between 0 and 1"),
    ({"min_p": -0.1}, "min-p must be between 0 and 1"),
    ({"repetition_penalty": 0.4}, "repetition penalty must be between 0.5 and 3"),
    ({"repetition_penalty": 3.5}, "repetition penalty must be between 0.5 and 3"),
    ({"no_repeat_ngram_size": -1}, "no-repeat n-gram size"),
    ({"num_beams": 0}, "number of beams must be between 1 and 8"),
    ({"num_beams": 9}, "number of beams must be between 1 and 8"),
    ({"max_new_tokens": 0}, "max new tokens must be at least 1"),
    ({"seed": -1}, "seed must be between 0 and 4294967295"),
    ({"seed": 2**32}, "seed must be between 0 and 4294967295"),
    ({"stop": tuple(f"s{i}" for i in range(9))}, "at most 8 stop sequences"),
    ({"stop": ("x" * 101,)}, "at most 100 characters"),
    ({"max_time": 0}, "max time must be a positive number"),
])
def test_bad_generation_settings_are_refused_with_a_clear_message(kwargs, words):
    with pytest.raises(ValueError) as info:
        GenerationSettings(**kwargs)
    assert words in str(info.value).lower()


@pytest.mark.parametrize("kwargs", [
    {"temperature": 5.0}, {"temperature": 0.01}, {"top_p": 1.0}, {"top_p": 0.001}, {"top_k": 0},
    {"min_p": 0.99}, {"repetition_penalty": 0.5}, {"repetition_penalty": 3.0}, {"num_beams": 8},
    {"seed": 0}, {"seed": 2**32 - 1}, {"stop": tuple(f"s{i}" for i in range(8))}, {"stop": ("x" * 100,)},
])
def test_boundary_values_are_accepted(kwargs):
    settings = GenerationSettings(**kwargs)
    for name, value in kwargs.items():
        assert getattr(settings, name) == value


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
    with pytest.raises(ValueError) as info:
        GenerationSettings(max_new_tokens=65).capped(limits)
    message = str(info.value)
    assert "65" in message and "64" in message
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
    assert name in message and repr(raw) in message


@pytest.mark.parametrize("name, raw", [
    ("PLAYGROUND_MAX_NEW_TOKENS", "-5"),
    ("PLAYGROUND_MAX_MODELS", "0"),
    ("PLAYGROUND_MAX_TIME", "-1.0"),
])
def test_limits_from_env_rejects_non_positive_values(name, raw):
    with pytest.raises(ValueError) as info:
        Limits.from_env({name: raw})
    field_name = name.removeprefix("PLAYGROUND_").lower()
    assert field_name in str(info.value) and "positive" in str(info.value)


def test_default_cache_dir_honours_playground_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("PLAYGROUND_CACHE", str(tmp_path / "c"))
    assert default_cache_dir() == tmp_path / "c"
    monkeypatch.delenv("PLAYGROUND_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "llm-playground"


@pytest.mark.parametrize("kwargs", [{"max_new_tokens": 0}, {"max_time": -2.0}, {"max_time": float("nan")},
                                    {"top_alternatives": -1}])
def test_limits_refuse_non_positive_values(kwargs):
    with pytest.raises(ValueError, match="must be positive"):
        Limits(**kwargs)
