"""Charset detection of uploads: the hand-written decoder this project used before vs ``playground.charsets``.

For every fixture of tests/charset_fixtures.py (text in many encodings, binary files renamed to .txt) it prints
what each decoder decides: the encoding, accepted or refused (and why), the first 30 characters it would show, and
whether that is right (accepted text equal to the original, or refused when the fixture is binary / in an encoding
we refuse). The score is the number of right decisions. Run from the repository root:

    .venv/bin/python bench/charsets.py
"""

from __future__ import annotations

import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from charset_fixtures import fixtures  # noqa: E402

from playground.charsets import decode_bytes  # noqa: E402
from playground.errors import DataError  # noqa: E402

# ----------------------------------------------------------------------------------------------- the old decoder
# Copied from playground/data.py as it was before charset-normalizer (commit 89c733b), unchanged but for names.
OLD_MAGIC = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"PK\x03\x04", b"\x1f\x8b", b"\x7fELF", b"MZ",
             b"BZh", b"7z\xbc\xaf", b"Rar!", b"\xd0\xcf\x11\xe0", b"RIFF", b"ID3", b"OggS", b"\x00\x00\x01\x00",
             b"SQLite format 3")


def _old_looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    return head.startswith(OLD_MAGIC) or b"\x00" in head


def _old_control_ratio(text: str) -> float:
    sample = text[:20000]
    if not sample:
        return 0.0
    bad = sum(1 for ch in sample if unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") and ch not in "\t\n\r\f\v")
    return bad / len(sample)


def _old_plausible_chinese(text: str) -> bool:
    sample = text[:20000]
    if not sample:
        return True
    good = 0
    for ch in sample:
        o = ord(ch)
        if (o < 0x80 or 0x4E00 <= o <= 0x9FFF or 0x3000 <= o <= 0x303F or 0xFF00 <= o <= 0xFFEF
                or 0x3400 <= o <= 0x4DBF or 0x2000 <= o <= 0x206F or 0x2E80 <= o <= 0x2FDF or ch in "·—…“”‘’"):
            good += 1
    return good / len(sample) >= 0.95


def old_decode(data: bytes) -> tuple[str, str]:
    """(text, encoding) or raises ValueError("binary" | "undecodable")."""
    if _old_looks_binary(data):
        raise ValueError("binary")
    if data.startswith(b"\xef\xbb\xbf"):
        candidates = ["utf-8-sig"]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8", "gb18030"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "gb18030" and not _old_plausible_chinese(text):
            continue
        if _old_control_ratio(text) > 0.01:
            raise ValueError("binary")
        return text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff"), encoding
    raise ValueError("undecodable")


# ----------------------------------------------------------------------------------------------- comparison

def judge(decoder, fixture) -> tuple[str, str, str, bool, float]:
    """(encoding, decision, first 30 characters, right?, milliseconds)."""
    started = time.perf_counter()
    try:
        text, encoding = decoder(fixture.data)
    except (ValueError, DataError) as exc:
        code = getattr(exc, "code", None) or str(exc)
        found = getattr(exc, "params", {}).get("encoding", "")
        ms = (time.perf_counter() - started) * 1000
        return found or "-", f"refused: {code}", "", code == fixture.expect, ms
    ms = (time.perf_counter() - started) * 1000
    right = fixture.expect == "text" and text == fixture.text
    return encoding, "accepted", text[:30].replace("\n", "⏎"), right, ms


def main() -> None:
    items = fixtures()
    score = {"old": 0, "new": 0}
    print("| fixture | expected | old: encoding | old: decision | old: shows | new: encoding | new: decision | "
          "new: shows | new ms |")
    print("|---|---|---|---|---|---|---|---|---|")
    for f in items:
        old = judge(old_decode, f)
        new = judge(lambda data: decode_bytes(data, "upload.txt"), f)
        score["old"] += old[3]
        score["new"] += new[3]
        mark = lambda r: "✅" if r[3] else "❌"  # noqa: E731
        print(f"| {f.name} | {f.expect} | {old[0]} | {mark(old)} {old[1]} | `{old[2]}` | {new[0]} | "
              f"{mark(new)} {new[1]} | `{new[2]}` | {new[4]:.1f} |")
    print(f"\nscore: old {score['old']}/{len(items)}, new {score['new']}/{len(items)} right decisions")


if __name__ == "__main__":
    main()
