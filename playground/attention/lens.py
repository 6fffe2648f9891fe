"""Logit lens (what each layer would predict) and head ablation (switch heads off, compare predictions).

Both need the model, so run them on the compute worker thread.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Sequence

import torch

from ..errors import PlaygroundError
from ..tokens import token_label
from .extract import AttentionResult, forward

NORM_NAMES = ("norm", "ln_f", "final_layer_norm", "final_layernorm", "final_norm", "ln_out", "norm_f")
# The attention output projection of one layer: its input is the concatenation of every head's output.
OUT_PROJ = re.compile(r"(?:self_attn\.o_proj|self_attn\.out_proj|attn\.c_proj|attn\.out_proj|attn\.o_proj|"
                      r"attention\.output\.dense|attention\.out_lin|attention\.dense|attention\.o_proj)$")


class LensUnavailable(PlaygroundError, RuntimeError):
    """The model's output head cannot be applied to intermediate layers (coded; the message says why)."""


class AblationUnavailable(PlaygroundError, RuntimeError):
    """The attention output projections of this architecture were not found (coded)."""


def _final_norm(model) -> torch.nn.Module | None:
    base = getattr(model, getattr(model, "base_model_prefix", ""), None) or model
    for holder in (base, getattr(base, "decoder", None), model):
        if holder is None:
            continue
        for name in NORM_NAMES:
            module = getattr(holder, name, None)
            if isinstance(module, torch.nn.Module):
                return module
    return None


def find_lens(lm) -> Callable[[torch.Tensor, bool], torch.Tensor]:
    """``lens(hidden [N, D], is_last) -> logits [N, V]`` built from the model's own final norm and output head.

    Decoders: final norm + output embeddings (the last hidden state usually has the norm applied already).
    BERT/RoBERTa-style encoders: their masked-LM head (``cls`` / ``lm_head``), which holds its own transform.
    The caller checks the lens against the model's real output before trusting it.
    """
    model = lm.model
    if getattr(lm, "is_encoder", False):
        head = getattr(model, "cls", None) or getattr(model, "lm_head", None)
        if head is None:
            raise LensUnavailable("lens_no_mlm_head", model=type(model).__name__)
        return lambda h, is_last: head(h)
    try:
        head = model.get_output_embeddings()
    except (AttributeError, NotImplementedError):
        head = None
    if head is None:
        raise LensUnavailable("lens_no_head", model=type(model).__name__)
    norm = _final_norm(model)
    if norm is None:
        raise LensUnavailable("lens_no_norm", model=type(model).__name__)
    return lambda h, is_last: head(h) if is_last else head(norm(h))


@dataclass(frozen=True)
class LensResult:
    """Top predictions of every layer at some positions.

    ``top_ids``/``top_probs``: [L + 1, P, k] (row 0 = the embeddings); ``final_prob``: [L + 1, P] probability each
    layer gives the model's final top-1 token; ``positions``: the P token positions (a prediction at position i is
    for token i + 1 in a decoder, or for the token at i in a masked-LM encoder).
    """

    positions: tuple[int, ...]
    top_ids: torch.Tensor
    top_probs: torch.Tensor
    top_tokens: tuple[tuple[tuple[str, ...], ...], ...]
    final_prob: torch.Tensor
    max_error: float  # |lens(last layer) - model logits| at the target position


def logit_lens(lm, result: AttentionResult, positions: Sequence[int] | None = None, top_k: int = 5,
               tolerance: float = 1e-2) -> LensResult:
    """Read every layer's hidden state through the final norm and output head.

    Raises ``LensUnavailable`` when the lens does not reproduce the model's own logits at the last layer.
    """
    lens = find_lens(lm)
    t = result.n_tokens
    positions = tuple(sorted({int(p) for p in (positions if positions is not None else range(t)) if 0 <= p < t}))
    if not positions:
        raise PlaygroundError("lens_no_positions")
    wanted = tuple(sorted(set(positions) | {result.target}))
    hidden = result.hidden[:, list(wanted)]  # [L + 1, P', D]
    n = hidden.shape[0]
    param = next(lm.model.parameters())
    h = hidden.to(param.device, param.dtype)
    with torch.inference_mode():  # two big matmuls (layers batched) are much faster than one per layer
        inner = lens(h[:-1].reshape(-1, h.shape[-1]), False).reshape(n - 1, h.shape[1], -1)
        last = lens(h[-1], True)[None]
        logits = torch.cat([inner, last]).float().cpu()  # [L + 1, P', V]
    error = float((logits[-1, wanted.index(result.target)] - result.logits).abs().max())
    scale = float(result.logits.abs().max()) or 1.0
    if error > tolerance * max(1.0, scale):
        raise LensUnavailable("lens_mismatch", model=type(lm.model).__name__, error=f"{error:.3g}")
    keep = [wanted.index(p) for p in positions]
    probs = torch.softmax(logits[:, keep], dim=-1)  # [L + 1, P, V]
    top = torch.topk(probs, min(top_k, probs.shape[-1]), dim=-1)
    final_top = probs[-1].argmax(-1)  # [P]
    final_prob = probs.gather(-1, final_top[None, :, None].expand(n, -1, 1))[..., 0]
    tok = lm.tokenizer
    cache: dict[int, str] = {}

    def label(i: int) -> str:
        if i not in cache:
            cache[i] = token_label(tok, i)
        return cache[i]

    tokens = tuple(tuple(tuple(label(i) for i in pos) for pos in layer) for layer in top.indices.tolist())
    return LensResult(positions, top.indices, top.values, tokens, final_prob, error)


# ----------------------------------------------------------------------------------------------- ablation

def out_projections(model) -> list[torch.nn.Module]:
    """The attention output projection of every layer, in layer order."""
    found = [m for name, m in model.named_modules() if OUT_PROJ.search(name)]
    layers = getattr(model.config, "num_hidden_layers", None) or getattr(model.config, "n_layer", None)
    if not found or (layers is not None and len(found) != layers):
        raise AblationUnavailable("ablation_unavailable", model=type(model).__name__)
    return found


@dataclass(frozen=True)
class AblationResult:
    heads: tuple[tuple[int, int], ...]
    position: int
    before: torch.Tensor  # logits [V] with every head on
    after: torch.Tensor  # logits [V] with ``heads`` zeroed
    kl_bits: float  # KL(before || after) in bits
    top_before: int
    top_after: int


def _zero_heads(head_dim: int, heads: list[int]):
    def hook(module, args):
        x = args[0].clone()
        for h in heads:
            x[..., h * head_dim:(h + 1) * head_dim] = 0
        return (x,) + tuple(args[1:])

    return hook


def _logits_at(lm, result: AttentionResult, position: int) -> torch.Tensor:
    last_only = result.causal and position == result.n_tokens - 1
    out = forward(lm, result.token_ids, attentions=False, last_only=last_only)
    return out.logits[0, -1 if last_only else position].float().cpu()


def ablate(lm, result: AttentionResult, heads: Sequence[tuple[int, int]], position: int | None = None) -> AblationResult:
    """Zero the output of ``heads`` ((layer, head) pairs) before each layer's output projection and compare the
    prediction at ``position`` (default ``result.target``: the next token after the text for a decoder, the [MASK]
    for an encoder) with the unchanged model. One forward pass (two for another position; none without heads)."""
    heads = tuple(sorted({(int(l), int(h)) for l, h in heads}))
    for l, h in heads:
        if not (0 <= l < result.n_layers and 0 <= h < result.n_heads):
            raise PlaygroundError("no_such_head", head=h, layer=l, layers=result.n_layers, heads=result.n_heads)
    position = result.target if position is None else int(position)
    if not 0 <= position < result.n_tokens:
        raise PlaygroundError("no_such_token", position=position, last=result.n_tokens - 1)
    before = result.logits if position == result.target else _logits_at(lm, result, position)
    if not heads:
        after = before.clone()
    else:
        projections = out_projections(lm.model)
        hooks = []
        try:
            for layer in sorted({l for l, _ in heads}):
                proj = projections[layer]
                width = getattr(proj, "in_features", None) or proj.weight.shape[0]  # Conv1D stores (in, out)
                head_dim = width // result.n_heads
                hooks.append(proj.register_forward_pre_hook(_zero_heads(head_dim, [h for l2, h in heads if l2 == layer])))
            after = _logits_at(lm, result, position)
        finally:
            for hook in hooks:
                hook.remove()
    p, q = torch.log_softmax(before.double(), -1), torch.log_softmax(after.double(), -1)  # double: tiny changes
    kl = float((p.exp() * (p - q)).sum() / torch.log(torch.tensor(2.0, dtype=torch.float64)))
    return AblationResult(heads, position, before, after, max(kl, 0.0), int(before.argmax()), int(after.argmax()))
