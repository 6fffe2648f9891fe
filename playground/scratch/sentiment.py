"""Sentiment three ways on the same labelled sentences: (a) a small LSTM classifier trained from scratch,
(b) zero-shot label likelihood with the picked language model (the Scenarios tab's ``classify``), (c) the
language model tuned with LoRA plus a small head on its mean-pooled hidden states (or, with ``lora=False``,
only the head on frozen features). Every method sees the same training rows and is scored on the same held-out
rows."""

from __future__ import annotations

import csv
import io
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import PlaygroundError
from ..fields import check_fields, setting
from .texts import assets_dir

MIN_ROWS, MAX_ROWS, MAX_LABELS, MAX_TEXT = 12, 2000, 8, 500
TEST_FRACTION = 0.25
SHORT_PROMPT = "Sentiment ({labels}) of: {text}\nSentiment:"


@dataclass(frozen=True)
class SentimentSettings:
    lstm_steps: int = setting(80, min=10, max=300, step=10, help="Full-batch steps of the LSTM classifier.")
    tune_steps: int = setting(20, min=0, max=100, step=5, help="Batches of 8 for LoRA / the head (0 = skip it).")
    lora: bool = setting(True, help="Tune LoRA adapters too (off: only a head on frozen features).")
    seed: int = setting(0, min=0, max=2**31 - 1, step=1, help="Split, initial weights and batch order.")

    def __post_init__(self) -> None:
        check_fields(self)


@dataclass(frozen=True)
class Example:
    text: str
    label: str


@dataclass(frozen=True)
class MethodResult:
    method: str  # lstm | zero_shot | lora | head
    accuracy: float  # on the held-out rows
    seconds: float  # training time (zero-shot: scoring time; it trains nothing)
    wrong: tuple[tuple[str, str, str], ...]  # (text, gold label, predicted label)
    trainable: int = 0  # parameters it trained


# ----------------------------------------------------------------------------------------------- data

def parse_csv(data: bytes | str) -> list[Example]:
    """Rows of a ``text,label`` CSV (UTF-8, or GB18030 for Chinese files saved by Excel). Coded errors."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            data = data.decode("gb18030", errors="replace")
    rows = list(csv.reader(io.StringIO(data.strip())))
    header = [c.strip().lower() for c in rows[0]] if rows else []
    if header != ["text", "label"]:
        raise PlaygroundError("scratch_csv_header", found=",".join(header)[:60] or "—")
    out = []
    for number, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if len(row) != 2:
            raise PlaygroundError("scratch_csv_row", row=number, n=len(row))
        text, label = row[0].strip()[:MAX_TEXT], row[1].strip()
        if not text or not label:
            raise PlaygroundError("scratch_csv_empty_cell", row=number)
        out.append(Example(text, label))
    if len(out) > MAX_ROWS:
        raise PlaygroundError("scratch_csv_big", n=len(out), max=MAX_ROWS)
    if len(out) < MIN_ROWS:
        raise PlaygroundError("scratch_csv_small", n=len(out), min=MIN_ROWS)
    labels = {e.label for e in out}
    if not 2 <= len(labels) <= MAX_LABELS:
        raise PlaygroundError("scratch_csv_labels", n=len(labels), max=MAX_LABELS)
    return out


def bundled(lang: str) -> list[Example]:
    """The bundled set (70 invented review sentences, positive/negative) in ``lang`` ("en" or "zh")."""
    path = Path(assets_dir()) / f"sentiment_{'zh' if lang == 'zh' else 'en'}.csv"
    return parse_csv(path.read_bytes())


def split(rows: Sequence[Example], seed: int = 0) -> tuple[list[Example], list[Example]]:
    """A seeded held-out quarter of each label (stratified, so both parts hold every label)."""
    rng = random.Random(seed)
    train, test = [], []
    for label in sorted({r.label for r in rows}):
        group = [r for r in rows if r.label == label]
        rng.shuffle(group)
        n_test = max(1, round(len(group) * TEST_FRACTION))
        test += group[:n_test]
        train += group[n_test:]
    return train, test


def labels_of(rows: Sequence[Example]) -> list[str]:
    return sorted({r.label for r in rows})


def _result(method: str, test: Sequence[Example], predicted: Sequence[str], seconds: float, trainable: int = 0):
    right = sum(p == e.label for p, e in zip(predicted, test))
    wrong = tuple((e.text, e.label, p) for p, e in zip(predicted, test) if p != e.label)
    return MethodResult(method, right / len(test), seconds, wrong, trainable)


# ----------------------------------------------------------------------------------------------- (a) from scratch

class LSTMClassifier(nn.Module):
    """Characters -> embedding -> LSTM -> mean over the sentence -> linear over the labels."""

    def __init__(self, vocab_size: int, n_labels: int, width: int = 64) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab_size + 1, width, padding_idx=0)  # id 0 = padding
        self.lstm = nn.LSTM(width, width, batch_first=True)
        self.head = nn.Linear(width, n_labels)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """ids (B, T), 0 = padding -> logits (B, labels)."""
        mask = (ids > 0).float().unsqueeze(-1)
        out, _ = self.lstm(self.embed(ids))
        return self.head((out * mask).sum(1) / mask.sum(1).clamp(min=1))


def _encode(texts: Sequence[str], index: dict) -> torch.Tensor:
    rows = [[index.get(c, 0) for c in t] or [0] for t in texts]
    width = max(len(r) for r in rows)
    return torch.tensor([r + [0] * (width - len(r)) for r in rows])


def train_lstm(train: Sequence[Example], test: Sequence[Example], steps: int = 80, seed: int = 0) -> MethodResult:
    labels = labels_of(train)
    index = {c: i + 1 for i, c in enumerate(sorted({c for e in train for c in e.text}))}
    torch.manual_seed(seed)
    model = LSTMClassifier(len(index), len(labels))
    opt = torch.optim.AdamW(model.parameters(), lr=0.01)
    x, y = _encode([e.text for e in train], index), torch.tensor([labels.index(e.label) for e in train])
    t0 = time.perf_counter()
    model.train()
    for _ in range(steps):
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    seconds = time.perf_counter() - t0
    model.eval()
    with torch.no_grad():
        pred = model(_encode([e.text for e in test], index)).argmax(-1).tolist()
    return _result("lstm", test, [labels[i] for i in pred], seconds, sum(p.numel() for p in model.parameters()))


# ----------------------------------------------------------------------------------------------- (b) zero-shot

def zero_shot(lm, worker, limits, train: Sequence[Example], test: Sequence[Example]) -> MethodResult:
    """Label likelihood with the sentiment scenario's few-shot prompt: nothing is trained."""
    from ..prompts import prepare_prompt
    from ..scenarios.registry import get
    from ..scenarios.scoring import classify
    from ..scenarios.spec import fill_template

    labels = labels_of(train)
    spec = get("sentiment")
    t0 = time.perf_counter()
    predicted = []
    for e in test:
        values = {"labels": ", ".join(labels), "text": e.text}
        try:
            prompt = prepare_prompt(lm, limits, fill_template(spec.template, values))
            predicted.append(classify(lm, worker, prompt, labels)[0].label)
        except PlaygroundError as exc:  # a model with a short window: the prompt without the worked examples
            if exc.code != "prompt_fills_window":
                raise
            prompt = prepare_prompt(lm, limits, fill_template(SHORT_PROMPT, values))
            predicted.append(classify(lm, worker, prompt, labels)[0].label)
    return _result("zero_shot", test, predicted, time.perf_counter() - t0)


# ----------------------------------------------------------------------------------------------- (c) LoRA / head

class TunedClassifier:
    """A private copy of the language model (never the shared one) with LoRA adapters (or frozen) and a linear
    head on its mean-pooled last hidden states. Lives on the compute worker."""

    def __init__(self, folder: str, labels: Sequence[str], lora: bool = True, seed: int = 0, rank: int = 8) -> None:
        from transformers import AutoModelForCausalLM, AutoTokenizer

        torch.manual_seed(seed)
        self.labels = list(labels)
        self.tokenizer = AutoTokenizer.from_pretrained(folder)
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32)
        for p in model.parameters():
            p.requires_grad_(False)
        if lora:
            from peft import LoraConfig, get_peft_model

            model = get_peft_model(model, LoraConfig(r=rank, lora_alpha=2 * rank, lora_dropout=0.0))
        self.model = model
        self.head = nn.Linear(model.config.hidden_size if hasattr(model.config, "hidden_size")
                              else model.config.n_embd, len(labels))
        params = [p for p in self.model.parameters() if p.requires_grad] + list(self.head.parameters())
        self.trainable = sum(p.numel() for p in params)
        self.opt = torch.optim.AdamW(params, lr=2e-3 if lora else 1e-2)

    def features(self, texts: Sequence[str]) -> torch.Tensor:
        enc = self.tokenizer(list(texts), return_tensors="pt", padding=True, truncation=True, max_length=64)
        hidden = self.model(**enc, output_hidden_states=True).hidden_states[-1]  # (B, T, D)
        mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)

    def step(self, batch: Sequence[Example]) -> float:
        self.model.train()
        y = torch.tensor([self.labels.index(e.label) for e in batch])
        loss = F.cross_entropy(self.head(self.features([e.text for e in batch])), y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return float(loss.detach())

    @torch.no_grad()
    def predict(self, texts: Sequence[str]) -> list[str]:
        self.model.eval()
        return [self.labels[i] for i in self.head(self.features(texts)).argmax(-1).tolist()]


def tune(folder: str, train: Sequence[Example], test: Sequence[Example], steps: int = 20, batch: int = 8,
         lora: bool = True, seed: int = 0, call: Callable[..., Any] | None = None) -> MethodResult:
    """LoRA (or head-only) training for ``steps`` batches; each step is one ``call`` (a compute-worker job)."""
    call = call or (lambda fn, *args: fn(*args))
    clf: TunedClassifier = call(TunedClassifier, folder, labels_of(train), lora, seed)
    rng = random.Random(seed)
    order: list[Example] = []
    t0 = time.perf_counter()
    for _ in range(steps):
        if len(order) < batch:
            fresh = list(train)
            rng.shuffle(fresh)
            order += fresh
        call(clf.step, order[:batch])
        del order[:batch]
    seconds = time.perf_counter() - t0
    predicted = call(clf.predict, [e.text for e in test])
    return _result("lora" if lora else "head", test, predicted, seconds, clf.trainable)
