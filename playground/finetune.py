"""Fine-tuning jobs (LoRA or full) on a private copy of a model, reporting through callbacks.

Isolation: a job never touches the shared serving model. It loads its own fp32 copy from the model's plain
safetensors folder (``LoadedModel.folder``; the bundled GGUF model is converted once, so this works for it too),
trains that copy, saves the adapter (or weights) into the session's folder and frees the copy.

Threading: the job's driver is an ordinary thread that does no torch work itself. Every step, evaluation and sample
is one small job on a compute worker (``ComputeWorker``): by default the shared one, so a generation request that
arrives while a user trains waits at most one training step and then runs at full speed, instead of both fighting
over two cores for minutes (``PLAYGROUND_TRAINING_WORKER=dedicated`` gives training its own long-lived thread;
bench/finetune.py measures both). A stop event is checked between steps, so Stop ends a run within one step.

Precision: fp32 on CPU (measured on this Xeon: bf16 autocast made a LoRA step 1.6x slower, 3.36 s vs 2.09 s),
bf16 autocast on GPUs that support it. ``TrainSettings.precision`` overrides.
"""

from __future__ import annotations

import json
import logging
import math
import os
import random
import secrets
import shutil
import threading
import time
import zipfile
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Sequence

import torch

from .data import Dataset
from .worker import ComputeWorker

log = logging.getLogger(__name__)

METHODS = ("lora", "full")
TARGET_PRESETS = ("attention-qv", "all-linear")
# Where the query/value projections live, per architecture (peft matches module-name suffixes).
QV_MODULES = {
    "gpt2": ["c_attn"], "gpt_neox": ["query_key_value"], "gptj": ["q_proj", "v_proj"], "bloom": ["query_key_value"],
    "falcon": ["query_key_value"], "opt": ["q_proj", "v_proj"], "phi": ["q_proj", "v_proj"],
    "gpt_bigcode": ["c_attn"],
}
DEFAULT_QV = ["q_proj", "v_proj"]  # llama, mistral, qwen2, gemma, smollm, phi3 (qkv_proj handled below)
META = "meta.json"


class TrainingError(RuntimeError):
    """A job could not run; the message says why in plain words."""


class Busy(TrainingError):
    """Every training slot is taken and the waiting line is full."""


@dataclass(frozen=True)
class TrainLimits:
    """Server-wide limits (``PLAYGROUND_*`` environment variables override)."""

    max_jobs: int = 1  # PLAYGROUND_MAX_TRAINING_JOBS: jobs training at once
    max_waiting: int = 8  # PLAYGROUND_MAX_TRAINING_QUEUE: jobs waiting for a slot
    max_steps: int = 400  # PLAYGROUND_MAX_TRAIN_STEPS
    full_max_params: int = 200_000_000  # PLAYGROUND_FULL_FT_MAX_PARAMS: full fine-tuning only below this size
    merged_max_params: int = 500_000_000  # PLAYGROUND_MERGED_MAX_PARAMS: merged-model download only below this
    worker: str = "shared"  # PLAYGROUND_TRAINING_WORKER: shared | dedicated

    def __post_init__(self) -> None:
        if self.max_jobs < 1 or self.max_waiting < 0 or self.max_steps < 1:
            raise ValueError("Training limits must be positive.")
        if self.worker not in ("shared", "dedicated"):
            raise ValueError("PLAYGROUND_TRAINING_WORKER must be 'shared' or 'dedicated'.")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "TrainLimits":
        env = os.environ if environ is None else environ
        names = {"PLAYGROUND_MAX_TRAINING_JOBS": "max_jobs", "PLAYGROUND_MAX_TRAINING_QUEUE": "max_waiting",
                 "PLAYGROUND_MAX_TRAIN_STEPS": "max_steps", "PLAYGROUND_FULL_FT_MAX_PARAMS": "full_max_params",
                 "PLAYGROUND_MERGED_MAX_PARAMS": "merged_max_params", "PLAYGROUND_TRAINING_WORKER": "worker"}
        values: dict[str, Any] = {}
        for key, name in names.items():
            raw = env.get(key, "").strip()
            if raw:
                try:
                    values[name] = raw if name == "worker" else int(float(raw))
                except ValueError:
                    raise ValueError(f"{key}={raw!r} is not a valid number.") from None
        return cls(**values)


@dataclass(frozen=True)
class TrainSettings:
    """What and how to train. Defaults make the bundled 135M model pick up the demo text's voice in ~2 minutes
    on a 2-core CPU (LoRA r=8 on q/v, batch 4 x 128 tokens, ~2.2 s/step, 50 steps)."""

    method: str = "lora"
    max_steps: int = 50
    epochs: float = 0.0  # > 0: that many passes over the training blocks instead of max_steps
    learning_rate: float = 0.0  # 0: 1e-3 for LoRA, 5e-5 for full fine-tuning
    batch_size: int = 4
    block_size: int = 128
    warmup_steps: int = 5
    lora_r: int = 8
    lora_alpha: int = 16
    lora_dropout: float = 0.05
    lora_targets: str = "attention-qv"
    eval_every: int = 10  # steps between validation-loss checks (0 = only before and after)
    sample_every: int = 10  # steps between sample completions (0 = off)
    sample_tokens: int = 32
    compare_tokens: int = 48
    val_fraction: float = 0.1
    max_eval_blocks: int = 16
    weight_decay: float = 0.0
    max_grad_norm: float = 1.0
    seed: int = 0
    precision: str = "auto"  # auto | fp32 | bf16

    def __post_init__(self) -> None:
        checks = [
            (self.method in METHODS, "The method must be LoRA or full fine-tuning."),
            (1 <= self.max_steps <= 100_000, "Steps must be at least 1."),
            (0 <= self.epochs <= 100, "Epochs must be between 0 and 100 (0 = use the number of steps)."),
            (0 <= self.learning_rate <= 1, "The learning rate must be between 0 and 1 (e.g. 0.001)."),
            (1 <= self.batch_size <= 64, "The batch size must be between 1 and 64."),
            (16 <= self.block_size <= 2048, "The block size must be between 16 and 2048 tokens."),
            (0 <= self.warmup_steps <= 10_000, "Warm-up steps must be 0 or more."),
            (1 <= self.lora_r <= 256, "The LoRA rank must be between 1 and 256."),
            (0 < self.lora_alpha <= 1024, "LoRA alpha must be between 1 and 1024."),
            (0 <= self.lora_dropout < 1, "LoRA dropout must be between 0 and 1."),
            (self.lora_targets in TARGET_PRESETS, "Unknown LoRA target preset."),
            (self.eval_every >= 0 and self.sample_every >= 0, "Intervals must be 0 (off) or positive."),
            (1 <= self.sample_tokens <= 256 and 1 <= self.compare_tokens <= 256, "Sample length must be 1-256."),
            (0 < self.val_fraction < 0.5, "The validation share must be between 0 and 0.5."),
            (self.precision in ("auto", "fp32", "bf16"), "Precision must be auto, fp32 or bf16."),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(message)

    @property
    def lr(self) -> float:
        return self.learning_rate or (1e-3 if self.method == "lora" else 5e-5)

    def total_steps(self, train_blocks: int) -> int:
        if self.epochs > 0:
            return max(1, math.ceil(self.epochs * train_blocks / self.batch_size))
        return self.max_steps


# ----------------------------------------------------------------------------------------------- events

@dataclass(frozen=True)
class StepEvent:
    step: int
    total: int
    loss: float
    lr: float
    tokens: int  # tokens in this step's batch
    seconds: float  # wall time of this step, as the driver saw it (includes waiting for other users' jobs)


@dataclass(frozen=True)
class EvalEvent:
    step: int
    val_loss: float


@dataclass(frozen=True)
class SampleEvent:
    step: int
    prompt: str
    text: str


@dataclass(frozen=True)
class PhaseEvent:
    phase: str  # waiting | loading | evaluating | training | saving | comparing | done | stopped | failed
    detail: str = ""


@dataclass(frozen=True)
class TokenDiff:
    """Per-token log-probabilities of one passage under the base and the tuned model (natural log)."""

    tokens: tuple[str, ...]  # readable labels of the predicted tokens (the first token has no prediction)
    base: tuple[float, ...]
    tuned: tuple[float, ...]


@dataclass(frozen=True)
class TrainResult:
    run_id: str
    method: str
    status: str  # done | stopped
    steps: int
    total_steps: int
    seconds: float
    train_seconds: float  # time inside training steps only
    tokens_per_second: float
    trainable_params: int
    total_params: int
    val_loss_before: float
    val_loss_after: float
    prompts: tuple[str, ...] = ()
    base_completions: tuple[str, ...] = ()
    tuned_completions: tuple[str, ...] = ()
    diff: TokenDiff | None = None
    folder: str = ""

    @property
    def ppl_before(self) -> float:
        return math.exp(min(self.val_loss_before, 50))

    @property
    def ppl_after(self) -> float:
        return math.exp(min(self.val_loss_after, 50))


Event = StepEvent | EvalEvent | SampleEvent | PhaseEvent


@dataclass
class Progress:
    """Everything a view needs about a job; built from events (``Progress.apply``), copied for readers."""

    phase: str = "waiting"
    detail: str = ""
    step: int = 0
    total: int = 0
    losses: list[tuple[int, float]] = field(default_factory=list)
    val_losses: list[tuple[int, float]] = field(default_factory=list)
    samples: list[tuple[int, str, str]] = field(default_factory=list)
    step_times: list[float] = field(default_factory=list)
    tokens: int = 0
    train_seconds: float = 0.0
    started: float = field(default_factory=time.time)
    ended: float | None = None
    version: int = 0

    def apply(self, event: Event) -> None:
        if isinstance(event, StepEvent):
            self.step, self.total = event.step, event.total
            self.losses.append((event.step, event.loss))
            self.step_times.append(event.seconds)
            self.tokens += event.tokens
            self.train_seconds += event.seconds
        elif isinstance(event, EvalEvent):
            self.val_losses.append((event.step, event.val_loss))
        elif isinstance(event, SampleEvent):
            self.samples.append((event.step, event.prompt, event.text))
        elif isinstance(event, PhaseEvent):
            self.phase, self.detail = event.phase, event.detail
            if event.phase in ("done", "stopped", "failed"):
                self.ended = time.time()
        self.version += 1

    @property
    def tokens_per_second(self) -> float:
        return self.tokens / self.train_seconds if self.train_seconds > 0 else 0.0

    @property
    def eta_seconds(self) -> float | None:
        """Remaining seconds from the recent step times (None before the first step)."""
        if not self.step_times or not self.total:
            return None
        recent = self.step_times[-10:]
        return sum(recent) / len(recent) * max(0, self.total - self.step)

    @property
    def overfitting(self) -> bool:
        """Validation loss went up at the last two checks while it had been lower before: more steps now mostly
        memorise the training text."""
        v = [x for _, x in self.val_losses]
        return len(v) >= 3 and v[-1] > v[-2] > v[-3] and v[-1] > min(v) * 1.01

    def copy(self) -> "Progress":
        return replace(self, losses=list(self.losses), val_losses=list(self.val_losses), samples=list(self.samples),
                       step_times=list(self.step_times))


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
    if chat and getattr(tokenizer, "chat_template", None):
        text = tokenizer.apply_chat_template([{"role": "user", "content": prompt}], tokenize=False,
                                             add_generation_prompt=True)
        return tokenizer(text, add_special_tokens=False)["input_ids"]
    if chat:
        return tokenizer(f"User: {prompt}\nAssistant:", add_special_tokens=False)["input_ids"]
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
    """log p(ids[i] | ids[:i]) for i >= 1 (natural log), one forward pass. Worker thread only."""
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            x = torch.tensor([list(ids)], device=device)
            logits = model(input_ids=x).logits[0, :-1].float()
            lp = torch.log_softmax(logits, dim=-1).gather(1, x[0, 1:, None])[:, 0]
    finally:
        model.train(was_training)
    return lp.cpu().tolist()


class PrivateModel:
    """A job's own trainable copy. Every method runs on the compute worker thread."""

    def __init__(self, folder: str | Path, settings: TrainSettings, total_steps: int, device: torch.device) -> None:
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

    def step(self, blocks: Sequence[Sequence[int]]) -> tuple[float, int, float]:
        """One optimisation step on a batch; returns (loss, tokens, learning rate used)."""
        ids, mask = collate(blocks, self.pad_id, self.device)
        labels = ids.masked_fill(mask == 0, -100)
        lr = self.optimizer.param_groups[0]["lr"]
        with _autocast(self.device, self.settings.precision):
            loss = self.model(input_ids=ids, attention_mask=mask, labels=labels).loss
        loss.backward()
        if self.settings.max_grad_norm > 0:
            torch.nn.utils.clip_grad_norm_(self.params, self.settings.max_grad_norm)
        self.optimizer.step()
        self.scheduler.step()
        self.optimizer.zero_grad(set_to_none=True)
        return float(loss.detach()), int(mask.sum()), lr

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
        self.model = self.optimizer = self.scheduler = None  # type: ignore[assignment]
        self.params = []


# ----------------------------------------------------------------------------------------------- the loop

def train(folder: str | Path, dataset: Dataset, settings: TrainSettings, worker: ComputeWorker,
          stop: threading.Event, callback: Callable[[Event], None], out_dir: Path | None = None,
          prompts: Sequence[str] = (), base_name: str = "", device: torch.device | str = "cpu",
          run_id: str | None = None, before_step: Callable[[int], None] | None = None) -> TrainResult:
    """Train a private copy of the model in ``folder`` on ``dataset``; returns the result (also when stopped).

    Runs on the calling thread, sending each step / evaluation / sample to ``worker`` as its own job. Events go to
    ``callback`` as they happen. With ``out_dir`` the adapter (or weights) and a ``meta.json`` are saved there.
    """
    device = torch.device(device) if isinstance(device, str) else device
    started = time.perf_counter()
    run_id = run_id or secrets.token_hex(6)
    total = settings.total_steps(len(dataset.train))
    eval_blocks = list(dataset.val[: settings.max_eval_blocks])
    prompts = [p for p in prompts if p and p.strip()][:4]
    callback(PhaseEvent("loading"))
    private: PrivateModel = worker.call(PrivateModel, folder, settings, total, device)
    try:
        trainable, n_params = worker.call(private.counts)
        callback(PhaseEvent("evaluating"))
        before = worker.call(private.eval_loss, eval_blocks)
        callback(EvalEvent(0, before))
        passage = list(dataset.val[0])[:128]
        base_lp = worker.call(private.logprobs, passage)
        base_done = worker.call(private.complete, prompts, dataset.chat, settings.compare_tokens) if prompts else []
        if prompts and settings.sample_every:
            callback(SampleEvent(0, prompts[0], base_done[0][: 4 * settings.sample_tokens]))
        callback(PhaseEvent("training"))
        rng = random.Random(settings.seed)
        order: list[int] = []
        step = 0
        train_seconds = 0.0
        tokens = 0
        after = before
        while step < total and not stop.is_set():
            if len(order) < settings.batch_size:
                fresh = list(range(len(dataset.train)))
                rng.shuffle(fresh)
                order.extend(fresh)
            batch = [dataset.train[i] for i in order[: settings.batch_size]]
            del order[: settings.batch_size]
            if before_step is not None:
                before_step(step)
            t0 = time.perf_counter()
            loss, n_tok, lr = worker.call(private.step, batch)
            seconds = time.perf_counter() - t0
            step += 1
            train_seconds += seconds
            tokens += n_tok
            if not math.isfinite(loss):
                raise TrainingError("The loss became infinite or NaN: lower the learning rate and try again.")
            callback(StepEvent(step, total, loss, lr, n_tok, seconds))
            if stop.is_set():
                break
            if settings.eval_every and step % settings.eval_every == 0 and step < total:
                after = worker.call(private.eval_loss, eval_blocks)
                callback(EvalEvent(step, after))
            if prompts and settings.sample_every and step % settings.sample_every == 0 and step < total:
                text = worker.call(private.complete, prompts[:1], dataset.chat, settings.sample_tokens)[0]
                callback(SampleEvent(step, prompts[0], text))
        status = "stopped" if step < total else "done"
        if step > 0:
            callback(PhaseEvent("evaluating"))
            after = worker.call(private.eval_loss, eval_blocks)
            callback(EvalEvent(step, after))
        diff = tuned_done = None
        if step > 0:
            callback(PhaseEvent("comparing"))
            tuned_lp = worker.call(private.logprobs, passage)
            from .tokens import token_label

            labels = tuple(token_label(private.tokenizer, i) for i in passage[1:])
            diff = TokenDiff(labels, tuple(base_lp), tuple(tuned_lp))
            tuned_done = worker.call(private.complete, prompts, dataset.chat, settings.compare_tokens) if prompts else []
            if prompts and settings.sample_every:
                callback(SampleEvent(step, prompts[0], tuned_done[0][: 4 * settings.sample_tokens]))
        target = ""
        if out_dir is not None and step > 0:
            callback(PhaseEvent("saving"))
            run_dir = Path(out_dir)
            worker.call(private.save, run_dir, base_name or str(folder))
            target = str(run_dir)
        result = TrainResult(run_id, settings.method, status, step, total, time.perf_counter() - started,
                             train_seconds, tokens / train_seconds if train_seconds else 0.0, trainable, n_params,
                             before, after, tuple(prompts), tuple(base_done), tuple(tuned_done or ()), diff, target)
        if out_dir is not None and step > 0:
            meta = {"run_id": run_id, "method": settings.method, "base_folder": str(folder), "base_name": base_name,
                    "chat": dataset.chat, "settings": asdict(settings),
                    "result": {k: v for k, v in asdict(result).items() if k != "diff"}}
            (Path(out_dir) / META).write_text(json.dumps(meta, indent=1, ensure_ascii=False), encoding="utf-8")
        callback(PhaseEvent(status))
        return result
    finally:
        worker.call(private.close)


# ----------------------------------------------------------------------------------------------- saved runs

def read_meta(run_dir: Path) -> dict:
    try:
        return json.loads((Path(run_dir) / META).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise TrainingError("This fine-tuned model is incomplete or was deleted.") from exc


def load_tuned(run_dir: Path, spec, device, dtype, attn_implementation: str = "sdpa", task: str = "causal-lm"):
    """A saved run as a plain ``LoadedModel``: the base weights with the LoRA adapter merged in (or the fully
    fine-tuned weights). The base folder comes from the run's own ``meta.json``, written by the server."""
    from .models import ModelLoadError, load_folder

    try:
        meta = read_meta(run_dir)
    except TrainingError as exc:
        raise ModelLoadError(str(exc)) from None
    started = time.perf_counter()
    if meta["method"] == "full":
        loaded = load_folder(Path(run_dir) / "model", spec, device, dtype, attn_implementation, task)
    else:
        from peft import PeftModel

        loaded = load_folder(Path(meta["base_folder"]), spec, device, dtype, attn_implementation, task)
        loaded.model = PeftModel.from_pretrained(loaded.model, Path(run_dir) / "adapter").merge_and_unload()
        loaded.model.eval().requires_grad_(False)
    loaded.load_seconds = time.perf_counter() - started
    return loaded


def zip_run(run_dir: Path, target: Path, merged: bool = False, device: str = "cpu") -> Path:
    """A zip for download: the adapter (safetensors + config) or, with ``merged``, a complete model folder."""
    run_dir, target = Path(run_dir), Path(target)
    meta = read_meta(run_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".part")
    readme = (f"Fine-tuned in the LLM Playground ({meta['method']}, {meta['result']['steps']} steps) from "
              f"{meta.get('base_name') or 'the base model'}.\n")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED if not merged else zipfile.ZIP_STORED) as zf:
        zf.writestr("README.txt", readme)
        if merged or meta["method"] == "full":
            folder = run_dir / "model"
            if meta["method"] == "lora":
                folder = _merge_to_folder(run_dir, meta, target.parent / f".merge-{meta['run_id']}")
            for f in sorted(folder.iterdir()):
                if f.is_file():
                    zf.write(f, f"model/{f.name}")
            if folder != run_dir / "model":
                shutil.rmtree(folder, ignore_errors=True)
        else:
            for f in sorted((run_dir / "adapter").iterdir()):
                if f.is_file() and f.suffix in (".json", ".safetensors", ".md"):
                    zf.write(f, f"adapter/{f.name}")
    os.replace(tmp, target)
    return target


def _merge_to_folder(run_dir: Path, meta: dict, folder: Path) -> Path:
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    base = AutoModelForCausalLM.from_pretrained(meta["base_folder"], dtype=torch.float32, use_safetensors=True)
    merged = PeftModel.from_pretrained(base, run_dir / "adapter").merge_and_unload()
    shutil.rmtree(folder, ignore_errors=True)
    merged.save_pretrained(folder, safe_serialization=True)
    AutoTokenizer.from_pretrained(meta["base_folder"]).save_pretrained(folder)
    return folder


# ----------------------------------------------------------------------------------------------- jobs

@dataclass
class TrainJob:
    """One session's training run, alive on the server whatever happens to the browser."""

    id: str
    owner: str  # session id
    settings: TrainSettings
    total: int
    stop: threading.Event = field(default_factory=threading.Event)
    progress: Progress = field(default_factory=Progress)
    result: TrainResult | None = None
    error: str = ""
    base_name: str = ""
    base_choice: str = ""  # what the picker said (to load the base again for comparisons)
    finished: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def emit(self, event: Event) -> None:
        with self.lock:
            self.progress.apply(event)

    def snapshot(self) -> Progress:
        with self.lock:
            return self.progress.copy()

    @property
    def running(self) -> bool:
        return not self.finished.is_set()


class TrainingManager:
    """Jobs keyed by session, at most ``limits.max_jobs`` training at once, the rest waiting in arrival order."""

    def __init__(self, worker: ComputeWorker, limits: TrainLimits | None = None,
                 device: torch.device | str = "cpu") -> None:
        self.limits = limits or TrainLimits()
        self.worker = worker if self.limits.worker == "shared" else ComputeWorker(name="playground-training")
        self.device = device
        self._jobs: dict[str, TrainJob] = {}
        self._waiting: list[TrainJob] = []
        self._running = 0
        self._cond = threading.Condition()

    def job(self, owner: str) -> TrainJob | None:
        with self._cond:
            return self._jobs.get(owner)

    def position(self, job: TrainJob) -> int:
        """1-based place in the waiting line; 0 once it trains (or has finished)."""
        with self._cond:
            return self._waiting.index(job) + 1 if job in self._waiting else 0

    def active(self) -> int:
        with self._cond:
            return self._running + len(self._waiting)

    def start(self, owner: str, folder: str | Path, dataset: Dataset, settings: TrainSettings, runs_dir: Path,
              prompts: Sequence[str] = (), base_name: str = "", base_choice: str = "",
              on_finish: Callable[[TrainJob], None] | None = None) -> TrainJob:
        """Queue a job for ``owner`` (one per session); its result is saved in ``runs_dir / job.id``.

        Raises ``Busy`` (line full) or ``TrainingError`` (a run already going on, too many steps) with a message."""
        total = settings.total_steps(len(dataset.train))
        if total > self.limits.max_steps:
            raise TrainingError(f"That is {total} steps; this server allows at most {self.limits.max_steps} per run. "
                                f"Use fewer steps or epochs.")
        with self._cond:
            old = self._jobs.get(owner)
            if old is not None and old.running:
                raise TrainingError("A fine-tuning run is already going on in this session: stop it first.")
            if len(self._waiting) >= self.limits.max_waiting and self._running >= self.limits.max_jobs:
                raise Busy(f"The server is busy: {self._running} run(s) training and {len(self._waiting)} waiting. "
                           f"Try again in a few minutes.")
            job = TrainJob(secrets.token_hex(6), owner, settings, total, base_name=base_name, base_choice=base_choice)
            self._jobs[owner] = job
            self._waiting.append(job)
        thread = threading.Thread(target=self._drive, name=f"train-{job.id}", daemon=True,
                                  args=(job, folder, dataset, Path(runs_dir) / job.id, prompts, on_finish))
        thread.start()
        return job

    def stop(self, owner: str) -> bool:
        job = self.job(owner)
        if job is None or not job.running:
            return False
        job.stop.set()
        with self._cond:
            self._cond.notify_all()  # a waiting job leaves the line at once
        return True

    def forget(self, owner: str) -> None:
        """Stop and drop a session's job (its session is being deleted)."""
        self.stop(owner)
        with self._cond:
            self._jobs.pop(owner, None)

    def _acquire(self, job: TrainJob) -> bool:
        with self._cond:
            while not job.stop.is_set() and not (self._waiting and self._waiting[0] is job
                                                 and self._running < self.limits.max_jobs):
                self._cond.wait(timeout=1.0)
            self._waiting.remove(job)
            self._cond.notify_all()
            if job.stop.is_set():
                return False
            self._running += 1
            return True

    def _drive(self, job: TrainJob, folder, dataset: Dataset, out_dir: Path, prompts, on_finish) -> None:
        acquired = False
        try:
            acquired = self._acquire(job)
            if not acquired:
                job.emit(PhaseEvent("stopped"))
                return
            job.result = train(folder, dataset, job.settings, self.worker, job.stop, job.emit, out_dir=out_dir,
                               prompts=prompts, base_name=job.base_name, device=self.device, run_id=job.id)
        except TrainingError as exc:
            job.error = str(exc)
            job.emit(PhaseEvent("failed", str(exc)))
        except Exception as exc:  # noqa: BLE001 - reported to the user in words, logged in full
            log.exception("Fine-tuning job %s failed", job.id)
            job.error = f"Training failed: {type(exc).__name__}: {exc}"
            job.emit(PhaseEvent("failed", job.error))
        finally:
            if acquired:
                with self._cond:
                    self._running -= 1
                    self._cond.notify_all()
            job.finished.set()
            if on_finish is not None:
                try:
                    on_finish(job)
                except Exception:  # noqa: BLE001
                    log.exception("on_finish failed for job %s", job.id)
