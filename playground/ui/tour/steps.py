"""The guided tour as data: each step is one idea and one action in the real tabs.

A step's ``link`` is a shared link's parameters (see ``ui/links.py``), one set per language, so "Try it" opens the
right tab with the right example filled in, exactly as a teacher's link would.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    key: str  # strings: tour_<key>_title / _idea / _do / _notice
    icon: str
    link: dict  # language -> link parameters


STEPS = (
    Step("tokens", "🧩", {
        "en": {"tab": "generate", "mode": "complete", "prompt": "Tokenization splits unbelievably long words."},
        "zh": {"tab": "generate", "mode": "complete", "prompt": "分词把一句话切成一个个词元。"},
    }),
    Step("next", "🎯", {
        "en": {"tab": "generate", "mode": "complete", "prompt": "The capital of France is", "do_sample": "true",
               "temperature": "1", "top_k": "0", "top_p": "1"},
        "zh": {"tab": "generate", "mode": "complete", "prompt": "中国的首都是", "do_sample": "true",
               "temperature": "1", "top_k": "0", "top_p": "1"},
    }),
    Step("sampling", "🎲", {
        "en": {"tab": "generate", "mode": "complete", "prompt": "My favourite animal is the", "do_sample": "true",
               "temperature": "1.5", "top_k": "0", "top_p": "1"},
        "zh": {"tab": "generate", "mode": "complete", "prompt": "我最喜欢的动物是", "do_sample": "true",
               "temperature": "1.5", "top_k": "0", "top_p": "1"},
    }),
    Step("generate", "✍️", {
        "en": {"tab": "generate", "mode": "chat", "prompt": "Write two short lines about the sea.",
               "do_sample": "true", "temperature": "0.7", "max_new_tokens": "48", "seed": "7"},
        "zh": {"tab": "generate", "mode": "chat", "prompt": "写两句关于大海的短诗。", "do_sample": "true",
               "temperature": "0.7", "max_new_tokens": "48", "seed": "7"},
    }),
    Step("perplexity", "📏", {
        "en": {"tab": "generate", "ppl": "The cat sat on the mat and looked out of the window."},
        "zh": {"tab": "generate", "ppl": "小猫坐在垫子上，看着窗外。"},
    }),
    Step("attention", "🔍", {
        "en": {"tab": "attention", "text": "The cat sat on the mat because the cat was tired."},
        "zh": {"tab": "attention", "text": "小猫坐在垫子上，因为小猫累了。"},
    }),
    Step("finetune", "🎓", {
        "en": {"tab": "finetune", "demo": "lighthouse_tea_en"},
        "zh": {"tab": "finetune", "demo": "cloud_bakery_zh"},
    }),
    Step("uses", "🌍", {
        "en": {"tab": "scenarios", "scenario": "qa_passage", "example": "0"},
        "zh": {"tab": "scenarios", "scenario": "qa_passage", "example": "2"},
    }),
)
