"""Attention core: extraction invariants, aggregation, rollout, head-pattern labels, logit lens, head ablation, cap,
and the figures (tiny GPT-2 / Llama / BERT models built offline; the bundled model in the slow tests)."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest
import torch

from attention_fixtures import make_bert
from playground.attention import (ENCODER, FIRST, INDUCTION, LABELS, PREVIOUS, SELF, BROAD, AttentionUnavailable,
                                  LensUnavailable, ResultCache, ablate, extract, find_lens, head_scores,
                                  induction_scores, label_heads, logit_lens, max_attention_tokens,
                                  model_induction_scores, out_projections, rollout)
from playground.attention.extract import forward
from playground.models import ModelSpec

TEXT = "The cat sat on the mat. The dog sat on the log. 我们喜欢语言模型。"


@pytest.fixture(scope="module")
def bert_folder(tmp_path_factory):
    return make_bert(tmp_path_factory.mktemp("bert") / "bert")


@pytest.fixture(params=["gpt2", "llama"])
def decoder(request, registry, gpt2_folder, llama_folder):
    folder = gpt2_folder if request.param == "gpt2" else llama_folder
    return registry.get(ModelSpec("local", str(folder)), attn_implementation="eager")


@pytest.fixture
def encoder(registry, bert_folder):
    return registry.get(ModelSpec("local", str(bert_folder)), attn_implementation="eager", task="masked-lm")


@pytest.fixture(params=["decoder", "encoder"])
def any_lm(request, decoder, encoder):
    return decoder if request.param == "decoder" else encoder


# ----------------------------------------------------------------------------------------------- extraction

def test_decoder_rows_sum_to_one_and_upper_triangle_is_zero(decoder, worker):
    res = worker.call(extract, decoder, TEXT)
    L, H, T, _ = res.weights.shape
    assert (L, H) == (decoder.model.config.num_hidden_layers, decoder.model.config.num_attention_heads)
    assert T == len(res.tokens) == len(res.token_ids) == len(res.special) > 5
    np.testing.assert_allclose(res.weights.sum(-1), 1.0, atol=1e-4)
    assert np.abs(np.triu(res.weights, k=1)).max() == 0.0
    assert res.causal and res.target == T - 1
    assert res.hidden.shape[:2] == (L + 1, T)


def test_encoder_is_bidirectional(encoder, worker):
    res = worker.call(extract, encoder, "The cat sat on the [MASK]. Hello world")
    assert res.kind == ENCODER and not res.causal
    np.testing.assert_allclose(res.weights.sum(-1), 1.0, atol=1e-4)
    upper = np.triu(res.weights, k=1).sum(-1)[..., :-1]  # every row but the last can look ahead
    assert (upper > 1e-3).all()
    assert res.tokens[0] == "[CLS]" and res.special[0] and res.special[-1]
    assert res.tokens[res.target] == "[MASK]"


def test_readable_tokens_for_split_chinese_characters(decoder, worker):
    res = worker.call(extract, decoder, "我们 你好")
    assert not any("\ufffd" in t or "Ġ" in t for t in res.tokens)
    byte_tokens = [t for t in res.tokens if t.startswith("<") and t.endswith(">")]
    text = "".join(t for t in res.tokens if t not in byte_tokens)
    assert byte_tokens or "你好" in text  # either whole characters or their bytes, never garbage


def test_empty_text_and_sdpa_model_get_clear_errors(registry, gpt2_folder, worker):
    sdpa = registry.get(ModelSpec("local", str(gpt2_folder)))
    with pytest.raises(AttentionUnavailable, match="eager"):
        extract(sdpa, "Hello")
    eager = registry.get(ModelSpec("local", str(gpt2_folder)), attn_implementation="eager")
    with pytest.raises(ValueError, match="empty"):
        extract(eager, "   ")


def test_model_that_returns_no_weights(decoder):
    class NoAttention:  # what an attention-free architecture (or a hidden kernel) hands back
        def __init__(self, model):
            self.model, self.config = model, model.config

        def __call__(self, **kwargs):
            out = self.model(**kwargs)
            out.attentions = ()
            return out

        forward = __call__

    fake = type("LM", (), {})()
    fake.__dict__.update(decoder.__dict__)
    fake.model = NoAttention(decoder.model)
    with pytest.raises(AttentionUnavailable, match="no attention weights"):
        extract(fake, "Hello there")


def test_cap_holds_with_a_notice(decoder, encoder, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_MAX_ATTENTION_TOKENS", "8")
    assert max_attention_tokens() == 8
    long = "The cat sat on the mat. " * 20
    res = extract(decoder, long)
    assert res.n_tokens == 8 and res.truncated == res.total_tokens - 8 > 0
    enc = extract(encoder, long)
    assert enc.n_tokens == 8 and enc.truncated > 0 and enc.tokens[-1] == "[SEP]"  # encoder keeps its [SEP]
    monkeypatch.setenv("PLAYGROUND_MAX_ATTENTION_TOKENS", "lots")
    with pytest.raises(ValueError, match="PLAYGROUND_MAX_ATTENTION_TOKENS"):
        max_attention_tokens()


def test_result_cache_redraws_without_a_forward_pass(decoder, worker):
    cache = ResultCache(size=2)
    a = cache.get(decoder, "one two three", worker)
    assert cache.get(decoder, "one two three", worker) is a and cache.misses == 1
    cache.get(decoder, "four five", worker)
    cache.get(decoder, "six seven", worker)
    assert cache.misses == 3 and len(cache._items) == 2  # bounded: the oldest went


# ----------------------------------------------------------------------------------------------- aggregation

def test_rollout_rows_sum_to_one_and_stay_causal(decoder, worker):
    res = worker.call(extract, decoder, TEXT)
    roll = rollout(res.weights)
    assert roll.shape == (res.n_layers, res.n_tokens, res.n_tokens)
    np.testing.assert_allclose(roll.sum(-1), 1.0, atol=1e-4)
    assert np.abs(np.triu(roll, k=1)).max() < 1e-7
    random = np.random.default_rng(0).random((3, 2, 6, 6))
    random /= random.sum(-1, keepdims=True)
    np.testing.assert_allclose(rollout(random).sum(-1), 1.0, atol=1e-5)


def _causal_rows(matrix: np.ndarray) -> np.ndarray:
    m = np.tril(matrix)
    return m / m.sum(-1, keepdims=True)


def test_synthetic_heads_get_the_right_labels():
    t = 16
    prev = np.zeros((t, t))
    prev[0, 0] = 1
    prev[np.arange(1, t), np.arange(t - 1)] = 1
    first = np.zeros((t, t))
    first[:, 0] = 1
    diag = np.eye(t)
    uniform = _causal_rows(np.ones((t, t)))
    weights = np.stack([prev, first, diag, uniform])[None].astype(np.float32)  # [1, 4, T, T]
    labels = label_heads(head_scores(weights, causal=True))
    assert labels.tolist() == [[PREVIOUS, FIRST, SELF, BROAD]]
    assert label_heads(head_scores(weights, causal=True, max_rows=5)).tolist() == labels.tolist()  # row sampling
    # A scorer fed the ideal induction pattern on prefix + R + R labels it induction.
    half, offset = 6, 1
    n = offset + 2 * half
    ind = np.eye(n)
    for i in range(offset + half, n):
        ind[i] = 0
        ind[i, i - half + 1] = 1
    ind_scores = induction_scores(ind[None, None], half, offset)
    assert ind_scores[0, 0] == pytest.approx(1.0)
    noise = _causal_rows(np.random.default_rng(1).random((n, n)))[None, None]
    assert induction_scores(noise, half, offset)[0, 0] < 0.3
    labels = label_heads(head_scores(np.stack([noise[0, 0], ind])[None].astype(np.float32), True,
                                     np.array([[0.0, 1.0]])))
    assert labels[0, 1] == INDUCTION


def test_a_tiny_model_with_a_built_in_previous_token_head(registry, llama_folder, worker, tmp_path):
    """Set the weights of head 0 in layer 0 of a tiny Llama so its query matches the previous position's key."""
    lm = registry.get(ModelSpec("local", str(llama_folder)), attn_implementation="eager")
    res = worker.call(extract, lm, TEXT)
    labels = label_heads(head_scores(res.weights, res.causal))
    assert set(labels.ravel()) <= set(LABELS)
    # Feed the model's own extraction with head (0, 0) replaced by a previous-token pattern.
    w = res.weights.copy()
    t = res.n_tokens
    w[0, 0] = 0
    w[0, 0, 0, 0] = 1
    w[0, 0, np.arange(1, t), np.arange(t - 1)] = 1
    assert label_heads(head_scores(w, True))[0, 0] == PREVIOUS


def test_model_induction_scores_shape(any_lm, worker):
    scores = worker.call(model_induction_scores, any_lm)
    cfg = any_lm.model.config
    assert scores.shape == (cfg.num_hidden_layers, cfg.num_attention_heads)
    assert np.isfinite(scores).all() and (scores >= 0).all() and (scores <= 1).all()


# ----------------------------------------------------------------------------------------------- lens, ablation

def test_logit_lens_last_layer_reproduces_the_model(any_lm, worker):
    text = "The cat sat on the [MASK] today" if any_lm.is_encoder else TEXT
    res = worker.call(extract, any_lm, text)
    lens = worker.call(logit_lens, any_lm, res, None, 3)
    assert lens.top_ids.shape == (res.n_layers + 1, res.n_tokens, 3)
    out = worker.call(forward, any_lm, res.token_ids, False)
    probs = torch.softmax(out.logits[0].float(), -1)  # the model's own distribution at every position
    top = torch.topk(probs, 3, dim=-1)
    torch.testing.assert_close(lens.top_probs[-1], top.values, atol=1e-4, rtol=1e-4)
    assert torch.equal(lens.top_ids[-1], top.indices)
    assert lens.max_error < 1e-3
    np.testing.assert_allclose(lens.final_prob[-1].numpy(), top.values[:, 0].numpy(), atol=1e-4)
    # Earlier layers give a different reading (otherwise the lens would show nothing).
    assert not torch.allclose(lens.top_probs[0], lens.top_probs[-1])


def test_logit_lens_refuses_a_model_it_cannot_read(decoder):
    class Odd(torch.nn.Module):  # an output head it cannot find a final norm for
        def __init__(self, model):
            super().__init__()
            self.head = model.get_output_embeddings()
            self.config = model.config

        def get_output_embeddings(self):
            return self.head

    fake = type("LM", (), {})()
    fake.__dict__.update(decoder.__dict__)
    fake.model = Odd(decoder.model)
    with pytest.raises(LensUnavailable, match="final normalisation"):
        find_lens(fake)


def test_head_ablation_changes_the_output_and_nothing_changes_nothing(any_lm, worker):
    text = "The cat sat on the [MASK] today" if any_lm.is_encoder else TEXT
    res = worker.call(extract, any_lm, text)
    assert len(out_projections(any_lm.model)) == res.n_layers
    none = worker.call(ablate, any_lm, res, [])
    assert torch.equal(none.before, none.after) and none.kl_bits == 0
    one = worker.call(ablate, any_lm, res, [(0, 1)])
    assert not torch.allclose(one.before, one.after) and one.kl_bits > 0
    many = worker.call(ablate, any_lm, res, [(l, h) for l in range(res.n_layers) for h in range(res.n_heads)])
    assert many.kl_bits > 0
    # The hooks are gone afterwards: a fresh pass gives the original logits again.
    again = worker.call(ablate, any_lm, res, [])
    torch.testing.assert_close(again.after, one.before)
    out = worker.call(forward, any_lm, res.token_ids, False, res.causal)
    logits = out.logits[0, -1] if res.causal else out.logits[0, res.target]
    torch.testing.assert_close(logits.float(), res.logits, atol=1e-4, rtol=1e-4)
    full = worker.call(forward, any_lm, res.token_ids, False).logits[0].float()
    mid = worker.call(ablate, any_lm, res, [(0, 1)], 2)  # the prediction at another position
    torch.testing.assert_close(mid.before, full[2], atol=1e-4, rtol=1e-4)
    assert mid.position == 2 and not torch.allclose(mid.before, mid.after)
    with pytest.raises(ValueError, match="no head 99"):
        ablate(any_lm, res, [(0, 99)])
    with pytest.raises(ValueError, match="no token"):
        ablate(any_lm, res, [(0, 1)], res.n_tokens)


# ----------------------------------------------------------------------------------------------- figures

def _synthetic(layers=30, heads=9, t=128, causal=True):
    from playground.attention import AttentionResult

    rng = np.random.default_rng(0)
    w = rng.random((layers, heads, t, t)).astype(np.float32)
    if causal:
        w = np.tril(w)
    w /= w.sum(-1, keepdims=True)
    return AttentionResult("x", list(range(t)), [f" t{i}" for i in range(t)], [i == 0 for i in range(t)], w,
                           torch.zeros(layers + 1, t, 4), torch.zeros(10), t - 1, "decoder" if causal else "encoder",
                           t + 5)


def test_figures_are_single_traces_with_bounded_payloads():
    from playground import plots_attention as pa

    res = _synthetic()
    scores = head_scores(res.weights, True, np.zeros((30, 9)))
    labels = label_heads(scores)
    head = pa.head_figure(res, 3, 2, "t")
    assert len(head.data) == 1 and head.data[0].type == "heatmap"
    z = np.asarray(head.data[0].z, dtype=float)
    assert np.isnan(z[0, 1]) and not np.isnan(z[1, 0])  # future cells are gaps (masked), not zeros
    assert head.data[0].x[0].startswith("0 ★")  # position + special-token mark
    grid = pa.overview_figure(res, labels, scores.as_dict())
    image = [d for d in grid.data if d.type == "image"]
    assert len(image) == 1 and image[0].source.startswith("data:image/png;base64,")
    png = base64.b64decode(image[0].source.split(",", 1)[1])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    for fig in (head, grid, pa.aggregate_figure(res, 5), pa.focus_figure(res, 10),
                pa.gallery_figure(res, labels, scores.as_dict())):
        assert len(json.dumps(fig.to_plotly_json(), cls=_Encoder)) < 900_000


class _Encoder(json.JSONEncoder):
    def default(self, o):
        import plotly.io

        return json.loads(plotly.io.to_json(o)) if hasattr(o, "to_plotly_json") else str(o)


def test_png_encoder_round_trip():
    import zlib

    from playground.plots_attention import png_bytes

    def rows(data: bytes, width: int) -> np.ndarray:
        idat = data[data.index(b"IDAT") + 4:data.index(b"IEND") - 8]
        raw = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(2, 1 + width)
        assert (raw[:, 0] == 0).all()  # filter byte
        return raw[:, 1:]

    img = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    assert (rows(png_bytes(img), 9).reshape(2, 3, 3) == img).all()
    palette = np.zeros((256, 3), np.uint8)
    indexed = np.array([[0, 5, 255], [7, 7, 1]], np.uint8)
    data = png_bytes(indexed, palette)
    assert b"PLTE" in data and (rows(data, 3) == indexed).all()


@pytest.mark.slow
def test_bundled_model_end_to_end(bundled_registry):
    from playground.models import ModelSpec as Spec

    lm = bundled_registry.get(Spec.bundled(), attn_implementation="eager")
    worker = bundled_registry.worker
    res = worker.call(extract, lm, "The capital of France is Paris. The capital of Germany is")
    assert res.weights.shape[:2] == (30, 9) and res.n_kv_heads == 3
    np.testing.assert_allclose(res.weights.sum(-1), 1.0, atol=2e-2)  # bf16 on some CPUs
    assert np.abs(np.triu(res.weights, k=1)).max() == 0
    lens = worker.call(logit_lens, lm, res, [res.target])
    assert lens.top_tokens[-1][0][0].strip() == "Berlin"
    induction = worker.call(model_induction_scores, lm)
    assert induction.max() > 0.3  # real models learn induction heads; random weights do not
    labels = label_heads(head_scores(res.weights, True, induction))
    assert (labels == INDUCTION).any() and (labels == FIRST).any()
