"""What a workshop teacher sees and does: who is here, a message to everyone, and the machine's load.

Nothing here stores what a participant typed: pages are counted by an opaque id, jobs are shown by kind, age and
a short anonymous tag.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import threading
import time
from dataclasses import dataclass, field

PRESENT_FOR = 20.0  # seconds a page counts as connected after its last sign of life (pages tick every 5 s)


def tag(session_id: str | None) -> str:
    """A short, stable, anonymous tag for a session (the teacher can tell jobs apart, not who runs them)."""
    salt = _SALT
    return "#" + hashlib.sha256((salt + (session_id or "")).encode()).hexdigest()[:6]


_SALT = secrets.token_hex(8)  # per process, so tags cannot be matched to session ids from outside


@dataclass
class Presence:
    """Pages that showed a sign of life recently (page load, periodic tick)."""

    window: float = PRESENT_FOR
    _seen: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def seen(self, session_id: str | None) -> None:
        if session_id:
            with self._lock:
                self._seen[session_id] = time.monotonic()

    def gone(self, session_id: str | None) -> None:
        with self._lock:
            self._seen.pop(session_id or "", None)

    def count(self) -> int:
        cutoff = time.monotonic() - self.window
        with self._lock:
            for sid in [s for s, t in self._seen.items() if t < cutoff]:
                del self._seen[sid]
            return len(self._seen)


@dataclass
class Broadcast:
    """One message from the teacher, shown at the top of every page until it is cleared or expires."""

    max_chars: int = 500
    ttl: float = 3600.0
    _text: str = ""
    _set_at: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def set(self, text: str) -> str:
        text = (text or "").strip()[: self.max_chars]
        with self._lock:
            self._text, self._set_at = text, time.monotonic()
        return text

    def clear(self) -> None:
        self.set("")

    def current(self) -> str:
        with self._lock:
            if self._text and time.monotonic() - self._set_at > self.ttl:
                self._text = ""
            return self._text


@dataclass(frozen=True)
class MachineLoad:
    load_1min: float  # runnable processes, averaged over a minute
    cores: int
    memory_used_gb: float
    memory_total_gb: float
    process_rss_gb: float  # this server


def machine_load() -> MachineLoad:
    """Load average, memory and this process's resident size (Linux /proc; zeros where unavailable)."""
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = 0.0
    total = available = 0.0
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            info = {line.split(":")[0]: float(line.split()[1]) for line in f if ":" in line}
        total, available = info.get("MemTotal", 0.0) / 2**20, info.get("MemAvailable", 0.0) / 2**20
    except OSError:
        pass
    rss = 0.0
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            rss = next((float(line.split()[1]) / 2**20 for line in f if line.startswith("VmRSS:")), 0.0)
    except OSError:
        pass
    return MachineLoad(load, os.cpu_count() or 1, total - available, total, rss)
