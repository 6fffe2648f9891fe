"""Model-side helpers: LoRA targets, batches, completions, token log-probs and the private model copy."""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Sequence

import torch

from ..chat import render_chat
from ..distributions import sequence_logprobs
from .settings import DEFAULT_QV, QV_MODULES, TrainSettings

log = logging.getLogger(__name__)

# ----------------------------------------------------------------------------------------------- model side

def lora_targets(model, preset: str = "attention-qv") -> list[str] | str:
    """Module names for LoRA on ``model``: the attention query/value projections of its architecture."""
    if preset == "all-linear":
        return "all-linear"
    model_type = getattr(model.config, "model_type", "")
    names = {name.rsplit(".", 1)[-1] for name, _ in model.named_modules()}
    wanted = QV_MODULES.get(model_type, DEFAULT_QV)
    if all(w in names for w in wanted):
        return list(wanted)
    for fallback in (["q_proj", "v_proj"], ["qkv_proj"], ["c_attn"], ["query_key_value"], ["query", "value"]):
        if all(w in names for w in fallback):
            return fallback
    return "all-linear"


def count_params(model) -> tuple[int, int]:
    """(trainable, total) parameter counts."""
    total = trainable = 0
    for p in model.parameters():
        total += p.numel()
        if p.requires_grad:
            trainable += p.numel()
    return trainable, total


def _autocast(device: torch.device, precision: str):
    if precision == "bf16" or (precision == "auto" and device.type == "cuda" and torch.cuda.is_bf16_supported()):
        return torch.autocast(device.type, dtype=torch.bfloat16)
    import contextlib

    return contextlib.nullcontext()


def collate(blocks: Sequence[Sequence[int]], pad_id: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-padded ids (B, T) and attention mask (B, T) for a batch of token blocks."""
    width = max(len(b) for b in blocks)
    ids = torch.full((len(blocks), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(blocks), width), dtype=torch.long)
    for i, b in enumerate(blocks):
        ids[i, :len(b)] = torch.tensor(b, dtype=torch.long)
        mask[i, :len(b)] = 1
    return ids.to(device), mask.to(device)


def prompt_ids(tokenizer, prompt: str, chat: bool) -> list[int]:
    """What the model reads for a sample prompt: the chat template for chat data, else the plain text."""
    if chat:
        text, _ = render_chat(tokenizer, [{"role": "user", "content": prompt}], add_generation_prompt=True)
        return tokenizer(text, add_special_tokens=False)["input_ids"]
    return tokenizer(prompt)["input_ids"]


def complete(model, tokenizer, prompts: Sequence[str], chat: bool, max_new_tokens: int, device) -> list[str]:
    """Greedy completions (with a mild repetition penalty, as small models loop otherwise). Worker thread only."""
    was_training = model.training
    model.eval()
    out = []
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    try:
        with torch.inference_mode():
            for prompt in prompts:
                ids = torch.tensor([prompt_ids(tokenizer, prompt, chat)], device=device)
                # min_new_tokens: a chat model given a bare sentence often ends at once; show it writing.
                gen = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), do_sample=False,
                                     max_new_tokens=max_new_tokens, min_new_tokens=min(8, max_new_tokens),
                                     repetition_penalty=1.2, pad_token_id=pad,
                                     temperature=None, top_p=None, top_k=None)
                out.append(tokenizer.decode(gen[0, ids.shape[1]:], skip_special_tokens=True).strip())
    finally:
        model.train(was_training)
    return out


def token_logprobs(model, ids: Sequence[int], device) -> list[float]:
    """log p(ids[i] | ids[:i]) for i >= 1 (natural log), one forward pass; len(ids) - 1 values. Worker thread only."""
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            x = torch.tensor(list(ids), device=device)
            lp = sequence_logprobs(model(input_ids=x[None]).logits[0], x)  # (T - 1,)
    finally:
        model.train(was_training)
    return lp.cpu().tolist()


class PrivateModel:
    """A job's own trainable copy. Every method runs on the compute worker thread."""

    def __init__(self, folder: str | Path, settings: TrainSettings, total_steps: int, device: torch.device,
                 accelerator=None) -> None:
        """``accelerator``: an ``accelerate.Accelerator`` of a multi-process run (``python -m playground.train``
        under ``accelerate launch``). The model is then wrapped for data-parallel training (DDP: gradients are
        averaged over the processes at each step, so every copy stays identical); evaluation, samples and saving
        use the plain model."""
        from transformers import AutoModelForCausalLM, AutoTokenizer

        torch.manual_seed(settings.seed)
        self.settings, self.device = settings, device
        self.tokenizer = AutoTokenizer.from_pretrained(folder, trust_remote_code=False)
        model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32, use_safetensors=True,
                                                     trust_remote_code=False)
        model.to(device)
        if settings.method == "lora":
            from peft import LoraConfig, get_peft_model

            conv1d = getattr(model.config, "model_type", "") in ("gpt2", "gpt_bigcode")  # Conv1D stores W transposed
            config = LoraConfig(r=settings.lora_r, lora_alpha=settings.lora_alpha, lora_dropout=settings.lora_dropout,
                                target_modules=lora_targets(model, settings.lora_targets), bias="none",
                                task_type="CAUSAL_LM", fan_in_fan_out=conv1d)
            model = get_peft_model(model, config)
        else:
            model.requires_grad_(True)
        model.train()
        self.model = model
        self.pad_id = self.tokenizer.pad_token_id
        if self.pad_id is None:
            self.pad_id = self.tokenizer.eos_token_id if self.tokenizer.eos_token_id is not None else 0
        params = [p for p in model.parameters() if p.requires_grad]
        self.optimizer = torch.optim.AdamW(params, lr=settings.lr, weight_decay=settings.weight_decay)
        warmup = min(settings.warmup_steps, max(0, total_steps - 1))

        def schedule(step: int) -> float:  # linear warm-up, then cosine decay to 10 %
            if step < warmup:
                return (step + 1) / (warmup + 1)
            progress = (step - warmup) / max(1, total_steps - warmup)
            return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))

        self.scheduler = torch.optim.lr_scheduler.LambdaLR(self.optimizer, schedule)
        self.params = params
        self.accelerator = accelerator if accelerator is not None and accelerator.num_processes > 1 else None
        self.trained = self.accelerator.prepare_model(model) if self.accelerator is not None else model

    def step(self, blocks: Sequence[Sequence[int]]) -> tuple[float, int, float]:
        """One optimisation step on a batch; returns (loss, tokens, learning rate used)."""
        ids, mask = collate(blocks, self.pad_id, self.device)
        labels = ids.masked_fill(mask == 0, -100)
        lr = self.optimizer.param_groups[0]["lr"]
        with _autocast(self.device, self.settings.precision):
            loss = self.trained(input_ids=ids, attention_mask=mask, labels=labels).loss
        loss.backward()  # under DDP this also averages the gradients over the processes
        if self.settings.max_grad_norm > 0:
            torch.nn.utils.clip_grad_norm_(self.params, self.settings.max_grad_norm)
        self.optimizer.step()
        self.scheduler.step()
        self.optimizer.zero_grad(set_to_none=True)
        tokens = mask.sum()
        loss = loss.detach()
        if self.accelerator is not None:  # every process reports the same numbers: the mean loss, all tokens
            loss = self.accelerator.reduce(loss, "mean")
            tokens = self.accelerator.reduce(tokens, "sum")
        return float(loss), int(tokens), lr

    def eval_loss(self, blocks: Sequence[Sequence[int]]) -> float:
        """Mean next-token loss (nats per token) over ``blocks``."""
        was_training = self.model.training
        self.model.eval()
        total, count = 0.0, 0
        try:
            with torch.inference_mode(), _autocast(self.device, self.settings.precision):
                for i in range(0, len(blocks), self.settings.batch_size):
                    ids, mask = collate(blocks[i:i + self.settings.batch_size], self.pad_id, self.device)
                    logits = self.model(input_ids=ids, attention_mask=mask).logits[:, :-1].float()
                    target = ids[:, 1:].masked_fill(mask[:, 1:] == 0, -100)
                    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), target.reshape(-1),
                                                             ignore_index=-100, reduction="sum")
                    total += float(loss)
                    count += int(mask[:, 1:].sum())
        finally:
            self.model.train(was_training)
        return total / max(1, count)

    def complete(self, prompts: Sequence[str], chat: bool, max_new_tokens: int) -> list[str]:
        return complete(self.model, self.tokenizer, prompts, chat, max_new_tokens, self.device)

    def logprobs(self, ids: Sequence[int]) -> list[float]:
        return token_logprobs(self.model, ids, self.device)

    def counts(self) -> tuple[int, int]:
        return count_params(self.model)

    def save(self, target: Path, base_name: str) -> None:
        """Adapter (LoRA) or full weights + tokenizer, as safetensors, into ``target``."""
        target.mkdir(parents=True, exist_ok=True)
        if self.settings.method == "lora":
            for cfg in self.model.peft_config.values():
                cfg.base_model_name_or_path = base_name  # not the server's folder path
            # save_embedding_layers=False: the vocabulary is never changed here, and "auto" would look the base
            # model up on the Hub (a network call on an offline machine).
            self.model.save_pretrained(target / "adapter", safe_serialization=True, save_embedding_layers=False)
        else:
            self.model.save_pretrained(target / "model", safe_serialization=True)
            self.tokenizer.save_pretrained(target / "model")

    def close(self) -> None:
        self.model = self.trained = self.optimizer = self.scheduler = None  # type: ignore[assignment]
        self.params = []
