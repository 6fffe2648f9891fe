"""Per-session folders for fine-tuned adapters and downloads, keyed by Gradio's ``session_hash``, with a TTL.

A browser tab gets a new ``session_hash`` on every page load, so a reload would orphan a running training job.
Each session therefore also has a secret ``resume_key`` (random, made here, kept in the browser's localStorage by
the UI): a new page that presents it is bound to the same session and sees its job and model again. Nothing a
client sends is ever used as a path: folders are named by random ids made here, and the only way from a request to
a folder is ``session_hash -> Session`` (or a resume key, which is as secret as the session itself).

Lifetime: when the last page of a session closes (``release``) the session expires ``ttl`` seconds later, unless a
page re-attaches first; ``sweep`` deletes expired sessions (never one with a running job) and leftover folders
from an earlier run of the server.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from . import settings as env_settings
from .config import default_cache_dir

log = logging.getLogger(__name__)

ID_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
SESSIONS = "sessions"  # <cache>/sessions/<session id>/runs/<run id>: the one place this layout is spelled out
RUNS = "runs"
RUN_META = "meta.json"  # written by the training loop into every saved run


# ----------------------------------------------------------------------------------------------- layout

def sessions_root(cache_root: str | os.PathLike) -> Path:
    """Where every session's private folder lives."""
    return Path(cache_root) / SESSIONS


def default_downloads_root() -> Path:
    """Where files handed to Gradio for download live (its cache accepts the temp dir)."""
    return Path(tempfile.gettempdir()) / "llm-playground-downloads"


def runs_dir(session_folder: str | os.PathLike) -> Path:
    """The folder holding a session's saved fine-tuning runs."""
    return Path(session_folder) / RUNS


def run_dir(cache_root: str | os.PathLike, session_id: str, run_id: str) -> Path:
    """One saved run of one session (ids are made by the server, never by a client)."""
    return runs_dir(sessions_root(cache_root) / session_id) / run_id


def read_run_meta(folder: str | os.PathLike) -> dict | None:
    """The ``meta.json`` of a saved run, or None when it is missing or unreadable."""
    try:
        return json.loads((Path(folder) / RUN_META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def inside(path: str | os.PathLike, bases: Iterable[str | os.PathLike]) -> bool:
    """True when ``path`` (symlinks resolved) is one of ``bases`` or lies below one of them."""
    real = Path(os.path.realpath(path))
    return any(real == base or base in real.parents for base in (Path(os.path.realpath(b)) for b in bases))


def private_roots(*cache_roots: str | os.PathLike | None) -> list[Path]:
    """Every folder that holds per-session files: the sessions folder of each cache root (the default one
    always included) and the downloads folder."""
    roots = {sessions_root(c) for c in cache_roots if c} | {sessions_root(default_cache_dir())}
    return sorted(roots) + [default_downloads_root()]


def is_private(path: str | os.PathLike, *cache_roots: str | os.PathLike | None) -> bool:
    """True for paths inside per-session storage (fine-tuned models and downloads of any session): never to be
    opened as an ordinary model folder."""
    return inside(path, private_roots(*cache_roots))



@dataclass
class Session:
    id: str  # folder name: random, never derived from client input
    resume_key: str  # secret; lets a reloaded page find this session again
    folder: Path
    downloads: Path  # files handed to Gradio for download live here (its cache accepts the temp dir)
    created: float = field(default_factory=time.time)
    hashes: set[str] = field(default_factory=set)  # open pages (Gradio session hashes) bound to it
    expires: float | None = None  # set when no page is open
    busy: bool = False  # a training job is running: never deleted meanwhile
    model_run: str | None = None  # run id of this session's fine-tuned model (its folder: runs/<id>)
    model_label: str = ""  # how the model picker names it
    info: dict = field(default_factory=dict)  # small facts about the run for the views (base choice, prompts, ...)


class SessionStore:
    """Thread-safe map of Gradio sessions to private folders."""

    def __init__(self, root: Path, ttl: float = 3600.0, downloads_root: Path | None = None,
                 on_delete: Callable[[Session], None] | None = None) -> None:
        if not ttl > 0:
            raise ValueError("The session time-to-live must be positive.")
        self.root = Path(root)
        self.downloads_root = Path(downloads_root) if downloads_root else default_downloads_root()
        self.ttl = ttl
        self.on_delete = on_delete
        self._by_hash: dict[str, Session] = {}
        self._by_key: dict[str, Session] = {}
        self._by_id: dict[str, Session] = {}
        self._lock = threading.RLock()

    @classmethod
    def from_env(cls, cache_root: Path, environ: dict[str, str] | None = None, **kwargs) -> "SessionStore":
        """A store under ``cache_root`` whose time-to-live is ``PLAYGROUND_SESSION_TTL``."""
        return cls(sessions_root(cache_root), ttl=env_settings.read("PLAYGROUND_SESSION_TTL", environ), **kwargs)

    # -------------------------------------------------------------------------------- binding pages
    def _new(self) -> Session:
        sid = secrets.token_urlsafe(12)
        session = Session(sid, secrets.token_urlsafe(24), self.root / sid, self.downloads_root / sid)
        self._by_id[sid] = session
        self._by_key[session.resume_key] = session
        return session

    def attach(self, session_hash: str, resume_key: str | None = None) -> tuple[Session, bool]:
        """The session of a page: the one its resume key names (if still alive), else its current or a new one.

        Returns (session, resumed) where ``resumed`` says the page re-joined an earlier session.
        """
        if not session_hash:
            raise ValueError("A session hash is needed.")
        self.sweep()
        with self._lock:
            current = self._by_hash.get(session_hash)
            found = self._by_key.get(resume_key) if isinstance(resume_key, str) and resume_key else None
            if found is not None and found is not current:
                if current is not None:
                    self._unbind(session_hash, current)
                found.hashes.add(session_hash)
                found.expires = None
                self._by_hash[session_hash] = found
                return found, True
            if current is not None:
                return current, False
            session = self._new()
            session.hashes.add(session_hash)
            self._by_hash[session_hash] = session
            return session, False

    def get(self, session_hash: str | None) -> Session | None:
        """The session bound to a page, or None (never creates one)."""
        if not session_hash:
            return None
        with self._lock:
            return self._by_hash.get(session_hash)

    def ensure(self, session_hash: str) -> Session:
        """The page's session, creating one for API clients that never ran the page-load handler."""
        return self.get(session_hash) or self.attach(session_hash)[0]

    def _unbind(self, session_hash: str, session: Session) -> None:
        session.hashes.discard(session_hash)
        self._by_hash.pop(session_hash, None)
        if not session.hashes:
            session.expires = time.time() + self.ttl

    def release(self, session_hash: str | None) -> None:
        """A page closed: its session expires ``ttl`` seconds after its last page is gone."""
        with self._lock:
            session = self._by_hash.get(session_hash or "")
            if session is not None:
                self._unbind(session_hash, session)
        self.sweep()

    def set_busy(self, session: Session, busy: bool) -> None:
        with self._lock:
            session.busy = busy
            if not busy and not session.hashes:  # the job outlived its page: keep the result for a full TTL
                session.expires = time.time() + self.ttl

    # -------------------------------------------------------------------------------- folders
    def folder(self, session: Session, *parts: str) -> Path:
        """A path inside the session's folder (created). ``parts`` are names made by the server, never by a client."""
        path = session.folder.joinpath(*parts)
        path.mkdir(parents=True, exist_ok=True)
        return path

    def by_id(self, session_id: str) -> Session | None:
        with self._lock:
            return self._by_id.get(session_id)

    def runs(self, session: Session) -> Path:
        """The folder of this session's saved runs (not created)."""
        return runs_dir(session.folder)

    def run(self, session: Session, run_id: str | None = None) -> Path:
        """One saved run of this session (default: the run of its current fine-tuned model)."""
        return self.runs(session) / str(run_id or session.model_run)

    def owns(self, session: Session, path: str | os.PathLike) -> bool:
        """True when ``path`` lies inside this session's own folders."""
        return inside(path, (session.folder, session.downloads))

    def is_private(self, path: str | os.PathLike) -> bool:
        """True when ``path`` lies inside any session's storage (not to be opened as an ordinary local folder)."""
        return inside(path, (self.root, self.downloads_root))

    def sessions(self) -> list[Session]:
        with self._lock:
            return list(self._by_id.values())

    def delete(self, session: Session) -> None:
        with self._lock:
            self._by_id.pop(session.id, None)
            self._by_key.pop(session.resume_key, None)
            for h in list(session.hashes):
                self._by_hash.pop(h, None)
            session.hashes.clear()
        shutil.rmtree(session.folder, ignore_errors=True)
        shutil.rmtree(session.downloads, ignore_errors=True)
        if self.on_delete is not None:
            try:
                self.on_delete(session)
            except Exception:  # noqa: BLE001 - clean-up must go on
                log.exception("on_delete failed for session %s", session.id)

    def sweep(self, now: float | None = None) -> int:
        """Delete expired sessions and stale leftover folders; returns how many sessions were removed."""
        now = time.time() if now is None else now
        with self._lock:
            expired = [s for s in self._by_id.values() if not s.busy and s.expires is not None and s.expires <= now]
            known = set(self._by_id)
        for session in expired:
            self.delete(session)
        for base in (self.root, self.downloads_root):  # folders of a previous server process
            try:
                entries = list(base.iterdir())
            except OSError:
                continue
            for entry in entries:
                if entry.name in known or not ID_RE.match(entry.name):
                    continue
                try:
                    if now - entry.stat().st_mtime > self.ttl:
                        shutil.rmtree(entry, ignore_errors=True)
                except OSError:
                    pass
        return len(expired)
