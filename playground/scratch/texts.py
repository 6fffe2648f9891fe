"""Where a from-scratch run's characters come from: bundled corpora, the Fine-tune tab's demo texts, or the
user's own (pasted or uploaded, checked by ``playground.data`` like any training upload)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from ..errors import PlaygroundError

PASTED = "own"  # the source key meaning "the pasted / uploaded text"


@dataclass(frozen=True)
class Source:
    key: str
    path: Path
    language: str
    kind: str  # "corpus" (assets/scratch) or "demo" (assets/finetune)


def assets_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "assets" / "scratch"


def sources() -> list[Source]:
    """Bundled corpora first, then the Fine-tune tab's demo texts (plain-text versions)."""
    from ..data import demo_sets

    items = [Source(p.stem, p, "zh" if p.stem.endswith("_zh") else "en", "corpus")
             for p in sorted(assets_dir().glob("*.txt"))]
    for demo in demo_sets():
        txt = demo.path.with_suffix(".txt")
        if txt.is_file():
            items.append(Source(demo.key, txt, demo.language, "demo"))
    return items


def clean(text: str) -> str:
    """Normalise line ends and drop control characters (they would only waste vocabulary)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(c for c in text if c == "\n" or c == "\t" or c.isprintable())


def read_text(source: str, pasted: str = "", paths: Sequence[str] = (), limits=None) -> str:
    """The training text for ``source`` (a key of ``sources()`` or ``PASTED``). Raises coded errors."""
    from .settings import MAX_CHARS, MIN_CHARS

    if source == PASTED:
        from ..data import read_paths

        if not (pasted or "").strip() and not paths:
            raise PlaygroundError("scratch_no_source")
        docs = read_paths(list(paths), pasted or "", None, limits)
        parts = []
        for doc in docs:
            for record in doc.records:
                if "text" in record:
                    parts.append(record["text"])
                else:
                    parts.append("\n".join(m["content"] for m in record["messages"]))
        text = "\n\n".join(parts)
    else:
        found = next((s for s in sources() if s.key == source), None)
        if found is None:
            raise PlaygroundError("scratch_unknown_source", name=str(source)[:60])
        text = found.path.read_text(encoding="utf-8")
    text = clean(text)
    if len(text) < MIN_CHARS:
        raise PlaygroundError("scratch_too_little", n=len(text), min=MIN_CHARS)
    return text[:MAX_CHARS]


def split(ids: Sequence[int], context: int, val_fraction: float = 0.1) -> tuple[list[int], list[int]]:
    """Train on the first 90 %, validate on the rest (text the models never train on); the validation part holds
    at least two full sequences, the training part at least four."""
    n_val = max(int(len(ids) * val_fraction), 2 * (context + 1))
    if len(ids) - n_val < 4 * (context + 1):
        raise PlaygroundError("scratch_too_little", n=len(ids), min=6 * (context + 1))
    cut = len(ids) - n_val
    return list(ids[:cut]), list(ids[cut:])
