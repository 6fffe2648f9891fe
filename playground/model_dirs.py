"""Server folders are the operator's, not the visitor's.

A visitor may open a model folder on the server only inside the folders the operator lists in
``PLAYGROUND_MODEL_DIRS`` (empty by default: typed server paths are refused). Whether text is a path or a Hub id is
decided from the text alone (``looks_local``), so typing a path never reveals whether it exists: every refusal is
the same message, whatever is on the disk, and no message repeats a resolved server path. Per-session private
folders stay refused even inside an allowed folder. Python code that builds ``ModelSpec("local", path)`` itself is
the operator's own and is not restricted here.
"""

from __future__ import annotations

import os
import re
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Iterable, Mapping

from . import settings as env_settings
from .errors import ModelLoadError
from .sessions import inside, is_private

_DRIVE_RE = re.compile(r"^[A-Za-z]:[\\/]")


def looks_local(text: str) -> bool:
    """True when ``text`` is written as a filesystem path (absolute, home-relative, ./ or ../, a Windows drive or
    backslashes); Hub ids (``owner/name``) never look like that. Decided from the text only."""
    text = text.strip()
    return (text.startswith(("/", "~", "./", "../", ".\\", "..\\", "\\")) or text in (".", "..")
            or bool(_DRIVE_RE.match(text)) or "\\" in text)


def allowed_roots(environ: Mapping[str, str] | None = None) -> tuple[Path, ...]:
    """The operator's model folders (``PLAYGROUND_MODEL_DIRS``), symlinks resolved."""
    return tuple(Path(os.path.realpath(p)) for p in env_settings.model_dirs(environ))


def resolve_typed_path(text: str, roots: Iterable[Path] | None = None) -> Path:
    """The real path of a folder a visitor typed, if it may be opened; else ``ModelLoadError``.

    Refused alike (code ``local_not_allowed``, one message whether or not the path exists): ``..`` anywhere,
    anything that resolves (symlinks followed) outside the allowed folders, and any path when none are allowed.
    Per-session storage is refused with its own code (``private_folder``) even inside an allowed folder.
    """
    roots = allowed_roots() if roots is None else tuple(Path(os.path.realpath(r)) for r in roots)
    raw = text.strip()
    parts = PureWindowsPath(raw).parts if "\\" in raw else PurePosixPath(raw).parts
    if ".." in parts:
        raise ModelLoadError("local_not_allowed")
    real = Path(os.path.realpath(os.path.abspath(os.path.expanduser(raw))))
    if is_private(real):
        raise ModelLoadError("private_folder")
    if not roots or not inside(real, roots):
        raise ModelLoadError("local_not_allowed")
    return real


def model_folders(roots: Iterable[Path] | None = None) -> list[tuple[str, Path]]:
    """(name, real path) of every model folder (one with a ``config.json``) directly inside an allowed folder,
    sorted by name; private session folders and hidden folders are left out."""
    roots = allowed_roots() if roots is None else tuple(Path(os.path.realpath(r)) for r in roots)
    found: list[tuple[str, Path]] = []
    for root in roots:
        try:
            children = sorted(root.iterdir())
        except OSError:
            continue
        for child in children:
            real = Path(os.path.realpath(child))
            if child.name.startswith(".") or not inside(real, roots) or is_private(real):
                continue
            if (real / "config.json").is_file():
                found.append((child.name, real))
    return sorted(found, key=lambda item: item[0].lower())
