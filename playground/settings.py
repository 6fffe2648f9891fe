"""The one place that reads ``PLAYGROUND_*`` environment variables.

``VARIABLES`` is a typed table (name, type, default, bounds, meaning). ``read(name)`` parses and validates one
variable (an empty value means "not set"); ``check_environment()`` reads them all at start-up, so a typo stops the
server with a message naming the variable and what it accepts, instead of failing on the first request.
``readme_table()`` renders the README's settings table from the same rows (a test compares the two).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from .errors import Msg, PlaygroundError


@dataclass(frozen=True)
class Variable:
    """One environment variable. ``kind``: int | float | str | path | paths (os.pathsep-separated folders)."""

    name: str
    kind: str
    default: Any
    meaning: str
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] = ()
    shown: str = ""  # the default as the README shows it (when the value itself reads badly)
    read_by: str = "core"  # "ui": read by playground/ui/app.py (listed here so it is documented in one place)

    def parse(self, raw: str) -> Any:
        """The typed value of ``raw`` (stripped; never empty), or a ``PlaygroundError`` naming the variable."""
        if self.kind in ("int", "float"):
            try:
                value = float(raw)
            except ValueError:
                raise PlaygroundError("env_not_number", name=self.name, raw=raw, accepted=self.accepted()) from None
            if not math.isfinite(value) or (self.kind == "int" and not value.is_integer()):
                raise PlaygroundError("env_not_number", name=self.name, raw=raw, accepted=self.accepted())
            value = int(value) if self.kind == "int" else value
            if (self.min is not None and value < self.min) or (self.max is not None and value > self.max):
                raise PlaygroundError("env_out_of_range", name=self.name, raw=raw, accepted=self.accepted())
            return value
        if self.choices:
            value = raw.lower()
            if value not in self.choices and not (self.name == "PLAYGROUND_DEVICE" and _device_like(value)):
                raise PlaygroundError("env_not_a_choice", name=self.name, raw=raw, accepted=self.accepted())
            return value
        if self.kind == "path":
            return Path(raw).expanduser()
        if self.kind == "paths":
            return tuple(Path(p).expanduser() for p in raw.split(os.pathsep) if p.strip())
        return raw

    def accepted(self) -> Msg:
        """What the variable accepts, in words (a ``Msg``: English as a string, ``.text("zh")`` in Chinese)."""
        if self.choices:
            return Msg("accepts_choice", choices=", ".join(self.choices))
        if self.kind in ("int", "float"):
            return Msg("accepts_whole" if self.kind == "int" else "accepts_number", min=_num(self.min),
                       max=_num(self.max))
        if self.kind == "paths":
            return Msg("accepts_folders", sep=os.pathsep)
        return Msg("accepts_folder" if self.kind == "path" else "accepts_text")

    def check(self, value: Any, field_name: str = "") -> None:
        """Refuse a value given in code (e.g. ``Limits(max_models=0)``) that the variable would refuse."""
        if self.kind in ("int", "float"):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or (
                    (self.min is not None and value < self.min) or (self.max is not None and value > self.max)):
                raise PlaygroundError("limit_out_of_range", limit=field_name or self.name, value=value,
                                      name=self.name, accepted=self.accepted())
        elif self.choices and value not in self.choices:
            raise PlaygroundError("limit_out_of_range", limit=field_name or self.name, value=value,
                                  name=self.name, accepted=self.accepted())


def _num(x: float | None) -> str:
    return "∞" if x is None else (f"{x:,}" if isinstance(x, int) else f"{x:g}")


def _device_like(value: str) -> bool:
    return value.startswith("cuda:") and value[5:].isdigit()


_V = Variable
VARIABLES: tuple[Variable, ...] = (
    _V("PLAYGROUND_DEVICE", "str", "auto", "compute device (`cuda:N` picks one GPU)", choices=("auto", "cpu", "cuda", "mps"),
       shown="auto (cuda > mps > cpu)"),
    _V("PLAYGROUND_DTYPE", "str", "auto", "weights' dtype; auto = bf16/fp16 on GPU; on CPU bf16 only if the CPU has "
       "native bf16 *and* a short probe finds it faster",
       choices=("auto", "float32", "fp32", "bfloat16", "bf16", "float16", "fp16")),
    _V("PLAYGROUND_CACHE", "path", None, "converted models and per-session files", shown="`~/.cache/llm-playground`"),
    _V("PLAYGROUND_MODEL_DIRS", "paths", (), "server folders whose model folders visitors may open by typing their "
       "path (and that the picker lists); empty = typed server folders are refused", shown="(none)"),
    _V("PLAYGROUND_MAX_NEW_TOKENS", "int", 512, "cap on generated tokens per request", 1, 4096),
    _V("PLAYGROUND_MAX_PROMPT_TOKENS", "int", 1024, "longer prompts keep their last tokens (with a warning)", 1, 32768),
    _V("PLAYGROUND_MAX_INPUT_CHARS", "int", 20_000, "longer text is refused with a message", 1, 1_000_000),
    _V("PLAYGROUND_MAX_TIME", "float", 120.0, "seconds one generation may run", 1, 3600, shown="120"),
    _V("PLAYGROUND_MAX_MODELS", "int", 2, "models kept loaded (LRU)", 1, 16),
    _V("PLAYGROUND_QUEUE_SIZE", "int", 64, "requests waiting in the queue", 1, 10_000),
    _V("PLAYGROUND_CONCURRENCY", "int", 1, "other model requests (attention, scoring, loading) running at once; "
       "generations are batched instead (`PLAYGROUND_MAX_BATCH`)",
       1, 64),
    _V("PLAYGROUND_MAX_BATCH", "int", 32, "generations decoded together in one forward pass (continuous "
       "batching); more wait for a free row", 1, 256),
    _V("PLAYGROUND_MAX_FILE_SIZE", "str", "10mb", "largest upload (gradio size, e.g. `10mb`)"),
    _V("PLAYGROUND_TOP_ALTERNATIVES", "int", 5, "alternatives kept per generated token", 1, 50),
    _V("PLAYGROUND_MAX_ATTENTION_TOKENS", "int", 256, "longer texts are cut (with a notice) in the Attention tab",
       2, 4096),
    _V("PLAYGROUND_MAX_UPLOAD_MB", "float", 5.0, "fine-tuning uploads: all files and pasted text together, in MB",
       0.001, 1024, shown="5"),
    _V("PLAYGROUND_MAX_UPLOAD_FILES", "int", 10, "fine-tuning uploads: files at once", 1, 100),
    _V("PLAYGROUND_MIN_TRAIN_CHARS", "int", 200, "fine-tuning: fewer visible characters are refused", 1, 1_000_000),
    _V("PLAYGROUND_MAX_TRAINING_JOBS", "int", 1, "training jobs running at once", 1, 16),
    _V("PLAYGROUND_MAX_TRAINING_QUEUE", "int", 8, "training jobs waiting in line", 0, 1000),
    _V("PLAYGROUND_MAX_TRAIN_STEPS", "int", 400, "cap on steps per run", 1, 100_000),
    _V("PLAYGROUND_FULL_FT_MAX_PARAMS", "int", 200_000_000, "full fine-tuning is offered below this model size",
       0, 10**12, shown="200M"),
    _V("PLAYGROUND_MERGED_MAX_PARAMS", "int", 500_000_000, "the merged-model download is offered below this size",
       0, 10**12, shown="500M"),
    _V("PLAYGROUND_TRAINING_WORKER", "str", "shared", "`shared`: training steps interleave with others' generation "
       "on the compute thread; `dedicated`: own thread", choices=("shared", "dedicated")),
    _V("PLAYGROUND_TRAINING_SHARE", "float", 0.25, "share of the compute thread that training steps may take "
       "while others are generating (with `shared`; alone they run at full speed)", 0.01, 1.0),
    _V("PLAYGROUND_SESSION_TTL", "float", 3600.0, "seconds a session's fine-tuned model and files are kept",
       1, 30 * 86400, shown="3600"),
    _V("PLAYGROUND_REMOTE_URL", "str", None, "an OpenAI-compatible engine (vLLM, SGLang, TGI, llama.cpp's server, a "
       "hosted API), e.g. `http://gpu-box:8000/v1`; its models join the picker with a 🌐 badge", shown="(none)"),
    _V("PLAYGROUND_REMOTE_MODELS", "str", None, "comma-separated model names served there (only these can be picked)",
       shown="(none)"),
    _V("PLAYGROUND_REMOTE_API_KEY", "str", None, "the engine's API key, sent only to it (never logged, never shown)",
       shown="(none)"),
    _V("PLAYGROUND_REMOTE_TIMEOUT", "float", 60.0, "seconds to wait for the engine's next answer or piece of one",
       1, 600, shown="60"),
    _V("PLAYGROUND_REMOTE_PROMPT_LOGPROBS", "str", "auto", "how the engine reports prompt log-probabilities (for "
       "perplexity and label scoring): probed (`auto`), `standard`, `shifted` (llama-cpp-python), or `off`",
       choices=("auto", "standard", "shifted", "off")),
    _V("PLAYGROUND_TEACHER_TOKEN", "str", None, "a secret; when set, `/?teacher=<token>` opens the teacher's view "
       "(the room, the queue, a message to everyone, stopping a job); unset = the view does not exist",
       shown="(none)", read_by="ui"),
    _V("GRADIO_SERVER_NAME", "str", "127.0.0.1", "where the app listens (read by the UI)", read_by="ui"),
    _V("GRADIO_SERVER_PORT", "int", 7860, "port the app listens on (read by the UI)", 1, 65535, shown="7860",
       read_by="ui"),
)
_BY_NAME = {v.name: v for v in VARIABLES}


def variable(name: str) -> Variable:
    return _BY_NAME[name]


def default(name: str) -> Any:
    return _BY_NAME[name].default


def read(name: str, environ: Mapping[str, str] | None = None) -> Any:
    """The value of one variable: parsed and validated; its default when unset or empty."""
    var = _BY_NAME[name]
    env = os.environ if environ is None else environ
    raw = (env.get(name) or "").strip()
    return var.default if not raw else var.parse(raw)


def read_many(names: Mapping[str, str], environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """``{field: value}`` for ``{field: variable name}``, leaving out variables that are not set."""
    env = os.environ if environ is None else environ
    return {field: read(name, env) for field, name in names.items() if (env.get(name) or "").strip()}


def check_environment(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Read every core variable (raises on the first bad one); returns ``{name: value}``. Run at start-up."""
    return {v.name: read(v.name, environ) for v in VARIABLES if v.read_by == "core"}


def model_dirs(environ: Mapping[str, str] | None = None) -> tuple[Path, ...]:
    """``PLAYGROUND_MODEL_DIRS``: the server folders visitors may open models from (empty = none)."""
    return read("PLAYGROUND_MODEL_DIRS", environ)


BEGIN = "<!-- settings-table:begin (generated by playground.settings.readme_table; do not edit by hand) -->"
END = "<!-- settings-table:end -->"


def readme_table() -> str:
    """The README's settings table (Markdown), one row per variable."""
    rows = ["| variable | default | accepted | meaning |", "|---|---|---|---|"]
    for v in VARIABLES:
        shown = v.shown or (f"`{v.default}`" if isinstance(v.default, str) else _num(v.default))
        rows.append(f"| `{v.name}` | {shown} | {v.accepted()} | {v.meaning} |")
    return "\n".join(rows)


def readme_section(readme: str) -> str:
    """The generated part of a README text (between the markers); '' when the markers are missing."""
    if BEGIN not in readme or END not in readme:
        return ""
    return readme.split(BEGIN, 1)[1].split(END, 1)[0].strip("\n")


def update_readme(readme: str) -> str:
    """``readme`` with the generated table put between the markers."""
    head, rest = readme.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{readme_table()}\n{END}{tail}"


if __name__ == "__main__":  # python -m playground.settings [--write README.md]
    import sys

    if len(sys.argv) == 3 and sys.argv[1] == "--write":
        path = Path(sys.argv[2])
        path.write_text(update_readme(path.read_text(encoding="utf-8")), encoding="utf-8")
    else:
        print(readme_table())
