"""Conversations as model text: the tokenizer's chat template, or a plain "User:/Assistant:" layout for models
without one (base models such as GPT-2). The one place that layout is written."""

from __future__ import annotations

from typing import Sequence

ASSISTANT = "Assistant:"


def has_template(tokenizer) -> bool:
    return bool(getattr(tokenizer, "chat_template", None))


def plain_layout(messages: Sequence[dict], add_generation_prompt: bool = False) -> str:
    """``"User: hi\\nAssistant: hello\\n"`` (one line per turn, the role capitalised); with
    ``add_generation_prompt`` it ends with ``"Assistant:"`` for the model to continue."""
    text = "".join(f"{m['role'].capitalize()}: {m['content']}\n" for m in messages)
    return text + ASSISTANT if add_generation_prompt else text


def render_chat(tokenizer, messages: Sequence[dict], add_generation_prompt: bool = False) -> tuple[str, bool]:
    """(text, used_template): the conversation through the chat template when the tokenizer has one, else the
    plain layout."""
    if has_template(tokenizer):
        return tokenizer.apply_chat_template(list(messages), tokenize=False,
                                             add_generation_prompt=add_generation_prompt), True
    return plain_layout(messages, add_generation_prompt), False
