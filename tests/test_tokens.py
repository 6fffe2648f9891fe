"""Readable tokens (playground.tokens) and the chat layout (playground.chat): each written once in the core."""

from __future__ import annotations

import pytest

from playground.chat import plain_layout, render_chat
from playground.tokens import visible


@pytest.mark.parametrize("text, inline, flowing", [
    (" the", "␣the", " the"),
    ("\n", "⏎", "⏎\n"),
    ("a\tb", "a⇥b", "a⇥b"),
    ("", "∅", ""),
    ("中文", "中文", "中文"),
])
def test_visible_whitespace(text, inline, flowing):
    assert visible(text) == inline
    assert visible(text, inline=False) == flowing


def test_plots_use_the_same_marks():
    from playground import plots, plots_attention

    assert plots._show(" a\n") == visible(" a\n") == "␣a⏎"
    assert plots_attention.show_token(" a", special=True) == "★␣a"


class Plain:
    chat_template = None


class Templated:
    chat_template = "{{ messages }}"

    def apply_chat_template(self, messages, tokenize, add_generation_prompt):
        return f"<{len(messages)}|{add_generation_prompt}>"


MESSAGES = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi!"},
            {"role": "assistant", "content": "Ahoy!"}]


def test_plain_layout_for_models_without_a_chat_template():
    assert plain_layout(MESSAGES) == "System: Be brief.\nUser: Hi!\nAssistant: Ahoy!\n"
    assert plain_layout(MESSAGES[1:2], add_generation_prompt=True) == "User: Hi!\nAssistant:"
    assert render_chat(Plain(), MESSAGES[1:2], add_generation_prompt=True) == ("User: Hi!\nAssistant:", False)
    assert render_chat(Templated(), MESSAGES, add_generation_prompt=True) == ("<3|True>", True)


def test_training_data_and_sample_prompts_use_the_same_layout():
    from playground.datasets import render_record
    from playground.training.model_side import prompt_ids

    class Tok(Plain):
        def __call__(self, text, add_special_tokens=True):
            return {"input_ids": [ord(c) for c in text]}

    assert render_record({"messages": MESSAGES[1:]}, Plain()) == plain_layout(MESSAGES[1:])
    assert prompt_ids(Tok(), "Hi!", chat=True) == [ord(c) for c in plain_layout(MESSAGES[1:2], True)]
