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

# The implementation lives in playground/training/ (one module per responsibility); this module is the public face.
from .training.settings import (  # noqa: F401
    Busy,
    DEFAULT_QV,
    META,
    METHODS,
    QV_MODULES,
    TARGET_PRESETS,
    TrainLimits,
    TrainSettings,
    TrainingError,
)
from .training.events import (  # noqa: F401
    EvalEvent,
    Event,
    PhaseEvent,
    Progress,
    SampleEvent,
    StepEvent,
    TokenDiff,
    TrainResult,
)
from .training.model_side import (  # noqa: F401
    PrivateModel,
    _autocast,
    collate,
    complete,
    count_params,
    lora_targets,
    prompt_ids,
    token_logprobs,
)
from .training.loop import (  # noqa: F401
    train,
)
from .training.runs import (  # noqa: F401
    _merge_to_folder,
    load_tuned,
    read_meta,
    zip_run,
)
from .training.jobs import (  # noqa: F401
    TrainJob,
    TrainingManager,
)
