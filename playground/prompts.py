"""User input -> the token ids a model reads: plain text to continue, or a conversation through the chat template.

Too-long input is cut from the left (with a notice); empty or oversized input is refused with a coded
``PlaygroundError``. Notices (``PreparedPrompt.warnings``) are ``Msg`` objects: plain English strings that the UI
can also render in the user's language (``warning.text(lang)``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from .chat import render_chat
from .config import Limits
from .errors import Msg, PlaygroundError
from .models import LoadedModel


@dataclass(frozen=True)
class PreparedPrompt:
    text: str  # exactly what the model reads (chat template applied)
    input_ids: list[int]
    truncated: int = 0  # tokens cut from the start
    used_template: bool = False
    warnings: tuple[str, ...] = ()  # ``Msg`` notices: English text, or ``w.text(lang)``
    messages: tuple[dict, ...] = ()  # the conversation sent to a remote engine's chat API (which templates it)



def prepare_prompt(lm: LoadedModel, limits: Limits, prompt: str = "", chat: bool = False,
                   messages: Sequence[dict] | None = None, system: str | None = None) -> PreparedPrompt:
    """Turn user input into model input ids.

    Plain mode continues ``prompt``. Chat mode renders ``messages`` (plus ``prompt`` as the newest user turn, and
    ``system`` when given) with the tokenizer's chat template. Too-long input is cut from the left, with a warning.
    """
    check_length(prompt, limits, "prompt")
    if not getattr(lm, "has_weights", True):
        return remote_prompt(prompt, chat, messages, system)
    tokenizer = lm.tokenizer
    notices: list[Msg] = []
    used_template = False
    if chat:
        turns = chat_turns(prompt, messages, system)
        text, used_template = render_chat(tokenizer, turns, add_generation_prompt=True)
        if not used_template:
            notices.append(Msg("notice_no_chat_template"))
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    else:
        if not prompt.strip():
            raise PlaygroundError("prompt_empty")
        text = prompt
        ids = tokenizer(text)["input_ids"]
    truncated = 0
    if len(ids) > limits.max_prompt_tokens:
        truncated = len(ids) - limits.max_prompt_tokens
        ids = ids[truncated:]
        text = tokenizer.decode(ids, skip_special_tokens=False)
        notices.append(Msg("notice_prompt_cut", {"total": truncated + len(ids), "kept": len(ids), "cut": truncated}))
    if not ids:
        raise PlaygroundError("no_tokens")
    return PreparedPrompt(text, list(ids), truncated, used_template, tuple(notices))


def chat_turns(prompt: str, messages: Sequence[dict] | None, system: str | None) -> list[dict]:
    """The conversation: earlier ``messages``, then ``prompt`` as the newest user turn, after ``system`` if given."""
    turns = [dict(m) for m in (messages or [])]
    if prompt:
        turns.append({"role": "user", "content": prompt})
    if not turns:
        raise PlaygroundError("chat_empty")
    if system and system.strip():
        turns.insert(0, {"role": "system", "content": system.strip()})
    return turns


def remote_prompt(prompt: str = "", chat: bool = False, messages: Sequence[dict] | None = None,
                  system: str | None = None) -> PreparedPrompt:
    """The input for a remote engine, which has its own tokenizer and chat template: the conversation (chat) or the
    text (completion). ``text`` is what a completions request would read: the turns written out plainly."""
    if not chat:
        if not prompt.strip():
            raise PlaygroundError("prompt_empty")
        return PreparedPrompt(prompt, [])
    turns = chat_turns(prompt, messages, system)
    text = "".join(f"{m['role'].capitalize()}: {m['content']}\n\n" for m in turns) + "Assistant:"
    return PreparedPrompt(text, [], 0, False, (Msg("notice_remote_chat"),), tuple(turns))


def check_length(text: str, limits: Limits, what: str = "text") -> None:
    """Refuse text longer than ``limits.max_input_chars`` before tokenizing it (``what``: "prompt" or "text")."""
    if len(text) > limits.max_input_chars:
        raise PlaygroundError("too_long", what, n=len(text), limit=limits.max_input_chars)
