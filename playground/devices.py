"""Device and dtype choice, and the one place that knows about ZeroGPU.

cuda > mps > cpu unless ``PLAYGROUND_DEVICE`` says otherwise. dtype ``auto``: bf16 on GPUs that support it
(else fp16). On CPUs, bf16 only where the CPU has native bf16 instructions *and* a short probe shows it is
faster for decoding one row and, above all, a batch of rows (``bf16_wins``): on one AMD EPYC with AVX512-BF16 bf16
decoded 1.9x faster than fp32, while on an Intel Xeon that also reports AVX512-BF16 it was ~10% slower alone but
1.5x faster at eight rows, so the flag alone does not decide, nor does batch 1 alone. Without native bf16 (an AMD
EPYC without AVX512) bf16 decoded one row 1.3x faster but prefilled 4x slower and served 16 rows at 32 tok/s against
fp32's 78: fp32 (``bench/batching.py --dtype``). ``PLAYGROUND_DTYPE``
(float32 / bfloat16 / float16 / auto) overrides.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import os
import statistics
import time
from typing import Callable, TypeVar

import torch

from . import settings as env_settings
from .errors import PlaygroundError

F = TypeVar("F", bound=Callable)
log = logging.getLogger(__name__)

DTYPES = {"float32": torch.float32, "fp32": torch.float32, "bfloat16": torch.bfloat16, "bf16": torch.bfloat16,
          "float16": torch.float16, "fp16": torch.float16}


def pick_device(preferred: str | None = None) -> torch.device:
    """The compute device: ``preferred`` or ``PLAYGROUND_DEVICE`` if set, else cuda > mps > cpu."""
    name = (preferred or env_settings.read("PLAYGROUND_DEVICE")).strip().lower()
    if name != "auto":
        if name.startswith("cuda") and not torch.cuda.is_available():
            raise PlaygroundError("no_cuda", device=name)
        return torch.device(name)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


@functools.lru_cache(maxsize=1)
def cpu_has_bf16() -> bool:
    """True when the CPU computes bf16 natively (AVX512-BF16 or AMX); emulated bf16 is slower than fp32."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
            flags = fh.read()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def _decode_probe(dtype: torch.dtype, batch: int = 1, rounds: int = 8) -> float:
    """Seconds for one decode-shaped pass (``batch`` rows of matrix-vector products over ~10M weights)."""
    g = torch.Generator().manual_seed(0)
    weights = [torch.randn(1536, 576, generator=g).to(dtype) for _ in range(12)]
    x = torch.randn(batch, 576, generator=g).to(dtype)
    with torch.inference_mode():
        for w in weights:  # warm-up
            torch.nn.functional.linear(x, w)
        started = time.perf_counter()
        for _ in range(rounds):
            for w in weights:
                torch.nn.functional.linear(x, w)
    return (time.perf_counter() - started) / rounds


def bf16_wins(alone: float, batched: float) -> bool:
    """The decision from the probe's speed-ups of bf16 over fp32 (>1 = bf16 faster), for one row and for a batch of
    eight. The server decodes a room's requests together, so the batched figure counts most: on the Intel Xeon
    bf16 lost alone (0.83x) but won from two rows on (1.5x at 8), while on the AMD EPYC it won everywhere (1.9x).
    Margins are wide because a busy machine makes the probe noisy."""
    return alone >= 1.4 or (batched >= 1.3 and alone >= 0.75)


@functools.lru_cache(maxsize=1)
def cpu_prefers_bf16() -> bool:
    """True when bf16 is native on this CPU and clearly faster than fp32 for decoding as the server does it.

    Takes ~1 s once per process. Call it from the compute worker thread (torch work belongs there).
    """
    if not cpu_has_bf16():
        return False
    speedups = {}
    for batch in (1, 8):
        fp32, bf16 = [], []
        for _ in range(5):  # alternate, so a noisy neighbour hurts both sides alike
            fp32.append(_decode_probe(torch.float32, batch))
            bf16.append(_decode_probe(torch.bfloat16, batch))
        speedups[batch] = statistics.median(fp32) / statistics.median(bf16)
    log.info("dtype probe: bf16 speed-up %.2fx alone, %.2fx for 8 rows", speedups[1], speedups[8])
    return bf16_wins(speedups[1], speedups[8])


def pick_dtype(device: torch.device, preferred: str | None = None) -> torch.dtype:
    """The weights' dtype for ``device``: ``preferred`` / ``PLAYGROUND_DTYPE`` or the fastest safe choice."""
    name = (preferred or env_settings.read("PLAYGROUND_DTYPE")).strip().lower()
    if name != "auto":
        if name not in DTYPES:
            raise PlaygroundError("dtype_unknown", dtype=name)
        return DTYPES[name]
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device.type == "mps":
        return torch.float16
    return torch.bfloat16 if cpu_prefers_bf16() else torch.float32


def dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


def gpu_task(duration: int = 60) -> Callable[[F], F]:
    """Decorator for work that needs the GPU on a ZeroGPU Space (``spaces.GPU``); a no-op elsewhere.

    The ``spaces`` package only exists on Hugging Face Spaces, so it is looked up, never required.
    """
    if importlib.util.find_spec("spaces") is None or os.environ.get("SPACES_ZERO_GPU") is None:
        return lambda fn: fn
    import spaces  # type: ignore[import-not-found]

    return spaces.GPU(duration=duration)
