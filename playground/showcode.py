""""Show the code": minimal runnable Python for what a participant just did in the app.

Each function returns the text of a complete script (plain ``torch`` / ``transformers`` / ``peft``), with the
participant's settings filled in, so they can copy it and run the same thing on their own machine. Tests execute
these scripts with tiny models and compare their results with the app's (same greedy tokens, same parameter
counts, same first losses). No gradio here.

- ``scratch_code(settings)``: the two from-scratch models (the very classes the app trains) and the loop.
- ``generation_code(model, settings, prompt, chat)``: ``model.generate`` with the Generate tab's settings.
- ``lora_code(model, settings)``: the Fine-tune tab's LoRA set-up (``LoraConfig`` + ``get_peft_model``).
- ``classify_code(model, template, labels, text)``: a scenario's label-likelihood classification.
- ``attention_code(model, text, layer, head)``: one forward pass with ``output_attentions``; one head's weights.

``model_ref(spec)`` is what the scripts load for the app's model choice (a Hub id, or a local folder's name).
"""

from __future__ import annotations

import inspect
import pprint
from typing import Any, Sequence


def _literal(value: Any) -> str:
    return pprint.pformat(value, width=100, sort_dicts=False)


def model_ref(spec) -> str:
    """What a shown script loads for a ``ModelSpec``: its Hub id (the bundled model's too), else its name (a local
    folder's name, never the server's path to it)."""
    from . import bundled

    return {"bundled": bundled.HUB_ID, "hub": spec.ref}.get(spec.source, spec.name)


# ----------------------------------------------------------------------------------------------- from scratch

SCRATCH_LOOP = '''

# ------------------------------------------------------------------ settings used in the app
LAYERS, WIDTH, CONTEXT, HEADS = {layers}, {width}, {context}, {heads}
STEPS, LR, BATCH, SEED, EVAL_EVERY, TEMPERATURE = {steps}, {lr}, {batch}, {seed}, {sample_every}, {temperature}


def split(ids, context, val_fraction=0.1):
    """Train on the start, validate on the last 10 % (at least two full sequences)."""
    n_val = max(int(len(ids) * val_fraction), 2 * (context + 1))
    return ids[: len(ids) - n_val], ids[len(ids) - n_val:]


def train(text, steps=STEPS, report=print):
    """Train both models on the same batches, one step each in turn; returns [(lstm loss, transformer loss)]."""
    tokenizer = CharTokenizer(text)
    train_ids, val_ids = (torch.tensor(part) for part in split(tokenizer.encode(text), CONTEXT))
    lstm, transformer = build_pair(tokenizer.vocab_size, WIDTH, LAYERS, CONTEXT, SEED, HEADS)
    models = {{"lstm": lstm, "transformer": transformer}}
    report(f"parameters: lstm {{count_params(lstm):,}}, transformer {{count_params(transformer):,}}")
    optimizers = {{n: torch.optim.AdamW(m.parameters(), lr=LR, weight_decay=0.01) for n, m in models.items()}}
    generator = torch.Generator().manual_seed(SEED)
    history = []
    for step in range(1, steps + 1):
        starts = torch.randint(0, len(train_ids) - CONTEXT - 1, (BATCH,), generator=generator)
        rows = torch.stack([train_ids[s:s + CONTEXT + 1] for s in starts.tolist()])
        x, y = rows[:, :-1], rows[:, 1:]
        losses = []
        for name, model in models.items():
            model.train()
            logits = model(x)  # (batch, context, vocab)
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
            optimizers[name].zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizers[name].step()
            losses.append(float(loss.detach()))
        history.append(tuple(losses))
        if step % EVAL_EVERY == 0 or step == steps:
            n = min(24, len(val_ids) // (CONTEXT + 1))
            val = val_ids[: n * (CONTEXT + 1)].view(n, CONTEXT + 1)
            with torch.no_grad():
                ppl = {{}}
                for name, model in models.items():
                    model.eval()
                    logits = model(val[:, :-1])
                    ppl[name] = math.exp(F.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                                         val[:, 1:].reshape(-1)).item())
            report(f"step {{step}}: loss lstm {{losses[0]:.3f}}, transformer {{losses[1]:.3f}}; "
                   f"validation perplexity lstm {{ppl['lstm']:.2f}}, transformer {{ppl['transformer']:.2f}}")
    prompt = tokenizer.encode(text[:12])
    for name, model in models.items():
        model.eval()
        new = sample(model, prompt, 120, CONTEXT, TEMPERATURE, torch.Generator().manual_seed(SEED))
        report(f"{{name}}: {{text[:12]}}{{tokenizer.decode(new)}}")
    return history


if __name__ == "__main__":
    import sys

    path = sys.argv[1] if len(sys.argv) > 1 else "corpus.txt"  # any UTF-8 text file
    train(open(path, encoding="utf-8").read())
'''


def scratch_code(settings) -> str:
    """A standalone script: the app's two model classes (their real source) plus the alternating loop."""
    from .scratch import models
    from .scratch.settings import HEADS

    header = ("# Train a tiny LSTM and a tiny Transformer side by side, as the From-scratch tab did.\n"
              "# Needs only torch (pip install torch). Run: python scratch_models.py my_text.txt\n")
    body = inspect.getsource(models)
    loop = SCRATCH_LOOP.format(layers=settings.layers, width=settings.width, context=settings.context, heads=HEADS,
                               steps=settings.steps, lr=settings.lr, batch=settings.batch, seed=settings.seed,
                               sample_every=settings.sample_every, temperature=settings.temperature)
    return header + body + "\nimport torch.nn.functional as F\n" + loop


# ----------------------------------------------------------------------------------------------- generation

def generation_code(model: str, settings, prompt: str, chat: bool = False, system: str = "") -> str:
    """``model.generate`` with the Generate tab's settings (``GenerationSettings``); prints the new text."""
    kwargs = settings.to_generate_kwargs()
    kwargs.pop("max_time", None)  # a server limit, not part of the experiment
    if settings.stop:
        kwargs["stop_strings"] = list(settings.stop)
    seed = settings.seed if settings.seed is not None else 0
    if chat:
        messages = ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": prompt}]
        encode = (f"messages = {_literal(messages)}\n"
                  "text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)\n"
                  "inputs = tokenizer(text, return_tensors=\"pt\", add_special_tokens=False)\n")
    else:
        encode = f"inputs = tokenizer({prompt!r}, return_tensors=\"pt\")\n"
    extra = ", tokenizer=tokenizer" if settings.stop else ""
    return (
        "# Generate text as the Generate tab did. pip install torch transformers\n"
        "import torch\n"
        "from transformers import AutoModelForCausalLM, AutoTokenizer\n\n"
        f"MODEL = {model!r}  # a Hugging Face id or a local folder\n"
        "tokenizer = AutoTokenizer.from_pretrained(MODEL)\n"
        "model = AutoModelForCausalLM.from_pretrained(MODEL)\n"
        + encode +
        f"settings = {_literal(kwargs)}\n"
        f"torch.manual_seed({seed})  # same seed + same settings = same text\n"
        "pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id\n"
        f"output = model.generate(**inputs, **settings, pad_token_id=pad{extra})\n"
        "new_tokens = output[0, inputs[\"input_ids\"].shape[1]:]\n"
        "print(tokenizer.decode(new_tokens, skip_special_tokens=True))\n")


def remote_generation_code(path: str, body: dict) -> str:
    """The request a remote engine got for a generation (``remote_views.generation_request``), as a script that
    streams it and prints each token with its probability. The engine's address and key are the reader's own."""
    return (
        "# Ask an OpenAI-compatible engine (vLLM, SGLang, TGI, llama.cpp's server...) as the Generate tab did.\n"
        "# pip install httpx\n"
        "import json, math, os\n\n"
        "import httpx\n\n"
        "BASE_URL = os.environ.get(\"BASE_URL\", \"http://localhost:8000/v1\")  # your engine's address\n"
        "headers = {\"Authorization\": \"Bearer \" + os.environ[\"API_KEY\"]} if os.environ.get(\"API_KEY\") else {}\n"
        f"body = {_literal(body)}\n"
        "text = \"\"\n"
        f"with httpx.stream(\"POST\", BASE_URL + \"/{path}\", json=body, headers=headers, timeout=60) as response:\n"
        "    response.raise_for_status()\n"
        "    for line in response.iter_lines():\n"
        "        if not line.startswith(\"data:\") or line[5:].strip() == \"[DONE]\":\n"
        "            continue\n"
        "        choice = json.loads(line[5:])[\"choices\"][0]\n"
        "        text += (choice.get(\"delta\") or {}).get(\"content\") or choice.get(\"text\") or \"\"\n"
        "        logprobs = choice.get(\"logprobs\") or {}\n"
        "        for item in logprobs.get(\"content\") or []:  # chat: one entry per token\n"
        "            print(f\"{item['token']!r:>16} p={math.exp(item['logprob']):.3f}\")\n"
        "        for token, value in zip(logprobs.get(\"tokens\") or [], logprobs.get(\"token_logprobs\") or []):\n"
        "            print(f\"{token!r:>16} p={math.exp(value):.3f}\")  # completions\n"
        "print(text)\n")


# ----------------------------------------------------------------------------------------------- LoRA

def lora_code(model: str, settings) -> str:
    """The Fine-tune tab's LoRA set-up for ``TrainSettings`` (rank, alpha, dropout, target layers, lr)."""
    targets = "'all-linear'" if settings.lora_targets == "all-linear" else "lora_targets(model)"
    return (
        "# LoRA as the Fine-tune tab set it up. pip install torch transformers peft\n"
        "import torch\n"
        "from peft import LoraConfig, get_peft_model\n"
        "from transformers import AutoModelForCausalLM, AutoTokenizer\n\n"
        f"MODEL = {model!r}\n"
        "tokenizer = AutoTokenizer.from_pretrained(MODEL)\n"
        "model = AutoModelForCausalLM.from_pretrained(MODEL, dtype=torch.float32)\n\n\n"
        "def lora_targets(model):\n"
        "    \"\"\"The attention query and value projections, whatever this architecture calls them.\"\"\"\n"
        "    names = {name.rsplit('.', 1)[-1] for name, _ in model.named_modules()}\n"
        "    for pair in (['q_proj', 'v_proj'], ['qkv_proj'], ['c_attn'], ['query_key_value'], ['query', 'value']):\n"
        "        if all(n in names for n in pair):\n"
        "            return pair\n"
        "    return 'all-linear'\n\n\n"
        "conv1d = model.config.model_type in ('gpt2', 'gpt_bigcode')  # these store weights transposed\n"
        f"config = LoraConfig(r={settings.lora_r}, lora_alpha={settings.lora_alpha}, "
        f"lora_dropout={settings.lora_dropout}, target_modules={targets},\n"
        "                    bias='none', task_type='CAUSAL_LM', fan_in_fan_out=conv1d)\n"
        "model = get_peft_model(model, config)\n"
        "model.print_trainable_parameters()\n"
        f"optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr={settings.lr}, "
        f"weight_decay={settings.weight_decay})\n"
        "# then, for each batch of token ids: loss = model(input_ids=ids, labels=ids).loss; loss.backward(); "
        "optimizer.step()\n")


# ----------------------------------------------------------------------------------------------- scenarios

def classify_code(model: str, template: str, labels: Sequence[str], text: str) -> str:
    """A scenario's label-likelihood classification: score every label as the prompt's continuation."""
    prompt = template.replace("{labels}", ", ".join(labels)).replace("{text}", text)
    return (
        "# Classify by label likelihood, as the Scenarios tab did. pip install torch transformers\n"
        "import torch\n"
        "from transformers import AutoModelForCausalLM, AutoTokenizer\n\n"
        f"MODEL = {model!r}\n"
        "tokenizer = AutoTokenizer.from_pretrained(MODEL)\n"
        "model = AutoModelForCausalLM.from_pretrained(MODEL)\n"
        f"prompt = {prompt!r}\n"
        f"labels = {list(labels)!r}\n"
        "prompt_ids = tokenizer(prompt)[\"input_ids\"]\n"
        "scores = {}\n"
        "for label in labels:\n"
        "    label_ids = tokenizer(\" \" + label, add_special_tokens=False)[\"input_ids\"]\n"
        "    ids = torch.tensor([prompt_ids + label_ids])\n"
        "    with torch.no_grad():\n"
        "        logprobs = model(ids).logits[0].log_softmax(-1)\n"
        "    # the log-probability of each label token, read at the position before it\n"
        "    scores[label] = sum(logprobs[len(prompt_ids) - 1 + i, t].item() for i, t in enumerate(label_ids))\n"
        "total = torch.tensor(list(scores.values())).softmax(0)\n"
        "for label, p in sorted(zip(labels, total.tolist()), key=lambda x: -x[1]):\n"
        "    print(f\"{label}: {p:.1%}\")\n")


# ----------------------------------------------------------------------------------------------- attention

def attention_code(model: str, text: str, layer: int, head: int) -> str:
    """The Attention tab's forward pass: every layer's attention weights, then one head's matrix printed."""
    return (
        "# One attention head, as the Attention tab showed it. pip install torch transformers\n"
        "import torch\n"
        "from transformers import AutoModel, AutoTokenizer\n\n"
        f"MODEL = {model!r}  # a GPT-style decoder or a BERT-style encoder: AutoModel loads both\n"
        f"TEXT = {text!r}\n"
        f"LAYER, HEAD = {int(layer)}, {int(head)}\n"
        "tokenizer = AutoTokenizer.from_pretrained(MODEL)\n"
        "# eager attention: the fast kernels (sdpa, flash) never build the attention matrix, so cannot return it\n"
        "model = AutoModel.from_pretrained(MODEL, attn_implementation=\"eager\", dtype=torch.float32).eval()\n"
        "inputs = tokenizer(TEXT, return_tensors=\"pt\")\n"
        "with torch.no_grad():\n"
        "    outputs = model(**inputs, output_attentions=True)\n"
        "# one tensor per layer: [batch, heads, tokens (query), tokens (key)]\n"
        "print(len(outputs.attentions), \"layers, each\", tuple(outputs.attentions[0].shape))\n"
        "weights = outputs.attentions[LAYER][0, HEAD]  # row i: how token i spreads its attention\n"
        "tokens = tokenizer.convert_ids_to_tokens(inputs[\"input_ids\"][0])\n"
        "print(f\"layer {LAYER}, head {HEAD}:\")\n"
        "for token, row in zip(tokens, weights.tolist()):\n"
        "    print(f\"{token:>12.12} \" + \" \".join(f\"{w:.3f}\" for w in row))\n"
        "print(\"row sums:\", \" \".join(f\"{s:.6f}\" for s in weights.sum(-1).tolist()))  # each row adds up to 1\n")
