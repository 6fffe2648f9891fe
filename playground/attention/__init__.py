"""Look inside a transformer: attention weights, aggregations, rollout, head patterns, logit lens, head ablation.

Returns arrays; never draws (``playground.plots_attention`` turns results into figures).

    result = worker.call(extract, lm, "The cat sat on the mat.")   # lm loaded with eager attention
    result.weights            # float32 [layers, heads, T, T]; rows sum to 1; causal models: upper triangle = 0
    rollout(result.weights)   # [layers, T, T]
    label_heads(head_scores(result.weights, result.causal))   # [layers, heads] pattern names
    worker.call(logit_lens, lm, result, positions=[3, 4])
    worker.call(ablate, lm, result, [(0, 1)])
"""

from .extract import (DECODER, DEFAULT_MAX_TOKENS, ENCODER, AttentionResult, AttentionUnavailable, ResultCache,
                      encode, extract, max_attention_tokens)
from .lens import (AblationResult, AblationUnavailable, LensResult, LensUnavailable, ablate, find_lens, logit_lens,
                   out_projections)
from .patterns import (BROAD, FIRST, INDUCTION, LABELS, LOCAL, MIXED, PREVIOUS, SELF, THRESHOLDS, HeadScores,
                       downsample, head_scores, induction_ids, induction_scores, label_heads, max_heads, mean_heads,
                       model_induction_scores, rollout)

__all__ = [
    "DECODER", "ENCODER", "DEFAULT_MAX_TOKENS", "AttentionResult", "AttentionUnavailable", "ResultCache", "encode",
    "extract", "max_attention_tokens", "AblationResult", "AblationUnavailable", "LensResult", "LensUnavailable",
    "ablate", "find_lens", "logit_lens", "out_projections", "BROAD", "FIRST", "INDUCTION", "LABELS", "LOCAL",
    "MIXED", "PREVIOUS", "SELF", "THRESHOLDS", "HeadScores", "downsample", "head_scores", "induction_ids",
    "induction_scores", "label_heads", "max_heads", "mean_heads", "model_induction_scores", "rollout",
]
