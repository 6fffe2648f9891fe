"""What a from-scratch run may ask for: one frozen dataclass whose bounds also size the UI's sliders.

The bounds keep one run's memory and time small on a shared 2-core machine: at most 4 layers of width 256,
a 256-character context, batches of 64 and a hard time limit (``max_seconds``) besides the step budget.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import PlaygroundError
from ..fields import check_fields, setting

HEADS = 4  # attention heads of the Transformer (the width must be a multiple)
MIN_CHARS = 500  # fewer characters cannot teach a model anything
MAX_CHARS = 400_000  # more is not read (a run sees far fewer characters in its step budget anyway)
MAX_JOBS = 2  # from-scratch runs training at once on one server


@dataclass(frozen=True)
class ScratchSettings:
    """Both models get the same layers, context, data, optimizer (AdamW), learning rate, batch and steps; the
    Transformer gets ``width`` and the LSTM the width that matches its parameter count."""

    layers: int = setting(2, min=1, max=4, step=1, help="Layers of each model (LSTM layers / Transformer blocks).")
    width: int = setting(64, min=16, max=256, step=16, help="The Transformer's width; the LSTM's is solved to "
                                                             "match the parameter count.")
    context: int = setting(64, min=16, max=256, step=16, help="Characters each training sequence holds.")
    steps: int = setting(300, min=10, max=3000, step=10, help="Training steps of each model.")
    lr: float = setting(0.003, min=0.0001, max=0.02, step=0.0001, help="AdamW learning rate (both models).")
    batch: int = setting(16, min=2, max=64, step=2, help="Sequences per step.")
    seed: int = setting(0, min=0, max=2**31 - 1, step=1, help="Same seed = same initial weights and batches.")
    sample_every: int = setting(50, min=10, max=1000, step=10,
                                help="Measure validation perplexity and draw samples every N steps.")
    temperature: float = setting(0.8, min=0.1, max=2.0, step=0.05, help="Sampling temperature of the samples.")
    max_seconds: int = setting(240, min=10, max=900, step=10, help="The run stops here even if steps remain.")

    def __post_init__(self) -> None:
        check_fields(self)
        if self.width % HEADS:
            raise PlaygroundError("scratch_width_heads", width=self.width, heads=HEADS)
