"""Tiny random models and an offline tokenizer for tests (built in well under a second, no download)."""

from __future__ import annotations

from pathlib import Path

CORPUS = [
    "The cat sat on the mat. The dog sat on the log.",
    "A language model predicts the next token from the tokens before it.",
    "Hello world! Hello there, how are you today?",
    "Attention lets every token look at the tokens before it.",
    "我们 喜欢 语言 模型 。 你好 世界 。",
    "User: hi\nAssistant: hello\n",
]

CHAT_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def make_tokenizer(folder: Path | None = None, chat: bool = True):
    """A byte-level BPE tokenizer trained on CORPUS, with bos/eos/pad and (optionally) a chat template."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<pad>"]
    trainer = trainers.BpeTrainer(vocab_size=400, special_tokens=specials,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(CORPUS, trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<|endoftext|>", eos_token="<|im_end|>",
                                   pad_token="<pad>", unk_token="<|endoftext|>")
    if chat:
        fast.chat_template = CHAT_TEMPLATE
    if folder is not None:
        fast.save_pretrained(folder)
    return fast


def make_model(kind: str, folder: Path, chat: bool = True, safetensors: bool = True, seed: int = 0) -> Path:
    """Save a tiny random ``gpt2`` or ``llama`` causal LM (2 layers, 4 heads) with its tokenizer into ``folder``."""
    import torch
    from transformers import AutoModelForCausalLM, GPT2Config, LlamaConfig

    folder.mkdir(parents=True, exist_ok=True)
    tok = make_tokenizer(folder, chat=chat)
    common = dict(vocab_size=len(tok), bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
                  pad_token_id=tok.pad_token_id)
    if kind == "gpt2":
        config = GPT2Config(n_layer=2, n_head=4, n_embd=32, n_positions=256, **common)
    elif kind == "llama":
        config = LlamaConfig(num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, hidden_size=32,
                             intermediate_size=64, max_position_embeddings=256, **common)
    else:
        raise ValueError(kind)
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(config)
    model.save_pretrained(folder)
    if not safetensors:
        # transformers 5 always writes safetensors; lay out a legacy pickled checkpoint by hand instead.
        torch.save(model.state_dict(), folder / "pytorch_model.bin")
        for f in folder.glob("*.safetensors"):
            f.unlink()
    return folder


def make_hub_cache(cache: Path, repo_id: str, source: Path, commit: str = "0123456789abcdef0123456789abcdef01234567") -> Path:
    """Lay out ``source``'s files the way huggingface_hub caches a downloaded repo (refs/main -> snapshot)."""
    import shutil

    repo = cache / ("models--" + repo_id.replace("/", "--"))
    snapshot = repo / "snapshots" / commit
    snapshot.mkdir(parents=True, exist_ok=True)
    for f in source.iterdir():
        shutil.copy(f, snapshot / f.name)
    (repo / "refs").mkdir(exist_ok=True)
    (repo / "refs" / "main").write_text(commit)
    return snapshot
